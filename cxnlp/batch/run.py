"""Former home of :mod:`cxnlp.runs` (scoring files into one table); warns on use."""

from cxnlp._moved import forwarding

__getattr__ = forwarding("cxnlp.batch.run", {"BatchSummary": "cxnlp.runs:RunSummary"}, default="cxnlp.runs")
