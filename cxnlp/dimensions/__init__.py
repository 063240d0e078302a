"""The four scored dimensions, each its own module behind :class:`~cxnlp.dimensions.base.Dimension`."""

from cxnlp.dimensions.base import (
    Dimension,
    PrototypeSet,
    get_dimension,
    register_dimension,
    registered_dimensions,
)
from cxnlp.dimensions.brand import BrandCongruence
from cxnlp.dimensions.completeness import AnswerCompleteness
from cxnlp.dimensions.filler import FillerContent
from cxnlp.dimensions.proactive import ProactiveConnection

__all__ = [
    "AnswerCompleteness",
    "BrandCongruence",
    "Dimension",
    "FillerContent",
    "PrototypeSet",
    "ProactiveConnection",
    "get_dimension",
    "register_dimension",
    "registered_dimensions",
]
