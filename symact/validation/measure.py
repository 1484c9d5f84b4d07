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

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

import numpy as np

from symact.core.budget import BudgetExceeded

__all__ = ["ReportSet", "run_counting_warnings"]


class _Measured(Protocol):
    @property
    def bound_met(self) -> bool: ...


R = TypeVar("R", bound=_Measured)


class _Counter:
    """A NumPy error callback that notes each floating-point error (one per ufunc call that raised it)."""

    def __init__(self, events: list[str]) -> None:
        self.events = events

    def __call__(self, err: str, flag: int) -> None:
        self.events.append(err)


def run_counting_warnings(call: Callable[[], Any], shape: tuple[int, ...], dtype: np.dtype) -> tuple[np.ndarray, int]:
    """``call()`` as an array of ``dtype`` and the number of floating-point errors it raised.

    Overflow, invalid and divide-by-zero count (underflow is expected and ignored); each ufunc
    call that raised one counts once, as a RuntimeWarning would. A crash gives
    nan of ``shape`` and counts as a warning; a result of another dtype is cast to ``dtype`` and
    counts as one too (dtype drift is as bad as a warning). An enclosing budget that runs out
    (:class:`~symact.core.budget.BudgetExceeded`) still propagates.
    """
    # NumPy's error state (and its error callback) belongs to the calling thread: counting through it
    # leaves the process-wide warnings.filters alone, so validations may run in several threads.
    events: list[str] = []
    with np.errstate(over="call", invalid="call", divide="call", under="ignore", call=_Counter(events)):
        try:
            got = np.asarray(call())
        except BudgetExceeded:
            raise
        except Exception as exc:  # noqa: BLE001 - a crash is a reported failure, not raised
            got = np.full(shape, np.nan, dtype=dtype)
            events.append(repr(exc))
    n_warn = len(events)
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
