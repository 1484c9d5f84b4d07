"""Time to derive the Gaussian moments and gains of the whole catalog, cold.

Run: ``SYMACT_CACHE=0 python benchmarks/gaussian.py`` (each activation's record is computed in its
own worker; with the persistent store off nothing is reused between runs). Prints one line per
activation (its time, how many of its eight quantities are exact, certified or Unknown) and, as the
reference measured in the same run, the time of one ``symact.properties`` record (ReLU's) and the
median per activation. The target is under 60 s for the whole catalog on a 2-core machine.
"""

from __future__ import annotations

import statistics
import time

import symact


def main() -> None:
    t = time.perf_counter()
    symact.get("relu").properties()
    reference = time.perf_counter() - t
    start = time.perf_counter()
    times: list[float] = []
    totals = {"exact": 0, "certified": 0, "unknown": 0}
    for act in symact.all_activations():
        t = time.perf_counter()
        g = symact.gaussian(act)
        took = time.perf_counter() - t
        times.append(took)
        kinds = [
            "exact" if q.exact is not None else "certified" if q.enclosure is not None else "unknown"
            for q in g.quantities()
        ]
        for k in kinds:
            totals[k] += 1
        gain = g.forward_gain
        shown = gain.enclosure.decimal(12) if gain.enclosure is not None else str(gain.value)[:40]
        print(
            f"{act.name:<16} {took:6.2f} s   exact {kinds.count('exact')}  certified {kinds.count('certified')}"
            f"  unknown {kinds.count('unknown')}   forward gain {shown}"
        )
    total = time.perf_counter() - start
    print(
        f"\nwhole catalog: {len(times)} activations, {total:.1f} s (target < 60 s); median {statistics.median(times):.2f} s "
        f"per activation = {statistics.median(times) / reference:.2f} x one properties() record ({reference:.2f} s); "
        f"quantities: {totals['exact']} exact, {totals['certified']} certified, {totals['unknown']} unknown"
    )


if __name__ == "__main__":
    main()
