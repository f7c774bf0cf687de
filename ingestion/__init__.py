"""cxlake ingestion: Genesys Cloud, Predictive Engagement / Journey and Salesforce -> raw schemas.

- ``run``: ``load_raw`` / ``run_ingest`` / ``format_summary`` (what ``cxlake ingest`` calls).
- ``genesys_cloud``, ``predictive_engagement``, ``salesforce``: the API sources (``@dlt.source``).
- ``export_files``: file mode (``export_files_source``: NDJSON parts and saved API pages).
- ``raw_resources``: raw tables as dlt resources / transformers, quarantine routing, run stats.
- ``validation``: records -> validated Arrow rows and quarantine rows, in DuckDB.
- ``tables``: the raw table registry. ``paging``: dlt paginators over ``http_client``.
- ``http_client``: the one HTTP layer (OAuth, retries, 429, token bucket, least privilege).
- ``api_settings`` / ``api_clients``: injected connection settings and the clients.
- ``warehouse``: the dlt pipeline and destination. ``windows``: time windows.

See ``ingestion/README.md`` and ``docs/contracts.md`` §4. Never imports ``sandbox``.
"""
