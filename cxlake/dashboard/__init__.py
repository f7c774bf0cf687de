"""Static, self-contained HTML dashboards over the published marts (``cxlake dashboard``).

Five dashboards, one HTML file each, plus ``index.html``: campaign KPIs,
supervisor (001), unified CX (002), journeys (003), BPO partner (004). They read the
publication only (``<publish_dir>/current/marts.duckdb``, read-only), and each
audience reads only the columns and rows ``cxlake.dashboard.audience`` allows.
"""

from __future__ import annotations

import re
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

__all__ = ["AudienceError", "DashboardOutError", "PublicationError", "default_out", "render"]

DEFAULT_ROOT = Path("dashboards")
AUDIENCE_MARKER = ".cxlake-audience"
"""In every output folder: the audience whose dashboards it holds (one audience per folder)."""


class DashboardOutError(ValueError):
    """The output folder cannot take this audience's dashboards."""


def default_out(label: str, root: Path = DEFAULT_ROOT) -> Path:
    """``dashboards/<audience>``: ``internal``, ``supervisor``, ``finance``, ``bpo-<partner>``."""
    return root / (re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "audience")


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


def render(audience: str, out: Path | None, published: Path | None = None) -> list[Path]:
    """Write the audience's dashboards and ``index.html`` into ``out``; return their paths.

    ``out`` defaults to ``dashboards/<audience>`` (``default_out``); a folder that holds
    another audience's dashboards is refused (``DashboardOutError``), so a partner's
    folder never gets internal pages beside its own. ``published`` is the publication
    folder (holding ``marts.duckdb``, or ``current/`` with it); default
    ``cxlake.config.publish_dir()``.
    """
    parsed = parse_audience(audience)
    with MartReader(published or config.publish_dir(), parsed) as reader:
        label = parsed.label if reader.partner is None else f"bpo:{reader.partner.partner_name}"
        footer = _footer(reader, label)
        pages = [BUILDERS[name](reader) for name in parsed.dashboards]
    out = default_out(label) if out is None else out
    _claim(out, label, [page.slug for page in pages])
    paths = [write_page(out, page.slug, page_html(page, label, footer)) for page in pages]
    paths.append(write_page(out, "index", index_html(pages, label, footer)))
    return paths


def _claim(out: Path, label: str, slugs: list[str]) -> None:
    """Make ``out`` a folder of ``label``'s dashboards, or refuse in one line."""
    if out.exists() and not out.is_dir():
        raise DashboardOutError(f"--out {out} is a file, not a folder")
    marker = out / AUDIENCE_MARKER
    if marker.is_file():
        owner = marker.read_text(encoding="utf-8").strip()
        if owner != label:
            raise DashboardOutError(
                f"--out {out} holds the dashboards of audience '{owner}'; refusing to put audience "
                f"'{label}' beside them (one folder per audience: omit --out for {default_out(label)})"
            )
        return
    ours = [name for name in (*slugs, "index", *BUILDERS) if (out / f"{name}.html").exists()]
    if ours:
        raise DashboardOutError(
            f"--out {out} already holds dashboards ({ours[0]}.html) of an unrecorded audience; "
            "remove them or choose another folder"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        marker.write_text(label + "\n", encoding="utf-8")
    except OSError as exc:
        raise DashboardOutError(f"--out {out}: cannot write there ({exc.strerror or exc})") from exc
