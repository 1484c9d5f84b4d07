"""The long soundness run: thousands of random activations, every claim checked.

Run: ``python benchmarks/soundness.py --n 5000`` (default 5000). The activations
are drawn by Hypothesis from ``tests/strategies.py`` (deterministic for a given
``--seed``) and checked by the harness of ``tests/test_soundness.py``: every
definite claim of ``symact.analysis.calculus.properties`` (and, for every
``--api-every``-th activation, ``analysis.limit``, ``analysis.derivative``,
``proofs.prove_linear`` and ``codegen.to_numpy``) is compared with mpmath
evidence at 40 digits. Prints progress, then the counts: activations, claims
checked per property, the share of Unknown answers per property, false claims
(must be 0, each printed with its evidence), library exceptions, and time.
Exits with status 1 if any false claim or exception was found.

``--minutes`` stops drawing new work after that many minutes and reports what
was checked (and the rate). ``--skip K`` resumes such a run: it draws the same
``--n`` activations and checks those after the first ``K`` (each keeps its
index, so the same ones get the ``--api-every`` checks).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

import test_soundness as harness


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="activations to check (default 5000)")
    parser.add_argument("--seed", type=int, default=1, help="Hypothesis seed (0: the derandomized default-run stream)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument(
        "--api-every", type=int, default=3, help="check limit/derivative/prove_linear/to_numpy on every k-th activation"
    )
    parser.add_argument("--step-seconds", type=float, default=1.0, help="budget of one SymPy step (default 1 s)")
    parser.add_argument(
        "--record-seconds", type=float, default=2.5, help="budget of one property record (default 2.5 s)"
    )
    parser.add_argument("--depth", type=int, default=1, help="nesting depth of the grammar (default 1)")
    parser.add_argument("--minutes", type=float, default=None, help="stop after this many minutes")
    parser.add_argument("--skip", type=int, default=0, help="check only the activations after the first SKIP drawn")
    args = parser.parse_args(argv)

    start = time.monotonic()
    exprs = harness.draw_activations(args.n, seed=args.seed, depth=args.depth)
    print(f"drew {len(exprs)} distinct activations in {time.monotonic() - start:.1f} s", flush=True)
    deadline = None if args.minutes is None else start + 60 * args.minutes

    total = harness.Report()
    jobs = [(e, i % args.api_every == 0) for i, e in enumerate(exprs)][args.skip :]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(
        args.workers,
        initializer=harness._init_worker,
        initargs=(args.step_seconds, args.record_seconds),
        maxtasksperchild=50,
    ) as pool:
        for i, rep in enumerate(pool.imap(harness._work, jobs, chunksize=1), 1):
            total.merge(rep)
            for claim in rep.false_claims + rep.codegen_false:
                print("\n" + claim, flush=True)
            for err in rep.errors:
                print("\nERROR " + err, flush=True)
            if (args.skip + i) % 100 == 0:
                el = time.monotonic() - start
                print(
                    f"  {args.skip + i} activations ({i} this run), {sum(total.checked.values())} claims checked, "
                    f"{len(total.false_claims)} + {len(total.codegen_false)} false, {el:.0f} s ({i / el:.2f}/s)",
                    flush=True,
                )
            if deadline is not None and time.monotonic() > deadline:
                pool.terminate()
                break
    elapsed = time.monotonic() - start
    print(
        f"\nactivations: {total.activations}   claims checked: {sum(total.checked.values())}   "
        f"false claims: {len(total.false_claims)} (analysis/proofs) + {len(total.codegen_false)} (generated NumPy code)   "
        f"library exceptions: {len(total.errors)}   checks that could not run: {len(total.harness_errors)}"
    )
    for err in total.harness_errors[:5]:
        print("  could not run: " + err)
    print(
        f"time: {elapsed:.1f} s ({total.activations / elapsed:.2f} activations/s, {args.workers} workers, "
        f"step budget {args.step_seconds:g} s, record budget {args.record_seconds:g} s)\n"
    )
    print(total.table())
    return 1 if total.false_claims or total.codegen_false or total.errors else 0


if __name__ == "__main__":
    sys.exit(main())
