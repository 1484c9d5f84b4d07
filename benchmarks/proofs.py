"""Time to prove the whole catalog: linearity, additivity and homogeneity of every entry.

Run: ``python benchmarks/proofs.py``. Prints one line per activation, the verdict
counts, and the total wall-clock time (the target is under 30 s). Every
certificate and argument is re-checked as part of the run (counted in the time).
Exits 1 if any verdict is UNKNOWN, any check fails, or the total exceeds 30 s.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import symact
from proofs import Verdict, collapse, or_of_and, prove

LIMIT_SECONDS = 30.0
PROPERTIES = ("linearity", "additivity", "homogeneity")


def main() -> int:
    counts: Counter[str] = Counter()
    failures = []
    start = time.perf_counter()
    for act in symact.all_activations():
        t0 = time.perf_counter()
        verdicts = []
        for prop in PROPERTIES:
            result = prove(act, prop)
            counts[f"{prop} {result.verdict.value}"] += 1
            verdicts.append(result.verdict.value)
            if result.verdict is Verdict.UNKNOWN or not result.check():
                failures.append(f"{act.name} {prop}: {result}")
        print(f"{act.name:16s} {' '.join(f'{v:9s}' for v in verdicts)} {time.perf_counter() - t0:6.3f} s")
    catalog_seconds = time.perf_counter() - start
    t1 = time.perf_counter()
    for act in symact.all_activations():
        proof = collapse((2, 3, 1), act)
        if not proof.check():
            failures.append(f"collapse {act.name}: {proof.verdict.value}")
    if not or_of_and().check():
        failures.append("perceptron")
    extra_seconds = time.perf_counter() - t1
    print()
    for key in sorted(counts):
        print(f"{key:24s} {counts[key]}")
    n = len(symact.all_activations())
    print(
        f"\ncatalog: {n} activations x {len(PROPERTIES)} properties proved and re-checked in {catalog_seconds:.2f} s (limit {LIMIT_SECONDS:.0f} s)"
    )
    print(f"collapse (2 -> 3 -> 1) for every activation + perceptron: {extra_seconds:.2f} s")
    for failure in failures:
        print("FAILED:", failure)
    return 1 if failures or catalog_seconds > LIMIT_SECONDS else 0


if __name__ == "__main__":
    sys.exit(main())
