"""Settings of the sources, read from dlt config/secrets (``.dlt/config.toml``,
``.dlt/secrets.toml`` or env vars such as ``SOURCES__GENESYS__CLIENT_ID``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import dlt

SANDBOX_CLIENT_ID = "cxlake-sandbox"
SANDBOX_CLIENT_SECRET = "cxlake-sandbox-secret"
RATE_LIMIT_PRESETS = {
    "default": 240.0,  # below Genesys' 300 requests/min per token
    "journey_analytics": 80.0,  # Predictive Engagement
    "partner": 600.0,  # BPO partners: 10 requests/s for partner traffic
    "off": 0.0,
}


def _get(section: str, key: str, default: Any) -> Any:
    value = dlt.config.get(f"sources.{section}.{key}")
    return default if value is None else value


def _secret(section: str, key: str) -> str | None:
    value = dlt.secrets.get(f"sources.{section}.{key}")
    return None if value is None else str(value)


@dataclass
class ApiSettings:
    """Where an API lives and how to talk to it."""

    base_url: str | None
    region: str | None
    client_id: str | None
    client_secret: str | None
    rate_limit_per_minute: float
    timeout_s: float = 60.0
    retry_budget: int = 8
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 60.0
    rate_limit_burst: float | None = None
    token_refresh_margin_s: float = 120.0


@dataclass
class GenesysSettings:
    api: ApiSettings
    lookback_days: int = 3
    initial_days: int = 90
    query_page_size: int = 100
    jobs_page_size: int = 1000
    entity_page_size: int = 100
    job_poll_s: float = 1.0
    aggregates_granularity: str = "PT5M"
    aggregates_time_zone: str = "UTC"
    aggregates_time_zones: dict[str, str] = field(default_factory=dict)


@dataclass
class PredictiveSettings:
    api: ApiSettings
    scorecard_offset_hours: int = 48
    page_size: int = 1000
    initial_days: int = 90


@dataclass
class SalesforceSettings:
    api: ApiSettings
    api_version: str = "v62.0"
    tier_field: str = "Account_Tier__c"
    ltv_field: str = "Customer_LTV_USD__c"
    batch_size: int = 2000


def _api(
    section: str, default_rate: float, base_url: str | None, sandbox: bool, fallback: str | None = None
) -> ApiSettings:
    """API settings of ``section``; connection values missing there come from ``fallback``."""

    def connection(key: str, default: Any = None) -> Any:
        value = _get(section, key, None)
        if value is None and fallback:
            value = _get(fallback, key, None)
        return default if value is None else value

    def secret(key: str) -> str | None:
        return _secret(section, key) or (_secret(fallback, key) if fallback else None)

    burst = _get(section, "rate_limit_burst", None)
    return ApiSettings(
        base_url=base_url or connection("base_url"),
        region=connection("region", "us-east-1"),
        client_id=SANDBOX_CLIENT_ID if sandbox else secret("client_id"),
        client_secret=SANDBOX_CLIENT_SECRET if sandbox else secret("client_secret"),
        rate_limit_per_minute=_rate_limit(section, default_rate),
        timeout_s=float(_get(section, "timeout_s", 60.0)),
        retry_budget=int(_get(section, "retry_budget", 8)),
        backoff_base_s=float(_get(section, "backoff_base_s", 0.5)),
        backoff_cap_s=float(_get(section, "backoff_cap_s", 60.0)),
        rate_limit_burst=None if burst is None else float(burst),
        token_refresh_margin_s=float(_get(section, "token_refresh_margin_s", 120.0)),
    )


def _rate_limit(section: str, default_rate: float) -> float:
    """``rate_limit_per_minute`` if set, else the named ``rate_limit_preset``, else the default."""
    explicit = _get(section, "rate_limit_per_minute", None)
    if explicit is not None:
        return float(explicit)
    preset = _get(section, "rate_limit_preset", None)
    if preset is None:
        return default_rate
    try:
        return RATE_LIMIT_PRESETS[str(preset)]
    except KeyError:
        known = ", ".join(RATE_LIMIT_PRESETS)
        raise ValueError(
            f"sources.{section}.rate_limit_preset: unknown preset {preset!r}; known: {known}"
        ) from None


def genesys_settings(base_url: str | None, sandbox: bool) -> GenesysSettings:
    return GenesysSettings(
        api=_api("genesys", 240, base_url, sandbox),
        lookback_days=int(_get("genesys", "lookback_days", 3)),
        initial_days=int(_get("genesys", "initial_days", 90)),
        query_page_size=int(_get("genesys", "query_page_size", 100)),
        jobs_page_size=int(_get("genesys", "jobs_page_size", 1000)),
        entity_page_size=int(_get("genesys", "entity_page_size", 100)),
        job_poll_s=float(_get("genesys", "job_poll_s", 1.0)),
        aggregates_granularity=str(_get("genesys", "aggregates_granularity", "PT5M")),
        aggregates_time_zone=str(_get("genesys", "aggregates_time_zone", "UTC")),
        aggregates_time_zones=dict(_get("genesys", "aggregates_time_zones", {})),
    )


def predictive_settings(base_url: str | None, sandbox: bool) -> PredictiveSettings:
    return PredictiveSettings(
        api=_api("predictive_engagement", 80, base_url, sandbox, fallback="genesys"),
        scorecard_offset_hours=int(_get("predictive_engagement", "scorecard_offset_hours", 48)),
        page_size=int(_get("predictive_engagement", "page_size", 1000)),
        initial_days=int(_get("predictive_engagement", "initial_days", 90)),
    )


def crm_field_mapping() -> dict[str, str]:
    """The org's Account tier and LTV field names, the one setting ingestion and dbt both read.

    ``SOURCES__SALESFORCE__TIER_FIELD`` / ``SOURCES__SALESFORCE__LTV_FIELD`` (defaults
    ``Account_Tier__c`` / ``Customer_LTV_USD__c``); keys are the dbt vars ``cxlake build``
    passes them as.
    """
    return {
        "salesforce_tier_field": str(_get("salesforce", "tier_field", "Account_Tier__c")),
        "salesforce_ltv_field": str(_get("salesforce", "ltv_field", "Customer_LTV_USD__c")),
    }


def salesforce_settings(base_url: str | None, sandbox: bool) -> SalesforceSettings:
    fields = crm_field_mapping()
    return SalesforceSettings(
        api=_api("salesforce", 600, base_url, sandbox),
        api_version=str(_get("salesforce", "api_version", "v62.0")),
        tier_field=fields["salesforce_tier_field"],
        ltv_field=fields["salesforce_ltv_field"],
        batch_size=int(_get("salesforce", "batch_size", 2000)),
    )


def scorecard_offset_hours() -> int:
    return int(_get("predictive_engagement", "scorecard_offset_hours", 48))
