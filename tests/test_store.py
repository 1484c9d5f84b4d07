"""The persistent store (symact.core.store): each hazard is detected, never trusted, and the result recomputed.

Every test points the store at its own temporary folder (``SYMACT_CACHE_DIR``). The recomputed
values are checked against hand-derived facts: exp(0) = 1 and exp(1) = e (rounded from mpmath at 50
digits), ReLU's range [0, oo).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy

import symact
from symact.analysis import calculus
from symact.analysis.properties import Extremum, Properties
from symact.core import budget, store
from symact.core.unknown import Unknown
from symact.numeric import truth as T

x = symact.x
XS = np.array([0.0, 1.0])


def _e_rounded() -> float:
    with mpmath.workdps(50):
        return float(mpmath.e)


#: exp at XS, correctly rounded: 1 exactly, and e to the nearest double.
EXP_AT_XS = np.array([1.0, _e_rounded()])


@pytest.fixture(autouse=True)
def own_store(tmp_path, monkeypatch):
    root = tmp_path / "store"
    monkeypatch.setenv(store.ENV_DIR, str(root))
    monkeypatch.delenv(store.ENV_SWITCH, raising=False)
    calculus._PROPERTIES.clear()
    return root


def _entry(k: store.Key) -> Path:
    root = store.location()
    assert root is not None
    return root / k.kind / f"{k.digest}.entry"


def _rewrite(path: Path, header_changes: dict, payload: bytes | None = None, fix_checksum: bool = False) -> None:
    """Rewrite an entry: change header fields and/or the payload, with or without a matching checksum."""
    head, _, old_payload = path.read_bytes().partition(b"\n")
    header = json.loads(head)
    header.update(header_changes)
    payload = old_payload if payload is None else payload
    if fix_checksum:
        import hashlib

        header["sha256"] = hashlib.sha256(payload).hexdigest()
        header["bytes"] = len(payload)
    path.write_bytes(json.dumps(header).encode() + b"\n" + payload)


def _truth_key() -> store.Key:
    return store.key("truth", T._TRUTH_VERSION, sympy.exp(x), "float64", False, XS)


def _planted_truth_payload() -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, np.array([2.0, 3.0]), allow_pickle=False)  # a planted, wrong "truth"
    return buf.getvalue()


# -- the hazards, each on a truth array (npy) and a property record (JSON) ---------------------


def _corrupt(path: Path, planted: bytes) -> None:
    blob = bytearray(path.read_bytes())
    blob[-5] ^= 0xFF  # one flipped byte in the payload
    path.write_bytes(bytes(blob))


def _truncate(path: Path, planted: bytes) -> None:
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])  # a torn write


def _garbage_header(path: Path, planted: bytes) -> None:
    path.write_bytes(b"\x00\xff not a header\n" + path.read_bytes())


def _planted_wrong_checksum(path: Path, planted: bytes) -> None:
    _rewrite(path, {}, payload=planted)  # a wrong value under the old checksum


def _other_version(path: Path, planted: bytes) -> None:
    _rewrite(path, {"version": "0.0.1"}, fix_checksum=True)


def _other_key(path: Path, planted: bytes) -> None:
    """A well-formed entry of another key (a hash collision, a copied or planted file) at this name."""
    _rewrite(path, {"key": '["truth", 1, "another build", []]'}, fix_checksum=True)


HAZARDS = [_corrupt, _truncate, _garbage_header, _planted_wrong_checksum, _other_version, _other_key]


@pytest.mark.parametrize("hazard", HAZARDS, ids=lambda h: h.__name__.strip("_"))
def test_a_bad_truth_entry_is_ignored_and_recomputed(hazard):
    k = _truth_key()
    assert np.array_equal(T.truth(sympy.exp(x), XS), EXP_AT_XS)
    assert store.load_array(k) is not None
    hazard(_entry(k), _planted_truth_payload())
    assert store.load_array(k) is None  # detected
    assert np.array_equal(T.truth(sympy.exp(x), XS), EXP_AT_XS)  # recomputed, right
    assert np.array_equal(store.load_array(k), EXP_AT_XS)  # and the entry replaced by a good one


@pytest.mark.parametrize("hazard", HAZARDS, ids=lambda h: h.__name__.strip("_"))
def test_a_bad_property_record_is_ignored_and_recomputed(hazard):
    relu = symact.get("relu")
    k = store.key("properties", relu.expr, relu.name)
    first = relu.properties()
    assert first.range == sympy.Interval(0, sympy.oo)
    store.save(k, first)  # already kept unless a budget ran out on a loaded machine
    assert store.load(k, (Properties, Extremum)) == first
    payload = _entry(k).read_bytes().partition(b"\n")[2]
    planted = payload.replace(b"Interval(Integer(0), oo", b"Interval(Integer(5), oo")  # another range
    assert planted != payload
    hazard(_entry(k), planted)
    store._MEMO.clear()  # what was read and checked before, in this process: as in a new process
    assert store.load(k, (Properties, Extremum)) is store.MISS
    calculus._PROPERTIES.clear()  # the caller's in-process answers: as in a new process
    p = relu.properties()
    assert p.range == sympy.Interval(0, sympy.oo) and p.minimum.value == 0
    assert store.load(k, (Properties, Extremum)) in (store.MISS, p)  # kept again when complete, never the bad one


def test_an_entry_of_another_build_is_never_found(monkeypatch):
    k = _truth_key()
    assert store.save_array(k, EXP_AT_XS)
    monkeypatch.setattr(store, "_BUILD_ID", "symact 9.9.9 (another source), sympy 0, mpmath 0")
    assert store.load_array(_truth_key()) is None


# -- concurrent writers ---------------------------------------------------------------------------

_WRITER = textwrap.dedent(
    """
    import sys, numpy as np
    from symact.core import store
    k = store.Key("stress", sys.argv[3])
    me, rounds = int(sys.argv[1]), int(sys.argv[2])
    bad = 0
    for r in range(rounds):
        assert store.save_array(k, np.full(SIZE, float(me * 1000 + r)))  # 0.8 MB: a write takes a while
        got = store.load_array(k)
        if got is None or not (got.shape == (SIZE,) and (got == got[0]).all()):
            bad += 1
    print(bad)
    """
)


def test_concurrent_writers_never_leave_a_torn_entry(own_store):
    import time

    k = store.key("stress", "one key")  # its text is passed on: the writers need not compute it alike
    writers, rounds = 4, 12
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER.replace("SIZE", "100_000"), str(i), str(rounds), k.text],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(writers)
    ]
    reads = []
    while any(p.poll() is None for p in procs):
        got = store.load_array(k)
        if got is not None:
            reads.append(got.shape == (100_000,) and bool((got == got[0]).all()))
        time.sleep(0.002)
    outs = [p.communicate(timeout=60)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert [int(o) for o in outs] == [0] * writers  # every write landed; no read was mixed or partial
    assert reads and all(reads)  # nor was any read of this process
    final = store.load_array(k)
    assert final is not None and final[0] in {i * 1000 + r for i in range(writers) for r in range(rounds)}
    assert [f.name for f in (own_store / "stress").iterdir()] == [f"{k.digest}.entry"]  # no temp file left


# -- a store that cannot be used ------------------------------------------------------------------


def test_a_read_only_home_disables_writing_quietly(tmp_path, monkeypatch):
    home = tmp_path / "home-file"
    home.write_text("a file, not a directory: nothing can be created below it, even by root")
    monkeypatch.delenv(store.ENV_DIR)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("LOCALAPPDATA", str(home))
    assert store.location() is not None and str(store.location()).startswith(str(home))
    assert store.save_array(_truth_key(), EXP_AT_XS) is False
    assert np.array_equal(T.truth(sympy.exp(x), XS), EXP_AT_XS)  # computed, no crash
    assert store.info().entries == 0
    assert store.clear() == 0


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes to a 0500 directory")
def test_a_read_only_cache_directory_disables_writing_quietly(own_store):
    own_store.mkdir(mode=0o500)
    try:
        assert store.save_array(_truth_key(), EXP_AT_XS) is False
        assert np.array_equal(T.truth(sympy.exp(x), XS), EXP_AT_XS)
    finally:
        own_store.chmod(0o700)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_directory_others_can_write_to_is_not_trusted(own_store):
    k = _truth_key()
    assert store.save_array(k, EXP_AT_XS)
    own_store.chmod(0o777)
    try:
        assert store.load_array(k) is None  # anyone could have planted it
        assert store.save_array(k, EXP_AT_XS) is False
        assert "writable by other users" in store.info().reason
    finally:
        own_store.chmod(0o700)


@pytest.mark.parametrize("switch", ["0", "off", "OFF", "false", "no"])
def test_the_store_can_be_turned_off(monkeypatch, switch):
    k = _truth_key()
    assert store.save_array(k, EXP_AT_XS)
    monkeypatch.setenv(store.ENV_SWITCH, switch)
    assert store.load_array(k) is None and store.load(k) is store.MISS
    assert store.save_array(k, EXP_AT_XS) is False and not store.info().enabled


def test_the_platform_location(monkeypatch, tmp_path):
    monkeypatch.delenv(store.ENV_DIR)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    expected = {
        "linux": tmp_path / "xdg" / "symact",
        "darwin": tmp_path / "Library" / "Caches" / "symact",
    }
    if sys.platform in expected:
        assert store.location() == expected[sys.platform]
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # invalid by the XDG spec: ignored
    if sys.platform == "linux":
        assert store.location() == tmp_path / ".cache" / "symact"


# -- only complete answers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        Unknown("timeout (limit at oo exceeded its time budget of 1 s)"),
        (1, Unknown("timeout")),
        {"range": Unknown("range exceeded its time budget of 2 s")},
    ],
)
def test_a_value_cut_short_by_a_budget_is_never_stored(value):
    k = store.key("example", "cut short")
    assert store.save(k, value) is False
    assert store.load(k) is store.MISS


def test_a_computation_during_which_a_budget_ran_out_is_not_complete():
    got = store.counted(_a_nap_cut_short)
    assert got == store.Counted("rested", False)  # the step's timeout became a quiet answer: still incomplete
    assert store.counted(sorted, [2, 1]) == store.Counted([1, 2], True)


def _a_nap_cut_short() -> str:
    import time

    budget.step(time.sleep, 5, seconds=0.05, what="a nap", on_timeout=lambda err: None)
    return "rested"


def test_a_property_record_cut_short_is_returned_but_not_stored():
    slow = sympy.exp(x) * sympy.tanh(sympy.exp(sympy.tanh(sympy.exp(x)))) + x  # not derived in 0.3 s
    p = calculus.properties(slow, seconds=0.3)
    assert any(u.reason.startswith("timeout") for u in p.unknowns().values())
    assert store.load(store.key("properties", slow, "f"), (Properties, Extremum)) is store.MISS
    assert store.info().kinds.get("properties", (0, 0))[0] == 0


# -- what is stored reads back equal, and nothing else is read -----------------------------------------


@pytest.mark.parametrize("name", ["relu", "silu", "elu", "sigmoid"])
def test_records_read_back_equal(name):
    act = symact.get(name)
    fresh = act.properties()
    k = store.key("properties", act.expr, act.name)
    assert store.load(k, (Properties, Extremum)) in (store.MISS, fresh)  # MISS: a budget ran out (a loaded machine)
    assert store.save(k, fresh)
    assert store.load(k, (Properties, Extremum)) == fresh
    assert store.load(k, (Properties,)) is store.MISS  # an Extremum is not among the allowed types


@pytest.mark.parametrize("name", ["relu", "tanh", "binary_step"])
def test_gaussian_records_read_back_equal(name):
    """The report's Gaussian-input cells: exact values, certified enclosures (exact Fraction ends), Unknowns."""
    from fractions import Fraction

    from symact.analysis.gaussian import EdgeOfChaos, Gaussian, PyTorchGain, Quantity
    from symact.numeric.quadrature import Certified

    act = symact.get(name)
    pair = (symact.gaussian(act), symact.edge_of_chaos(act))
    types = (Gaussian, EdgeOfChaos, PyTorchGain, Quantity, Certified)
    k = store.key("gaussian-input", act.expr, act.name, "test")
    assert store.save(k, pair)
    back = store.load(k, types)
    assert back == pair
    ends = [(q.enclosure.lower, q.enclosure.upper) for q in back[0].quantities() if q.enclosure is not None]
    assert ends and all(isinstance(e, Fraction) for pair_ in ends for e in pair_)
    assert store.load(k, types[:-1]) is store.MISS  # a Certified is not among the allowed types


@pytest.mark.parametrize("payload", [["1", "0"], ["1", "-3"], ["x", "2"], "1/2"])
def test_a_bad_fraction_is_a_miss(payload):
    k = store.key("example", "fraction", str(payload))
    assert store.save(k, (1, 2))
    from fractions import Fraction

    for fraction, expected in ((["2", "4"], (Fraction(1, 2), 2)), (payload, store.MISS)):  # a good one reads back
        _rewrite(_entry(k), {}, payload=json.dumps({"tuple": [{"fraction": fraction}, 2]}).encode(), fix_checksum=True)
        store._MEMO.clear()  # as in a new process
        assert store.load(k) == expected


@pytest.mark.parametrize("name", symact.names())
def test_every_catalog_definition_and_derivative_reads_back_exactly(name):
    e = symact.get(name).expr
    for expr in (e, sympy.diff(e, x)):
        text = sympy.srepr(expr)
        assert sympy.srepr(store.read_srepr(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "erf(__import__('os').getcwd())",
        "erf('__import__(\"os\").getcwd()')",  # a string a SymPy function would sympify (and eval)
        "Symbol('x').__class__",
        "Symbol('x + 1')",
        "Float('1e5; import os')",
        "Integer(1) + Integer(2)",
        "Add(*[Integer(1)])",
        "Function('f')(Symbol('x'))",
        "Lambda(Symbol('x'), Symbol('x'))",
        "sympify('x')",
        "(lambda: 1)()",
        "Integer(1)[0]",
        "Symbol('x', real=print)",
        "Add(Symbol('x'), Integer(1), evaluate=False)",
        "Mul(Integer(2), Integer(3))",  # builds 6, which prints as Integer(6): not the text
        "",
    ],
)
def test_the_srepr_reader_refuses_anything_but_sympy_literals(text):
    with pytest.raises(ValueError, match="srepr text"):
        store.read_srepr(text)


def test_a_record_of_a_type_not_allowed_is_a_miss():
    k = store.key("example", "records")
    assert store.save(k, Unknown("no closed form"))
    assert store.load(k) == Unknown("no closed form")
    assert store.save(k, store.Counted(1, True))
    assert store.load(k) is store.MISS and store.load(k, (store.Counted,)) == store.Counted(1, True)


# -- the command line ----------------------------------------------------------------------------------


def test_cache_info_and_clear(own_store, capsys):
    from symact.cli import main

    assert store.save_array(_truth_key(), EXP_AT_XS)
    assert store.save(store.key("example", 1), sympy.Rational(1, 3))
    assert store.save(store.key("example", 2), sympy.Rational(2, 3))
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert f"location: {own_store}" in out and "status: on" in out and "entries: 3 " in out
    lines = {line.split()[0]: int(line.split()[1]) for line in out.splitlines() if line.startswith("  ")}
    assert lines == {"example": 2, "truth": 1}
    assert main(["cache", "clear"]) == 0
    assert "removed 3 entries" in capsys.readouterr().out
    assert store.info().entries == 0
    (own_store / "notes.txt").write_text("not the store's")
    assert store.clear() == 0 and (own_store / "notes.txt").exists()  # only the store's own files go


# -- generated source is run by its caller: a planted one never is -------------------------------------


def _planted_source_entry(path: Path, how: str) -> None:
    """Replace a stored build of ReLU by source that answers 42 everywhere."""
    payload = json.dumps(store._encode(("def relu(x):\n    return x * 0 + 42.0\n", ()))).encode()
    if how == "wrong checksum":
        _rewrite(path, {}, payload=payload)
    elif how == "another key":
        _rewrite(path, {"key": '["numpy-source", 1, "another build", []]'}, payload=payload, fix_checksum=True)
    else:
        _rewrite(path, {"version": "0.0.1"}, payload=payload, fix_checksum=True)


@pytest.mark.parametrize("how", ["wrong checksum", "another key", "another version"])
def test_a_planted_generated_source_is_never_run(monkeypatch, how):
    from symact.codegen import numpy as cg

    monkeypatch.setattr(cg, "_BUILT", {})
    relu = symact.get("relu")
    expr, name = cg._resolve(relu, 0)
    k = store.key("numpy-source", expr, name)
    f = cg.to_numpy(relu)
    store.save(k, (cg.source(relu), cg.regimes(relu)))  # already kept unless a budget ran out
    _planted_source_entry(_entry(k), how)
    monkeypatch.setattr(cg, "_BUILT", {})  # as in a new process
    store._MEMO.clear()
    g = cg.to_numpy(relu)
    xs = np.array([-1.0, -0.0, 2.0])
    assert g(xs).tolist() == f(xs).tolist() == [0.0, 0.0, 2.0]
    assert "42" not in cg.source(relu)


def test_a_stored_proof_reads_back_equal_and_a_planted_one_is_not_read():
    import proofs

    proofs.linearity._RESULTS.clear()
    relu = symact.get("relu")
    first = proofs.prove_linear(relu)
    k = store.key("proof", relu.expr, relu.name, "linearity")
    store.save(k, first)
    assert store.load(k, proofs.linearity._RECORDS) == first
    assert first.verdict is proofs.Verdict.DISPROVED and first.counterexample.check()
    payload = _entry(k).read_bytes().partition(b"\n")[2]
    planted = payload.replace(b'"DISPROVED"', b'"PROVED"')
    assert planted != payload
    _rewrite(_entry(k), {}, payload=planted)  # "relu is linear", under the old checksum
    proofs.linearity._RESULTS.clear()
    store._MEMO.clear()
    assert proofs.prove_linear(relu).verdict is proofs.Verdict.DISPROVED


def test_a_repeated_load_of_an_unchanged_entry_is_served_from_memory():
    k = store.key("example", "memo")
    assert store.save(k, sympy.Rational(1, 3))
    first = store.load(k)
    assert store.load(k) is first  # the same object: not read and decoded again
    _entry(k).unlink()
    assert store.load(k) is store.MISS  # but never once the entry is gone
    assert store.save(k, sympy.Rational(2, 3))
    assert store.load(k) == sympy.Rational(2, 3)
