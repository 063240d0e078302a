"""Former home of the table writer, now :mod:`cxnlp.io.tables`; warns on use."""

from cxnlp._moved import forwarding

__getattr__ = forwarding(
    "cxnlp.batch.writer", {"read_table": "cxnlp.io.tables:read_frame"}, default="cxnlp.io.tables"
)
