"""Determinism under load: the same records on an idle machine and with busy processes running.

Run: ``python benchmarks/determinism.py`` (several minutes). The inputs are every
scalar catalog entry and ``--generated`` (default 100) activations drawn
deterministically from the grammar of the soundness harness
(``tests/test_soundness.py``, ``draw_activations``). Each run is a fresh Python
process with ``SYMACT_CACHE=0`` (no persistent store, so nothing is read from an
earlier run) that derives, for every input and with the library's default
budgets, ``symact.properties`` (every field), the first derivative
(``symact.derivative``) and the linearity verdict (``proofs.prove_linear``), and
writes them as JSON. The script runs it twice: once as is ("idle"), once while
``--busy`` (default 8) CPU-bound processes spin. It then compares the two runs
field by field and prints each run's wall time and load average, the number of
records, the number of differing fields (target 0) and the first 20
differences. Exits with status 1 if any field differs.

A difference is what the run is for: a record that the idle run derived and the
loaded run answered with a timeout (or the other way round) means a budget
depends on the machine's load, not only on the input.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

TARGET_DIFFERENCES = 0
SHOWN = 20


def _value(v: object) -> str:
    """A comparable string: ``srepr`` for SymPy objects, the reason for an Unknown, ``str`` otherwise."""
    import sympy

    from symact.core.unknown import Unknown

    if isinstance(v, Unknown):
        return f"Unknown({v.reason!r})"
    if isinstance(v, sympy.Basic):
        return sympy.srepr(v)
    if isinstance(v, (tuple, list)):
        inner = ", ".join(_value(x) for x in v)
        return f"({inner})" if isinstance(v, tuple) else f"[{inner}]"
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        fields = ", ".join(f"{f.name}={_value(getattr(v, f.name))}" for f in dataclasses.fields(v))
        return f"{type(v).__name__}({fields})"
    return str(v)


def _error(exc: BaseException) -> str:
    return f"raised {type(exc).__name__}: {exc}"


def _derive(act: object) -> dict[str, str]:
    """Every field of one input's record, as strings."""
    import symact
    from proofs import prove_linear

    fields: dict[str, str] = {}
    try:
        props = symact.properties(act)  # type: ignore[arg-type]
        for key, val in props.as_dict().items():
            fields[f"properties.{key}"] = _value(val)
    except Exception as exc:  # noqa: BLE001 - a crash is a field too: the same crash in both runs
        fields["properties"] = _error(exc)
    try:
        fields["derivative"] = _value(symact.derivative(act))  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - as above
        fields["derivative"] = _error(exc)
    try:
        proof = prove_linear(act)
        for key, val in proof.to_dict().items():
            fields[f"prove_linear.{key}"] = json.dumps(val, sort_keys=True) if isinstance(val, dict) else str(val)
    except Exception as exc:  # noqa: BLE001 - as above
        fields["prove_linear"] = _error(exc)
    return fields


def worker(inputs_path: str, out_path: str) -> None:
    """The hidden ``--worker`` mode: derive every input of ``inputs_path``, write ``out_path``."""
    import sympy

    import symact

    with open(inputs_path) as fh:
        inputs = json.load(fh)
    start = time.perf_counter()
    records = []
    for item in inputs:
        act = symact.get(item["name"]) if item["kind"] == "catalog" else sympy.sympify(item["srepr"])
        t = time.perf_counter()
        fields = _derive(act)
        records.append({"input": item["label"], "seconds": time.perf_counter() - t, "fields": fields})
    wall = time.perf_counter() - start
    with open(out_path, "w") as fh:
        json.dump({"wall_seconds": wall, "loadavg_end": os.getloadavg(), "records": records}, fh, indent=1)


def _inputs(generated: int, seed: int) -> list[dict[str, str]]:
    import sympy

    import symact

    items = []
    for name in symact.names():
        if isinstance(symact.get(name), symact.Activation):  # vector activations are not in this run
            items.append({"kind": "catalog", "name": name, "label": name})
    if generated:
        import test_soundness as harness

        for i, expr in enumerate(harness.draw_activations(generated, seed=seed)):
            items.append({"kind": "generated", "srepr": sympy.srepr(expr), "label": f"gen[{i}] {expr}"})
    return items


def _run(inputs_path: str, out_path: str) -> dict:
    env = dict(os.environ, SYMACT_CACHE="0")
    before = os.getloadavg()
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--worker", out_path, "--inputs", inputs_path], env=env, check=True
    )
    elapsed = time.perf_counter() - start
    with open(out_path) as fh:
        result = json.load(fh)
    result["process_seconds"] = elapsed
    result["loadavg_start"] = before
    return result


def _short(s: str, n: int = 70) -> str:
    return s if len(s) <= n else s[: n - 3] + "..."


def _load(avg: list[float] | tuple[float, ...]) -> str:
    return " ".join(f"{x:.2f}" for x in avg)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=100, help="generated activations (default 100)")
    parser.add_argument("--busy", type=int, default=8, help="busy processes during the second run (default 8)")
    parser.add_argument("--catalog-only", action="store_true", help="only the catalog, no generated activations")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (0: the derandomized stream)")
    parser.add_argument("--worker", metavar="OUT.json", help=argparse.SUPPRESS)
    parser.add_argument("--inputs", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.inputs, args.worker)
        return 0

    generated = 0 if args.catalog_only else args.generated
    with tempfile.TemporaryDirectory(prefix="symact-determinism-") as tmp:
        inputs_path = os.path.join(tmp, "inputs.json")
        items = _inputs(generated, args.seed)
        with open(inputs_path, "w") as fh:
            json.dump(items, fh)
        n_catalog = sum(item["kind"] == "catalog" for item in items)
        print(f"inputs: {n_catalog} catalog entries + {len(items) - n_catalog} generated activations", flush=True)

        print(f"idle run (load average {_load(os.getloadavg())}) ...", flush=True)
        idle = _run(inputs_path, os.path.join(tmp, "idle.json"))
        print(f"  {idle['process_seconds']:.1f} s", flush=True)

        busy_procs: list[subprocess.Popen] = []
        try:
            for _ in range(args.busy):
                busy_procs.append(subprocess.Popen([sys.executable, "-c", "while True: pass"]))
            time.sleep(2.0)  # let them start spinning
            print(f"busy run, {args.busy} busy processes (load average {_load(os.getloadavg())}) ...", flush=True)
            busy = _run(inputs_path, os.path.join(tmp, "busy.json"))
            print(f"  {busy['process_seconds']:.1f} s", flush=True)
        finally:  # also on Ctrl-C or a failed run
            for p in busy_procs:
                p.kill()
            for p in busy_procs:
                p.wait()

    diffs = []
    fields = 0
    for a, b in zip(idle["records"], busy["records"], strict=True):
        assert a["input"] == b["input"]
        keys = sorted(set(a["fields"]) | set(b["fields"]))
        fields += len(keys)
        for key in keys:
            va, vb = a["fields"].get(key, "<missing>"), b["fields"].get(key, "<missing>")
            if va != vb:
                diffs.append((a["input"], key, va, vb))

    print()
    for label, run in (("idle", idle), (f"busy ({args.busy} busy processes)", busy)):
        print(
            f"{label:<28} wall {run['wall_seconds']:7.1f} s (process {run['process_seconds']:.1f} s)   "
            f"load average {_load(run['loadavg_start'])} at start, {_load(run['loadavg_end'])} at end"
        )
    slow = sorted(zip(idle["records"], busy["records"]), key=lambda ab: -ab[1]["seconds"])[:5]
    print(
        "slowest inputs (idle s / busy s): "
        + ", ".join(f"{_short(a['input'], 30)} {a['seconds']:.1f}/{b['seconds']:.1f}" for a, b in slow)
    )
    print(f"records: {len(idle['records'])}   fields compared: {fields}")
    print(f"differing fields: {len(diffs)} (target {TARGET_DIFFERENCES})")
    for inp, key, va, vb in diffs[:SHOWN]:
        print(f"  {_short(inp, 40)}  {key}\n      idle: {_short(va, 100)}\n      busy: {_short(vb, 100)}")
    if len(diffs) > SHOWN:
        print(f"  ... and {len(diffs) - SHOWN} more")
    return 1 if len(diffs) > TARGET_DIFFERENCES else 0


if __name__ == "__main__":
    sys.exit(main())
