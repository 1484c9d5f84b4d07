"""The vector activations' generated code against the correctly rounded truth, in ULPs.

:func:`validate` measures :func:`symact.codegen.vector.to_numpy` on :func:`rows` (100 rows of
length 1000 in the 10 :data:`FAMILIES`) and on :data:`SPECIAL_ROWS`, per dtype, against
:func:`truth` (arb balls on the exact binary inputs, mpmath at 240 bits where they do not
decide, rounded once with :func:`symact.numeric.rounding.round_to`; errors by
:func:`symact.numeric.rounding.ulp_error`),
and states whether each bar of :data:`BARS` holds.

Examples:
    >>> import numpy as np
    >>> truth("softmax", np.array([[1000.0, 1001.0]]))
    array([[0.26894142, 0.73105858]])
    >>> print(validate("softmax", count=10, length=20).summary())  # doctest: +ELLIPSIS
    softmax ok: f32 max ... ULP (dominant ...); f64 max ... ULP (dominant ...); 0 wrong, 0 warnings
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import mpmath
import numpy as np
from mpmath import mpf

from symact.codegen.vector import to_numpy
from symact.core import budget, store
from symact.core.errors import SymactError
from symact.definition.registry import get_vector as _get
from symact.definition.vector import VectorActivation
from symact.numeric.arb import ball_ends, round_ball, round_dyadic
from symact.numeric.rounding import FORMATS, round_to, ulp_error
from symact.numeric.truth import mexp
from symact.validation.measure import ReportSet, run_counting_warnings

__all__ = [
    "BARS",
    "FAMILIES",
    "SPECIAL_ROWS",
    "TruthMismatchError",
    "VectorFunctionReport",
    "VectorReport",
    "rows",
    "truth",
    "validate",
]


# ---------------------------------------------------------------------------------------
# Test rows
# ---------------------------------------------------------------------------------------
FAMILIES = (
    "N(0,1)",
    "N(0,10^2)",
    "N(0,100^2)",
    "U(-10,10)",
    "near-overflow",
    "all-underflow",
    "huge magnitude",
    "one dominant entry",
    "10% -inf mask",
    "constant (+ one nan row)",
)


def rows(dtype: str = "float64", count: int = 100, length: int = 1000, seed: int = 6) -> np.ndarray:
    """``count`` test rows of ``length`` in the 10 :data:`FAMILIES` (count/10 rows each).

    Row r belongs to family ``FAMILIES[r * 10 // count]``. "one dominant entry" rows
    put one entry 15 to 800 above N(0, 5^2) others (so the argmax of log_softmax is
    a tiny negative number); the last row of the constant family is all nan but one.

    Examples:
        >>> r = rows("float32", count=10, length=8)
        >>> r.shape, r.dtype, int(np.isnan(r).any(axis=1).sum()), int(np.isneginf(r).any(axis=1).sum())
        ((10, 8), dtype('float32'), 1, 1)
    """
    rng = np.random.default_rng(seed)
    f64 = dtype == "float64"
    big = 709.0 if f64 else 88.0
    out = np.empty((count, length), dtype=np.float64)
    per = max(count // len(FAMILIES), 1)
    for r in range(count):
        fam = min(r // per, len(FAMILIES) - 1)
        if fam == 0:
            v = rng.normal(0, 1, length)
        elif fam == 1:
            v = rng.normal(0, 10, length)
        elif fam == 2:
            v = rng.normal(0, 100, length)
        elif fam == 3:
            v = rng.uniform(-10, 10, length)
        elif fam == 4:
            v = rng.uniform(big - 10, big + 10, length)
        elif fam == 5:
            v = rng.uniform(-1100, -750, length) if f64 else rng.uniform(-160, -104, length)
        elif fam == 6:
            hi = 307.5 if f64 else 37.5
            v = rng.choice([-1.0, 1.0], length) * 10.0 ** rng.uniform(hi - 8, hi, length)
        elif fam == 7:
            v = rng.normal(0, 5, length)
            v[rng.integers(length)] = v.max() + (rng.uniform(15, 40) if r % 2 else rng.uniform(40, 800))
        elif fam == 8:
            v = rng.normal(0, 10, length)
            v[rng.random(length) < 0.1] = -np.inf
            if r % per == per - 1:
                v[:] = -np.inf
        else:
            v = np.full(length, rng.uniform(-50, 50))
            if r % per == per - 1 or r == count - 1:
                v[1:] = np.nan
        out[r] = v
    return out.astype(np.float32 if not f64 else np.float64)


#: Short rows with known trouble: overflow of exp, -1e308 next to 0, infinities.
SPECIAL_ROWS: tuple[tuple[float, ...], ...] = (
    (1000.0, 1001.0),
    (-1e308, 0.0),
    (1e308, -1e308),
    (-np.inf, -np.inf),
    (np.inf, 0.0),
    (np.inf, np.inf),
    (0.0, -800.0),
    (745.0, 0.0),
    (-745.0, 0.0),
    (1.0, 1.0),
)


# ---------------------------------------------------------------------------------------
# Truth
# ---------------------------------------------------------------------------------------
def _mp(v: float) -> mpf:
    return mpf(10) ** 400 * (1 if v > 0 else -1) if math.isinf(v) else mpf(v)


def _row_truth(name: str, row: np.ndarray, prec: int) -> list[Any]:
    """The exact outputs of one row at ``prec`` bits (mpf values; nan rows give nan)."""
    vals = [float(v) for v in row]
    if name == "sparsemax":
        if any(not math.isfinite(v) for v in vals):
            return [mpmath.nan] * len(vals)
        fr = [Fraction(v) for v in vals]
        z = sorted(fr, reverse=True)
        cs, best = Fraction(0), None
        for kk, zk in enumerate(z, 1):
            cs += zk
            if 1 + kk * zk > cs:
                best = (cs - 1) / kk
        if best is None:  # k = 1 always qualifies (1 + z_1 > z_1): never reached
            raise ArithmeticError("sparsemax: no support")
        return [max(v - best, Fraction(0)) for v in fr]
    with mpmath.workprec(prec):
        if name == "glu":
            h = len(vals) // 2
            out = []
            for a, b in zip(vals[:h], vals[h:]):
                if math.isnan(a) or math.isnan(b):
                    out.append(mpmath.nan)
                    continue
                bb = _mp(b)
                sig = 1 / (1 + mexp(-bb)) if bb > -(2**20) else mexp(bb)
                out.append(_mp(a) * sig)
            return out
        if any(math.isnan(v) for v in vals):
            return [mpmath.nan] * (1 if name == "logsumexp" else len(vals))
        sign = -1 if name == "softmin" else 1
        xs = [sign * _mp(v) for v in vals]
        am = max(range(len(xs)), key=lambda t: xs[t])
        m = xs[am]
        s = mpmath.fsum(mexp(xs[t] - m) for t in range(len(xs)) if t != am)
        L = mpmath.log1p(s)
        if name == "logsumexp":
            return [m + L]
        if name == "log_softmax":
            return [(xv - m) - L for xv in xs]
        return [mexp(xv - m) / (1 + s) for xv in xs]


def _row_balls(name: str, vals: list[float]) -> list[tuple[Any, Any, Any]]:
    """The outputs of one row (finite entries) as arb balls at the working precision, by the same
    cancellation-free formulas as :func:`_row_truth`: ``(ball, base, tail)`` where the log forms
    are ``base - tail`` (log_softmax) or ``base + tail`` (logsumexp) with ``tail = log1p(s)``,
    and ``base``, ``tail`` None otherwise."""
    if name == "glu":
        h = len(vals) // 2
        return [(flint.arb(a) / (1 + (-flint.arb(b)).exp()), None, None) for a, b in zip(vals[:h], vals[h:])]
    sign = -1 if name == "softmin" else 1
    xs = [flint.arb(sign * v) for v in vals]
    am = max(range(len(vals)), key=lambda t: sign * vals[t])
    m = xs[am]
    s = sum(((xs[t] - m).exp() for t in range(len(xs)) if t != am), flint.arb(0))
    L = s.log1p()
    if name == "logsumexp":
        return [(m + L, m, L)]
    if name == "log_softmax":
        return [((xv - m) - L, xv - m, L) for xv in xs]
    return [((xv - m).exp() / (1 + s), None, None) for xv in xs]


def _nudged(base: Any, tail: Any, sign: int, fmt: tuple[int, int, int]) -> float | None:
    """``base + sign * tail`` rounded, for an exact ``base`` and a positive ``tail`` far below its
    last bit (log_softmax of a float32 row whose other terms are e**-1e37): no precision
    separates the value from ``base``, which may be a tie; the value is ``base`` moved by less
    than 2**-k of its last bit in the direction of ``sign``, and rounds like that point."""
    ends = ball_ends(tail)
    if ends is None or ends[0][0] <= 0 or not base.is_exact():
        return None
    mb, eb = (int(t) for t in base.mid().man_exp())
    k = max(64, eb - fmt[1] + 2)  # 2**(eb - k) is far below the smallest gap of the format
    hi = ends[1]
    if mb == 0 or hi[1] + abs(hi[0]).bit_length() >= eb - k:
        return None
    return round_dyadic((mb << k) + sign, eb - k, *fmt)


def _row_truth_arb(name: str, row: np.ndarray, fmt: tuple[int, int, int]) -> list[float] | None:
    """The row's outputs correctly rounded to ``fmt`` from arb balls (rigorous), at 128 bits and
    doubling up to 4096; None where balls do not decide (a non-finite entry, sparsemax, a value
    too close to a rounding boundary): then :func:`_row_truth` does."""
    vals = [float(v) for v in row]
    if name == "sparsemax" or not all(math.isfinite(v) for v in vals):
        return None
    sign = 1 if name == "logsumexp" else -1
    prec = 128
    while prec <= 4096:
        with flint.ctx.workprec(prec):
            out = [
                r if (r := round_ball(y, fmt)) is not None or base is None else _nudged(base, tail, sign, fmt)
                for y, base, tail in _row_balls(name, vals)
            ]
        if all(r is not None for r in out):
            return out  # type: ignore[return-value]  # no None left
        prec *= 2
    return None


#: Part of every cache key: bump when the truth computation changes (invalidates the cache).
_TRUTH_VERSION = "vector-truth-v2:"


class TruthMismatchError(SymactError, ArithmeticError):
    """The truth of a row rounds differently at two precisions (``truth(..., verify=True)``)."""


#: The safety net of a truth computed in a worker for a call from a thread other than the main one
#: (mpmath's and FLINT's working precision are process-wide; see :func:`symact.core.budget.off_thread`).
THREAD_SECONDS = 3600.0


def _rows(name: str, flat: np.ndarray, fmt: tuple[int, int, int], width: int, verify: bool) -> np.ndarray:
    """The rounded truth of each row of ``flat`` (see :func:`truth`)."""
    out = np.empty((flat.shape[0], width), dtype=np.float64)
    for r, row in enumerate(flat):
        decided = _row_truth_arb(name, row, fmt)
        rounded = decided if decided is not None else [round_to(v, *fmt) for v in _row_truth(name, row, 240)]
        if verify and decided is None:  # arb's answer is a proof; mpmath's is checked at 330 bits
            again = [round_to(v, *fmt) for v in _row_truth(name, row, 330)]
            same = all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(rounded, again))
            if not same:
                raise TruthMismatchError(f"truth of {name} row {r} differs between 240 and 330 bits")
        out[r] = rounded
    return out


def truth(name: str, data: np.ndarray, verify: bool = False) -> np.ndarray:
    """The exact values of ``name`` over the last axis of ``data``, correctly rounded to its dtype.

    arb balls (python-flint, rigorous) on the exact binary inputs, with cancellation-free
    formulas (log_softmax as (x_i - m) - log1p(s), the argmax term kept out of s), at 128
    bits and doubling until every output's ball rounds to one float; where they do not
    decide (±inf or nan entries), mpmath at 240 bits, ±inf entries evaluated at ±10**400
    (the limit); sparsemax exactly in rationals. With ``verify=True`` each row is also
    evaluated by mpmath at 330 bits where balls did not decide, and a mismatch after
    rounding raises :class:`TruthMismatchError`. Kept in the persistent store (:mod:`symact.core.store`).
    Called from a thread other than the main one, it is computed in a budget worker (mpmath's and
    FLINT's working precision are process-wide).

    Examples:
        >>> truth("log_softmax", np.array([[0.0, -100.0]]))
        array([[-3.72007598e-44, -1.00000000e+02]])
    """
    data = np.asarray(data)
    act = _get(name)
    dt = data.dtype
    key = store.key("vector-truth", _TRUTH_VERSION, act.name, str(dt), verify, data)
    cached = store.load_array(key)
    if cached is not None and cached.dtype == dt:
        return cached
    fmt = FORMATS[str(dt)][1:]
    flat = data.reshape(-1, data.shape[-1])
    width = 1 if act.name == "logsumexp" else (data.shape[-1] // 2 if act.name == "glu" else data.shape[-1])
    out = budget.off_thread(_rows, act.name, flat, fmt, width, verify, seconds=THREAD_SECONDS, what="the truth")
    with np.errstate(over="ignore"):
        res = out.astype(dt).reshape(data.shape[:-1] + ((width,) if act.name != "logsumexp" else ()))
    store.save_array(key, res)
    return res


# ---------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------
#: The bars (issue 6): max ULP per component by (function, dtype); None = measured only.
BARS: dict[tuple[str, str], float | None] = {
    ("softmax", "float64"): 5,
    ("softmax", "float32"): 1,
    ("softmin", "float64"): 5,
    ("softmin", "float32"): 1,
    ("log_softmax", "float64"): 2,
    ("log_softmax", "float32"): 1,
    ("logsumexp", "float64"): 1,
    ("logsumexp", "float32"): 1,  # f64 measured 0 (68 before log1p in double-double)
    ("glu", "float64"): 4,
    ("glu", "float32"): 1,
    ("sparsemax", "float64"): 1,
    ("sparsemax", "float32"): 1,  # measured 0 and 0 (57 and 0 before tau in double-double)
}


@dataclass(frozen=True)
class VectorFunctionReport:
    """The accuracy of one vector function in one dtype over the test rows.

    Attributes:
        name, dtype: what was measured.
        rows, points: how many rows and output values.
        max_ulp, median_ulp: over all non-wrong outputs.
        max_ulp_dominant: over the argmax entries (rows' largest input), where the
            textbook log_softmax loses all relative accuracy (nan if not applicable).
        max_ulp_special: over :data:`SPECIAL_ROWS`.
        wrong: wrong-class outputs (nan/inf vs finite, wrong-signed inf).
        warnings: RuntimeWarnings from one call over all rows (plus dtype drift).
        worst: ``(row, column, got, truth)`` of the largest error (or first wrong point).
        bar: the ULP bar, or None when only measured.
        bound_met: whether the bar holds with 0 wrong and 0 warnings.
    """

    name: str
    dtype: str
    rows: int
    points: int
    max_ulp: float
    median_ulp: float
    max_ulp_dominant: float
    max_ulp_special: float
    wrong: int
    warnings: int
    worst: tuple[int, int, float, float]
    bar: float | None
    bound_met: bool
    seconds: float = 0.0

    def line(self) -> str:
        """One line of text."""
        r, c, g, t = self.worst
        maxima = f"dominant {self.max_ulp_dominant:.3g}, special rows {self.max_ulp_special:.3g}"
        counts = f"{self.wrong} wrong, {self.warnings} warnings over {self.rows} rows / {self.points} values"
        bar = (
            "measured only" if self.bar is None else f"bar <= {self.bar:g} ULP: {'ok' if self.bound_met else 'MISSED'}"
        )
        return (
            f"{self.name} {self.dtype}: max {self.max_ulp:.3g} ULP ({maxima}), median {self.median_ulp:g}, {counts}; "
            f"worst row {r} col {c}: got {g!r} truth {t!r}; {bar}"
        )


@dataclass(frozen=True)
class VectorReport(ReportSet[VectorFunctionReport]):
    """The validation of one vector activation in float32 and float64."""

    name: str
    results: tuple[VectorFunctionReport, ...]
    seconds: float

    def get(self, dtype: str) -> VectorFunctionReport:
        """The report for one dtype."""
        return self._find(dtype=dtype)

    def summary(self) -> str:
        """One line."""
        parts = [
            f"{'f32' if r.dtype == 'float32' else 'f64'} max {r.max_ulp:.3g} ULP (dominant {r.max_ulp_dominant:.3g})"
            for r in self.results
        ]
        wrong = sum(r.wrong for r in self.results)
        warns = sum(r.warnings for r in self.results)
        return (
            f"{self.name} {'ok' if self.ok else 'MISSED'}: " + "; ".join(parts) + f"; {wrong} wrong, {warns} warnings"
        )

    def __str__(self) -> str:
        return "\n".join([self.summary(), *("  " + r.line() for r in self.results)])


def _measure(fn: Callable[..., Any], name: str, data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    want = truth(name, data)
    got, n_warn = run_counting_warnings(lambda: fn(data, axis=-1), want.shape, data.dtype)
    err, _ = ulp_error(got, want)
    return got, want, err, n_warn


def _dominant_mask(name: str, data: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    if name in ("logsumexp", "glu", "sparsemax"):
        return None
    src = -data if name == "softmin" else data
    mask = np.zeros(shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        idx = np.argmax(np.where(np.isnan(src), -np.inf, src), axis=-1)
    mask[np.arange(shape[0]), idx] = True
    return mask


#: The largest ``count`` and ``length`` :func:`validate` accepts (the truth is computed
#: with mpmath for every entry: 10**4 rows of 10**5 would take days).
MAX_ROWS, MAX_LENGTH = 10_000, 100_000


def _check_options(name: Any, count: Any, length: Any, dtypes: Any) -> Any:
    """The vector activation :func:`validate` measures, after checking its arguments up front."""
    if not isinstance(name, (str, VectorActivation)):
        raise TypeError(
            f"validate_vector takes the name of a vector activation, got {type(name).__name__} {name!r:.60}"
        )
    act = _get(name)
    for what, value, top in (("count", count, MAX_ROWS), ("length", length, MAX_LENGTH)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{what} must be an integer, got {type(value).__name__} {value!r:.60}")
        if not 1 <= value <= top:
            raise ValueError(f"{what} must be 1 to {top}, got {value!r:.60}")
    if isinstance(dtypes, (str, bytes)) or not isinstance(dtypes, (tuple, list)):
        raise TypeError(
            f"dtypes must be a tuple of 'float32' and 'float64', got {type(dtypes).__name__} {dtypes!r:.60}"
        )
    for dtype in dtypes:
        if dtype not in ("float32", "float64"):
            raise ValueError(f"dtypes must be 'float32' or 'float64', got {dtype!r:.60}")
    return act


def validate(
    name: str, count: int = 100, length: int = 1000, dtypes: tuple[str, ...] = ("float32", "float64")
) -> VectorReport:
    """Measure a vector activation against the correctly rounded truth on :func:`rows`.

    Never raises on a miss: the report states the figures and whether each bar holds.

    Raises:
        TypeError: ``name`` is not a name or a vector activation, or an option has the wrong type.
        ValueError: ``count`` is not 1 to :data:`MAX_ROWS`, ``length`` not 1 to
            :data:`MAX_LENGTH`, or a dtype is not ``"float32"`` or ``"float64"``.

    Examples:
        >>> rep = validate("log_softmax", count=10, length=50)
        >>> rep.ok, rep.get("float64").wrong, rep.get("float64").max_ulp_dominant <= 2
        (True, 0, True)
    """
    act = _check_options(name, count, length, dtypes)
    fn = to_numpy(act.name)
    t0 = time.perf_counter()
    results = []
    for dtype in dtypes:
        t1 = time.perf_counter()
        data = rows(dtype, count, length + (length % 2 if act.name == "glu" else 0))
        if act.name in ("glu", "sparsemax"):
            data = np.where(np.isfinite(data), data, 0).astype(data.dtype)  # defined for finite input only
        got, want, err, n_warn = _measure(fn, act.name, data)
        _, wrong = ulp_error(got, want)
        err2 = err.reshape(err.shape[0], -1)
        wrong2 = wrong.reshape(err2.shape)
        ok = ~wrong2
        emax = float(err2[ok].max()) if ok.any() else 0.0
        med = float(np.median(err2[ok])) if ok.any() else 0.0
        dom = _dominant_mask(act.name, data, err2.shape)
        edom = float(err2[ok & dom].max()) if dom is not None and (ok & dom).any() else math.nan
        # special short rows
        esp = 0.0
        sp_wrong = 0
        if act.name not in ("glu", "sparsemax"):
            for row in SPECIAL_ROWS:
                with np.errstate(over="ignore"):
                    d = np.asarray([row], dtype=np.dtype(dtype))
                g, w, e, nw = _measure(fn, act.name, d)
                _, wr = ulp_error(g, w)
                sp_wrong += int(wr.sum())
                n_warn += nw
                esp = max(esp, float(e[~wr].max()) if (~wr).any() else 0.0)
        if wrong2.any():
            r, c = np.argwhere(wrong2)[0]
        else:
            r, c = np.unravel_index(int(np.argmax(np.where(ok, err2, -1))), err2.shape)
        g2, w2 = got.reshape(err2.shape), want.reshape(err2.shape)
        n_wrong = int(wrong2.sum()) + sp_wrong
        bar = BARS.get((act.name, dtype))
        met = n_wrong == 0 and n_warn == 0 and (bar is None or max(emax, esp) <= bar)
        results.append(
            VectorFunctionReport(
                act.name,
                dtype,
                int(data.shape[0]) + (len(SPECIAL_ROWS) if act.name not in ("glu", "sparsemax") else 0),
                int(err.size),
                emax,
                med,
                edom,
                esp,
                n_wrong,
                n_warn,
                (int(r), int(c), float(g2[r, c]), float(w2[r, c])),
                bar,
                bool(met),
                time.perf_counter() - t1,
            )
        )
    return VectorReport(act.name, tuple(results), time.perf_counter() - t0)
