"""Speed of the compiled backend (``symact.to_numba``) next to PyTorch's CPU functions, measured in the same run.

Rows: relu, sigmoid, gelu, silu, softplus, mish, elu (the forward) x float32, float64 x threads (1 and 2 by
default), 10**7 elements uniform in [-10, 10]. The reference is ``torch.nn.functional.<name>`` on a tensor
sharing the same memory, with ``torch.set_num_threads(n)`` and ``numba.set_num_threads(n)`` set alike.
Target (issue 14, item 3): the compiled function within 1.5x of PyTorch's.

Every time is the median of ``--repeat`` rounds in which both functions run one after the other (after a
warm-up call each), so that load from other processes hits both columns alike; the ratio is numba / torch.
The machine is shared: read the ratios, not the absolute times.

Accuracy is printed next to the speed: the largest error in ULPs of each function against the correctly
rounded truth on ``--sample`` points of the same data (plus the special inputs of the validation's quick set
is :func:`symact.validation.export.validate_numba`, run with ``--validate``): symact's compiled code must stay
within the NumPy code's bars (float32 <= 1 ULP); PyTorch's figure is shown for comparison, with no bar.

Run: ``python benchmarks/numba_speed.py [--n 10000000] [--repeat 7] [--threads 1,2] [--only gelu,mish]``
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import symact
from symact.definition.activation import Activation
from symact.numeric.rounding import ulp_error
from symact.numeric.truth import truth

NAMES = ("relu", "sigmoid", "gelu", "silu", "softplus", "mish", "elu")
TARGET = 1.5


def _timed(fns: list[Callable[[], Any]], repeat: int) -> list[float]:
    """The median time of each function, the functions run in turn in each round."""
    for f in fns:
        f()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, f in enumerate(fns):
            t0 = time.perf_counter()
            f()
            times[i].append(time.perf_counter() - t0)
    return [statistics.median(t) for t in times]


def _max_ulp(act: Activation, values: np.ndarray, xs: np.ndarray) -> float:
    """The largest ULP error of ``values`` (of the dtype of ``xs``) against the correctly rounded truth."""
    err, wrong = ulp_error(np.asarray(values, dtype=xs.dtype), truth(act.expr, xs))
    return math.inf if wrong.any() else float(err.max())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10**7)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--only", default=",".join(NAMES))
    ap.add_argument("--sample", type=int, default=2000, help="points of the data checked against the truth")
    ap.add_argument("--validate", action="store_true", help="also run validate_numba (quick set) per entry")
    args = ap.parse_args()

    import numba
    import torch
    import torch.nn.functional as F

    names = [n for n in args.only.split(",") if n]
    threads = [int(t) for t in args.threads.split(",")]
    rng = np.random.default_rng(0)
    base = rng.uniform(-10.0, 10.0, args.n)
    sample = rng.choice(args.n, size=min(args.sample, args.n), replace=False)
    print(
        f"symact.to_numba vs torch.nn.functional on the CPU, {args.n:.0e} elements, median of {args.repeat}; "
        f"numba {numba.__version__} (threading layer {numba.config.THREADING_LAYER}), torch {torch.__version__}"
    )
    rows = []
    header = (
        f"{'activation':<10} {'dtype':<8} {'thr':>3} {'numba ms':>9} {'torch ms':>9} {'ratio':>6} "
        f"{'ok':>4} {'ULP numba':>9} {'ULP torch':>9}"
    )
    print(header)
    print("-" * len(header))
    for name in names:
        act = symact.get(name)
        t0 = time.perf_counter()
        fn = act.numba()
        build = time.perf_counter() - t0
        ref = getattr(F, name)
        for dtype in ("float32", "float64"):
            x = base.astype(dtype)
            tx = torch.from_numpy(x)
            ours = fn(x[sample])
            with torch.no_grad():
                theirs = ref(tx[torch.from_numpy(sample)]).numpy()
            u_ours = _max_ulp(act, ours, x[sample])
            u_theirs = _max_ulp(act, theirs, x[sample])
            for n in threads:
                numba.set_num_threads(n)
                torch.set_num_threads(n)
                with torch.no_grad():
                    t_ours, t_theirs = _timed([lambda f=fn, a=x: f(a), lambda f=ref, a=tx: f(a)], args.repeat)
                ratio = t_ours / t_theirs
                ok = "yes" if ratio <= TARGET else "NO"
                rows.append((name, dtype, n, ratio))
                print(
                    f"{name:<10} {dtype:<8} {n:>3} {t_ours * 1e3:>9.1f} {t_theirs * 1e3:>9.1f} {ratio:>6.2f} "
                    f"{ok:>4} {u_ours:>9.3g} {u_theirs:>9.3g}",
                    flush=True,
                )
        if args.validate:
            from symact.validation.export import validate_numba

            rep = validate_numba(act, size="quick")
            worst = {r.dtype: max(q.max_ulp for q in rep.results if q.dtype == r.dtype) for r in rep.results}
            print(f"  validate_numba({name}, quick): bars {'met' if rep.ok else 'MISSED'}, max ULP {worst}")
        print(f"  (build of {name}: {build:.1f} s, compilation included)")
    missed = [r for r in rows if r[3] > TARGET]
    print(f"\n{len(rows) - len(missed)}/{len(rows)} rows within {TARGET}x of PyTorch")
    for name, dtype, n, ratio in missed:
        print(f"  missed: {name} {dtype} {n} thread(s): {ratio:.2f}x")


if __name__ == "__main__":
    main()
