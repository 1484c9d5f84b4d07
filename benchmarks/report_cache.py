"""Time the whole-catalog report in each format, each in its own fresh process: cold (an empty
persistent store), the four formats in a row (one store, empty at the start) and warm (again, with
that store filled), side by side.

Run: ``python benchmarks/report_cache.py [--skip-alone] [--validate full | --no-validate]``.

Each build is ``python -m symact report --format FORMAT -o FILE`` in a new interpreter, with
``SYMACT_CACHE_DIR`` pointing at a store made for the run (the user's own store is never touched):

1. **cold, alone**: each format with its own empty store (target: at most 60 s each);
2. **in a row**: Markdown, LaTeX, HTML, JSON one after another, sharing one store that starts
   empty (target: at most 120 s for the four);
3. **warm**: each format again with the store of step 2 (target: at most 10 s each).

Printed per format: wall-clock seconds and CPU seconds (the process and every worker it waited
for), the warm/cold ratio, and whether the warm output equals the cold one byte for byte
(plot file names aside). The store's build identity (symact's source hash) is read before and
after: when the checkout changed during the run, the warm figures are not warm and the script
says so. Exits 1 when a target is missed.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORMATS = {"markdown": ".md", "latex": ".tex", "html": ".html", "json": ".json"}
COLD_LIMIT, ROW_LIMIT, WARM_LIMIT = 60.0, 120.0, 10.0


def _env(store: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["SYMACT_CACHE_DIR"] = str(store)
    env.pop("SYMACT_CACHE", None)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def build(fmt: str, store: Path, out: Path, extra: list[str]) -> tuple[float, float, str]:
    """One report build in a fresh interpreter: (wall seconds, CPU seconds, the output text)."""
    target = out / f"report{FORMATS[fmt]}"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "symact", "report", "--format", fmt, "-o", str(target), *extra],
        env=_env(store),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"symact report --format {fmt} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    text = re.sub(r"\S*_plots/", "PLOTS/", target.read_text(encoding="utf-8"))
    return wall, cpu, text


def build_id() -> str:
    code = "from symact.core import store; print(store._build_id())"
    return subprocess.run(
        [sys.executable, "-c", code], env=_env(Path(tempfile.gettempdir())), capture_output=True, text=True, check=True
    ).stdout.strip()


def main() -> int:
    extra = [a for a in sys.argv[1:] if a != "--skip-alone"]
    work = Path(tempfile.mkdtemp(prefix="symact-report-cache-"))
    ident = build_id()
    print(f"store build identity: {ident}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    alone: dict[str, tuple[float, float, str]] = {}
    if "--skip-alone" not in sys.argv:
        for fmt in FORMATS:
            alone[fmt] = build(fmt, work / f"store-{fmt}", work / f"alone-{fmt}", extra)
            print(f"  cold, alone: {fmt:<8} {alone[fmt][0]:7.1f} s  (CPU {alone[fmt][1]:6.1f} s)", flush=True)
    row_store = work / "store-row"
    row = {}
    for fmt in FORMATS:
        row[fmt] = build(fmt, row_store, work / f"row-{fmt}", extra)
        print(f"  in a row:    {fmt:<8} {row[fmt][0]:7.1f} s  (CPU {row[fmt][1]:6.1f} s)", flush=True)
    warm = {}
    for fmt in FORMATS:
        warm[fmt] = build(fmt, row_store, work / f"warm-{fmt}", extra)
        print(f"  warm:        {fmt:<8} {warm[fmt][0]:7.1f} s  (CPU {warm[fmt][1]:6.1f} s)", flush=True)
    changed = build_id() != ident

    print()
    print(f"{'format':<10}{'cold alone':>12}{'in a row':>12}{'warm':>10}{'warm/cold':>11}{'same output':>13}")
    missed = []
    for fmt in FORMATS:
        cold = alone[fmt][0] if fmt in alone else row[fmt][0]
        same = warm[fmt][2] == (alone[fmt][2] if fmt in alone else row[fmt][2])
        cold_text = f"{alone[fmt][0]:.1f} s" if fmt in alone else "-"
        print(
            f"{fmt:<10}{cold_text:>12}{row[fmt][0]:>10.1f} s{warm[fmt][0]:>8.1f} s"
            f"{warm[fmt][0] / cold:>10.2f}x{'yes' if same else 'NO':>13}"
        )
        if fmt in alone and alone[fmt][0] > COLD_LIMIT:
            missed.append(f"{fmt} cold {alone[fmt][0]:.1f} s > {COLD_LIMIT:.0f} s")
        if warm[fmt][0] > WARM_LIMIT:
            missed.append(f"{fmt} warm {warm[fmt][0]:.1f} s > {WARM_LIMIT:.0f} s")
    total = sum(r[0] for r in row.values())
    print(
        f"{'4 in a row':<10}{'':>12}{total:>10.1f} s   (target {ROW_LIMIT:.0f} s; CPU {sum(r[1] for r in row.values()):.1f} s)"
    )
    print(
        f"targets: cold alone <= {COLD_LIMIT:.0f} s each, four in a row <= {ROW_LIMIT:.0f} s, warm <= {WARM_LIMIT:.0f} s each"
    )
    if total > ROW_LIMIT:
        missed.append(f"four in a row {total:.1f} s > {ROW_LIMIT:.0f} s")
    if changed:
        print("the checkout changed during the run (another build identity): the warm figures are not warm")
    for m in missed:
        print("missed:", m)
    print(f"(outputs and stores under {work})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
