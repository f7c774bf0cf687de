"""The HTTP layer every source uses. It knows no source: sources hand it endpoints
and paging rules, it hands back parsed JSON.

- OAuth client credentials (Genesys by region or base URL; Salesforce with
  ``instance_url``), token cached and refreshed ahead of expiry, one re-auth and
  retry on 401, refusal of tokens that carry write scopes: from the token
  response's ``scope`` when it has one, else (Genesys) from ``authorizedScope`` of
  ``GET /api/v2/tokens/me``; a Genesys token whose scopes cannot be learnt is refused.
- The bearer token only goes to the API's own origin (scheme, host, port): an
  absolute paging link (``nextUri``, ``nextPageUri``, ``nextRecordsUrl``) elsewhere
  stops extraction with :class:`ForeignLinkRefused`.
- 429: ``Retry-After``, else ``inin-ratelimit-reset``, else exponential backoff
  with jitter and a cap. 5xx and timeouts retried within a budget, then a clear
  error naming the endpoint and what was retried.
- A token-bucket limiter per client that slows down when the
  ``inin-ratelimit-*`` headers say the quota is nearly spent.
"""

from __future__ import annotations

import base64
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import orjson
import requests
from requests.adapters import HTTPAdapter

GENESYS_REGIONS: dict[str, str] = {
    "us-east-1": "mypurecloud.com",
    "us-east-2": "use2.us-gov-pure.cloud",
    "us-west-2": "usw2.pure.cloud",
    "ca-central-1": "cac1.pure.cloud",
    "sa-east-1": "sae1.pure.cloud",
    "mx-central-1": "mxc1.pure.cloud",
    "eu-west-1": "mypurecloud.ie",
    "eu-west-2": "euw2.pure.cloud",
    "eu-central-1": "mypurecloud.de",
    "eu-central-2": "euc2.pure.cloud",
    "me-central-1": "mec1.pure.cloud",
    "ap-south-1": "aps1.pure.cloud",
    "ap-southeast-1": "apse1.pure.cloud",
    "ap-southeast-2": "mypurecloud.com.au",
    "ap-northeast-1": "mypurecloud.jp",
    "ap-northeast-2": "apne2.pure.cloud",
    "ap-northeast-3": "apne3.pure.cloud",
}
WRITE_SCOPE_SUFFIXES = (":edit", ":write", ":add", ":delete", ":create", ":update", ":manage", ":admin")
WRITE_SCOPE_NAMES = frozenset({"full", "write", "admin", "edit"})
RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
LOW_QUOTA_FRACTION = 0.1


class ApiError(RuntimeError):
    """An API answered with an error that retrying does not fix."""

    def __init__(self, message: str, status: int | None = None, endpoint: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.endpoint = endpoint


class RetryBudgetExhausted(ApiError):
    """Retries on 5xx/timeouts/429 used up."""


class WriteScopeRefused(ApiError):
    """The token grants write scopes: extraction refuses to run with it."""


class AuthError(ApiError):
    """The token endpoint refused the credentials."""


class WriteScopeUnverified(AuthError):
    """The API would not say which scopes the token has: extraction refuses to guess."""


class ForeignLinkRefused(ApiError):
    """A link in an API answer points to another scheme, host or port than the API's."""


TOKEN_INFO_PATH = "/api/v2/tokens/me"
"""Genesys: ``TokenInfo`` of the calling token, ``authorizedScope`` = its scopes."""


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``, lower-cased, with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def genesys_domain(region: str) -> str:
    """The domain of a Genesys Cloud region given by name (``eu-central-1``) or by its domain
    (``mypurecloud.de``, also as ``api.``/``login.``-prefixed host or URL)."""
    value = region.strip().lower().rstrip("/")
    if value in GENESYS_REGIONS:
        return GENESYS_REGIONS[value]
    host = urlsplit(value).hostname if "://" in value else value
    for prefix in ("api.", "login."):
        if host and host.startswith(prefix):
            host = host[len(prefix) :]
    if host in GENESYS_REGIONS.values():
        return host
    raise ValueError(
        f"unknown Genesys region {region!r}; give a region name ({', '.join(GENESYS_REGIONS)}) "
        f"or its domain ({', '.join(GENESYS_REGIONS.values())})"
    )


def genesys_hosts(region: str) -> tuple[str, str]:
    """(API base URL, login base URL) of a Genesys Cloud region, as the SDK derives them."""
    api = f"https://api.{genesys_domain(region)}"
    return api, api.replace("://api.", "://login.", 1)


def login_base(api_base: str) -> str:
    """Token host for an explicit API base URL: ``api.<domain>`` -> ``login.<domain>`` (as the
    SDK derives it); any other host (a proxy, the sandbox) serves ``/oauth/token`` itself."""
    parts = urlsplit(api_base.rstrip("/"))
    if parts.netloc.startswith("api."):
        return f"{parts.scheme}://login.{parts.netloc[4:]}"
    return api_base.rstrip("/")


def write_scopes(scope: str | None) -> list[str]:
    """The scopes of a granted ``scope`` string that allow writing."""
    found = []
    for item in (scope or "").split():
        lowered = item.lower()
        if lowered in WRITE_SCOPE_NAMES or lowered.endswith(WRITE_SCOPE_SUFFIXES):
            found.append(item)
    return found


def refresh_lead_s(lifetime_s: float, margin_s: float) -> float:
    """How long before expiry to refresh: ``margin_s``, never more than half the lifetime."""
    return min(margin_s, lifetime_s / 2)


@dataclass
class HttpCounters:
    """What the HTTP layer did; summed into the run summary."""

    requests: int = 0
    retries: int = 0
    throttles: int = 0
    reauths: int = 0


class TokenBucket:
    """Token bucket: ``rate_per_minute`` requests per minute, bursts up to ``burst``.

    ``rate_per_minute <= 0`` disables limiting. :meth:`observe` reads the
    ``inin-ratelimit-*`` headers: when less than 10% of the quota is left, the
    bucket is drained so that the next requests wait for refill.
    """

    def __init__(self, rate_per_minute: float, burst: float | None = None) -> None:
        self.rate_per_s = rate_per_minute / 60.0
        self.capacity = burst if burst is not None else max(1.0, rate_per_minute / 4)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.paused_until = 0.0
        self.lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate_per_s > 0

    def acquire(self) -> None:
        if not self.enabled:
            return
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate_per_s)
                self.updated = now
                wait = max(0.0, self.paused_until - now)
                if wait == 0 and self.tokens >= 1:
                    self.tokens -= 1
                    return
                if wait == 0:
                    wait = (1 - self.tokens) / self.rate_per_s
            time.sleep(wait)

    def observe(self, allowed: int | None, count: int | None, reset_s: float | None) -> None:
        """Slow down when the server says the quota is nearly spent."""
        if not self.enabled or not allowed or count is None:
            return
        remaining = allowed - count
        if remaining <= allowed * LOW_QUOTA_FRACTION:
            with self.lock:
                self.tokens = min(self.tokens, 0.0)
                if remaining <= 0 and reset_s:
                    self.paused_until = max(self.paused_until, time.monotonic() + reset_s)


@dataclass
class ClientCredentials:
    """OAuth client credentials and how to present them."""

    token_url: str
    client_id: str
    client_secret: str
    basic_auth: bool = True
    """Genesys: ``Authorization: Basic``; Salesforce: id and secret in the form body."""
    margin_s: float = 120.0
    default_lifetime_s: float = 7200.0
    """Used when the token response has no ``expires_in`` (Salesforce)."""
    allow_write_scopes: bool = False
    """Only the write-back command (``cxlake push``) sets this; extraction always refuses them."""


@dataclass
class Token:
    value: str
    refresh_at: float
    instance_url: str | None = None
    scope: str | None = None


class OAuth:
    """Fetches, caches and refreshes a client-credentials token."""

    def __init__(self, credentials: ClientCredentials, session: requests.Session, timeout_s: float) -> None:
        self.credentials = credentials
        self.session = session
        self.timeout_s = timeout_s
        self.token: Token | None = None
        self.lock = threading.Lock()
        self.api_base: str | None = None
        """Where ``GET /api/v2/tokens/me`` is asked when a Genesys token response names no scope."""

    def current(self, force: bool = False) -> Token:
        with self.lock:
            if force or self.token is None or time.monotonic() >= self.token.refresh_at:
                self.token = self._fetch()
            return self.token

    def _fetch(self) -> Token:
        creds = self.credentials
        form = {"grant_type": "client_credentials"}
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if creds.basic_auth:
            pair = f"{creds.client_id}:{creds.client_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        else:
            form.update(client_id=creds.client_id, client_secret=creds.client_secret)
        try:
            response = self.session.post(creds.token_url, data=form, headers=headers, timeout=self.timeout_s)
        except requests.RequestException as exc:
            raise AuthError(
                f"token request to {creds.token_url} failed: {exc}", None, creds.token_url
            ) from exc
        if response.status_code != 200:
            raise AuthError(
                f"token request to {creds.token_url} refused ({response.status_code}): {response.text[:300]}",
                response.status_code,
                creds.token_url,
            )
        body = response.json()
        scope = body.get("scope")
        if scope is None and creds.basic_auth:
            scope = self._authorized_scope(body["access_token"])
        granted_write = write_scopes(scope)
        if granted_write and not creds.allow_write_scopes:
            raise WriteScopeRefused(
                f"refusing to extract with client {creds.client_id!r}: its token grants write scopes "
                f"{', '.join(granted_write)}; use a read-only OAuth client (least privilege)",
                None,
                creds.token_url,
            )
        lifetime = float(body.get("expires_in") or creds.default_lifetime_s)
        refresh_at = time.monotonic() + lifetime - refresh_lead_s(lifetime, creds.margin_s)
        return Token(body["access_token"], refresh_at, body.get("instance_url"), scope)

    def _authorized_scope(self, access_token: str) -> str:
        """The token's scopes as the Genesys API reports them (``authorizedScope`` of TokenInfo).

        Genesys' client-credentials token response carries no ``scope``; rather than assume a
        read-only client, ask. No answer, or no ``authorizedScope`` in it: refuse to guess.
        """
        client_id = self.credentials.client_id
        if not self.api_base:
            raise WriteScopeUnverified(
                f"cannot verify the scopes of client {client_id!r}: no API base to ask {TOKEN_INFO_PATH}",
                None,
                self.credentials.token_url,
            )
        url = self.api_base.rstrip("/") + TOKEN_INFO_PATH
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        problem = ""
        for attempt in range(4):
            try:
                response = self.session.get(url, headers=headers, timeout=self.timeout_s)
            except requests.RequestException as exc:
                problem = f"failed: {exc}"
            else:
                if response.status_code == 200:
                    try:
                        info = response.json()
                    except ValueError:
                        info = None
                    scopes = info.get("authorizedScope") if isinstance(info, dict) else None
                    if isinstance(scopes, list) and all(isinstance(s, str) for s in scopes):
                        return " ".join(scopes)
                    problem = "answered without an authorizedScope list"
                    break
                problem = f"answered {response.status_code}: {_error_text(response)}"
                if response.status_code not in RETRYABLE_STATUS and response.status_code != 429:
                    break
            time.sleep(0.5 * 2**attempt)
        raise WriteScopeUnverified(
            f"refusing to extract with client {client_id!r}: cannot verify it holds no write scope "
            f"(GET {TOKEN_INFO_PATH} {problem})",
            None,
            url,
        )


@dataclass
class RetryPolicy:
    budget: int = 8
    """Retries per request for 5xx, timeouts and connection errors."""
    throttle_budget: int = 30
    """Retries per request for 429."""
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 60.0
    retry_after_cap_s: float = 300.0
    """Longest wait honoured from ``Retry-After`` / ``inin-ratelimit-reset`` (the SDK's cap)."""


@dataclass
class ApiClient:
    """One API client: base URL, OAuth, limiter, retry policy, counters."""

    base_url: str
    oauth: OAuth
    limiter: TokenBucket
    counters: HttpCounters = field(default_factory=HttpCounters)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeout_s: float = 60.0

    def __post_init__(self) -> None:
        if self.oauth.api_base is None:
            self.oauth.api_base = self.base_url

    @property
    def session(self) -> requests.Session:
        return self.oauth.session

    def url(self, path_or_url: str) -> str:
        """Absolute URL of a path, or of a link from an answer, which must stay on the API's origin."""
        parts = urlsplit(path_or_url)
        if parts.scheme or parts.netloc:  # absolute, or protocol-relative //host/path
            url = path_or_url
        else:
            url = urljoin(self.base_url.rstrip("/") + "/", path_or_url.lstrip("/"))
        if origin(url) != origin(self.base_url):
            scheme, host, port = origin(url)
            raise ForeignLinkRefused(
                f"refusing to send the API token to {scheme}://{host}:{port} "
                f"(a link in an answer of {self.base_url}); links are followed only on the API's own "
                "scheme, host and port",
                None,
                urlsplit(url).path,
            )
        return url

    def get(
        self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        return self.request("GET", path, params=params, headers=headers)

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, body=body)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, body=body)

    def get_raw(self, path: str, params: dict[str, Any] | None = None) -> bytes:
        """GET returning the body bytes unparsed (large pages are parsed in bulk by DuckDB)."""
        return self.send("GET", path, params=params)

    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Send with auth, limiter and retries; return the parsed JSON body (None when empty)."""
        content = self.send(method, path, params, body, headers)
        return orjson.loads(content) if content else None

    def send(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> bytes:
        """Send with auth, limiter and retries; return the body of the successful answer."""
        return self.send_response(method, path, params, body, headers).content

    def send_response(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """Send with auth, limiter and retries; return the successful answer (body read)."""
        url = self.url(path)
        endpoint = f"{method} {urlsplit(url).path}"
        retries = throttles = 0
        reauthed = False
        history: list[str] = []
        while True:
            token = self.oauth.current()
            self.limiter.acquire()
            self.counters.requests += 1
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=orjson.dumps(body) if body is not None else None,
                    headers={**_headers(token.value, body is not None), **(headers or {})},
                    timeout=self.timeout_s,
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                history.append(type(exc).__name__)
                retries = self._retry_or_raise(endpoint, retries, history)
                time.sleep(self._backoff(retries))
                continue
            self._observe(response)
            status = response.status_code
            if status < 300:
                return response
            if status == 401 and not reauthed:
                reauthed = True
                self.counters.reauths += 1
                self.oauth.current(force=True)
                continue
            if status == 429:
                throttles += 1
                self.counters.throttles += 1
                history.append("429")
                if throttles > self.policy.throttle_budget:
                    raise RetryBudgetExhausted(_gave_up(endpoint, history), status, endpoint)
                time.sleep(self._throttle_wait(response, throttles))
                continue
            if status in RETRYABLE_STATUS:
                history.append(str(status))
                retries = self._retry_or_raise(endpoint, retries, history)
                time.sleep(self._backoff(retries))
                continue
            raise ApiError(f"{endpoint} answered {status}: {_error_text(response)}", status, endpoint)

    def _retry_or_raise(self, endpoint: str, retries: int, history: list[str]) -> int:
        if retries >= self.policy.budget:
            raise RetryBudgetExhausted(_gave_up(endpoint, history), None, endpoint)
        self.counters.retries += 1
        return retries + 1

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.policy.backoff_cap_s, self.policy.backoff_base_s * 2 ** (attempt - 1))
        return ceiling * (0.5 + random.random() / 2)

    def _throttle_wait(self, response: requests.Response, attempt: int) -> float:
        for header in ("Retry-After", "inin-ratelimit-reset"):
            value = response.headers.get(header)
            if value is not None:
                try:
                    return min(self.policy.retry_after_cap_s, max(0.0, float(value)))
                except ValueError:
                    continue
        return self._backoff(attempt)

    def _observe(self, response: requests.Response) -> None:
        headers = response.headers
        self.limiter.observe(
            _int_header(headers.get("inin-ratelimit-allowed")),
            _int_header(headers.get("inin-ratelimit-count")),
            _int_header(headers.get("inin-ratelimit-reset")),
        )

    def paginate(
        self, path: str, params: dict[str, Any] | None = None, key: str = "entities"
    ) -> Iterator[Any]:
        """Pages of a Genesys list, following ``nextUri`` (page-number or ``after`` cursor)."""
        page = self.get(path, params)
        while True:
            items = (page or {}).get(key) or []
            yield items
            next_uri = (page or {}).get("nextUri")
            if not next_uri or not items:
                return
            page = self.get(next_uri)


def _error_text(response: requests.Response) -> str:
    """The API's error message (Genesys ``message``, Salesforce ``[{message}]``), else the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]
    if isinstance(body, dict) and body.get("message"):
        code = body.get("code") or body.get("errorCode")
        return f"{body['message']}" + (f" ({code})" if code else "")
    return response.text[:300]


def _gave_up(endpoint: str, history: list[str]) -> str:
    return (
        f"{endpoint}: gave up after {len(history)} failed attempts "
        f"(retried on: {', '.join(history)}); the API kept failing"
    )


def _headers(token: str, has_body: bool) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if has_body:
        headers["Content-Type"] = "application/json"
    return headers


def _int_header(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def new_session(pool_size: int = 8) -> requests.Session:
    """A pooled session (keep-alive connections reused across pages)."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
