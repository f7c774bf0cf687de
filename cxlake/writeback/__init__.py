"""``cxlake push conversions``: business outcomes written back to the dialer contacts.

The only cxlake code that holds a write-scoped Genesys client. Pieces:

- :mod:`cxlake.writeback.events`: reads conversion events (NDJSON / CSV file, or won
  Salesforce opportunities in the warehouse) and checks each field.
- :mod:`cxlake.writeback.resolve`: finds the outbound contact a campaign dialled for an
  event, from the contact lists and conversations in the warehouse (read-only).
- :mod:`cxlake.writeback.outbox`: the durable outbox (SQLite beside the warehouse).
- :mod:`cxlake.writeback.sender`: batches through the shared HTTP layer.
- :mod:`cxlake.writeback.push`: the command itself.
"""

from cxlake.writeback.push import PushOptions, PushSummary, format_summary, push_conversions

__all__ = ["PushOptions", "PushSummary", "format_summary", "push_conversions"]
