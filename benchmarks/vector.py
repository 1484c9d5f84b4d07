"""Vector activations: accuracy against mpmath, speed next to NumPy/SciPy and a lambdified Sum, proof verdicts.

Three tables:

1. **Accuracy** (issue 6): :func:`symact.validation.vector.validate` on 100 rows of
   length 1000 in 10 families (N(0,1), N(0,10^2), N(0,100^2), U(-10,10),
   near-overflow, all-underflow, huge magnitude, one dominant entry, 10% -inf
   mask, constant rows plus a nan row) and the short special rows ([1000, 1001],
   [-1e308, 0], infinities...), float32 and float64: max ULP per component, max
   ULP at the dominant (argmax) entries, wrong-class count, warnings. The same
   rows are also measured for the textbook alternatives (``scipy.special``
   softmax/log_softmax/logsumexp), for comparison.
2. **Speed**: 10**4 rows x 1000 (10**7 elements), minimum of ``--repeat`` warm
   calls, next to ``scipy.special`` and the floor ``a + 0``; the lambdified
   ``sympy.Sum`` (a Python loop) is timed on 100 rows and scaled.
3. **Proofs**: every claim of :mod:`proofs.vector`, general n or n = 2..5 (sparsemax's
   claims for every n by structured proofs whose steps are re-checked).

Run: ``python benchmarks/vector.py [--rows 100] [--length 1000] [--repeat 5] [--skip-speed] [--skip-proofs]``
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import warnings
from pathlib import Path

# run as a script, this directory would shadow the ``proofs`` package with benchmarks/proofs.py
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np
import scipy.special as sp
import sympy

from symact.codegen import vector as vn
from symact.definition import registry
from symact.definition import vector as V
from symact.validation import vector as vv

ulp_error = importlib.import_module("symact.numeric.rounding").ulp_error

_SCIPY = {
    "softmax": lambda a, axis=-1: sp.softmax(a, axis=axis),
    "softmin": lambda a, axis=-1: sp.softmax(-a, axis=axis),
    "log_softmax": lambda a, axis=-1: sp.log_softmax(a, axis=axis),
    "logsumexp": lambda a, axis=-1: sp.logsumexp(a, axis=axis),
}


def _accuracy(rows: int, length: int) -> None:
    print("## Accuracy against mpmath (correctly rounded), max ULP per component\n")
    print(f"{rows} rows x {length}, 10 families, plus {len(vv.SPECIAL_ROWS)} special short rows (softmax family)\n")
    print(
        "| function | impl | f32 max | f32 dominant | f64 max | f64 dominant | f64 median | wrong | warnings | bar | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in registry.vector_names():
        rep = vv.validate(name, count=rows, length=length)
        r32, r64 = rep.get("float32"), rep.get("float64")
        bars = "/".join("-" if r.bar is None else f"{r.bar:g}" for r in (r32, r64))
        verdict = "ok" if rep.ok else "MISSED"
        print(
            f"| {name} | symact | {r32.max_ulp:.3g} | {r32.max_ulp_dominant:.3g} | {r64.max_ulp:.3g} | {r64.max_ulp_dominant:.3g} | "
            f"{r64.median_ulp:g} | {r32.wrong + r64.wrong} | {r32.warnings + r64.warnings} | {bars} {verdict} | {rep.seconds:.1f} |"
        )
        if name in _SCIPY:
            cells = []
            wrong = 0
            for dtype in ("float32", "float64"):
                data = vv.rows(dtype, rows, length)
                want = vv.truth(name, data)
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    got = np.asarray(_SCIPY[name](data, axis=-1)).astype(data.dtype)
                err, wr = ulp_error(got, want)
                wrong += int(wr.sum())
                err2 = err.reshape(err.shape[0], -1)
                ok = ~wr.reshape(err2.shape)
                dom = vv._dominant_mask(name, data, err2.shape)
                cells.append(f"{err2[ok].max():.3g}")
                cells.append("-" if dom is None else f"{err2[ok & dom].max():.3g}")
            print(f"| {name} | scipy.special | {cells[0]} | {cells[1]} | {cells[2]} | {cells[3]} | | {wrong} | | | |")
    print()


def _best(fn, a, repeat: int) -> float:
    fn(a)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(a)
        best = min(best, time.perf_counter() - t0)
    return best


def _speed(repeat: int) -> None:
    print("## Speed: 10**4 rows x 1000 (10**7 elements), best of warm calls\n")
    print("| function | dtype | symact ms | x floor | scipy ms | lambdified Sum ms (100 rows, scaled) |")
    print("|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    X, n = V.X, V.n
    m = sympy.Symbol("m", integer=True)
    # the textbook route: lambdify the Sum of the definition (it becomes builtins.sum over a generator)
    lam = {"logsumexp": sympy.lambdify((X, m), registry.get_vector("logsumexp").template.xreplace({n: m}), "numpy")}
    for dtype in ("float64", "float32"):
        a = rng.uniform(-10, 10, (10_000, 1000)).astype(dtype)
        floor = _best(lambda v: v + 0, a, repeat)
        for name in registry.vector_names():
            t = _best(vn.to_numpy(name), a, repeat)
            ts = _best(_SCIPY[name], a, repeat) if name in _SCIPY else float("nan")
            tl = "-"
            if name in lam:
                f = lam[name]
                t0 = time.perf_counter()
                with np.errstate(all="ignore"):
                    for row in a[:100]:
                        f(row, row.size)
                tl = f"{(time.perf_counter() - t0) * a.shape[0] / 100 * 1e3:.0f}"
            print(f"| {name} | {dtype} | {t * 1e3:.1f} | {t / floor:.1f} | {ts * 1e3:.1f} | {tl} |")
    print()


def _proofs() -> None:
    from proofs import vector as pv

    print("## Proofs\n")
    print("| activation | claim | verdict | n | check | seconds |")
    print("|---|---|---|---|---|---|")
    for name in registry.vector_names():
        for r in pv.prove_all(name):
            where = "all n" if r.general else f"n = {r.n}"
            verdict = r.verdict.value
            if r.cases:
                verdict += " (" + ", ".join(f"n={c.n}: {c.verdict.value}" for c in r.cases) + ")"
            if r.verdict.value == "unknown":
                checked = f"cases: {r.check_cases()}"
            else:  # a structured proof (sparsemax, every n) re-checks each step; its concrete cases are extra
                checked = (
                    f"{r.check()}"
                    + (f" ({len(r.steps)} steps)" if r.steps else "")
                    + (f"; cases: {r.check_cases()}" if r.cases else "")
                )
            print(f"| {name} | {r.property} | {verdict} | {where} | {checked} | {r.seconds:.2f} |")
    print()


def main() -> None:
    """Print the three tables."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=100)
    p.add_argument("--length", type=int, default=1000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--skip-speed", action="store_true")
    p.add_argument("--skip-proofs", action="store_true")
    args = p.parse_args()
    _accuracy(args.rows, args.length)
    if not args.skip_speed:
        _speed(args.repeat)
    if not args.skip_proofs:
        _proofs()


if __name__ == "__main__":
    main()
