"""Start-up time of ``import symact`` and the light commands, next to Python and SymPy, in the same run.

Each row is the median (and the minimum) of ``--n`` cold processes, run round-robin with the others
so that load from other processes hits every row alike:

* ``python -c pass`` and ``import sympy``: the references;
* ``import symact`` (target: at most 0.5 s on an idle machine) and ``symact.get('relu')`` after it (the
  definition layer: SymPy and the catalog);
* ``symact --version``, ``symact --help`` and ``symact list`` (``python -m symact``);
* ``import symact`` with every public name loaded, the cost the lazy imports defer.

Run: ``python benchmarks/startup.py [--n 15]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

ROWS: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "import sympy": ["-c", "import sympy"],
    "import symact": ["-c", "import symact"],
    "symact --version": ["-m", "symact", "--version"],
    "symact --help": ["-m", "symact", "--help"],
    "symact list": ["-m", "symact", "list"],
    "symact.get('relu')": ["-c", "import symact; symact.get('relu')"],
    "every public name": ["-c", "import symact; [getattr(symact, n) for n in symact.__all__]"],
}
TARGET = {"import symact": 0.5}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=15, help="cold processes per row")
    args = ap.parse_args(argv)
    times: dict[str, list[float]] = {k: [] for k in ROWS}
    for _ in range(args.n):
        for name, cmd in ROWS.items():
            t0 = time.perf_counter()
            subprocess.run([sys.executable, *cmd], check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - t0)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    base = statistics.median(times["python -c pass"])
    sym = statistics.median(times["import sympy"])
    print(f"# cold processes: median (min) of {args.n} each, round-robin; load {load:.1f}")
    print(f"{'command':<22}{'median':>9}{'min':>9}{'-python':>9}{'/sympy':>8}  target")
    failed = 0
    for name, ts in times.items():
        med = statistics.median(ts)
        target = TARGET.get(name)
        mark = "" if target is None else f"{target:.2f} s " + ("yes" if med <= target else "NO")
        failed += mark.endswith("NO")
        print(f"{name:<22}{med:>8.3f}s{min(ts):>8.3f}s{med - base:>8.3f}s{med / sym:>7.2f}x  {mark}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
