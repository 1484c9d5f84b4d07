"""Module-level work for the tests to send to symact's budget workers (work is sent as data:
a worker imports this module by name, so the functions it runs cannot be closures)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from symact.core import budget


def spin(seconds: float) -> int:
    """Pure-Python busy loop (no sleeping, no C call that blocks)."""
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
    return n


def _timeout(err: budget.BudgetExceeded) -> str:
    return "timeout"


def partly_timed_out(step_seconds: float) -> tuple[str, str]:
    """Two steps: a 1 s one under ``step_seconds`` (an answer anyway if it runs out), then a quick one."""
    first = budget.step(spin, 1.0, seconds=step_seconds, what="a long step", on_timeout=_timeout)
    second = budget.step(str, "done", seconds=5, what="a quick step", on_timeout=_timeout)
    return ("timeout" if first == "timeout" else "done"), second


def _spin_forever(*_args: object, **_kwargs: object) -> None:
    while True:
        pass


def ends_with_its_budget(fn: Callable[..., Any], args: tuple[Any, ...], never_return: tuple[str, ...]) -> list[Any]:
    """In a worker whose ``sympy.<name>`` for each of ``never_return`` spins forever, run ``fn(*args)``
    under a 0.3 s budget; what ``fn`` did once that budget ran out (its answer, or "propagated")."""
    import sympy

    seen: list[Any] = []

    def observed() -> None:  # a closure is fine inside a worker: nested budgets fork from it
        try:
            seen.append(fn(*args))
        except budget.BudgetExceeded:
            seen.append("propagated")
            raise

    for name in never_return:
        setattr(sympy, name, _spin_forever)  # only in this worker
    try:
        budget.call(observed, seconds=0.3, what="the enclosing call")
    except budget.BudgetExceeded:
        pass
    return seen
