"""The API clients of the sources: OAuth, token bucket and retry policy from :class:`ApiSettings`."""

from __future__ import annotations

from ingestion.api_settings import ApiSettings
from ingestion.http_client import (
    ApiClient,
    ClientCredentials,
    HttpCounters,
    OAuth,
    RetryPolicy,
    TokenBucket,
    genesys_hosts,
    login_base,
    new_session,
)


class MissingCredentials(ValueError):
    """No client id/secret configured for an API."""


def _credentials_or_fail(api: ApiSettings, source: str) -> tuple[str, str]:
    if not api.client_id or not api.client_secret:
        upper = source.upper()
        raise MissingCredentials(
            f"{source}: no OAuth client credentials; set SOURCES__{upper}__CLIENT_ID and "
            f"SOURCES__{upper}__CLIENT_SECRET (or .dlt/secrets.toml), or use --sandbox URL / --from-files DIR"
        )
    return api.client_id, api.client_secret


def genesys_client(api: ApiSettings, counters: HttpCounters, source: str = "genesys") -> ApiClient:
    """Genesys (or Journey) client: explicit base URL, else the region's hosts."""
    client_id, secret = _credentials_or_fail(api, source)
    if api.base_url:
        base = api.base_url.rstrip("/")
        token_url = f"{login_base(base)}/oauth/token"
    else:
        base, login = genesys_hosts(api.region or "us-east-1")
        token_url = f"{login}/oauth/token"
    session = new_session()
    credentials = ClientCredentials(token_url, client_id, secret, margin_s=api.token_refresh_margin_s)
    oauth = OAuth(credentials, session, api.timeout_s)
    return ApiClient(base, oauth, _limiter(api), counters, _policy(api), api.timeout_s)


def salesforce_client(api: ApiSettings, counters: HttpCounters) -> ApiClient:
    """Salesforce client: token at ``<base>/services/oauth2/token``, API at ``instance_url``."""
    client_id, secret = _credentials_or_fail(api, "salesforce")
    if not api.base_url:
        raise MissingCredentials(
            "salesforce: no base URL; set SOURCES__SALESFORCE__BASE_URL to the My Domain URL "
            "(https://<domain>.my.salesforce.com)"
        )
    base = api.base_url.rstrip("/")
    session = new_session()
    credentials = ClientCredentials(
        f"{base}/services/oauth2/token",
        client_id,
        secret,
        basic_auth=False,
        margin_s=api.token_refresh_margin_s,
    )
    oauth = OAuth(credentials, session, api.timeout_s)
    instance = oauth.current().instance_url or base
    return ApiClient(instance.rstrip("/"), oauth, _limiter(api), counters, _policy(api), api.timeout_s)


def _limiter(api: ApiSettings) -> TokenBucket:
    return TokenBucket(api.rate_limit_per_minute, api.rate_limit_burst)


def _policy(api: ApiSettings) -> RetryPolicy:
    return RetryPolicy(
        budget=api.retry_budget, backoff_base_s=api.backoff_base_s, backoff_cap_s=api.backoff_cap_s
    )
