"""Throughput and accuracy of the generated NumPy functions, next to the alternatives.

For each activation and dtype (float32, float64) on 10**7 elements uniform in
[-10, 10] this times:

* ``generated``: ``symact.codegen.numpy.to_numpy(act)``;
* ``lambdify``: the textbook ``sympy.lambdify(x, act.expr, ["scipy", "numpy"])``;
* ``careful``: hand-written careful NumPy (the baseline; hand-written code is
  allowed here only), in the input dtype, and for float32 also ``careful@f64``
  (computed in float64 and rounded once, i.e. the same accuracy as generated);
* ``scipy``: ``scipy.special`` where it has the function;
* ``torch``: ``torch.nn.functional`` on the CPU when torch is importable.

Times are the minimum of ``--repeat`` warm calls, interleaved round-robin with
the other implementations and the floor (so that load from other processes on
the machine hits every column alike), also given as a multiple of the
memory-bandwidth floor ``a + 0`` on the same array, timed in the same rounds. The accuracy table (max ULP
on [-10, 10] and over the whole validation input set, wrong-class count, warnings)
uses symact's correctly rounded mpmath truth on the quick input set.

Run: ``python benchmarks/numeric.py [--n 10000000] [--repeat 5] [--only softplus,gelu]``
"""

from __future__ import annotations

import argparse
import importlib
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.special as sp
import sympy

import symact
from symact.codegen.numpy import to_numpy

V = importlib.import_module("symact.validation.scalar")
T = importlib.import_module("symact.numeric.truth")
R = importlib.import_module("symact.numeric.rounding")

try:  # pragma: no cover - optional
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover
    torch = None
    F = None

EXP_LOG = ["sigmoid", "tanh", "softplus", "log_sigmoid", "elu", "selu", "celu", "exponential"]
OTHERS = ["silu", "mish", "gelu", "gelu_tanh", "softsign", "relu", "hard_silu", "squareplus"]

SQRT1_2 = 0.7071067811865476
C_TANH = 0.7978845608028654  # sqrt(2/pi)
SELU_SCALE = 1.0507009873554805
SELU_AS = 1.7580993408473766  # alpha*scale rounded once


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    r = 1 / (1 + e)
    return np.where(x >= 0, r, e * r)


# careful hand-written NumPy (the baseline): the note's "numpy" rows
CAREFUL: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softplus": lambda x: np.logaddexp(0, x),
    "log_sigmoid": lambda x: -np.logaddexp(0, -x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "selu": lambda x: np.where(x > 0, SELU_SCALE * x, SELU_AS * np.expm1(np.minimum(x, 0))),
    "celu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "exponential": np.exp,
    "silu": lambda x: x * _sigmoid(x),
    "mish": lambda x: x * np.tanh(np.logaddexp(0, x)),
    "gelu": lambda x: 0.5 * x * sp.erfc(-x * x.dtype.type(SQRT1_2)),
    "gelu_tanh": lambda x: x * _sigmoid(x.dtype.type(2 * C_TANH) * (x + x.dtype.type(0.044715) * x * x * x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "relu": lambda x: np.maximum(x, 0),
    "hard_silu": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "squareplus": lambda x: np.where(x >= 0, (x + np.hypot(x, 2)) / 2, 2 / (np.hypot(x, 2) - x)),
}

SCIPY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": sp.expit,
    "log_sigmoid": sp.log_expit,
    "gelu": lambda x: 0.5 * x * (1 + sp.erf(x * x.dtype.type(SQRT1_2))),
}
if hasattr(sp, "softplus"):
    SCIPY["softplus"] = sp.softplus

TORCH: dict[str, Callable[[Any], Any]] = {}
if torch is not None:  # pragma: no cover
    TORCH = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "softplus": F.softplus,
        "log_sigmoid": F.logsigmoid,
        "elu": F.elu,
        "selu": F.selu,
        "celu": F.celu,
        "exponential": torch.exp,
        "silu": F.silu,
        "mish": F.mish,
        "gelu": F.gelu,
        "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
        "softsign": F.softsign,
        "relu": F.relu,
        "hard_silu": F.hardswish,
    }


def _via_f64(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    def g(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return fn(x.astype(np.float64)).astype(x.dtype)

    return g


def _quiet(fn: Callable[[np.ndarray], Any]) -> Callable[[np.ndarray], Any]:
    def g(x: np.ndarray) -> Any:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(x)

    return g


def _torch_wrap(fn: Callable[[Any], Any]) -> Callable[[np.ndarray], np.ndarray]:  # pragma: no cover
    def g(x: np.ndarray) -> np.ndarray:
        return fn(torch.from_numpy(x)).numpy()

    return g


def implementations(name: str, dtype: type) -> dict[str, Callable[[np.ndarray], Any]]:
    act = symact.get(name)
    out: dict[str, Callable[[np.ndarray], Any]] = {
        "generated": to_numpy(act),
        "lambdify": sympy.lambdify(symact.x, act.expr, ["scipy", "numpy"]),
    }
    if name in CAREFUL:
        out["careful"] = CAREFUL[name]
        if dtype == np.float32:
            out["careful@f64"] = _via_f64(CAREFUL[name])
    if name in SCIPY:
        out["scipy"] = SCIPY[name]
    if name in TORCH:
        out["torch"] = _torch_wrap(TORCH[name])
    return out


def timeit(fns: dict[str, Callable[[np.ndarray], Any]], a: np.ndarray, repeat: int) -> dict[str, float]:
    """Minimum time per function over ``repeat`` interleaved rounds (one warm-up call each)."""
    for fn in fns.values():
        fn(a)
    ts: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn(a)
            ts[k].append(time.perf_counter() - t0)
    return {k: min(v) for k, v in ts.items()}


def accuracy(name: str, fn: Callable[[np.ndarray], Any], dtype: str) -> tuple[float, float, int, int]:
    act = symact.get(name)
    xs = V.inputs(dtype, "quick", V._breakpoint_floats(act.expr, np.dtype(dtype).type))
    want = T.truth(act.expr, xs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
            try:
                got = np.asarray(fn(xs))
            except Exception:  # noqa: BLE001 - a crash of the measured implementation is scored, not raised
                return float("nan"), float("nan"), len(xs), 0
    n_warn = len(caught)
    with np.errstate(all="ignore"):
        got = got.astype(xs.dtype)
    err, wrong = R.ulp_error(got, want)
    ok = ~wrong
    core = ok & (np.abs(xs) <= 10)
    return float(err[core].max()), float(err[ok].max()), int(wrong.sum()), n_warn


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", default="")
    ap.add_argument("--no-accuracy", action="store_true")
    args = ap.parse_args(argv)
    names = args.only.split(",") if args.only else EXP_LOG + OTHERS
    rng = np.random.default_rng(0)
    base = rng.uniform(-10, 10, args.n)
    print(
        f"# symact numeric benchmark: n = {args.n:.0e}, min of {args.repeat} interleaved rounds, torch {'yes' if torch else 'not installed'}\n"
    )
    print(
        "| activation | impl | f64 ms | f64 x-floor | f32 ms | f32 x-floor | f64 max ULP core / all | f64 wrong | f64 warn | f32 max ULP core / all | f32 wrong | f32 warn |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    ratios = []
    floors: dict[type, list[float]] = {np.float64: [], np.float32: []}
    for name in names:
        impls = {dt: implementations(name, dt) for dt in (np.float64, np.float32)}
        times: dict[type, dict[str, float]] = {}
        for dt in (np.float64, np.float32):
            timed = {k: _quiet(f) for k, f in impls[dt].items()}
            timed["floor"] = lambda v: v + 0
            times[dt] = timeit(timed, base.astype(dt), args.repeat)
            floors[dt].append(times[dt]["floor"])
        for label in dict.fromkeys([*impls[np.float64], *impls[np.float32]]):
            row = [f"| {name} | {label} |"]
            acc_cells = []
            for dt in (np.float64, np.float32):
                fn = impls[dt].get(label)
                if fn is None:
                    row.append(" - | - |")
                    acc_cells.append(" - | - | - |")
                    continue
                t = times[dt][label]
                row.append(f" {t * 1e3:.1f} | {t / times[dt]['floor']:.1f} |")
                if args.no_accuracy:
                    acc_cells.append(" | | |")
                else:
                    core, full, wrong, warn = accuracy(name, fn, np.dtype(dt).name)
                    acc_cells.append(f" {core:.3g} / {full:.3g} | {wrong} | {warn} |")
            print("".join(row) + "".join(acc_cells), flush=True)
        if name in EXP_LOG and "careful" in impls[np.float64]:
            g64 = times[np.float64]["generated"] / times[np.float64]["careful"]
            g32 = times[np.float32]["generated"] / times[np.float32]["careful@f64"]
            ratios.append((name, g64, g32))
    print(
        f"\nfloor a+0 (min over activations): float64 {min(floors[np.float64]) * 1e3:.1f} ms, float32 {min(floors[np.float32]) * 1e3:.1f} ms"
    )
    if ratios:
        print("\nexp/log family: generated time / careful hand-written time of the same accuracy")
        print("(float64: careful in float64; float32: careful computed in float64 and rounded once)\n")
        print("| activation | f64 ratio | f32 ratio | <= 1.25 |")
        print("|---|---|---|---|")
        for name, g64, g32 in ratios:
            print(f"| {name} | {g64:.2f} | {g32:.2f} | {'yes' if max(g64, g32) <= 1.25 else 'NO'} |")


if __name__ == "__main__":
    main()
