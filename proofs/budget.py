"""Time budgets for symbolic steps that may hang (``simplify`` and friends).

A step that runs out of time proves nothing: callers turn :class:`OutOfTime`
into UNKNOWN, never into a verdict. The limit uses ``signal.setitimer`` and so
only applies in the main thread; elsewhere (and when an outer budget is already
running) the step runs unlimited, which can cost time but never soundness.

Examples:
    >>> import sympy
    >>> run(sympy.expand, (sympy.Symbol("t") + 1) ** 2, seconds=1)
    t**2 + 2*t + 1
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["OutOfTime", "run"]

T = TypeVar("T")


class OutOfTime(Exception):  # noqa: N818 - reads as a verdict reason
    """A budgeted step did not finish in time."""


def _can_use_alarm() -> bool:
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )


def run(fn: Callable[..., T], *args: Any, seconds: float, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)``, raising :class:`OutOfTime` after ``seconds``."""
    if not _can_use_alarm():
        return fn(*args, **kwargs)

    def _expire(signum: int, frame: object) -> None:
        raise OutOfTime(f"{getattr(fn, '__name__', 'step')} exceeded {seconds} s")

    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
