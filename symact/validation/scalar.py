"""The scalar activations' generated NumPy code against the correctly rounded truth, in ULPs.

:func:`validate` runs the function of :func:`symact.codegen.numpy.to_numpy` (and of its
first derivative) in float32 and float64 over inputs covering the whole line, and
compares every result with the exact value rounded correctly to the dtype:

* **inputs** (:func:`inputs`): a dense core in [-10, 10], two wide uniform bands,
  log-spaced magnitudes of both signs up to the largest float, subnormals, ±0,
  ±inf, nan, overflow/underflow thresholds, and every breakpoint with its
  neighbours (``full`` has ~20k points per dtype, ``quick`` ~1k);
* **truth** (:func:`symact.numeric.truth.truth`): the *original* SymPy expression (never
  the rewritten one), each distinct input once, correctly rounded to the dtype;
* **ULP**: the distance between result and truth on the monotone integer map of
  the bit patterns (+0 == -0), so for subnormal truths it is the absolute error
  in units of the smallest subnormal. A **wrong-class** point (nan vs not nan,
  inf vs finite, inf of the wrong sign) is counted and left out of the ULP
  statistics.

The bars (issue 4): float32 <= 1 ULP everywhere; float64 <= 2 ULP for the exp/log
family and, for the rest, <= 4 ULP on [-10, 10] and <= 10 ULP on normal outputs;
0 wrong-class; 0 warnings. A miss is reported (``bound_met=False`` with the
figure), never raised.

Examples:
    >>> import symact
    >>> rep = validate(symact.get("softplus"), size="quick")
    >>> print(rep.summary())  # doctest: +ELLIPSIS
    softplus ok: f32 f max 0 ULP, f' max ... ULP; f64 f max 1 ULP, f' max ... ULP; 0 wrong, 0 warnings
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from symact.codegen import rewrite as rw
from symact.codegen.numpy import derivative_expr, to_numpy
from symact.core.budget import BudgetExceeded
from symact.definition.activation import Activation
from symact.definition.registry import get_scalar
from symact.numeric.rounding import FORMATS, round_to, ulp_error
from symact.numeric.truth import truth
from symact.validation.measure import ReportSet, run_counting_warnings

__all__ = [
    "EXP_LOG_FAMILY",
    "MAX_DERIVATIVE",
    "SIZES",
    "FunctionReport",
    "ValidationReport",
    "check_options",
    "inputs",
    "table",
    "validate",
]

#: Activations held to the float64 bar of the exp/log family (<= 2 ULP everywhere):
#: one exp/log/tanh-type primitive per piece, at most one further exact-ish operation.
EXP_LOG_FAMILY = frozenset({"sigmoid", "tanh", "log_sigmoid", "softplus", "elu", "selu", "celu", "exponential"})


# ---------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------
def _breakpoint_floats(expr: sympy.Expr, dt: type) -> list[float]:
    out: list[float] = []
    try:
        bps = rw.breakpoints(expr)
    except BudgetExceeded:
        raise  # an enclosing budget ran out: not this step's own timeout
    except (TimeoutError, NotImplementedError, TypeError, ValueError, AttributeError, ArithmeticError, RecursionError):
        bps = ()  # a missing breakpoint only thins the input set
    for b in bps:
        c: np.ndarray = np.asarray(round_to(b), dtype=dt)
        out.append(float(c))
        lo = hi = c
        for _ in range(3):
            lo = np.nextafter(lo, dt(-np.inf))
            hi = np.nextafter(hi, dt(np.inf))
            out.extend([float(lo), float(hi)])
        for d in (1e-3, 1e-8):
            out.extend([float(c) - d, float(c) + d])
    return out


def inputs(
    dtype: str = "float64", size: str = "full", breakpoints: list[float] | tuple[float, ...] = (), seed: int = 4
) -> np.ndarray:
    """The validation inputs for one dtype, as an array of that dtype.

    Args:
        dtype: ``"float32"`` or ``"float64"``.
        size: ``"full"`` (~20k points, as in the numeric probe) or ``"quick"`` (~1k,
            same layout, used by the test suite).
        breakpoints: extra points to include (see ``_breakpoint_floats`` for neighbours).
        seed: the random seed (the set is deterministic).

    Examples:
        >>> xs = inputs("float32", "quick")
        >>> xs.dtype, bool(np.isnan(xs).any()), bool((xs == np.inf).any()), len(xs) > 900
        (dtype('float32'), True, True, True)
    """
    dt = FORMATS[dtype][0]
    fi = np.finfo(dt)
    rng = np.random.default_rng(seed)
    n_core, n_wide, n_log = (10000, 1000, 8000) if size == "full" else (400, 60, 300)
    wide = 1000.0 if dt == np.float64 else 150.0
    lo_exp, hi_exp = (-300, math.log10(float(fi.max))) if dt == np.float64 else (-38, math.log10(float(fi.max)))
    mags = 10.0 ** rng.uniform(lo_exp, hi_exp, n_log)
    signs = np.where(np.arange(n_log) % 2 == 0, 1.0, -1.0)
    tiny = float(fi.smallest_subnormal)
    sub = rng.uniform(0, float(fi.smallest_normal), 20)
    ln_max = math.log(float(fi.max))
    ln_tiny = -math.log(tiny)
    special = [
        0.0,
        -0.0,
        np.inf,
        -np.inf,
        np.nan,
        tiny,
        -tiny,
        float(fi.smallest_normal) - tiny,
        float(fi.smallest_normal),
        -float(fi.smallest_normal),
        float(fi.max),
        -float(fi.max),
        float(fi.eps),
        -float(fi.eps),
        ln_max,
        -ln_max,
        ln_tiny,
        -ln_tiny,
        20.0,
        -20.0,
        36.8,
        -36.8,
        math.sqrt(float(fi.max)),
        -math.sqrt(float(fi.max)),
        float(fi.max) ** (1 / 3),
        -(float(fi.max) ** (1 / 3)),
        1.0,
        -1.0,
        0.5,
        -0.5,
        1e-8,
        -1e-8,
        *sub,
        *(-sub),
    ]
    for t in (ln_max, ln_tiny, 709.0, 745.0, 88.7, 103.9, 26.6, 37.7, 38.6):
        special.extend(np.linspace(-t - 3, -t + 3, 7))
    parts = [
        rng.uniform(-10, 10, n_core),
        rng.uniform(-50, 50, n_wide),
        rng.uniform(-wide, wide, n_wide),
        signs * mags,
        np.asarray(special, dtype=np.float64),
        np.asarray(list(breakpoints), dtype=np.float64),
    ]
    with np.errstate(over="ignore"):
        out = np.concatenate(parts).astype(dt)
    return out


# ---------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FunctionReport:
    """The accuracy of one generated function in one dtype.

    Attributes:
        dtype: ``"float32"`` or ``"float64"``.
        derivative: 0 for f, 1 for f'.
        points: number of inputs.
        max_ulp, median_ulp: over all non-wrong points.
        max_ulp_core: over inputs in [-10, 10].
        max_ulp_normal: over points whose truth is a normal number (or 0/inf).
        max_abs_subnormal: the error, in units of the smallest subnormal, where the truth is subnormal.
        wrong: number of wrong-class points (nan/inf vs finite, wrong-signed inf).
        worst_x, worst_got, worst_truth: the input with the largest ULP error (or the first wrong one).
        warnings: RuntimeWarnings raised by one call over all inputs.
        bound: the bar, in words.
        bound_met: whether the bar (and 0 wrong, 0 warnings) holds.
        seconds: time spent (mostly the mpmath truth, unless cached).
    """

    dtype: str
    derivative: int
    points: int
    max_ulp: float
    median_ulp: float
    max_ulp_core: float
    max_ulp_normal: float
    max_abs_subnormal: float
    wrong: int
    worst_x: float
    worst_got: float
    worst_truth: float
    warnings: int
    bound: str
    bound_met: bool
    seconds: float = 0.0

    def line(self) -> str:
        """One line of text for tables and the CLI."""
        fn = "f" if self.derivative == 0 else "f" + "'" * self.derivative
        verdict = "ok" if self.bound_met else "MISSED"
        return (
            f"{self.dtype} {fn:3s} max {self.max_ulp:.3g} (core {self.max_ulp_core:.3g}, normal {self.max_ulp_normal:.3g}, "
            f"subnormal abs {self.max_abs_subnormal:.3g}) median {self.median_ulp:g} wrong {self.wrong} warnings {self.warnings} "
            f"worst x={self.worst_x!r} got {self.worst_got!r} truth {self.worst_truth!r}; bar {self.bound}: {verdict}"
        )


@dataclass(frozen=True)
class ValidationReport(ReportSet[FunctionReport]):
    """The validation of one activation: f and f' in float32 and float64.

    Attributes:
        name: the activation's name.
        family: ``"exp/log"`` or ``"other"`` (which float64 bar applies).
        results: one :class:`FunctionReport` per (dtype, derivative).
        seconds: total time.
    """

    name: str
    family: str
    results: tuple[FunctionReport, ...]
    seconds: float

    def get(self, dtype: str, derivative: int = 0) -> FunctionReport:
        """The report for one dtype and derivative order."""
        return self._find(dtype=dtype, derivative=derivative)

    def summary(self) -> str:
        """One line: max ULPs per dtype for f and f', wrong-class and warning totals."""
        parts = []
        for dt, short in (("float32", "f32"), ("float64", "f64")):
            items = []
            for r in self.results:
                if r.dtype == dt:
                    fn = "f" if r.derivative == 0 else "f'"
                    items.append(f"{fn} max {r.max_ulp:.3g} ULP")
            parts.append(f"{short} " + ", ".join(items))
        wrong = sum(r.wrong for r in self.results)
        warns = sum(r.warnings for r in self.results)
        verdict = (
            "ok"
            if self.ok
            else "MISSED "
            + ", ".join(
                f"{r.dtype}{'' if r.derivative == 0 else ' d' + str(r.derivative)}"
                for r in self.results
                if not r.bound_met
            )
        )
        return f"{self.name} {verdict}: " + "; ".join(parts) + f"; {wrong} wrong, {warns} warnings"

    def __str__(self) -> str:
        return "\n".join([self.summary(), *("  " + r.line() for r in self.results)])


def _bar(dtype: str, family: str) -> tuple[str, Callable[[float, float, float], bool]]:
    if dtype == "float32":
        return "<=1 ULP everywhere", lambda m, core, normal: m <= 1
    if family == "exp/log":
        return "<=2 ULP everywhere", lambda m, core, normal: m <= 2
    return "<=4 ULP on [-10,10], <=10 ULP on normal outputs", lambda m, core, normal: core <= 4 and normal <= 10


def _check(
    fn: Callable[[Any], Any], expr: sympy.Expr, xs: np.ndarray, dtype: str, derivative: int, family: str
) -> FunctionReport:
    t0 = time.perf_counter()
    want = truth(expr, xs)
    got, n_warn = run_counting_warnings(lambda: fn(xs), xs.shape, xs.dtype)
    err, wrong = ulp_error(got, want)
    ok = ~wrong
    fi = np.finfo(xs.dtype)
    absw = np.abs(want.astype(np.float64))
    sub = ok & (absw > 0) & (absw < float(fi.smallest_normal))
    normal = ok & ~sub
    core = ok & (np.abs(xs) <= 10)
    emax = float(err[ok].max()) if ok.any() else 0.0
    med = float(np.median(err[ok])) if ok.any() else 0.0
    ecore = float(err[core].max()) if core.any() else 0.0
    enorm = float(err[normal].max()) if normal.any() else 0.0
    esub = float(err[sub].max()) if sub.any() else 0.0
    if wrong.any():
        i = int(np.argmax(wrong))
    else:
        i = int(np.argmax(np.where(ok, err, -1)))
    bound, rule = _bar(dtype, family)
    met = rule(emax, ecore, enorm) and not wrong.any() and n_warn == 0
    return FunctionReport(
        dtype,
        derivative,
        int(xs.size),
        emax,
        med,
        ecore,
        enorm,
        esub,
        int(wrong.sum()),
        float(xs[i]),
        float(got[i]),
        float(want[i]),
        n_warn,
        bound,
        bool(met),
        time.perf_counter() - t0,
    )


def validate(act: Activation | str, size: str = "full", derivatives: tuple[int, ...] = (0, 1)) -> ValidationReport:
    """Validate the generated functions of ``act`` (f and f') in float32 and float64.

    Never raises on a mismatch: the report says what was measured and whether each
    bar is met.

    Args:
        act: the activation (or its catalog name).
        size: ``"full"`` or ``"quick"`` input set (see :func:`inputs`).
        derivatives: which derivative orders to check.

    Raises:
        TypeError: ``act`` is neither an activation nor a name, or an option has the wrong type.
        ValueError: ``size`` is not ``"full"`` or ``"quick"``, or a derivative order is not
            0 to :data:`MAX_DERIVATIVE` (an ``UnknownActivationError``, a ``KeyError``, for an
            unknown name); or no certified truth is known at one of the inputs (mpmath cannot
            evaluate the definition there), so the code's answer there cannot be checked.

    Examples:
        >>> rep = validate("elu", size="quick", derivatives=(0,))
        >>> rep.ok, rep.get("float64").max_ulp <= 4, rep.get("float32").wrong  # the last bit is libm's
        (True, True, 0)
    """
    act = check_options(act, size, derivatives)
    t0 = time.perf_counter()
    family = "exp/log" if act.name in EXP_LOG_FAMILY else "other"
    results = []
    for d in derivatives:
        results += check_dtypes(to_numpy(act, d), derivative_expr(act, d), size, d, family)
    return ValidationReport(act.name, family, tuple(results), time.perf_counter() - t0)


def check_dtypes(
    fn: Callable[[Any], Any], expr: sympy.Expr, size: str, derivative: int, family: str
) -> list[FunctionReport]:
    """``fn``, code of ``expr`` (the NumPy code's or another backend's), in float32 and float64 on the
    inputs of ``size`` and the breakpoints, against the truth and the bars of ``family``."""
    out = []
    for dtype in ("float32", "float64"):
        xs = inputs(dtype, size, _breakpoint_floats(expr, FORMATS[dtype][0]))
        out.append(_check(fn, expr, xs, dtype, derivative, family))
    return out


#: The input sets :func:`validate` knows.
SIZES = ("full", "quick")
#: The highest derivative order :func:`validate` checks (the bars are set for f and f').
MAX_DERIVATIVE = 4


def check_options(act: Any, size: Any, derivatives: Any) -> Activation:
    """The activation :func:`validate` checks, after checking its arguments up front.

    Examples:
        >>> check_options("relu", "huge", (0,))
        Traceback (most recent call last):
        ...
        ValueError: size must be 'full' or 'quick', got 'huge'
    """
    if isinstance(act, str):
        act = get_scalar(act)
    elif not isinstance(act, Activation):
        raise TypeError(
            f"validate takes an Activation or the name of a catalog activation, got {type(act).__name__} {act!r:.60}"
        )
    if not isinstance(size, str):
        raise TypeError(f"size must be 'full' or 'quick', got {type(size).__name__} {size!r:.60}")
    if size not in SIZES:
        raise ValueError(f"size must be 'full' or 'quick', got {size!r:.60}")
    if isinstance(derivatives, (str, bytes)) or not isinstance(derivatives, (tuple, list)):
        raise TypeError(
            f"derivatives must be a tuple of derivative orders, e.g. (0, 1), got {type(derivatives).__name__} {derivatives!r:.60}"
        )
    for d in derivatives:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)):
            raise TypeError(f"derivatives must hold integers, got {type(d).__name__} {d!r:.60}")
        if not 0 <= d <= MAX_DERIVATIVE:
            raise ValueError(f"a derivative order must be 0 to {MAX_DERIVATIVE}, got {d!r:.60} in derivatives")
    return act


def table(reports: list[ValidationReport] | tuple[ValidationReport, ...]) -> str:
    """A Markdown table of max ULP (all / core / normal), wrong-class and warnings per function.

    Examples:
        >>> print(table([validate("relu", size="quick", derivatives=(0,))]))  # doctest: +NORMALIZE_WHITESPACE
        | activation | fn | f32 max | f64 max | f64 core | f64 normal | f64 median | wrong | warnings | bars |
        |---|---|---|---|---|---|---|---|---|---|
        | relu | f | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ok |
    """
    lines = [
        "| activation | fn | f32 max | f64 max | f64 core | f64 normal | f64 median | wrong | warnings | bars |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for rep in reports:
        for d in sorted({r.derivative for r in rep.results}):
            r32, r64 = rep.get("float32", d), rep.get("float64", d)
            fn = "f" if d == 0 else "f" + "'" * d
            missed = [r.dtype for r in (r32, r64) if not r.bound_met]
            lines.append(
                f"| {rep.name} | {fn} | {r32.max_ulp:.3g} | {r64.max_ulp:.3g} | {r64.max_ulp_core:.3g} | {r64.max_ulp_normal:.3g} | "
                f"{r64.median_ulp:g} | {r32.wrong + r64.wrong} | {r32.warnings + r64.warnings} | "
                f"{'ok' if not missed else 'MISSED ' + ', '.join(missed)} |"
            )
    return "\n".join(lines)
