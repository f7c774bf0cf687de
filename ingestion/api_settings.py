"""Connection settings of the APIs, injected by dlt from ``.dlt/config.toml``,
``.dlt/secrets.toml`` or env vars (``SOURCES__GENESYS__CLIENT_ID``, ...).

Each API's connection is one dlt ``@configspec``, :class:`ApiConnectionConfiguration`,
resolved under ``sources.<section>`` (``genesys``, ``predictive_engagement``,
``salesforce``); the two secrets come from the secret providers. The
extraction settings of each source (look-back, page sizes, ...) are arguments of the
``@dlt.source`` itself, injected the same way.

The sandbox is not a setting: ``--sandbox URL`` passes the sandbox's published
credentials (:data:`SANDBOX_CLIENT_ID` / :data:`SANDBOX_CLIENT_SECRET`) and its URL as
explicit arguments, which win over configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dlt.common.configuration import configspec, resolve_configuration, with_config
from dlt.common.configuration.specs import BaseConfiguration
from dlt.common.typing import TSecretStrValue

SANDBOX_CLIENT_ID = "cxlake-sandbox"
SANDBOX_CLIENT_SECRET = "cxlake-sandbox-secret"
RATE_LIMIT_PRESETS = {
    "default": 240.0,  # below Genesys' 300 requests/min per token
    "journey_analytics": 80.0,  # Predictive Engagement
    "partner": 600.0,  # BPO partners: 10 requests/s for partner traffic
    "off": 0.0,
}


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
    api: ApiSettings | None = None
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
class SalesforceSettings:
    api: ApiSettings | None = None
    api_version: str = "v62.0"
    tier_field: str = "Account_Tier__c"
    ltv_field: str = "Customer_LTV_USD__c"
    batch_size: int = 2000


def sandbox_credentials(sandbox_url: str | None) -> dict[str, str]:
    """Explicit connection arguments for ``--sandbox URL`` (empty without it)."""
    if sandbox_url is None:
        return {}
    return {"base_url": sandbox_url, "client_id": SANDBOX_CLIENT_ID, "client_secret": SANDBOX_CLIENT_SECRET}


def rate_limit(section: str, explicit: float | None, preset: str | None, default_rate: float) -> float:
    """``rate_limit_per_minute`` if set, else the named ``rate_limit_preset``, else the default."""
    if explicit is not None:
        return float(explicit)
    if preset is None:
        return default_rate
    try:
        return RATE_LIMIT_PRESETS[str(preset)]
    except KeyError:
        known = ", ".join(RATE_LIMIT_PRESETS)
        raise ValueError(
            f"sources.{section}.rate_limit_preset: unknown preset {preset!r}; known: {known}"
        ) from None


@configspec
class ApiConnectionConfiguration(BaseConfiguration):
    """The settings of one API connection, the same fields under every ``sources.<section>``.

    ``client_id`` / ``client_secret`` are secrets (``.dlt/secrets.toml`` or env vars such
    as ``SOURCES__GENESYS__CLIENT_SECRET``). ``rate_limit_preset`` names one of
    :data:`RATE_LIMIT_PRESETS`; an explicit ``rate_limit_per_minute`` wins over it.
    """

    base_url: str | None = None
    region: str | None = None
    client_id: TSecretStrValue | None = None
    client_secret: TSecretStrValue | None = None
    rate_limit_per_minute: float | None = None
    rate_limit_preset: str | None = None
    rate_limit_burst: float | None = None
    timeout_s: float = 60.0
    retry_budget: int = 8
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 60.0
    token_refresh_margin_s: float = 120.0


def _resolved(section: str, explicit: dict[str, Any]) -> dict[str, Any]:
    """``sources.<section>`` resolved by dlt; arguments given explicitly win."""
    unknown = sorted(set(explicit) - set(ApiConnectionConfiguration.get_resolvable_fields()))
    if unknown:
        raise TypeError(f"sources.{section}: unknown connection setting(s) {', '.join(unknown)}")
    config = resolve_configuration(
        ApiConnectionConfiguration(), sections=("sources", section), explicit_value=explicit or None
    )
    return {name: getattr(config, name) for name in ApiConnectionConfiguration.get_resolvable_fields()}


def _api(section: str, default_rate: float, values: dict[str, Any]) -> ApiSettings:
    burst = values["rate_limit_burst"]
    return ApiSettings(
        base_url=values["base_url"],
        region=values["region"],
        client_id=None if values["client_id"] is None else str(values["client_id"]),
        client_secret=None if values["client_secret"] is None else str(values["client_secret"]),
        rate_limit_per_minute=rate_limit(
            section, values["rate_limit_per_minute"], values["rate_limit_preset"], default_rate
        ),
        timeout_s=float(values["timeout_s"]),
        retry_budget=int(values["retry_budget"]),
        backoff_base_s=float(values["backoff_base_s"]),
        backoff_cap_s=float(values["backoff_cap_s"]),
        rate_limit_burst=None if burst is None else float(burst),
        token_refresh_margin_s=float(values["token_refresh_margin_s"]),
    )


def genesys_connection(**explicit: Any) -> ApiSettings:
    """Genesys Cloud API settings (``sources.genesys.*``, region ``us-east-1`` unless set);
    default limit 240 requests/min."""
    values = _resolved("genesys", explicit)
    return _api("genesys", 240, {**values, "region": values["region"] or "us-east-1"})


def predictive_connection(**explicit: Any) -> ApiSettings:
    """Predictive Engagement / Journey API settings (``sources.predictive_engagement.*``); default
    limit 80 requests/min. Where, and with which client, come from ``sources.genesys`` when not
    set here (the same org; a separate OAuth client is optional)."""
    values = _resolved("predictive_engagement", explicit)
    if (
        not values["client_id"]
        or not values["client_secret"]
        or not values["base_url"]
        or not values["region"]
    ):
        genesys = genesys_connection(**({"base_url": values["base_url"]} if values["base_url"] else {}))
        if not values["client_id"] or not values["client_secret"]:
            values["client_id"], values["client_secret"] = genesys.client_id, genesys.client_secret
        values["base_url"] = values["base_url"] or genesys.base_url
        values["region"] = values["region"] or genesys.region
    return _api("predictive_engagement", 80, values)


def salesforce_connection(**explicit: Any) -> ApiSettings:
    """Salesforce API settings (``sources.salesforce.*``, ``base_url`` = the My Domain URL; no
    region); default limit 600 requests/min."""
    return _api("salesforce", 600, {**_resolved("salesforce", explicit), "region": None})


@with_config(sections=("sources", "salesforce"))
def crm_field_mapping(
    tier_field: str = "Account_Tier__c", ltv_field: str = "Customer_LTV_USD__c"
) -> dict[str, str]:
    """The org's Account tier and LTV field names, the one setting ingestion and dbt both read.

    ``SOURCES__SALESFORCE__TIER_FIELD`` / ``SOURCES__SALESFORCE__LTV_FIELD`` (defaults
    ``Account_Tier__c`` / ``Customer_LTV_USD__c``); keys are the dbt vars ``cxlake build``
    passes them as.
    """
    return {"salesforce_tier_field": str(tier_field), "salesforce_ltv_field": str(ltv_field)}


@with_config(sections=("sources", "predictive_engagement"))
def scorecard_offset_hours(scorecard_offset_hours: int = 48) -> int:
    """Hours after which a scorecard day is final (``sources.predictive_engagement.*``)."""
    return int(scorecard_offset_hours)
