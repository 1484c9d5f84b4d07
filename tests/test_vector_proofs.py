"""Proofs about vector activations: verdicts, general n vs n = 2..5, certificates that re-check and reject tampering."""

from __future__ import annotations

import dataclasses
import json

import pytest
import sympy

from proofs import Verdict
from proofs import vector as pv
from symact import vector as V

P, D, U = Verdict.PROVED, Verdict.DISPROVED, Verdict.UNKNOWN

#: (name, claim) -> (verdict, general?) as established by hand.
EXPECTED = {
    ("softmax", "sum_to_one"): (P, True),
    ("softmax", "shift_invariance"): (P, True),
    ("softmax", "two_class"): (P, False),
    ("softmax", "additivity"): (D, True),
    ("softmax", "homogeneity"): (D, True),
    ("softmax", "linearity"): (D, True),
    ("log_softmax", "sum_to_one"): (P, True),
    ("log_softmax", "shift_invariance"): (P, True),
    ("log_softmax", "two_class"): (P, False),
    ("log_softmax", "log_softmax_identity"): (P, True),
    ("log_softmax", "linearity"): (D, True),
    ("softmin", "sum_to_one"): (P, True),
    ("softmin", "softmin_identity"): (P, True),
    ("softmin", "linearity"): (D, True),
    ("glu", "additivity"): (D, True),
    ("glu", "homogeneity"): (D, True),
    ("logsumexp", "shift_invariance"): (P, True),
    ("logsumexp", "linearity"): (D, True),
    ("sparsemax", "two_class"): (P, False),
    ("sparsemax", "sum_to_one"): (U, True),
    ("sparsemax", "shift_invariance"): (U, True),
    ("sparsemax", "linearity"): (U, True),
}


@pytest.fixture(scope="module")
def results():
    return {key: pv.prove(*key) for key in EXPECTED}


@pytest.mark.parametrize("key", list(EXPECTED))
def test_verdicts_and_checks(key, results):
    verdict, general = EXPECTED[key]
    r = results[key]
    assert r.verdict is verdict
    assert r.general is general
    assert r.check() is (verdict is not U)
    if verdict is U:
        assert r.check_cases() is True
    json.dumps(r.to_dict())
    assert key[0] in r.text() and r.claim in r.text()


def test_every_applicable_claim_is_covered():
    for name in V.names():
        assert set(pv.claims_for(name)) >= {"additivity", "homogeneity", "linearity"}
    assert {k for k in EXPECTED if k[0] == "softmax"} >= {("softmax", c) for c in ("sum_to_one", "shift_invariance", "two_class", "linearity")}


def test_claims_that_do_not_apply_are_refused():
    with pytest.raises(ValueError, match="does not apply"):
        pv.prove("glu", "sum_to_one")
    with pytest.raises(ValueError, match="does not apply"):
        pv.prove("softmax", "log_softmax_identity")


@pytest.mark.parametrize(("key", "case_verdicts"), [
    (("sparsemax", "sum_to_one"), (P, U, U, U)),
    (("sparsemax", "shift_invariance"), (P, P, U, U)),
    (("sparsemax", "linearity"), (D, D, D, D)),
])
def test_sparsemax_general_unknown_with_concrete_cases(key, case_verdicts, results):
    r = results[key]
    assert "no closed form" in r.reason
    assert tuple(c.n for c in r.cases) == pv.CONCRETE_N
    assert tuple(c.verdict for c in r.cases) == case_verdicts
    for c in r.cases:
        if c.verdict is not U:
            assert c.check()
        else:
            assert c.reason


@pytest.mark.parametrize("size", pv.CONCRETE_N)
@pytest.mark.parametrize(("name", "claim"), [
    ("softmax", "sum_to_one"), ("softmax", "shift_invariance"), ("log_softmax", "log_softmax_identity"),
    ("softmin", "softmin_identity"), ("log_softmax", "sum_to_one"), ("logsumexp", "shift_invariance"),
])
def test_concrete_lengths_also_prove(name, claim, size):
    r = pv.prove(name, claim, size)
    assert r.verdict is P and r.n == size and r.check()


def test_general_counterexamples_carry_symbolic_differences(results):
    ce = results[("softmax", "additivity")].counterexample
    assert ce.lhs == 1 / V.n and ce.rhs == 2 / V.n and ce.sign == -1
    assert "n = m + 1" in ce.evidence
    ls = results[("log_softmax", "linearity")].counterexample
    assert ls.n_min == 2 and ls.sign == 1  # log(n) > 0 needs n >= 2
    glu = results[("glu", "additivity")].counterexample
    assert glu.enclosure is not None and "interval" in glu.evidence


def test_log_softmax_and_logsumexp_are_linear_for_n_1_so_no_witness_is_claimed():
    # n = 1: log_softmax(x) = 0 and logsumexp(x) = x are linear; the zero witness needs n >= 2
    assert pv.prove("log_softmax", "linearity", 1).verdict is U
    assert pv.prove("logsumexp", "additivity", 1).verdict is U
    assert V.get("log_softmax", 1)([5]) == (0,)


@pytest.mark.parametrize("field", ["lhs", "rhs", "sign", "values", "n_min"])
def test_tampered_counterexamples_fail_the_check(field, results):
    ce = results[("softmax", "additivity")].counterexample
    bad = {
        "lhs": sympy.Rational(1, 3), "rhs": 3 / V.n, "sign": 1,
        "values": (("a", (sympy.S.Zero, ())), ("b", (sympy.S.Zero, ((0, sympy.S.One),)))), "n_min": 0,
    }[field]
    forged = dataclasses.replace(ce, **{field: bad})
    assert forged.check() is False


def test_tampered_proofs_fail_the_check(results):
    r = results[("softmax", "shift_invariance")]
    assert dataclasses.replace(r, rhs=r.rhs + 1).check() is False
    assert dataclasses.replace(r, method="automatic evaluation").check() is False
    assert dataclasses.replace(r, method="no such method").check() is False
    assert dataclasses.replace(r, n=3).check() is False
    forged = dataclasses.replace(results[("softmax", "linearity")], counterexample=results[("glu", "additivity")].counterexample)
    assert forged.check() is False


def test_two_class_sides_are_the_sigmoid(results):
    r = results[("softmax", "two_class")]
    t = sympy.Symbol("t", real=True)
    assert r.rhs[0] == 1 / (1 + sympy.exp(-t))
    assert sympy.simplify(r.lhs[1] - (1 - r.rhs[0])) == 0


def test_renderings(results):
    r = results[("softmax", "sum_to_one")]
    assert "PROVED." in r.text() and r.text() in r.text()
    assert "\\sum" in r.latex()
    assert str(r) == "softmax: sum_to_one proved for all n"
    d = results[("glu", "homogeneity")]
    assert "DISPROVED." in d.text() and "\\neq" in d.latex()
    assert json.loads(pv.to_json(pv.prove_all("softmin")))[0]["verdict"] == "proved"
