"""Running generated code under validation (its result and the warnings it raised, never an exception),
and what every validation report shares.

Examples:
    >>> import numpy as np
    >>> xs = np.array([0.0, 1.0])
    >>> run_counting_warnings(lambda: np.log(xs), xs.shape, xs.dtype)  # log(0) warns once
    (array([-inf,   0.]), 1)
    >>> run_counting_warnings(lambda: 1 / 0, xs.shape, xs.dtype)  # a crash: nan and one warning
    (array([nan, nan]), 1)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

import numpy as np

from symact.core.budget import BudgetExceeded

__all__ = ["ReportSet", "run_counting_warnings"]


class _Measured(Protocol):
    @property
    def bound_met(self) -> bool: ...


R = TypeVar("R", bound=_Measured)


def run_counting_warnings(call: Callable[[], Any], shape: tuple[int, ...], dtype: np.dtype) -> tuple[np.ndarray, int]:
    """``call()`` as an array of ``dtype`` and the number of RuntimeWarnings it raised.

    Overflow, invalid and divide-by-zero warn (underflow is expected and ignored). A crash gives
    nan of ``shape`` and counts as a warning; a result of another dtype is cast to ``dtype`` and
    counts as one too (dtype drift is as bad as a warning). An enclosing budget that runs out
    (:class:`~symact.core.budget.BudgetExceeded`) still propagates.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
            try:
                got = np.asarray(call())
            except BudgetExceeded:
                raise
            except Exception as exc:  # noqa: BLE001 - a crash is a reported failure, not raised
                got = np.full(shape, np.nan, dtype=dtype)
                caught.append(warnings.WarningMessage(RuntimeWarning(repr(exc)), RuntimeWarning, "", 0))
    n_warn = sum(1 for w in caught if issubclass(w.category, RuntimeWarning))
    if got.dtype != dtype:
        n_warn += 1
        got = got.astype(dtype)
    return got, n_warn


class ReportSet(Generic[R]):
    """A validation report: one function report (with ``bound_met``) per dtype and derivative."""

    results: tuple[R, ...]

    @property
    def ok(self) -> bool:
        """Whether every function met its bar."""
        return all(r.bound_met for r in self.results)

    def _find(self, **match: Any) -> R:
        """The function report whose fields equal ``match`` (``KeyError`` of the values if none)."""
        for r in self.results:
            if all(getattr(r, k) == v for k, v in match.items()):
                return r
        values = tuple(match.values())
        raise KeyError(values[0] if len(values) == 1 else values)
