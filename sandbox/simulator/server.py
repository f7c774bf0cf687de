"""The sandbox API simulator: Genesys Cloud, Predictive Engagement/Journey and
Salesforce on one local HTTP port, serving a generated tenant.

Usage::

    with SandboxServer(Path("sandbox_data/demo"), faults="flaky") as server:
        requests.post(server.url + "/oauth/token", ...)

Behaviour follows the real APIs' documented shapes (the official Genesys SDK models and
Salesforce's REST docs, checked by tests/conformance) and docs/contracts.md; the fault profiles are described
in ``sandbox/simulator/faults.py``.
Sandbox extensions (not in the real APIs): ``GET /api/v2/contacts/events`` reads
back conversion events, and the Predictive Engagement ``/api/v2/predictive-engagement/*``
paths (invented, served as a documented sandbox option).
"""

from __future__ import annotations

import base64
import gc
import ipaddress
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.simulator.aggregates import AggregatesApi
from sandbox.simulator.auth import ADMIN_CLIENT, READ_CLIENT, TokenStore
from sandbox.simulator.contact_lists import ContactListsApi
from sandbox.simulator.context import SimContext, SimOptions
from sandbox.simulator.faults import FLAKY_TOKEN_LIFETIME_S, Fault, FaultPlan, apply_hostile_plan
from sandbox.simulator.genesys import GenesysApi
from sandbox.simulator.httpapi import ApiError, Clock, Request, Response, Route, json_response
from sandbox.simulator.journey import JourneyApi
from sandbox.simulator.live import LiveOptions
from sandbox.simulator.notifications import LiveMode
from sandbox.simulator.salesforce import SalesforceApi
from sandbox.simulator.store import load_tenant
from sandbox.simulator.wfm import WfmApi

CORRELATION_PREFIX = "5b0d0a5e-0000-4000-8000-"


def _compile(pattern: str) -> re.Pattern[str]:
    """A route regex; a trailing slash is accepted as the real APIs do (``.../query/?q=``)."""
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "/?$")


class SimulatorApp:
    """Routes requests to the API modules, enforcing auth, scopes, rate limits and faults."""

    def __init__(
        self, data_dir: Path, faults: str, seed: int, options: SimOptions, live: LiveOptions | None = None
    ) -> None:
        tenant = load_tenant(data_dir)
        plan = FaultPlan(faults, seed)
        if faults == "hostile":
            apply_hostile_plan(tenant)
        lifetime = (
            min(options.token_lifetime_s, FLAKY_TOKEN_LIFETIME_S) if plan.active else options.token_lifetime_s
        )
        self.ctx = SimContext(tenant, options, plan, Clock(tenant.period_end_ms))
        self.tokens = TokenStore(seed, lifetime, options.rate_limit_per_minute)
        genesys = GenesysApi(self.ctx)
        # Live mode (sandbox/simulator/notifications.py): its routes come first, so they answer current state.
        self.live = LiveMode(tenant, seed, live, genesys) if live is not None else None
        self.contactlists = ContactListsApi(self.ctx)
        self.journey = JourneyApi(self.ctx)
        routes = (
            [
                Route("POST", "/oauth/token", self.genesys_token, "open"),
                Route("POST", "/services/oauth2/token", self.salesforce_token, "open"),
                Route("GET", "/api/v2/tokens/me", self.token_info, "genesys"),
            ]
            + (self.live.routes() if self.live is not None else [])
            + genesys.routes()
            + WfmApi(self.ctx).routes()
            + AggregatesApi(self.ctx).routes()
            + self.journey.routes()
            + SalesforceApi(self.ctx).routes()
            + self.contactlists.routes()
        )
        self.routes = [(route, _compile(route.pattern)) for route in routes]
        self._salesforce_requests = 0
        self._lock = threading.Lock()
        self._correlations = 0

    # --- OAuth ----------------------------------------------------------------------------

    def genesys_token(self, request: Request) -> Response:
        client_id, secret = _basic_credentials(request)
        form = parse_qs(request.body.decode("utf-8", "replace"))
        if form.get("grant_type", [""])[0] != "client_credentials":
            return _oauth_error("unsupported_grant_type", "grant_type must be client_credentials")
        scopes = self.tokens.authenticate(client_id, secret)
        if scopes is None:
            return _oauth_error("invalid_client", "client id or secret is wrong")
        asked = form.get("scope", [""])[0].split()
        if asked:
            refused = [scope for scope in asked if scope not in scopes]
            if refused:
                return _oauth_error(
                    "invalid_scope", f"scopes not granted to this client: {' '.join(refused)}"
                )
            scopes = tuple(asked)
        token = self.tokens.issue(client_id, scopes, "genesys")
        return json_response(
            {
                "access_token": token.value,
                "token_type": "bearer",
                "expires_in": int(self.tokens.lifetime_s),
                "scope": " ".join(scopes),
            }
        )

    def token_info(self, request: Request) -> Response:
        """``GET /api/v2/tokens/me``: the calling token's TokenInfo (any valid token may ask)."""
        header = request.headers.get("authorization", "")
        token = self.tokens.check(header[7:].strip(), "genesys")
        if token is None:  # _authorize already answered 401 for a bad token
            raise ApiError(401, "bad.credentials", "Invalid login credentials.")
        org = {"id": "00000000-0000-4000-8000-00000000005a", "name": "cxlake sandbox"}
        return json_response(
            {
                "organization": org,
                "homeOrganization": org,
                "authorizedScope": sorted(token.scopes),
                "OAuthClient": {"id": token.client_id, "name": token.client_id, "organization": org},
            }
        )

    def salesforce_token(self, request: Request) -> Response:
        form = parse_qs(request.body.decode("utf-8", "replace"))
        grant = form.get("grant_type", [""])[0]
        if grant != "client_credentials":
            return _oauth_error("unsupported_grant_type", "grant_type must be client_credentials")
        client_id = form.get("client_id", [""])[0]
        scopes = self.tokens.authenticate(client_id, form.get("client_secret", [""])[0])
        if scopes is None:
            return _oauth_error("invalid_client", "invalid client credentials")
        token = self.tokens.issue(
            client_id,
            ("api", "refresh_token") if client_id != ADMIN_CLIENT[0] else ("api", "full"),
            "salesforce",
        )
        base = request.headers.get("x-sandbox-base", "")
        return json_response(
            {
                "access_token": token.value,
                "instance_url": base,
                "id": f"{base}/id/00DSANDBOX000001/005SANDBOX000001",
                "token_type": "Bearer",
                "issued_at": str(self.ctx.tenant.period_end_ms),
                "signature": token.value[-16:],
                "scope": " ".join(sorted(token.scopes)),
            }
        )

    # --- dispatch -------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request; an unexpected exception becomes a 500 naming it, never a dropped connection."""
        salesforce = request.path.startswith("/services/")
        if not salesforce:
            with self._lock:
                self._correlations += 1
                request.correlation_id = f"{CORRELATION_PREFIX}{self._correlations:012d}"
        try:
            response = self._handle(request)
        except Exception as exc:  # the server must answer whatever a handler does
            message = f"sandbox failure on {request.method} {request.path}: {type(exc).__name__}: {exc}"
            error = ApiError(500, "internal.server.error", message)
            response = self._error_response(request, "salesforce" if salesforce else "genesys", error)
        if request.correlation_id:
            response.headers["ININ-Correlation-Id"] = request.correlation_id
        return response

    def _handle(self, request: Request) -> Response:
        route = self._match(request)
        if route is None:
            return self._not_found(request)
        if route.api == "open":
            return route.handler(request)
        if (
            route.pattern.startswith(
                ("/api/v2/predictive-engagement", "/api/v2/journey", "/api/v2/analytics/journeys")
            )
            and not self.ctx.options.predictive_engagement
        ):
            return self._error_response(request, route.api, ApiError(404, "not.found", "Resource not found"))
        rate_headers: dict[str, str] = {}
        try:
            rate_headers = self._authorize(route, request)
            fault = self._fault(route, request)
            if fault is not None:
                return self._fault_response(request, route, fault, rate_headers)
            response = route.handler(request)
        except ApiError as error:
            response = self._error_response(request, route.api, error)
        response.headers = {**rate_headers, **response.headers}
        return response

    def _match(self, request: Request) -> Route | None:
        for route, pattern in self.routes:
            if route.method != request.method:
                continue
            found = pattern.match(request.path)
            if found:
                request.params = found.groupdict()
                request.endpoint = route.name
                return route
        return None

    def _not_found(self, request: Request) -> Response:
        api = "salesforce" if request.path.startswith("/services/") else "genesys"
        message = f"No resource at {request.method} {request.path}"
        return self._error_response(request, api, ApiError(404, "not.found", message))

    def _authorize(self, route: Route, request: Request) -> dict[str, str]:
        """Check token, rate limit and scope; return the rate-limit headers to send."""
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer ") or not header[7:].strip():
            raise ApiError(
                401,
                "authentication.required",
                "No authentication bearer token specified in authorization header.",
            )
        token = self.tokens.check(header[7:].strip(), route.api)
        if token is None:
            if route.api == "salesforce":
                raise ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
            raise ApiError(401, "bad.credentials", "Invalid login credentials.")
        request.scopes = token.scopes
        if route.api == "salesforce":
            return self._salesforce_limit()
        decision = self.tokens.count_request(token)
        headers: dict[str, str] = {}
        if decision.limit:
            headers = {
                "inin-ratelimit-allowed": str(decision.limit),
                "inin-ratelimit-count": str(min(decision.count, decision.limit)),
                "inin-ratelimit-reset": str(decision.reset_s),
            }
        if not decision.allowed:
            raise self._too_many(decision.reset_s, headers)
        if route.scope and route.scope not in token.scopes:
            error = ApiError(
                403,
                "missing.permissions",
                f"Missing required permission/scope for this operation: {route.scope}",
            )
            error.headers.update(headers)
            raise error
        return headers

    def _salesforce_limit(self) -> dict[str, str]:
        limit = self.ctx.options.salesforce_request_limit
        with self._lock:
            self._salesforce_requests += 1
            used = self._salesforce_requests
        if limit and used > limit:
            raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        return {"Sforce-Limit-Info": f"api-usage={used}/{limit or 'unlimited'}"}

    def _too_many(self, retry_after: int, headers: dict[str, str]) -> ApiError:
        error = ApiError(
            429,
            "too.many.requests",
            f"Rate limit exceeded the maximum. Retry the request in [{retry_after}] seconds",
            headers={**headers, "Retry-After": str(retry_after)},
        )
        return error

    def _fault(self, route: Route, request: Request) -> Fault | None:
        request.number = self.ctx.faults.next_request(route.name)
        fault = self.ctx.faults.fault_for(route.name, request.number)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay_s)
            return None
        return fault

    def _fault_response(
        self, request: Request, route: Route, fault: Fault, headers: dict[str, str]
    ) -> Response:
        if fault.kind == "rate" and route.api != "salesforce":
            error = self._too_many(1, headers)
        else:
            status = fault.status if fault.kind == "error" else 503
            codes = {500: "internal.server.error", 503: "service.unavailable", 504: "request.timeout"}
            error = ApiError(status, codes[status], "The sandbox injected a transient failure")
            if route.api == "salesforce":
                error.code = "UNKNOWN_EXCEPTION" if status == 500 else "SERVER_UNAVAILABLE"
        response = self._error_response(request, route.api, error)
        response.headers.update({**headers, **error.headers})
        return response

    def _error_response(self, request: Request, api: str, error: ApiError) -> Response:
        if api == "salesforce":
            return json_response(
                [{"message": error.message, "errorCode": error.code}], error.status, dict(error.headers)
            )
        body = {
            "message": error.message,
            "code": error.code,
            "status": error.status,
            "contextId": request.correlation_id,
        }
        return json_response(body, error.status, dict(error.headers))


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _basic_credentials(request: Request) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:].strip()).decode().partition(":")
            return client_id, secret
        except (ValueError, UnicodeDecodeError):
            return "", ""
    form = parse_qs(request.body.decode("utf-8", "replace"))
    return form.get("client_id", [""])[0], form.get("client_secret", [""])[0]


def _oauth_error(code: str, description: str) -> Response:
    return json_response({"error": code, "description": description, "error_description": description}, 400)


def _make_handler(app: SimulatorApp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # one small answer must not wait for a delayed ACK
        wbufsize = 1 << 16  # headers and body leave in one write; flushed after each request
        server_version = "cxlake-sandbox/1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            url = urlsplit(self.path)
            headers = {name.lower(): value for name, value in self.headers.items()}
            host = (
                self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
            )
            headers["x-sandbox-base"] = f"http://{host}"
            request = Request(
                self.command, url.path, parse_qs(url.query, keep_blank_values=True), headers, body
            )
            response = app.handle(request)
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return

    return Handler


class SandboxServer:
    """The simulator on ``host:port`` (port 0 = a free port), in a background thread."""

    def __init__(
        self,
        data_dir: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: str = "none",
        seed: int = 42,
        live: LiveOptions | None = None,
        **options: Any,
    ) -> None:
        self.app = SimulatorApp(Path(data_dir), faults, seed, SimOptions(**options), live)
        # The tenant lives as long as the server: keep its many objects out of every cyclic-GC
        # pass while it serves (in-process clients allocate a lot while paging); stop() unfreezes.
        gc.collect()
        gc.freeze()
        self._host = host
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("SandboxServer is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SandboxServer:
        httpd = ThreadingHTTPServer((self._host, self._port), _make_handler(self.app))
        httpd.daemon_threads = True
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name="cxlake-sandbox", daemon=True)
        self._thread.start()
        if self.app.live is not None:
            self.app.live.start()
        return self

    def stop(self) -> None:
        if self.app.live is not None:
            self.app.live.stop()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        gc.unfreeze()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(
    data_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8765,
    faults: str = "none",
    seed: int = 42,
    live: LiveOptions | None = None,
    **options: Any,
) -> None:
    """Serve until interrupted (Ctrl-C); print the URL and the sandbox credentials."""
    server = SandboxServer(
        data_dir, host=host, port=port, faults=faults, seed=seed, live=live, **options
    ).start()
    print(f"cxlake sandbox serving {data_dir} at {server.url} (faults={faults}, seed={seed})", flush=True)
    if live is not None:
        ws_port = server.app.live.hub.ws_port
        print(f"  live mode: speed x{live.speed:g}, notifications WebSocket on port {ws_port}", flush=True)
    print(f"  Genesys token:    POST {server.url}/oauth/token  Basic {READ_CLIENT[0]}:{READ_CLIENT[1]}")
    print(
        f"  Salesforce token: POST {server.url}/services/oauth2/token  client_id={READ_CLIENT[0]} "
        f"client_secret={READ_CLIENT[1]}"
    )
    print(f"  admin (write scopes): {ADMIN_CLIENT[0]}:{ADMIN_CLIENT[1]}", flush=True)
    if not _is_loopback(host):
        print(
            f"WARNING: serving on {host}, not only 127.0.0.1: anyone who can reach this port can use the "
            f"published credentials, including the write-scoped admin client {ADMIN_CLIENT[0]!r}, and read "
            "the whole synthetic tenant; use --host 127.0.0.1 unless you mean it",
            file=sys.stderr,
            flush=True,
        )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
