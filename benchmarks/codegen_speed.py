"""Speed of the generated NumPy code next to hand-written NumPy, measured in the same run.

Rows (10**7 elements uniform in [-10, 10], float32 and float64):

* ``relu`` against ``np.maximum(x, 0)``: target at most 1.1x;
* the other entries printed as ``np.maximum``/``np.minimum``/``np.clip`` (relu6, hard_tanh,
  hard_sigmoid, leaky_relu) against the obvious hand-written NumPy (no target: shown for reference);
* the exp/log family (sigmoid, softplus, silu, gelu, mish, elu, log_sigmoid) against careful
  hand-written NumPy: target at most 1.25x. For float32 two references are shown: ``careful``
  computed in float32, and ``careful@f64`` computed in float64 and rounded once, the accuracy the
  generated code has (its float32 bar is 1 ULP); the target is read against ``careful@f64``.

Every figure is the median of ``--repeat`` rounds in which all the functions of a row run one after
the other (after one warm-up call each), so that load from other processes hits each column alike.
The ratio is generated / reference.

Run: ``python benchmarks/codegen_speed.py [--n 10000000] [--repeat 7] [--only relu,gelu]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.special as sp

import symact

SQRT1_2 = 0.7071067811865476


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    r = 1 / (1 + e)
    return np.where(x >= 0, r, e * r)


#: Hand-written NumPy (hand-written code is allowed here only), with its target ratio.
CAREFUL: dict[str, tuple[Callable[[np.ndarray], Any], float | None]] = {
    "relu": (lambda x: np.maximum(x, 0), 1.1),
    "relu6": (lambda x: np.clip(x, 0, 6), None),
    "hard_tanh": (lambda x: np.clip(x, -1, 1), None),
    "hard_sigmoid": (lambda x: np.clip(x / 6 + 0.5, 0, 1), None),
    "leaky_relu": (lambda x: np.maximum(x, x * x.dtype.type(0.01)), None),
    "sigmoid": (_sigmoid, 1.25),
    "softplus": (lambda x: np.logaddexp(0, x), 1.25),
    "silu": (lambda x: x * _sigmoid(x), 1.25),
    "gelu": (lambda x: 0.5 * x * sp.erfc(-x * x.dtype.type(SQRT1_2)), 1.25),
    "mish": (lambda x: x * np.tanh(np.logaddexp(0, x)), 1.25),
    "elu": (lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))), 1.25),
    "log_sigmoid": (lambda x: -np.logaddexp(0, -x), 1.25),
}


def _via_f64(fn: Callable[[np.ndarray], Any]) -> Callable[[np.ndarray], Any]:
    def g(x: np.ndarray) -> Any:
        return fn(x.astype(np.float64)).astype(x.dtype)

    return g


def _median_times(fns: dict[str, Callable[[np.ndarray], Any]], a: np.ndarray, repeat: int) -> dict[str, float]:
    for fn in fns.values():
        fn(a)
    ts: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn(a)
            ts[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in ts.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--only", default="", help="comma-separated names (default: every row)")
    args = ap.parse_args(argv)
    names = args.only.split(",") if args.only else list(CAREFUL)
    base = np.random.default_rng(0).uniform(-10, 10, args.n)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# generated NumPy vs hand-written NumPy: n = {args.n:.0e}, median of {args.repeat} rounds, load {load:.1f}")
    print(f"{'name':<13}{'dtype':<9}{'generated':>11}{'reference':>11}{'ratio':>8}  {'ref':<13}{'target':>7}  ok")
    failed = 0
    with np.errstate(all="ignore"):
        for name in names:
            fn, target = CAREFUL[name]
            gen = symact.to_numpy(symact.get(name))
            for dt in (np.float32, np.float64):
                a = base.astype(dt)
                fns = {"generated": gen, "careful": fn}
                if dt == np.float32 and name not in ("relu", "relu6", "hard_tanh"):
                    fns["careful@f64"] = _via_f64(fn)  # the accuracy of the generated code
                t = _median_times(fns, a, args.repeat)
                for ref in [k for k in fns if k != "generated"]:
                    ratio = t["generated"] / t[ref]
                    judged = target is not None and (ref == "careful@f64" or "careful@f64" not in fns)
                    ok = "" if not judged else ("yes" if ratio <= target else "NO")
                    failed += ok == "NO"
                    print(
                        f"{name:<13}{np.dtype(dt).name:<9}{t['generated'] * 1e3:>9.1f}ms{t[ref] * 1e3:>9.1f}ms"
                        f"{ratio:>7.2f}x  {ref:<13}{(f'{target:.2f}x' if judged else ''):>7}  {ok}"
                    )
    print(f"# {failed} row(s) over target")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
