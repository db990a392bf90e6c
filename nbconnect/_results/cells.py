"""What every group of :class:`~nbconnect._results.results.Results` methods reads: the cells and
their declared parts, and the two checks they share (a field name, a truth)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import arms as _arms
from . import score as _score

__all__ = ["DATA_INDEX", "MODEL", "ROW", "Cells"]

ROW, MODEL = "row", "model"
#: ``meta`` key naming the input column that holds ``data=``'s own index (when it had one): a truth
#: Series or DataFrame lines up on it instead of the row ids
DATA_INDEX = "data_index"


class Cells:
    """The state a Results holds (set by its ``__init__``), declared once for its method groups."""

    _df: pd.DataFrame
    _fields: list[str]
    _models: list[str]
    _inputs: list[str]
    _schema: dict[str, Any] | None
    _truth: Any
    _meta: dict[str, Any]
    _kinds: dict[str, str]

    @property
    def arms(self) -> list[str]:
        """Arm labels in table order: ``"variant|model"``, or the model when there are no variants."""
        return _arms.arm_order(self._df, self._models)

    def _check_field(self, field: str) -> None:
        _score.check_field(field, self._fields)

    @property
    def _index(self) -> str | None:
        """The input column holding the data's own index, if the run kept one."""
        name = self._meta.get(DATA_INDEX)
        return name if name in self._inputs else None

    def _truth_keys(self, truth: Any, field: str | None) -> dict[str, pd.Series]:
        truth = self._truth if truth is None else truth
        return _score.truth_keys(
            truth, field, self._df, self._inputs, self._fields, self._kinds, self._schema, index=self._index
        )
