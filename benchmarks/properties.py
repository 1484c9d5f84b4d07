"""Time to derive the full property table for the whole catalog, cold.

Run: ``python benchmarks/properties.py`` (each activation's record is computed in
its own worker; nothing is cached between runs). Prints one line per activation
and the total; the target is under 60 s on a 2-core machine.
"""

from __future__ import annotations

import time

import symact
from symact.core.unknown import Unknown


def main() -> None:
    start = time.perf_counter()
    cells = unknown = 0
    for act in symact.all_activations():
        t = time.perf_counter()
        props = act.properties()
        values = props.as_dict()
        values.pop("name")
        n_unknown = sum(isinstance(v, Unknown) for v in values.values())
        cells += len(values)
        unknown += n_unknown
        print(f"{act.name:<16} {time.perf_counter() - t:6.2f} s   unknown fields: {n_unknown}")
    total = time.perf_counter() - start
    print(
        f"\nwhole catalog: {len(symact.names())} activations, {cells} fields, {unknown} unknown "
        f"({100 * unknown / cells:.1f}%), {total:.1f} s (target < 60 s)"
    )


if __name__ == "__main__":
    main()
