"""Time budgets that really stop SymPy.

SymPy's ``simplify``, ``limit``, ``solveset`` and ``function_range`` can run for
minutes on ordinary activations, and they are pure Python: nothing short of a
signal or a killed process stops them. This module runs a function under a deadline.

* :func:`call` returns ``fn(*args)`` or raises :class:`BudgetExceeded` (a
  ``TimeoutError``) once ``seconds`` have passed.

  - Outside a worker, ``fn`` runs in a forked child (a *worker*); at the deadline
    the worker and everything it forked are killed with ``SIGKILL``. The result
    and exceptions come back pickled, with their types; an exception that cannot
    be pickled becomes a :class:`WorkerError`. A worker may grow its address space
    by at most :func:`memory_limit` bytes, so a memory bomb ends as a ``MemoryError``.
  - Inside a worker (main thread), ``call`` arms a timer instead of forking. The
    worker's own call keeps its wall-clock deadline (``SIGALRM``); a call nested in it
    gets a budget of the worker's CPU time (``SIGPROF``, see :func:`clock`), so that
    what a step finds before it runs out does not depend on the machine's load.
    Budgets nest: an inner budget never extends an outer deadline. An alarm that
    ``fn`` swallows is raised again every 50 ms, and one swallowed by Python itself
    (in a ``gc`` callback or a ``__del__``) 1 ms later; whatever ``fn`` returns or
    raises after its deadline is replaced by :class:`BudgetExceeded`.
  - Inside a worker, in another thread, ``call`` forks again (signals reach only
    the main thread); the grandchild never outlives the worker's deadline.

* :func:`step` runs one step of a larger computation. Its own timeout becomes an
  answer (``on_timeout``); when the *enclosing* budget is spent (:func:`remaining`
  is 0) the :class:`BudgetExceeded` propagates, so the whole call ends instead of
  going on to its next step. Every budgeted step in symact goes through it.
* :class:`CallCache` keeps the answers of whole public calls (timeouts included,
  with the budget they ran out of) in the calling process.
* :func:`default_seconds` (``SYMACT_BUDGET``, 5 s) and :func:`memory_limit`
  (``SYMACT_BUDGET_MEMORY_MB``, 4 GiB) configure the defaults.

Limitations: the signal path cannot interrupt one long C call (a huge GMP
multiplication) until it returns; the fork path always can. Unpickling a SymPy
result re-runs its automatic evaluation in the caller. Without ``os.fork``
(non-POSIX), ``fn`` runs in-process without a deadline. A ``fn`` that takes a
lock held by another thread of the caller at fork time blocks until its deadline.

Examples:
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> call(sympy.diff, sympy.tanh(x), x, seconds=5)
    1 - tanh(x)**2
    >>> call(sum, [1, 2, 3], what="adding")
    6
    >>> import time
    >>> call(time.sleep, 10, seconds=0.2, what="a nap")
    Traceback (most recent call last):
    ...
    symact.core.budget.BudgetExceeded: a nap exceeded its time budget of 0.2 s
"""

from __future__ import annotations

import atexit
import contextlib
import math
import numbers
import os
import pickle
import select
import signal
import socket
import sys
import threading
import time
import warnings
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from symact.core import transfer, workers
from symact.core.errors import SymactError

try:  # POSIX only
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

__all__ = [
    "BudgetExceeded",
    "CallCache",
    "WorkerError",
    "call",
    "check_seconds",
    "clock",
    "default_seconds",
    "degraded",
    "in_worker",
    "memory_limit",
    "off_thread",
    "overruns",
    "remaining",
    "reset_degraded",
    "set_default_seconds",
    "set_memory_limit",
    "spent",
    "start_workers",
    "step",
    "step_seconds",
]

T = TypeVar("T")
U = TypeVar("U")

#: Budget used when neither :func:`set_default_seconds` nor ``SYMACT_BUDGET`` says otherwise.
DEFAULT_SECONDS = 5.0
#: Environment variable holding the default budget in seconds.
ENV_SECONDS = "SYMACT_BUDGET"
#: The largest budget :func:`check_seconds` accepts (about 11.6 days).
MAX_SECONDS = 1e6
#: Address space a worker may add to what it inherited, unless configured otherwise (4 GiB).
DEFAULT_MEMORY = 4 * 2**30
#: Environment variable holding the worker memory headroom in MiB.
ENV_MEMORY = "SYMACT_BUDGET_MEMORY_MB"

# A timer may fire marginally before the monotonic deadline; treat that as expired.
_SLACK = 1e-3
# After raising BudgetExceeded the timer fires again every _REPEAT seconds until the
# budgeted call has returned: SymPy sometimes swallows exceptions (a broad except
# around an import, for instance), and one raise would then be lost.
_REPEAT = 0.05
# A BudgetExceeded that Python swallowed (raised in a gc callback or a __del__) is
# delivered again this soon, by which time the swallowing context has returned.
_RETRY = 1e-3
_HEADER = 8  # bytes of the big-endian length that precedes the pickled outcome


#: How many :class:`BudgetExceeded` this process has created (:func:`overruns`).
_overruns = 0


def overruns() -> int:
    """How many budget overruns (:class:`BudgetExceeded`, raised or remembered) this process has seen.

    A computation during which this count changed was cut short somewhere, even
    where a step's timeout became an answer that does not say so (a decimal
    instead of a closed form): :mod:`symact.core.store` never keeps its result.

    Examples:
        >>> import time
        >>> before = overruns()
        >>> step(time.sleep, 10, seconds=0.1, what="a nap", on_timeout=lambda e: None)
        >>> overruns() > before
        True
    """
    return _overruns


class BudgetExceeded(SymactError, TimeoutError):
    """A computation ran past its time budget and was stopped.

    Attributes:
        seconds: the budget that was exceeded, in seconds.
        what: a short description of the computation (may be empty).

    Examples:
        >>> err = BudgetExceeded(2.5, "simplify of the 3rd derivative")
        >>> print(err)
        simplify of the 3rd derivative exceeded its time budget of 2.5 s
        >>> isinstance(err, TimeoutError), err.seconds
        (True, 2.5)
    """

    def __init__(self, seconds: float, what: str = "") -> None:
        global _overruns
        _overruns += 1  # a computation that saw one is not complete (symact.core.store keeps only complete ones)
        self.seconds = seconds
        self.what = what
        super().__init__(f"{what or 'the computation'} exceeded its time budget of {seconds:g} s")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.seconds, self.what))


class WorkerError(SymactError, RuntimeError):
    """A budget worker died, or its result or exception could not be sent back.

    Attributes:
        what: the description given to :func:`call`.
        detail: what went wrong (the ``repr`` of an unpicklable exception, a signal name, ...).
    """

    def __init__(self, what: str, detail: str) -> None:
        self.what = what
        self.detail = detail
        super().__init__(f"{what or 'the computation'} failed in its budget worker: {detail}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.what, self.detail))


# -- configuration --------------------------------------------------------------------------

_default_override: float | None = None
_memory_override: int | None = None
_memory_set = False


def check_seconds(seconds: Any, name: str = "seconds") -> float:
    """``seconds`` as a float, or :class:`TypeError`/:class:`ValueError` naming it.

    A budget must be positive and at most :data:`MAX_SECONDS` (the operating system's timers
    overflow not far above it; a budget of more than 11 days is a mistake, not a limit).

    Examples:
        >>> check_seconds(2)
        2.0
        >>> check_seconds(-1)
        Traceback (most recent call last):
        ...
        ValueError: seconds must be a positive, finite number of seconds, got -1
        >>> check_seconds(1e8)
        Traceback (most recent call last):
        ...
        ValueError: seconds must be at most 1000000 seconds (about 11.6 days), got 100000000.0
    """
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real):
        raise TypeError(f"{name} must be a number of seconds, got {type(seconds).__name__} {_short_repr(seconds)}")
    try:
        value = float(seconds)
    except OverflowError:  # an integer or fraction beyond the float range
        raise ValueError(f"{name} must be a positive, finite number of seconds, got {_short_repr(seconds)}") from None
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a positive, finite number of seconds, got {_short_repr(seconds)}")
    if value > MAX_SECONDS:
        raise ValueError(
            f"{name} must be at most {MAX_SECONDS:.0f} seconds (about {MAX_SECONDS / 86400:.1f} days), got {_short_repr(seconds)}"
        )
    return value


def _short_repr(value: Any) -> str:
    """``repr(value)`` cut to 60 characters (an integer of a million digits prints as its size)."""
    if isinstance(value, int) and value.bit_length() > 200:
        return f"an integer of {value.bit_length()} bits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def default_seconds() -> float:
    """The budget :func:`call` uses when none is given.

    :func:`set_default_seconds` wins; otherwise the environment variable
    ``SYMACT_BUDGET`` (seconds); otherwise :data:`DEFAULT_SECONDS` (5 s).

    Raises:
        ValueError: ``SYMACT_BUDGET`` is set but is not a positive, finite number.

    Examples:
        >>> set_default_seconds(2)
        >>> default_seconds()
        2.0
        >>> set_default_seconds(None)
    """
    if _default_override is not None:
        return _default_override
    raw = os.environ.get(ENV_SECONDS, "").strip()
    if not raw:
        return DEFAULT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{ENV_SECONDS}={raw!r} is not a number of seconds") from None
    return check_seconds(value, ENV_SECONDS)


def set_default_seconds(seconds: float | None) -> None:
    """Set the default budget for this process (``None`` goes back to ``SYMACT_BUDGET`` / 5 s).

    Raises:
        TypeError: ``seconds`` is not a number.
        ValueError: ``seconds`` is not positive and finite.
    """
    global _default_override
    _default_override = None if seconds is None else check_seconds(seconds)


def memory_limit() -> int | None:
    """Bytes of address space a forked worker may add to what it inherited (``None``: no cap).

    :func:`set_memory_limit` wins; otherwise ``SYMACT_BUDGET_MEMORY_MB`` (MiB,
    ``0`` for no cap); otherwise :data:`DEFAULT_MEMORY` (4 GiB).

    Raises:
        ValueError: ``SYMACT_BUDGET_MEMORY_MB`` is set but is not a non-negative integer.
    """
    if _memory_set:
        return _memory_override
    raw = os.environ.get(ENV_MEMORY, "").strip()
    if not raw:
        return DEFAULT_MEMORY
    if not raw.isdigit():
        raise ValueError(f"{ENV_MEMORY}={raw!r} is not a whole number of MiB")
    return int(raw) * 2**20 or None


def set_memory_limit(nbytes: int | None) -> None:
    """Set the worker memory headroom in bytes (``None`` removes the cap).

    Raises:
        TypeError: ``nbytes`` is not an integer.
        ValueError: ``nbytes`` is not positive.
    """
    global _memory_override, _memory_set
    if nbytes is not None:
        if isinstance(nbytes, bool) or not isinstance(nbytes, int):
            raise TypeError(f"the memory limit must be a whole number of bytes, got {nbytes!r}")
        if nbytes <= 0:
            raise ValueError(f"the memory limit must be positive, got {nbytes!r}")
    _memory_override = nbytes
    _memory_set = True


def reset_memory_limit() -> None:
    """Forget :func:`set_memory_limit`; use ``SYMACT_BUDGET_MEMORY_MB`` or the 4 GiB default again."""
    global _memory_override, _memory_set
    _memory_override = None
    _memory_set = False


# -- worker state ---------------------------------------------------------------------------

_in_worker = False
_worker_deadline: float | None = None
_worker_out: int | None = None  # in a worker: the file descriptor its result goes to


def in_worker() -> bool:
    """Whether this process is a budget worker forked by :func:`call`.

    Examples:
        >>> in_worker(), call(in_worker)
        (False, True)
    """
    return _in_worker


def clock() -> float:
    """Seconds on the clock that budgets nested in the caller run on: this process's CPU time inside a
    worker's main thread, the wall clock elsewhere.

    A worker's own call (the public call it runs) keeps its wall-clock deadline: that is what the
    caller waits for. The calls and steps nested in it are budgets of *work*: CPU seconds of the
    worker, nearly the same on an idle machine and on one running eight other processes, so which
    step of a derivation runs out, and so the answer, does not depend on the load (the wall clock
    would give such a step a fifth of its work at a load of 8 on 2 cores). Code that keeps its own
    deadline inside a budget (``deadline = clock() + seconds``) reads this clock.

    Examples:
        >>> call(clock) < 60 and clock() > 0  # a fresh worker has used little CPU time
        True
    """
    return time.process_time() if _in_worker and _can_use_alarm() else time.monotonic()


def remaining() -> float | None:
    """Seconds left before the tightest budget enclosing the caller; ``None`` outside any budget.

    When it is 0 (:func:`spent`), a :class:`BudgetExceeded` belongs to an enclosing
    budget, and its call must end, not go on to its next step (:func:`step`).

    Examples:
        >>> remaining() is None
        True
        >>> 0 < call(remaining, seconds=5) <= 5
        True
        >>> call(call, remaining, seconds=2) <= 2  # the inner call's 5 s are cut to the outer 2 s
        True
    """
    lefts = [] if _worker_deadline is None or not _in_worker else [_worker_deadline - time.monotonic()]
    if _frames and _can_use_alarm():
        live = set()
        f: Any = sys._getframe()
        while f is not None:
            live.add(id(f))
            f = f.f_back
        lefts.extend(fr.left() for fr in list(_frames) if id(fr.pyframe) in live)
    if not lefts:
        return None
    return max(0.0, min(lefts) - _SLACK)


def spent() -> bool:
    """Whether the tightest budget enclosing the caller has run out (never outside any budget).

    A :class:`BudgetExceeded` caught while ``spent()`` is true belongs to an enclosing
    budget: the code that caught it must re-raise it, not turn it into an answer.
    :func:`step` applies this rule; code that catches the timeout of a whole
    budgeted call (not a step) uses this test.

    Examples:
        >>> spent(), call(spent, seconds=5)
        (False, False)
    """
    return remaining() == 0


# -- the public entry point -----------------------------------------------------------------


def call(fn: Callable[..., T], /, *args: Any, seconds: float | None = None, what: str = "", **kwargs: Any) -> T:
    """Return ``fn(*args, **kwargs)``, or raise :class:`BudgetExceeded` after ``seconds``.

    Args:
        fn: a module-level function (or another picklable callable): outside a worker the work
            is sent to a worker process as data, so ``fn`` and its arguments must pickle (a
            lambda or a closure is a :class:`TypeError`); inside a worker any callable works.
            Its result and exceptions must pickle to come back.
        *args: positional arguments for ``fn``.
        seconds: the budget; :func:`default_seconds` if ``None``.
        what: a short description for the error message, e.g. ``"limit at oo"``.
        **kwargs: keyword arguments for ``fn``.

    Raises:
        BudgetExceeded: (a ``TimeoutError``) the deadline passed first.
        WorkerError: (a ``RuntimeError``) the worker died (e.g. killed by a signal),
            ``fn``'s result or exception could not be pickled, or the result is larger than
            :func:`symact.core.workers.result_limit`.
        TypeError: outside a worker, ``fn`` or its arguments cannot be sent to a worker.
        TypeError, ValueError: ``seconds`` is not a positive, finite number.
        Exception: whatever ``fn`` raised, re-raised with its type.
    """
    budget = default_seconds() if seconds is None else check_seconds(seconds)
    if not isinstance(what, str):
        raise TypeError(f"what must be a string, got {what!r}")
    if not what:
        what = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or "the computation"
    if _in_worker:
        if _can_use_alarm():
            return _alarm_call(fn, args, kwargs, budget, what, None)
        if hasattr(os, "fork"):  # another thread of a worker: the worker may fork
            return _forked_call(fn, args, kwargs, budget, what)
        return fn(*args, **kwargs)  # pragma: no cover - a worker thread without fork: no deadline
    return _served_call(fn, args, kwargs, budget, what)


def off_thread(fn: Callable[..., T], /, *args: Any, seconds: float, what: str) -> T:
    """``fn(*args)`` here in the main thread or inside a worker; from any other thread, in a worker.

    mpmath's and FLINT's working precision are process-wide: a computation that changes them from one
    thread would change them under every other. Such a computation goes through this function, so a
    thread of the caller never touches them. ``seconds`` is a safety net for the worker (the main
    thread runs without one); ``fn`` must be a module-level function with picklable arguments.

    Examples:
        >>> off_thread(in_worker, seconds=60, what="a check")  # the main thread: here
        False
        >>> import threading
        >>> seen = []
        >>> t = threading.Thread(target=lambda: seen.append(off_thread(in_worker, seconds=60, what="a check")))
        >>> t.start(); t.join(); seen  # another thread: in a worker
        [True]
    """
    if _in_worker or threading.current_thread() is threading.main_thread():
        return fn(*args)
    return call(fn, *args, seconds=seconds, what=what)


def step_seconds(seconds: float | None = None, *, share: float = 1.0, minimum: float = 0.0) -> float:
    """The budget one step of a larger computation gets.

    The nominal budget is ``seconds`` (:func:`default_seconds` if ``None``), at
    least ``minimum``. Inside an enclosing budget the step gets at most ``share``
    of what that budget has left (:func:`remaining`), so one hard step cannot
    spend it all; when that share is below ``minimum``, the step gets all that is
    left instead (a timeout then ends the enclosing call too). With ``share``
    1 the step may run up to the enclosing deadline (:func:`call` never extends
    it). Never less than 1 ms, so an already passed deadline still gives a valid budget.

    Examples:
        >>> step_seconds(3.0, share=0.5)  # outside any budget: the step's own
        3.0
        >>> step_seconds(-1.0, minimum=0.05)
        0.05
        >>> 0.9 < call(step_seconds, 3.0, share=0.5, seconds=2) <= 1.0
        True
    """
    nominal = max(default_seconds() if seconds is None else seconds, minimum)
    left = remaining()
    if left is None or share >= 1:  # call() itself never lets a step outlive its enclosing budget
        return max(nominal, 1e-3)
    allowed = min(nominal, share * left)
    if allowed < minimum:
        allowed = min(nominal, left)
    return max(allowed, 1e-3)


def step(
    fn: Callable[..., T],
    /,
    *args: Any,
    what: str,
    seconds: float | None = None,
    share: float = 1.0,
    minimum: float = 0.0,
    on_timeout: Callable[[BudgetExceeded], U] | None = None,
    **kwargs: Any,
) -> T | U:
    """Run one step of a larger computation under its own budget.

    The step runs as :func:`call` with the budget :func:`step_seconds` gives
    (``seconds``, ``share`` and ``minimum`` mean the same there). When the step
    runs out of its own time, the answer is ``on_timeout(err)`` (without
    ``on_timeout`` the :class:`BudgetExceeded` propagates). When the budget that
    ran out is an *enclosing* one (:func:`remaining` is 0), the
    :class:`BudgetExceeded` always propagates: the whole computation must end,
    not go on to its next step. This is the one place that rule is implemented.

    Examples:
        >>> import time
        >>> step(time.sleep, 10, seconds=0.2, what="a nap", on_timeout=lambda e: f"timeout ({e.what})")
        'timeout (a nap)'
        >>> from functools import partial
        >>> a_nap = partial(step, time.sleep, 10, seconds=5, what="a nap", on_timeout=str)
        >>> call(a_nap, seconds=0.2, what="the naps")
        Traceback (most recent call last):
        ...
        symact.core.budget.BudgetExceeded: the naps exceeded its time budget of 0.2 s
    """
    try:
        return call(fn, *args, seconds=step_seconds(seconds, share=share, minimum=minimum), what=what, **kwargs)
    except BudgetExceeded as err:
        if on_timeout is None or spent():
            raise
        _mark_degraded()
        return on_timeout(err)


class _TimedOut:
    """The answer of a step that ran out of its own time (private to :class:`CallCache`)."""

    __slots__ = ("err",)

    def __init__(self, err: BudgetExceeded) -> None:
        self.err = err


class CallCache:
    """Results of whole budgeted calls, kept in the calling process.

    A public call (``symact.limit``, ``proofs.prove_linear``, ...) runs as one
    :func:`call`, usually in a forked worker whose own caches die with it;
    this keeps its answer in the caller, so asking again is free. Only a complete
    answer is kept for good. A timeout, and an answer some step of which ran out of
    its own time (:func:`degraded`), are remembered with the budget they ran under:
    the same or a smaller budget gets them again at once, a larger one computes
    afresh. Exceptions of ``fn`` are not cached. Entries are keyed by ``key`` plus the default step budget
    (:func:`default_seconds`), since answers computed under smaller step budgets
    may hold more timeouts; the oldest entries go first beyond ``maxsize``.

    Examples:
        >>> import time
        >>> cache = CallCache()
        >>> cache.call("nap", time.sleep, 10, seconds=0.2, what="a nap", on_timeout=lambda e: f"timeout ({e})")
        'timeout (a nap exceeded its time budget of 0.2 s)'
        >>> cache.call("nap", time.sleep, 10, seconds=0.1, what="a nap", on_timeout=lambda e: f"timeout ({e})")
        'timeout (a nap exceeded its time budget of 0.1 s)'
        >>> cache.call("sum", sum, [1, 2], seconds=1, what="adding")
        3
    """

    def __init__(self, maxsize: int = 1024) -> None:
        self.maxsize = maxsize
        self._entries: dict[Any, tuple[str, float, Any]] = {}
        self._lock = threading.Lock()  # callers may share the cache across threads
        _caches.add(self)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def call(
        self,
        key: Any,
        fn: Callable[..., T],
        /,
        *args: Any,
        seconds: float,
        what: str,
        on_timeout: Callable[[BudgetExceeded], T] | None = None,
    ) -> T:
        """``fn(*args)`` under :func:`call` with ``seconds``, cached under ``key``.

        Past the budget, ``on_timeout(err)`` is the answer (and is remembered);
        without ``on_timeout`` the :class:`BudgetExceeded` propagates. When an
        *enclosing* budget has run out too (:func:`remaining` is 0), the error
        always propagates and nothing is remembered: that call must end.
        """
        seconds = check_seconds(seconds)
        full_key = (key, default_seconds())
        with self._lock:
            hit = self._entries.get(full_key)
        if hit is not None:
            state, budget, value = hit
            if state == "complete":
                return value
            if seconds <= budget:  # the same or a smaller budget would be cut short again
                _mark_degraded()
                if state == "degraded":
                    return value
                return self._timeout(BudgetExceeded(seconds, what), on_timeout)
        outer = reset_degraded()
        try:
            result = step(fn, *args, seconds=seconds, what=what, on_timeout=_TimedOut)
        finally:
            cut_short = reset_degraded(outer)
        if cut_short:
            _mark_degraded()
        if isinstance(result, _TimedOut):
            self._store(full_key, ("timeout", seconds, None))
            return self._timeout(result.err, on_timeout)
        self._store(full_key, ("degraded" if cut_short else "complete", seconds, result))
        return result

    @staticmethod
    def _timeout(err: BudgetExceeded, on_timeout: Callable[[BudgetExceeded], T] | None) -> T:
        if on_timeout is None:
            raise err
        return on_timeout(err)

    def _store(self, key: Any, entry: tuple[str, float, Any]) -> None:
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = entry
            while len(self._entries) > self.maxsize:
                self._entries.pop(next(iter(self._entries)), None)


# -- signal path (inside a worker, main thread) ----------------------------------------------


class _Frame:
    """One budgeted call on the stack of a worker's main thread: its deadline on its own clock (the
    wall clock for the call the worker was started for, this process's CPU time for calls nested in it)."""

    __slots__ = ("cpu", "deadline", "pyframe", "seconds", "what")

    def __init__(self, deadline: float, seconds: float, what: str, pyframe: Any, cpu: bool) -> None:
        self.deadline = deadline
        self.seconds = seconds
        self.what = what
        self.pyframe = pyframe
        self.cpu = cpu

    def left(self) -> float:
        """Seconds left on the frame's clock."""
        return self.deadline - (time.process_time() if self.cpu else time.monotonic())


_frames: list[_Frame] = []
_critical = False
_pending = False
_previous_handler: Any = None


def _can_use_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _prune(start: Any) -> None:
    """Drop frames whose ``_alarm_call`` is no longer on the Python stack.

    A frame can only be left behind if a signal interrupted the cleanup of its
    call; pruning makes that self-healing instead of timing out every later call.
    """
    if not _frames:
        return
    live = set()
    f = start
    while f is not None:
        live.add(id(f))
        f = f.f_back
    if all(id(fr.pyframe) in live for fr in _frames):
        return
    _frames[:] = [fr for fr in _frames if id(fr.pyframe) in live]


def _arm() -> None:
    """Set the wall timer to the earliest wall deadline and the CPU timer to the earliest CPU one. A CPU
    deadline already past goes on the wall timer (at once): a CPU timer fires only at the kernel's next
    accounting tick, by which time the code may have entered another call."""
    wall = [fr.left() for fr in _frames if not fr.cpu]
    cpu = [fr.left() for fr in _frames if fr.cpu]
    if cpu and min(cpu) <= _SLACK:
        wall, cpu = [*wall, 0.0], []
    signal.setitimer(signal.ITIMER_REAL, max(min(wall), 1e-6) if wall else 0)
    signal.setitimer(signal.ITIMER_PROF, max(min(cpu), 1e-6) if cpu else 0)


def _disarm() -> None:
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.setitimer(signal.ITIMER_PROF, 0)


def _fire(interrupted: Any) -> None:
    _prune(interrupted)
    expired = [fr for fr in _frames if fr.left() <= _SLACK]
    if expired:
        # The innermost expired call raises; when it returns, the outer frame is
        # re-armed with no time left and fires in its turn. Until then, repeat.
        signal.setitimer(signal.ITIMER_REAL, _REPEAT)
        raise BudgetExceeded(expired[-1].seconds, expired[-1].what)
    _arm()  # woke up early (or for a frame already gone): wait for the next deadline


def _on_alarm(signum: int, frame: Any) -> None:
    global _pending
    if _critical:
        _pending = True
        return
    _fire(frame)


_caches: weakref.WeakSet[CallCache] = weakref.WeakSet()


def _fresh_cache_locks() -> None:
    """In a forked child, a cache lock another thread of the parent held would never be released."""
    for cache in list(_caches):
        cache._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_cache_locks)


def _on_unraisable(unraisable: Any) -> None:
    """A worker's ``sys.unraisablehook``: a swallowed budget expiry fires again in 1 ms."""
    exc_type = getattr(unraisable, "exc_type", None)
    if isinstance(exc_type, type) and issubclass(exc_type, BudgetExceeded) and _frames and _can_use_alarm():
        signal.setitimer(signal.ITIMER_REAL, _RETRY)
        return
    (_previous_unraisablehook or sys.__unraisablehook__)(unraisable)


_previous_unraisablehook: Any = None


def _run_pending() -> None:
    global _pending
    if _pending:
        _pending = False
        _fire(sys._getframe(1))


def _alarm_call(fn: Callable[..., T], args: Any, kwargs: Any, seconds: float, what: str, deadline: float | None) -> T:
    global _critical, _previous_handler
    me = sys._getframe()
    _prune(me)
    cpu = deadline is None  # a call nested in the worker's own: its budget is CPU time (see clock)
    if deadline is None:
        deadline = time.process_time() + seconds
        outer = [fr.deadline for fr in _frames if fr.cpu]
        if outer:
            deadline = min(deadline, outer[-1])  # an inner budget never extends an outer one
    frame = _Frame(deadline, seconds, what, me, cpu)
    pushed = False
    try:
        _critical = True
        try:
            if not _frames:
                _previous_handler = (signal.signal(signal.SIGALRM, _on_alarm), signal.signal(signal.SIGPROF, _on_alarm))
            _frames.append(frame)
            pushed = True
            _arm()
        finally:
            _critical = False
        _run_pending()
        try:
            result = fn(*args, **kwargs)
        except BudgetExceeded as exc:
            if frame.left() <= _SLACK and (exc.seconds, exc.what) != (seconds, what):
                # an inner budget ended with this one: it is this call's budget that ran out
                raise BudgetExceeded(seconds, what) from None
            raise
        except Exception:
            if frame.left() <= _SLACK:  # maybe the alarm, turned into another error
                raise BudgetExceeded(seconds, what) from None
            raise
        if frame.left() <= _SLACK:  # maybe computed after swallowing the alarm
            raise BudgetExceeded(seconds, what)
        return result
    finally:
        _critical = True
        try:
            if pushed:
                for i, fr in enumerate(_frames):
                    if fr is frame:
                        del _frames[i:]
                        break
            if _frames:
                _arm()
            else:
                _disarm()
                if pushed:
                    for signum, handler in zip((signal.SIGALRM, signal.SIGPROF), _previous_handler or (None, None)):
                        signal.signal(signum, handler or signal.SIG_DFL)
                    _previous_handler = None
        finally:
            _critical = False
        _run_pending()


# -- server path (outside a worker) ------------------------------------------------------------

_server: workers.Server | None = None
_server_lock = threading.Lock()
_calls: dict[int, socket.socket] = {}  # id -> the caller's end of every call in flight
_calls_lock = threading.Lock()
_stopping = False  # set for good when the server is stopped at exit
_PRELOAD_ROOTS = ("symact", "proofs")
#: Packages whose modules a worker imported are imported by the server too, for later workers. Only
#: these: a module that starts threads at import would make the server's forks unsafe.
_LEARN_ROOTS = frozenset(
    {"symact", "proofs", "sympy", "mpmath", "numpy", "scipy", "flint", "gmpy2", "_pytest", "pytest", "pluggy"}
)
_learned: set[str] = set()  # modules workers imported that a new server should import too


def _get_server(wait: bool = True) -> workers.Server:
    """The worker server, started (again) if there is none or it died; ready unless ``wait`` is False."""
    global _server
    with _server_lock:
        if _server is None or not _server.alive():
            if _server is not None:
                _server.close()
            preload = ("sympy", "mpmath", "numpy", *_filter_modules(), *sorted(_learned)) + tuple(
                sorted(n for n in list(sys.modules) if n.split(".")[0] in _PRELOAD_ROOTS)
            )
            _server = workers.Server(preload, entry=f"{__name__}:{run_task.__name__}")
            _register_shutdown()
        server = _server
    if wait:
        server.wait_ready()
    return server


def start_workers(*, wait: bool = True) -> None:
    """Start the worker server now, so that no later call waits for it.

    The first budgeted call of a process otherwise starts it (about half a second on an idle
    machine: a fresh interpreter importing SymPy and symact). That time never counts against
    a call's budget, which starts once the server is ready. With ``wait=False`` the server
    starts in the background while the caller goes on (the command line does this before
    importing what its command needs); the first call waits for what is left of its start.

    Examples:
        >>> start_workers()
        >>> call(in_worker, seconds=5)
        True
    """
    if not _in_worker:
        _get_server(wait)


def _settings() -> dict[str, Any]:
    """What of the caller's state a worker takes on: the budget configuration, the
    environment, the import path, the working directory and the warning filters."""
    settings: dict[str, Any] = {
        "default": _default_override,
        "memory": memory_limit(),
        "env": dict(os.environ),
        "path": list(sys.path),
        "cwd": os.getcwd(),
        "recursion": sys.getrecursionlimit(),
        "filters": list(warnings.filters),
    }
    if hasattr(sys, "get_int_max_str_digits"):
        settings["int_digits"] = sys.get_int_max_str_digits()
    return settings


def _task(fn: Callable[..., Any], args: Any, kwargs: Any, seconds: float, what: str, deadline: float) -> bytes:
    settings = _settings()
    try:
        pickle.dumps(settings["filters"])
    except Exception:  # noqa: BLE001 - a filter that does not pickle (a custom category): send the rest
        settings["filters"] = None
    try:
        return transfer.dumps((fn, args, kwargs, seconds, what, deadline, settings))
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        name = getattr(fn, "__qualname__", None) or repr(fn)
        raise TypeError(
            f"{what}: budgeted work runs in a worker process and is sent to it as data; {name} or its "
            f"arguments cannot be pickled ({exc}). Use a module-level function and picklable arguments."
        ) from None


def _filter_modules() -> list[str]:
    """The modules of the warning categories in ``warnings.filters`` (a worker unpickles them)."""
    names = []
    for entry in list(warnings.filters):
        categories = entry[2] if isinstance(entry[2], tuple) else (entry[2],)
        names += [getattr(c, "__module__", "") for c in categories]
    return [n for n in dict.fromkeys(names) if n and n != "builtins"]


def _served_call(fn: Callable[..., T], args: Any, kwargs: Any, seconds: float, what: str) -> T:
    server = _get_server()
    deadline = time.monotonic() + seconds
    task = _task(fn, args, kwargs, seconds, what, deadline)
    limit = workers.result_limit()
    with _server_lock:
        wanted = [getattr(fn, "__module__", None) or "", *_filter_modules(), *sorted(_learned)]
        modules = [m for m in dict.fromkeys(wanted) if m not in server.preloaded]
        server.preloaded.update(modules)
    sock = server.submit(modules, task)
    with _calls_lock:
        _calls[id(sock)] = sock
        if _stopping:  # the server was stopped (a Ctrl-C at exit) after this call was sent: end it now
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
    # POSIX lets a Ctrl-C go to any one thread that does not block it (Linux prefers the main thread, macOS
    # does not); one waiting here in another thread than the main one would take it, and the main thread
    # (blocked in a join, say) would never see it. So such a thread blocks SIGINT while it waits (its own
    # mask: no process-wide state changes).
    masked = threading.current_thread() is not threading.main_thread() and hasattr(signal, "pthread_sigmask")
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if masked else None
    try:
        kind, value = workers.wait_frames(sock, deadline, limit, lambda pid: None)
    finally:
        if before is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)
        with _calls_lock:
            _calls.pop(id(sock), None)
        sock.close()  # the server kills the worker if it is still running
    late = time.monotonic() >= deadline - _SLACK
    if kind == "timeout" or (kind in ("exit", "vanished") and late):
        raise BudgetExceeded(seconds, what)
    if kind == "exit":
        raise WorkerError(what, workers.describe_status(value))
    if kind == "vanished":
        raise WorkerError(what, "the worker ended without sending a whole result")
    if kind == "too-large":
        raise WorkerError(what, f"its result is {value:,} bytes, above the limit of {limit:,} ({workers.ENV_RESULT})")
    return _unpack(value, seconds, what, late)


def _unpack(payload: bytes, seconds: float, what: str, late: bool) -> Any:
    try:
        kind, value, degraded, *learned = pickle.loads(payload)
    except BaseException as exc:  # noqa: BLE001 - whatever unpickling raises, the result is lost
        if late:
            raise BudgetExceeded(seconds, what) from None
        raise WorkerError(what, f"its result could not be unpickled ({type(exc).__name__}: {exc})") from None
    if degraded:
        _mark_degraded()
    if learned:
        _learned.update(learned[0])
    if kind == "ok":
        return value
    if isinstance(value, BudgetExceeded) and late:  # an inner budget ended with this one
        raise BudgetExceeded(seconds, what)
    raise value


_shutdown_registered = False


def _register_shutdown() -> None:
    global _shutdown_registered
    if _shutdown_registered:
        return
    _shutdown_registered = True
    atexit.register(_stop_server)  # after the interpreter joined its threads: nothing waits any more
    register = getattr(threading, "_register_atexit", None)  # before it joins them
    try:
        if register is not None:
            register(_at_exit)
    except RuntimeError:  # pragma: no cover - the interpreter is already shutting down
        pass


def _at_exit() -> None:
    """At interpreter exit after a Ctrl-C, end every call still waiting in another thread.

    The calls fail at once (their sockets close) instead of keeping the exit waiting for their
    deadlines. On a normal exit, calls in other threads go on: the interpreter waits for them.
    """
    if not isinstance(getattr(sys, "last_value", None), KeyboardInterrupt):
        return
    _stop_server()


def _stop_server() -> None:
    global _server, _stopping
    with _calls_lock:  # a call registered after this ends itself (it sees _stopping)
        _stopping = True
        socks = list(_calls.values())
    for sock in socks:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    with _server_lock:
        if _server is not None:
            _server.close()
            _server = None


def _forget_server_after_fork() -> None:
    """A process forked from the caller does not share its server (the server serves one caller)."""
    global _server, _server_lock, _calls_lock, _shutdown_registered, _stopping
    _shutdown_registered = _stopping = False
    _server_lock = threading.Lock()
    _calls_lock = threading.Lock()
    _calls.clear()
    if _server is not None:
        with contextlib.suppress(OSError):
            _server.ctl.close()
        _server = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_server_after_fork)


# -- degraded answers --------------------------------------------------------------------------

_local = threading.local()


def _mark_degraded() -> None:
    _local.degraded = True


def degraded() -> bool:
    """Whether an answer computed in this thread since :func:`reset_degraded` was cut short.

    A step that ran out of its own time gives an answer anyway (:func:`step`'s
    ``on_timeout``): a record with an Unknown field, a decimal in place of a closed form.
    Such an answer is *degraded*: correct, but a larger budget may do better. It is kept
    only for calls with the same or a smaller budget, never for a larger one, and never
    written to a persistent cache. Workers report it with their result.

    Examples:
        >>> import time
        >>> _ = reset_degraded(); degraded()
        False
        >>> step(time.sleep, 10, seconds=0.1, what="a nap", on_timeout=lambda e: None)
        >>> degraded()
        True
    """
    return bool(getattr(_local, "degraded", False))


def reset_degraded(value: bool = False) -> bool:
    """Set this thread's :func:`degraded` flag to ``value``; returns its previous value."""
    previous = degraded()
    _local.degraded = value
    return previous


# -- in a worker -------------------------------------------------------------------------------


def run_task(task: bytes, out: int) -> None:  # pragma: no cover - runs in a worker
    """Run one task the server forked this worker for, and send its outcome on ``out``."""
    global _worker_out
    before = set(sys.modules)
    fn, args, kwargs, seconds, what, deadline, settings = _load_task(task, out)
    if fn is None:
        return
    _become_worker(deadline)
    _worker_out = out
    _apply(settings)
    oom = workers.frame(
        b"R" + pickle.dumps(("raise", MemoryError(f"{what} ran out of memory in its budget worker"), False))
    )
    try:
        _limit_memory()
        try:
            outcome: tuple[str, Any] = ("ok", _alarm_call(fn, args, kwargs, seconds, what, deadline))
        except BaseException as exc:  # noqa: BLE001 - every exception goes back to the caller
            outcome = ("raise", exc)
        payload = b"R" + _dumps(outcome, what, degraded(), _imported_since(before))
        limit = workers.result_limit()
        if len(payload) > limit:
            detail = f"its result is {len(payload):,} bytes, above the limit of {limit:,} ({workers.ENV_RESULT})"
            payload = b"R" + _dumps(("raise", WorkerError(what, detail)), what, degraded())
        workers.write_all(out, workers.frame(payload))
    except MemoryError:
        workers.write_all(out, oom)


def _imported_since(before: set[str]) -> list[str]:  # pragma: no cover - runs in a worker
    """The modules of :data:`_LEARN_ROOTS` imported since ``before`` (for the server to import too)."""
    return sorted(m for m in set(sys.modules) - before if m.split(".")[0] in _LEARN_ROOTS)


def _load_task(task: bytes, out: int) -> tuple[Any, ...]:  # pragma: no cover - runs in a worker
    try:
        return tuple(pickle.loads(task))
    except BaseException as exc:  # noqa: BLE001 - a task that does not unpickle is the caller's error
        err = WorkerError("the call", f"its work could not be unpickled in the worker ({type(exc).__name__}: {exc})")
        workers.write_all(out, workers.frame(b"R" + pickle.dumps(("raise", err, False))))
        return (None,) * 7


def _become_worker(deadline: float) -> None:  # pragma: no cover - runs in a worker
    global _in_worker, _worker_deadline, _frames, _previous_handler, _critical, _pending, _previous_unraisablehook
    _in_worker = True
    _worker_deadline = deadline
    _frames = []
    _previous_handler = None
    _critical = _pending = False
    reset_degraded()
    if sys.unraisablehook is not _on_unraisable:  # a worker forked by a worker keeps its hook
        _previous_unraisablehook = sys.unraisablehook
        sys.unraisablehook = _on_unraisable


def _apply(settings: dict[str, Any]) -> None:  # pragma: no cover - runs in a worker
    global _default_override, _memory_override, _memory_set
    os.environ.clear()
    os.environ.update(settings["env"])
    sys.path[:] = settings["path"]
    with contextlib.suppress(OSError):
        os.chdir(settings["cwd"])
    sys.setrecursionlimit(settings["recursion"])
    if "int_digits" in settings and hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(settings["int_digits"])
    if settings["filters"] is not None:
        warnings.filters[:] = settings["filters"]  # type: ignore[index]
        warnings._filters_mutated()  # type: ignore[attr-defined]
    _default_override = settings["default"]
    _memory_override = settings["memory"]
    _memory_set = True


# -- fork path -------------------------------------------------------------------------------


def _fork() -> int:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001, S112 - a broken stream must not stop the fork  # pragma: no cover
            continue
    if threading.active_count() > 1:
        # Python >= 3.12 warns about forking a multi-threaded process; the child
        # here only runs fn and exits, which is the case the warning is not about.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return os.fork()
    return os.fork()


def _forked_call(fn: Callable[..., T], args: Any, kwargs: Any, seconds: float, what: str) -> T:
    deadline = time.monotonic() + seconds
    if _in_worker and _worker_deadline is not None:
        deadline = min(deadline, _worker_deadline)
    own_group = not _in_worker
    r, w = os.pipe()
    try:
        pid = _fork()
    except BaseException:
        os.close(r)
        os.close(w)
        raise
    if pid == 0:  # pragma: no cover - runs in the child (coverage cannot see it)
        _child(r, w, fn, args, kwargs, seconds, what, deadline, own_group)
    os.close(w)
    if own_group:
        try:
            os.setpgid(pid, pid)
        except OSError:  # the child did it first, or already exited
            pass
    status: int | None = None
    try:
        outcome, payload = _collect(r, pid, deadline)
    finally:
        os.close(r)
        status = _kill_and_reap(pid, own_group)
    # Past the deadline, a missing or garbled result is a timeout: the child's own alarm
    # may fire first and write its frame after a partial one, just before the kill.
    late = time.monotonic() >= deadline - _SLACK
    if outcome == "timeout" or (outcome == "died" and late):
        raise BudgetExceeded(seconds, what)
    if outcome == "died":
        raise WorkerError(what, workers.describe_status(status))
    return _unpack(payload, seconds, what, late)


def _collect(r: int, pid: int, deadline: float) -> tuple[str, bytes]:
    """Read one complete frame from the child, or report a timeout or its death."""
    os.set_blocking(r, False)
    buf = bytearray()
    pidfd = None
    if hasattr(os, "pidfd_open"):
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:  # pragma: no cover - old kernel
            pidfd = None
    poller = select.poll()
    poller.register(r, select.POLLIN)
    if pidfd is not None:
        poller.register(pidfd, select.POLLIN)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout", b""
            wait = remaining if pidfd is not None else min(remaining, 0.05)
            events = poller.poll(max(1, math.ceil(wait * 1000)))
            exited = False
            for fd, _ in events:
                if fd == pidfd:
                    exited = True
            if pidfd is None and not events:
                exited = _has_exited(pid)
            eof = _drain(r, buf)
            done = _complete(buf)
            if done is not None:
                return "ok", done
            if eof or exited:
                # The child is gone (or closed its end) without a whole frame:
                # whatever it wrote is discarded, never read as a result.
                if exited:
                    _drain(r, buf)
                    done = _complete(buf)
                    if done is not None:
                        return "ok", done
                return "died", b""
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _drain(r: int, buf: bytearray) -> bool:
    """Append what the pipe holds to ``buf``; True at end of file."""
    while True:
        try:
            chunk = os.read(r, 1 << 20)
        except BlockingIOError:
            return False
        if not chunk:
            return True
        buf += chunk


def _complete(buf: bytearray) -> bytes | None:
    if len(buf) < _HEADER:
        return None
    size = int.from_bytes(buf[:_HEADER], "big")
    if len(buf) < _HEADER + size:
        return None
    return bytes(buf[_HEADER : _HEADER + size])


def _has_exited(pid: int) -> bool:  # pragma: no cover - only without pidfd_open
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


def _kill_and_reap(pid: int, group: bool) -> int | None:
    """Kill the child (and its process group), then reap it; returns the wait status."""
    try:
        if group:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            return status
        except InterruptedError:  # pragma: no cover - PEP 475 retries already
            continue
        except ChildProcessError:  # pragma: no cover - reaped elsewhere
            return None


def _limit_memory() -> None:
    limit = memory_limit()
    if limit is None or resource is None:
        return
    try:
        with open("/proc/self/statm") as fh:
            current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        current = 0
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = current + limit
    for bound in (soft, hard):
        if bound != resource.RLIM_INFINITY:
            cap = min(cap, bound)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (OSError, ValueError):  # pragma: no cover - not permitted here
        pass


def _child(
    r: int,
    w: int,
    fn: Callable[..., Any],
    args: Any,
    kwargs: Any,
    seconds: float,
    what: str,
    deadline: float,
    own_group: bool,
) -> None:  # pragma: no cover - runs in the child
    global _in_worker, _worker_deadline, _frames, _previous_handler, _critical, _pending, _previous_unraisablehook
    global _worker_out
    code = 0
    # Pickled before the memory cap: reporting a MemoryError must not need memory.
    oom = pickle.dumps(("raise", MemoryError(f"{what or 'the call'} ran out of memory in its budget worker"), False))
    oom_frame = len(oom).to_bytes(_HEADER, "big") + oom
    try:
        os.close(r)
        _worker_out = w
        if own_group:
            try:
                os.setpgid(0, 0)
            except OSError:
                pass
        _in_worker = True
        _worker_deadline = deadline
        _frames = []
        _previous_handler = None
        _critical = _pending = False
        reset_degraded()
        if sys.unraisablehook is not _on_unraisable:  # a worker forked by a worker keeps its hook
            _previous_unraisablehook = sys.unraisablehook
            sys.unraisablehook = _on_unraisable
        _limit_memory()
        try:
            if _can_use_alarm():
                outcome: tuple[str, Any] = ("ok", _alarm_call(fn, args, kwargs, seconds, what, deadline))
            else:
                outcome = ("ok", fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - every exception goes back to the caller
            outcome = ("raise", exc)
        payload = _dumps(outcome, what, degraded())
        data = len(payload).to_bytes(_HEADER, "big") + payload
        workers.write_all(w, data)
    except MemoryError:
        try:
            workers.write_all(w, oom_frame)
        except BaseException:  # noqa: BLE001
            code = 1
    except BaseException:  # noqa: BLE001
        code = 1
    finally:
        os._exit(code)


def _dumps(
    outcome: tuple[str, Any], what: str, cut_short: bool, imported: list[str] | None = None
) -> bytes:  # pragma: no cover - in a worker
    kind, value = outcome
    try:
        data = transfer.dumps((kind, value, cut_short, imported or []))
        if kind == "raise":
            pickle.loads(data)  # an exception must also come back out of the pickle
        return data
    except BaseException as exc:  # noqa: BLE001
        if kind == "raise":
            detail = f"it raised {value!r}, which cannot be pickled ({type(exc).__name__}: {exc})"
        else:
            detail = f"its result of type {type(value).__name__} cannot be pickled ({type(exc).__name__}: {exc})"
        return pickle.dumps(("raise", WorkerError(what, detail), cut_short), protocol=pickle.HIGHEST_PROTOCOL)
