"""Cost of one budgeted call: the worker that runs it, and a public call on a fresh input.

Run: ``python benchmarks/workers.py``. To compare with another checkout (for example the commit
before the worker server, when every call forked the caller), run the same script with that
checkout first on the path, in the same minute:

    git worktree add /tmp/before c4865cf
    PYTHONPATH=/tmp/before python benchmarks/workers.py
    python benchmarks/workers.py

Prints the median and the quartiles of N calls for each figure, with the cost of the same work done
directly (no worker) beside it, measured in the same run: the difference is the worker's overhead.
The figures use only APIs both designs have (``budget.call``, ``symact.derivative``).
"""

from __future__ import annotations

import statistics
import sys
import time

import sympy

import symact
from symact.core import budget

N = 40


def _quartiles(samples: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(samples, n=4)
    return q[0], statistics.median(samples), q[2]


def _time(fn, *args) -> list[float]:
    out = []
    for _ in range(N):
        t = time.perf_counter()
        fn(*args)
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    x = symact.x
    print(f"symact from {symact.__file__}")
    t = time.perf_counter()
    budget.call(int, "1", seconds=60)
    print(f"first call (starts whatever the design starts once): {time.perf_counter() - t:.2f} s")
    rows = [
        ("budget.call(int, '3')", _time(budget.call, int, "3"), _time(int, "3")),
        ("budget.call(sympy.diff, tanh(x), x)", _time(budget.call, sympy.diff, sympy.tanh(x), x), None),
    ]
    fresh = iter(range(1, 10**6))
    public = _time(lambda: symact.derivative(x**3 * next(fresh) + sympy.sin(x), seconds=30))
    rows.append(("symact.derivative(k*x**3 + sin(x)), new k each call", public, None))
    for label, samples, direct in rows:
        lo, mid, hi = _quartiles(samples)
        line = f"{label:<55} median {mid * 1e3:7.2f} ms  (quartiles {lo * 1e3:.2f}-{hi * 1e3:.2f})"
        if direct is not None:
            line += f"   direct {statistics.median(direct) * 1e6:.1f} us"
        print(line)
    print(f"python {sys.version.split()[0]}, N = {N} calls each")


if __name__ == "__main__":
    main()
