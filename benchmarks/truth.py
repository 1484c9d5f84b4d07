"""The correctly rounded truth with arb balls, next to the method before arb (mpmath), in the same run.

1. ``validate`` of every scalar catalog entry on the full input set (f and f', float32 and
   float64), cold (a fresh, empty persistent store; each entry's first validation in this
   process): the wall time of each and the total, and how much of it the truth took. Target:
   the total under 60 s.
2. The same truth with the method before arb (``symact.numeric.truth._mpmath_truths``: mpmath
   interval enclosures, exact rationals, the reference method). Running it whole takes tens
   of minutes (gelu alone about 3 min), so by default it is timed on a sample of every
   entry's full input set (every ``--step``-th distinct input, f and f', both dtypes) next to
   arb on the same sample (CPU time of this process); the validate total with the old truth
   is estimated as the total with arb plus the difference of the two truths' times per point
   times the points (scaled by the wall/CPU ratio the truth had in 1.). ``--whole`` runs the
   old truth on every point instead (and checks it equals arb's).
3. Truth CPU time per point, arb against mpmath, for gelu, mish, silu and softplus (f and f',
   both dtypes, the sample of 2.), with the ratio.

The two methods' answers are compared on every point timed (``-0.0 == 0.0``) and each
difference is printed. Expected ones: tanh_shrink at large |x| is within e**-5e7 of a tie
that the mpmath method rounds to even (arb decides the side: 18 float32 and 1 float64
points of the full set; ``tests/test_arb.py::test_a_value_no_precision_separates_from_a_tie``).

Run: ``python benchmarks/truth.py [--step 10] [--whole] [--only gelu,mish]``
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time

os.environ["SYMACT_CACHE_DIR"] = tempfile.mkdtemp(prefix="symact-truth-bench-")  # cold: a fresh store

import numpy as np
import sympy

import symact
from symact.codegen.numpy import derivative_expr
from symact.numeric import truth as T
from symact.numeric.rounding import FORMATS
from symact.validation import scalar as V

PER_POINT = ["gelu", "mish", "silu", "softplus"]


def _distinct(expr: sympy.Expr, dtype: str) -> np.ndarray:
    xs = V.inputs(dtype, "full", V._breakpoint_floats(expr, FORMATS[dtype][0]))
    return np.unique(xs)


def _same(a: list[float], b: list[float]) -> list[int]:
    return [i for i, (u, v) in enumerate(zip(a, b)) if not (u == v or (math.isnan(u) and math.isnan(v)))]


def _timed(fn: object, *args: object) -> tuple[list[float], float]:
    """The result and the CPU seconds of this process it took (the truth runs in this process;
    CPU time is what a loaded machine does not inflate)."""
    t0 = time.process_time()
    out = fn(*args)  # type: ignore[operator]
    return out, time.process_time() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--step", type=int, default=10, help="sample every STEP-th distinct input (default 10)")
    ap.add_argument("--whole", action="store_true", help="run the old truth on every point (tens of minutes)")
    ap.add_argument("--only", default="", help="comma-separated catalog names (default: every scalar entry)")
    a = ap.parse_args()
    names = [n for n in a.only.split(",") if n] or list(symact.names())
    bad = 0

    # 1. validate, cold, with the arb truth; the truth's share measured by wrapping it
    spent = {"truth": 0.0, "truth_cpu": 0.0}
    real = V.truth

    def timed_truth(expr: sympy.Expr, xs: np.ndarray) -> np.ndarray:
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return real(expr, xs)
        finally:
            spent["truth"] += time.perf_counter() - t0
            spent["truth_cpu"] += time.process_time() - c0

    V.truth = timed_truth  # type: ignore[assignment]
    print(f"1. validate(name, size='full'), cold store {os.environ['SYMACT_CACHE_DIR']}, arb truth")
    total_v = 0.0
    for name in names:
        before, before_cpu = spent["truth"], spent["truth_cpu"]
        t0 = time.perf_counter()
        rep = V.validate(name, size="full")
        dt = time.perf_counter() - t0
        total_v += dt
        tw, tc = spent["truth"] - before, spent["truth_cpu"] - before_cpu
        print(f"   {name:16s} {dt:7.2f} s (truth {tw:6.2f} s wall, {tc:6.2f} s CPU)  {'ok' if rep.ok else 'MISS'}")
    V.truth = real
    met = "met" if total_v < 60 else "NOT met"
    print(
        f"   total {total_v:.1f} s (truth {spent['truth']:.1f} s wall, {spent['truth_cpu']:.1f} s CPU); target < 60 s: {met}"
    )
    print(f"   load average at the end: {' '.join(f'{v:.1f}' for v in os.getloadavg())} (on {os.cpu_count()} cores)")

    # 2./3. the truth alone, arb against mpmath, on the same points
    step = 1 if a.whole else a.step
    print(f"\n2. truth alone on {'every' if a.whole else f'every {step}th'} distinct full input: arb vs mpmath (CPU)")
    t_arb = t_old = 0.0
    n_all = n_timed = 0
    per: dict[str, list[tuple[float, float]]] = {}
    for name in names:
        act = symact.get(name)
        ta = to = 0.0
        n = 0
        for d in (0, 1):
            expr = derivative_expr(act, d)
            for dtype in ("float32", "float64"):
                fmt = FORMATS[dtype][1:]
                xs = _distinct(expr, dtype)
                n_all += len(xs)
                sample = xs[::step]
                got, s_arb = _timed(T._fast_truths, expr, sample, fmt)
                ref, s_old = _timed(T._mpmath_truths, expr, sample, fmt)
                diff = _same(got, ref)
                if diff:
                    bad += len(diff)
                    i = diff[0]
                    print(
                        f"   DIFFERENCE {name} d{d} {dtype} at {float(sample[i])!r}: arb {got[i]!r} mpmath {ref[i]!r}"
                    )
                ta, to, n = ta + s_arb, to + s_old, n + len(sample)
                if name in PER_POINT:
                    per.setdefault(name, []).append((s_arb / len(sample), s_old / len(sample)))
        t_arb, t_old, n_timed = t_arb + ta, t_old + to, n_timed + n
        print(
            f"   {name:16s} {n:6d} points: arb {1e6 * ta / n:8.1f} us/pt, mpmath {1e6 * to / n:8.1f} us/pt, x{to / ta:6.1f}"
        )
    print(f"   all: {n_timed} points, arb {t_arb:.1f} s, mpmath {t_old:.1f} s, x{t_old / t_arb:.1f}")
    # the truth's CPU time in 2. as the wall time it would have had in 1. (same load, same ratio)
    inflation = spent["truth"] / max(spent["truth_cpu"], 1e-9)
    scale = 1.0 if a.whole else n_all / n_timed
    est = total_v + (t_old - t_arb) * scale * inflation
    how = "" if a.whole else ", estimated from the sample"
    print(f"   validate total with the mpmath truth{how}: {est:.0f} s (arb: {total_v:.1f} s, x{est / total_v:.1f})")

    print("\n3. truth CPU time per point (median over f, f' x float32, float64), arb vs mpmath")
    for name in PER_POINT:
        if name not in per:
            continue
        arb_us = statistics.median(1e6 * p[0] for p in per[name])
        old_us = statistics.median(1e6 * p[1] for p in per[name])
        print(f"   {name:10s} arb {arb_us:8.1f} us/pt   mpmath {old_us:8.1f} us/pt   x{old_us / arb_us:5.1f}")
    print(f"\n{bad} points differ between the two methods")
    return 0


if __name__ == "__main__":
    sys.exit(main())
