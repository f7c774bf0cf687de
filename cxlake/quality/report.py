"""The human-readable report ``cxlake validate`` prints."""

from __future__ import annotations

import json
from collections import Counter

from cxlake.quality.runner import Finding, ValidationOutcome


def format_report(outcome: ValidationOutcome) -> str:
    """Per-suite tallies, every failed expectation with a sample of bad rows, freshness, verdict."""
    lines = ["Validation report", "================="]
    lines += _suite_tallies(outcome.findings)
    failures = outcome.critical_failures + outcome.warnings
    if failures:
        lines += ["", "Failed expectations:"]
        for finding in failures:
            lines += _describe(finding)
    if outcome.skipped:
        lines += ["", "Skipped:"] + [f"  - {line}" for line in _grouped(outcome.skipped)]
    if outcome.freshness:
        lines += ["", "Source freshness (latest _extracted_at):"]
        for source in sorted(outcome.freshness, key=lambda s: s.schema):
            lines.append(
                f"  {source.schema:<28} {source.latest:%Y-%m-%d %H:%M:%S}Z  "
                f"age {source.age_hours:.1f} h  {source.status}"
            )
    if outcome.measures:
        lines += ["", "Reconciliation counts:"]
        lines += [f"  {name:<36} {value:,.0f}" for name, value in outcome.measures.items()]
    if outcome.docs_index is not None:
        lines += ["", f"Data Docs: {outcome.docs_index}"]
    verdict = "PASSED" if outcome.success else "FAILED"
    lines += [
        "",
        f"Validation {verdict}: {len(outcome.findings)} expectations, "
        f"{len(outcome.critical_failures)} critical failure(s), {len(outcome.warnings)} warning(s)",
    ]
    return "\n".join(lines)


def _grouped(skipped: list[str]) -> list[str]:
    """``schema.table (reason)`` entries sharing a schema and reason on one line each."""
    groups: dict[tuple[str, str], list[str]] = {}
    other = []
    for entry in skipped:
        relation, _, reason = entry.partition(" (")
        schema, dot, table = relation.partition(".")
        if dot and reason and " " not in relation:
            groups.setdefault((schema, reason.rstrip(")")), []).append(table)
        else:
            other.append(entry)
    lines = [f"{schema} ({reason}): {', '.join(tables)}" for (schema, reason), tables in groups.items()]
    return lines + other


def _suite_tallies(findings: list[Finding]) -> list[str]:
    total: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for finding in findings:
        total[finding.suite] += 1
        if not finding.success:
            failed[finding.suite] += 1
    width = max((len(suite) for suite in total), default=0)
    return [
        f"  {'FAIL' if failed[suite] else 'ok  '}  {suite:<{width}}  "
        f"{total[suite] - failed[suite]}/{total[suite]} passed"
        for suite in total
    ]


def _describe(finding: Finding) -> list[str]:
    lines = [
        f"  [{finding.severity.upper()}] {finding.suite} :: {finding.expectation}"
        + (f" :: column {finding.column}" if finding.column else ""),
        f"      observed: {finding.observed}",
        f"      expected: {finding.expected}",
    ]
    if finding.sample:
        lines.append("      sample of bad rows:")
        lines += [f"        {json.dumps(row, default=str)}" for row in finding.sample]
    return lines
