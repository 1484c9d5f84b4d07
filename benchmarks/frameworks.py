"""The frameworks' own accuracy next to symact's, per catalog entry (issue 15).

For every scalar catalog entry and every installed framework that ships it (PyTorch, JAX,
Keras with the JAX backend), :func:`symact.validation.frameworks.conformance_table` measures,
on the same inputs (``--size`` points evenly on [-12, 12], ±10**k out to 1e30 and into 1e-30,
and each breakpoint with its neighbours at 1, 2 and 2**20 ULP):

* ``fw max ULP``: the framework against the correctly rounded truth of the catalog entry at
  the framework's parameters (what users expect it to compute: torch's Softplus against
  softplus without its threshold shortcut); ``normal``: the same where neither input nor value
  is subnormal (XLA on the CPU flushes subnormals to 0);
* ``fw@form``: against symact's definition at the framework's own settings (the shortcut
  included); ``wrong`` counts inf/nan where the value is finite;
* ``symact``: symact's generated code for that form, with whether its validation bar holds;
* ``conforms``: the framework computes that form (see ``frameworks.agrees``).

The table's header names the frameworks' versions; the kink conventions and defaults are
printed after it. ``--json FILE`` writes the whole table (the data the report can include).

Run: ``python benchmarks/frameworks.py [--size 2001] [--dtype float64 float32] [--json FILE]``
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

# run as a script, this directory would shadow the ``proofs`` package with benchmarks/proofs.py
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from symact.definition.activation import FRAMEWORKS
from symact.validation import frameworks as fwv


def _versions() -> str:
    out = []
    for fw in FRAMEWORKS:
        reason = fwv.unavailable(fw)
        mod = fwv.MODULES[fw]
        out.append(f"{mod} {importlib.import_module(mod).__version__}" if reason is None else f"{mod}: {reason}")
    return ", ".join(out)


def _ulp(v: float) -> str:
    return f"{v:.3g}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2001, help="points evenly on [-12, 12] (default 2001)")
    parser.add_argument("--dtype", nargs="+", default=["float64", "float32"], choices=["float64", "float32"])
    parser.add_argument("--json", type=Path, help="write the whole table as JSON")
    args = parser.parse_args()

    rows = fwv.conformance_table(dtypes=args.dtype, size=args.size)  # imports the frameworks after symact's side
    print(f"frameworks: {_versions()} (Keras backend: {fwv.KERAS_BACKEND})")
    head = f"{'entry':14s} {'framework':34s} {'dtype':7s} {'points':>6s} {'fw max ULP':>11s} {'normal':>9s}"
    head += f" {'fw@form':>9s} {'wrong':>5s}"
    head += f" {'symact':>6s} {'bar':4s} conforms"
    print(head)
    print("-" * len(head))
    for row in rows:
        if "accuracy" not in row:
            continue
        for dt, m in row["accuracy"].items():
            print(
                f"{row['entry']:14s} {row['api']:34s} {dt:7s} {m['points']:6d} {_ulp(m['framework_max_ulp_entry']):>11s}"
                f" {_ulp(m['framework_max_ulp_entry_normal']):>9s}"
                f" {_ulp(m['framework_max_ulp']):>9s} {m['framework_wrong_entry']:5d} {_ulp(m['symact_max_ulp']):>6s}"
                f" {'met' if m['symact_bar_met'] else 'MISS':4s} {'yes' if m['agree'] else 'NO ' + str(m['worst'])}"
            )
    print()
    print("defaults, arguments and the derivative autograd returns at each kink (at the framework's settings):")
    for row in rows:
        if row["unavailable"] is None and (row["defaults"] or row["args"] or row.get("kinks") or row["mode"]):
            extra = f" mode={row['mode']}" if row["mode"] else ""
            print(
                f"  {row['entry']:14s} {row['api']:34s} defaults={row['defaults']} args={row['args']}"
                f" kinks={row.get('kinks', {})}{extra}"
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=str))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
