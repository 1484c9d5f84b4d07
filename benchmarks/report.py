"""Time the whole-catalog activation sheet, with plots, in every format (target: under 2 minutes).

Run: ``python benchmarks/report.py [OUT] [--validate]`` (default OUT: a temporary folder).
Everything is cold: each activation's sheet (property record, derivatives,
breakpoints, linearity proof, SVG and PDF plots) is built in a fresh forked
worker, two at a time, then written once as Markdown, LaTeX, HTML and JSON.
``--validate`` adds the quick numeric validation, whose cost depends on the
mpmath truth cache (minutes per activation when cold), so it is not part of the
2-minute target. Prints one line per activation, the time of each stage
and the total; exits 1 if the total exceeds the limit.

Measured on the development machine (2 cores, shared with other jobs, load
average 7-9): 78-80 s in total, of which about 1 s is writing the four formats;
the slowest sheets are gelu_tanh (~32 s, its property record) and mish (~19 s).
The LaTeX compiles with pdflatex in about 1 s (117 pages); the HTML (944 MathML
formulas, 38 inline SVG plots) loads in headless Chromium without errors.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import symact  # noqa: E402
from symact import report  # noqa: E402
from symact.report_data import Progress  # noqa: E402

LIMIT_SECONDS = 120.0


def run(out: Path, verbose: bool = False, validation: str | None = None) -> tuple[float, list[Path]]:
    """Build and write the whole catalog's report into ``out``.* ; returns (seconds, files written)."""
    start = time.perf_counter()
    sheets = report.build(None, plots=("pdf", "svg"), validation=validation, progress=Progress(len(symact.names()), enabled=verbose))
    built = time.perf_counter()
    written = report.write(sheets, list(report.FORMATS), out)
    total = time.perf_counter() - start
    if verbose:
        for sh in sorted(sheets, key=lambda s: -s.seconds):
            print(f"{sh.act.name:<16} {sh.seconds:6.2f} s")
        print(f"\nsheets: {built - start:.1f} s (in parallel workers); writing 4 formats: {total - (built - start):.1f} s")
    return total, written


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    validation = "quick" if "--validate" in sys.argv else None
    out = Path(args[0]) if args else Path(tempfile.mkdtemp(prefix="symact-report-")) / "sheet"
    seconds, written = run(out, verbose=True, validation=validation)
    sizes = ", ".join(f"{p.name} {p.stat().st_size // 1024} KiB" for p in written if p.suffix in (".md", ".tex", ".html", ".json"))
    print(f"whole catalog: {len(symact.names())} activations, 4 formats ({sizes}), "
          f"{len(written) - 4} plot files, {seconds:.1f} s (limit {LIMIT_SECONDS:.0f} s)")
    return 0 if seconds < LIMIT_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
