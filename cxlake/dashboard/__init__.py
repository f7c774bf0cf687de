"""Static, self-contained HTML dashboards over the published marts (``cxlake dashboard``).

Five dashboards, one HTML file each, plus ``index.html``: campaign KPIs (seed 000),
supervisor (001), unified CX (002), journeys (003), BPO partner (004). They read the
publication only (``<publish_dir>/current/marts.duckdb``, read-only), and each
audience reads only the columns and rows ``cxlake.dashboard.audience`` allows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cxlake import config
from cxlake.dashboard import bpo, campaigns, journeys, supervisor, unified
from cxlake.dashboard.audience import (
    BPO_PARTNER,
    CAMPAIGNS,
    JOURNEYS,
    SUPERVISOR_VIEW,
    UNIFIED_CX,
    AudienceError,
    parse_audience,
)
from cxlake.dashboard.page import Page, index_html, page_html, write_page
from cxlake.dashboard.reader import MartReader, PublicationError

__all__ = ["AudienceError", "PublicationError", "render"]

BUILDERS: dict[str, Callable[[MartReader], Page]] = {
    CAMPAIGNS: campaigns.build,
    SUPERVISOR_VIEW: supervisor.build,
    UNIFIED_CX: unified.build,
    JOURNEYS: journeys.build,
    BPO_PARTNER: bpo.build,
}


def _footer(reader: MartReader, label: str) -> str:
    info = reader.publication_info()
    version = info.get("version", reader.publication.name)
    published = info.get("published_at", "unknown time")
    return (
        f"cxlake - published marts version {version} (published {published}); audience {label}. "
        "Generated offline; charts by plotly.js, inlined."
    )


def render(audience: str, out: Path, published: Path | None = None) -> list[Path]:
    """Write the audience's dashboards and ``index.html`` into ``out``; return their paths.

    ``published`` is the publication folder (holding ``marts.duckdb``, or ``current/``
    with it); default ``cxlake.config.publish_dir()``.
    """
    parsed = parse_audience(audience)
    with MartReader(published or config.publish_dir(), parsed) as reader:
        label = parsed.label if reader.partner is None else f"bpo:{reader.partner.partner_name}"
        footer = _footer(reader, label)
        pages = [BUILDERS[name](reader) for name in parsed.dashboards]
    out.mkdir(parents=True, exist_ok=True)
    paths = [write_page(out, page.slug, page_html(page, label, footer)) for page in pages]
    paths.append(write_page(out, "index", index_html(pages, label, footer)))
    return paths
