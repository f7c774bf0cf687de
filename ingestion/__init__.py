"""cxlake ingestion: Genesys Cloud, Predictive Engagement / Journey and Salesforce -> DuckDB raw schemas.

- ``pipeline``: ``run_ingest`` / ``format_summary`` (what ``cxlake ingest`` calls).
- ``http_client``: the one HTTP layer (OAuth, retries, 429, token bucket, least privilege).
- ``genesys_cloud``, ``predictive_engagement``, ``salesforce``: the HTTP sources.
- ``files``: file mode (NDJSON parts and saved API pages).
- ``tables``: raw table specs; ``records``: validation, quarantine and Arrow rows in DuckDB;
  ``loader``: dlt resources and pipelines; ``extract``: windows and incremental state.

See ``ingestion/README.md`` and ``docs/contracts.md`` §4. Never imports ``sandbox``.
"""
