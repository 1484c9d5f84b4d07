"""The exported PyTorch and JAX functions next to the frameworks' own, per catalog entry (issue 15).

For every scalar catalog entry that PyTorch or JAX ships (its ``Framework`` records), at the
framework's settings of the entry's parameters (:func:`symact.validation.frameworks.entry_form`),
and for float32 and float64, measured in the same run:

* speed on the CPU (PyTorch with ``--threads`` intra-op threads, 1 by default), ``--n`` elements uniform in [-10, 10] (10**7 by default): ``fw`` and
  ``export`` (``symact.to_torch`` / ``symact.to_jax``), the forward alone and forward plus backward
  (``backward`` of ones in PyTorch; ``jit(grad(sum(f)))`` in JAX, the forward ``jit`` too), with
  ``ratio`` = export / framework; the target is at most 1.5x. Each figure is the median of
  ``--repeat`` rounds in which both functions run one after the other (after one warm-up call
  each), with the same thread count;
* accuracy, the largest ULP error against the correctly rounded truth of the entry on the
  validation inputs (:func:`symact.validation.scalar.inputs`, quick set with the breakpoints) for
  the forward, and in float64 the derivative at those inputs (the framework's autograd, the
  export's backward); ``wrong`` counts nan/inf where the truth is finite (or the reverse). The target
  is ``export <= fw``.

Run: ``python benchmarks/export.py [--n 10000000] [--repeat 5] [--only relu,gelu] [--backend torch jax]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

# run as a script, this directory would shadow the ``proofs`` package with benchmarks/proofs.py
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import symact
from symact.analysis import calculus
from symact.codegen import export
from symact.definition.registry import all_activations
from symact.numeric.rounding import ulp_error
from symact.numeric.truth import truth
from symact.validation import frameworks as fwv
from symact.validation.export import array_function
from symact.validation.scalar import _breakpoint_floats, inputs

TARGET = 1.5


def _median_times(fns: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    for fn in fns.values():
        fn()
    ts: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            ts[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in ts.items()}


def _max_ulp(got: np.ndarray, want: np.ndarray) -> tuple[float, int]:
    err, wrong = ulp_error(got, want)
    ok = ~wrong
    return (float(err[ok].max()) if ok.any() else 0.0), int(wrong.sum())


def _framework_native(fw: Any, backend: str, dtype: Any) -> Callable[[Any], Any]:
    obj = fwv.resolve(fw.api)
    args = {k: fwv.native(v) for k, v in fw.args}
    if backend == "torch" and isinstance(obj, type):
        import torch

        module = obj(**args).to(torch.float64 if dtype == np.float64 else torch.float32)
        module.train(False)
        return module  # type: ignore[no-any-return]
    return lambda u: obj(u, **args)


def _timings(
    backend: str, own: Callable[[Any], Any], ours: Callable[[Any], Any], a: np.ndarray, repeat: int
) -> dict[str, float]:
    if backend == "torch":
        import torch

        t = torch.from_numpy(a)

        def fwd(f: Callable[[Any], Any]) -> Callable[[], Any]:
            def run() -> Any:
                with torch.no_grad():
                    return f(t)

            return run

        def both(f: Callable[[Any], Any]) -> Callable[[], Any]:
            def run() -> Any:
                u = t.detach().requires_grad_(True)
                y = f(u)
                y.backward(torch.ones_like(y))
                return u.grad

            return run

    else:
        import jax
        import jax.numpy as jnp

        u = jnp.asarray(a)

        def fwd(f: Callable[[Any], Any]) -> Callable[[], Any]:
            g = jax.jit(f)
            return lambda: g(u).block_until_ready()

        def both(f: Callable[[Any], Any]) -> Callable[[], Any]:
            g = jax.jit(jax.grad(lambda v: jnp.sum(f(v))))
            return lambda: g(u).block_until_ready()

    return _median_times({"fw": fwd(own), "export": fwd(ours), "fw+bwd": both(own), "export+bwd": both(ours)}, repeat)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", default="", help="comma-separated entry names (default: every entry a framework ships)")
    ap.add_argument("--backend", nargs="+", default=list(export.BACKENDS), choices=export.BACKENDS)
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="PyTorch's intra-op threads for both (default 1: steady on a shared machine)",
    )
    args = ap.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    records = [
        (act, fw, b)
        for b in args.backend
        for act in all_activations()
        for fw in act.frameworks
        if fw.framework == export.FRAMEWORK_OF[b] and (only is None or act.name in only)
    ]
    # symact's side first (the budget workers fork before the frameworks start their threads)
    built = {}
    for act, fw, b in records:
        target = fwv.entry_form(act, fw)
        symact.to_numpy(target), symact.to_numpy(target, 1, convention=fw.framework)
        built[(act.name, fw.api)] = target
    base = np.random.default_rng(0).uniform(-10, 10, args.n)
    import torch

    torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"# export vs framework on the CPU: n = {args.n:.0e}, median of {args.repeat} rounds, "
        f"torch {torch.__version__} ({threads} threads), load {load:.1f}"
    )
    head = (
        f"{'entry':13}{'api':30}{'dtype':8}{'fw':>9}{'export':>9}{'ratio':>7}{'fw+bwd':>9}{'exp+bwd':>9}{'ratio':>7}"
        f"  {'fw ULP':>9}{'export':>8}  {'fw d ULP':>9}{'export':>8}  ok"
    )
    print(head)
    print("-" * len(head))
    slow = worse = 0
    for act, fw, backend in records:
        target = built[(act.name, fw.api)]
        fn = export.to_torch(target) if backend == "torch" else export.to_jax(target)
        dexpr = calculus.derivative(target, convention=fn.convention)  # type: ignore[attr-defined]
        for dt in (np.float32, np.float64):
            own = _framework_native(fw, backend, dt)
            if backend == "jax":
                import jax

                ctx: Any = jax.enable_x64(dt == np.float64)
            else:
                import contextlib

                ctx = contextlib.nullcontext()
            with ctx:
                t = _timings(backend, own, fn, base.astype(dt), args.repeat)
            xs = inputs(np.dtype(dt).name, "quick", _breakpoint_floats(target.expr, dt))
            want = truth(target.expr, xs)
            fw_ulp, fw_wrong = _max_ulp(fwv.framework_function(fw)(xs), want)
            ex_ulp, ex_wrong = _max_ulp(array_function(fn, backend, 0)(xs), want)
            d_cols = f"{'':>9}{'':>8}"
            d_ok = True
            if dt == np.float64:
                finite = xs[np.isfinite(xs)]
                dwant = truth(dexpr, finite)
                fwd_ulp, _ = _max_ulp(fwv.framework_derivative(fw, finite).astype(np.float64), dwant)
                exd_ulp, _ = _max_ulp(array_function(fn, backend, 1)(finite), dwant)
                d_cols = f"{fwd_ulp:>9.3g}{exd_ulp:>8.3g}"
                d_ok = exd_ulp <= fwd_ulp
            r1, r2 = t["export"] / t["fw"], t["export+bwd"] / t["fw+bwd"]
            fast = r1 <= TARGET and r2 <= TARGET
            accurate = ex_ulp <= fw_ulp and ex_wrong <= fw_wrong and d_ok
            slow += not fast
            worse += not accurate
            verdict = (
                "yes"
                if fast and accurate
                else ("SLOW" if accurate else ("LESS ACCURATE" if fast else "SLOW, LESS ACCURATE"))
            )
            wrong = f" ({fw_wrong}/{ex_wrong} wrong)" if fw_wrong or ex_wrong else ""
            print(
                f"{act.name:13}{fw.api:30}{np.dtype(dt).name:8}{t['fw'] * 1e3:>7.1f}ms{t['export'] * 1e3:>7.1f}ms{r1:>6.2f}x"
                f"{t['fw+bwd'] * 1e3:>7.1f}ms{t['export+bwd'] * 1e3:>7.1f}ms{r2:>6.2f}x"
                f"  {fw_ulp:>9.3g}{ex_ulp:>8.3g}  {d_cols}  {verdict}{wrong}",
                flush=True,
            )
    print(f"# {slow} row(s) over {TARGET}x, {worse} row(s) less accurate than the framework")
    return 1 if slow or worse else 0


if __name__ == "__main__":
    raise SystemExit(main())
