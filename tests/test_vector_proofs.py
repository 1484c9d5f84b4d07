"""Proofs about vector activations: verdicts, general n vs n = 2..5, certificates that re-check and reject tampering."""

from __future__ import annotations

import dataclasses
import json

import pytest
import sympy

from proofs import Verdict
from proofs import vector as pv
from symact.definition import vector as V
from symact.definition.registry import get_vector, vector_names

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
    ("sparsemax", "sum_to_one"): (P, True),
    ("sparsemax", "shift_invariance"): (P, True),
    ("sparsemax", "threshold"): (P, True),
    ("sparsemax", "additivity"): (D, True),
    ("sparsemax", "homogeneity"): (D, True),
    ("sparsemax", "linearity"): (D, True),
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
    for name in vector_names():
        assert set(pv.claims_for(name)) >= {"additivity", "homogeneity", "linearity"}
    assert {k for k in EXPECTED if k[0] == "softmax"} >= {
        ("softmax", c) for c in ("sum_to_one", "shift_invariance", "two_class", "linearity")
    }


def test_claims_that_do_not_apply_are_refused():
    with pytest.raises(ValueError, match="does not apply"):
        pv.prove("glu", "sum_to_one")
    with pytest.raises(ValueError, match="does not apply"):
        pv.prove("softmax", "log_softmax_identity")


@pytest.mark.parametrize(
    ("key", "general", "case_verdicts"),
    [
        (("sparsemax", "sum_to_one"), P, (P, U, U, U)),
        (("sparsemax", "shift_invariance"), P, (P, P, U, U)),
        (("sparsemax", "linearity"), D, (D, D, D, D)),
    ],
)
def test_sparsemax_general_verdicts_keep_the_concrete_cases(key, general, case_verdicts, results):
    r = results[key]
    assert r.verdict is general and r.general and r.check()
    if general is P:
        assert r.steps and r.steps[-1].claim == sympy.Eq(r.lhs, r.rhs, evaluate=False)
        assert "structured proof" in r.method
    else:  # the witness a = b = 0 needs sparsemax(0) = 1/n for every n: a structured proof of its own
        ce = r.counterexample
        assert (ce.lhs, ce.rhs, ce.sign) == (1 / V.n, 2 / V.n, -1)
        assert r.steps[-1].claim == sympy.Eq(sympy.Max(pv._c - pv.TAU, 0), 1 / V.n, evaluate=False)
        assert "1/n for every n" in r.text()
        assert dataclasses.replace(r, steps=r.steps[:-1]).check() is False
        bad = dataclasses.replace(r.steps[3], claim=sympy.Eq(pv.K, V.n - 1, evaluate=False))
        assert dataclasses.replace(r, steps=r.steps[:3] + (bad,) + r.steps[4:]).check() is False
    assert tuple(c.n for c in r.cases) == pv.CONCRETE_N
    assert tuple(c.verdict for c in r.cases) == case_verdicts
    for c in r.cases:
        if c.verdict is not U:
            assert c.check()
        else:
            assert c.reason


@pytest.mark.parametrize("size", pv.CONCRETE_N)
@pytest.mark.parametrize(
    ("name", "claim"),
    [
        ("softmax", "sum_to_one"),
        ("softmax", "shift_invariance"),
        ("log_softmax", "log_softmax_identity"),
        ("softmin", "softmin_identity"),
        ("log_softmax", "sum_to_one"),
        ("logsumexp", "shift_invariance"),
    ],
)
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
    assert get_vector("log_softmax", 1)([5]) == (0,)


@pytest.mark.parametrize("field", ["lhs", "rhs", "sign", "values", "n_min"])
def test_tampered_counterexamples_fail_the_check(field, results):
    ce = results[("softmax", "additivity")].counterexample
    bad = {
        "lhs": sympy.Rational(1, 3),
        "rhs": 3 / V.n,
        "sign": 1,
        "values": (("a", (sympy.S.Zero, ())), ("b", (sympy.S.Zero, ((0, sympy.S.One),)))),
        "n_min": 0,
    }[field]
    forged = dataclasses.replace(ce, **{field: bad})
    assert forged.check() is False


def test_tampered_proofs_fail_the_check(results):
    r = results[("softmax", "shift_invariance")]
    assert dataclasses.replace(r, rhs=r.rhs + 1).check() is False
    assert dataclasses.replace(r, method="automatic evaluation").check() is False
    assert dataclasses.replace(r, method="no such method").check() is False
    assert dataclasses.replace(r, n=3).check() is False
    forged = dataclasses.replace(
        results[("softmax", "linearity")], counterexample=results[("glu", "additivity")].counterexample
    )
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


# ---------------------------------------------------------------------------------------
# sparsemax for every n: the structured proofs
# ---------------------------------------------------------------------------------------
import functools
import itertools
import random
from fractions import Fraction

_l, _a, _b = sympy.Symbol("l", integer=True), sympy.Symbol("a", integer=True), sympy.Symbol("b", integer=True)


def _sort_rule(x):
    """k, tau and the sorted entries by the sort-based rule, in exact rationals."""
    z = sorted(x, reverse=True)
    k = max(a for a in range(1, len(z) + 1) if 1 + a * z[a - 1] > sum(z[:a]))
    return z, k, (sum(z[:k]) - 1) / Fraction(k)


def _subset_max(v):
    """max over non-empty index sets S of (sum_S v - 1)/|S|, exactly."""
    return max((sum(sub) - 1) / Fraction(r) for r in range(1, len(v) + 1) for sub in itertools.combinations(v, r))


@functools.lru_cache(maxsize=64)
def _values(x, c, e):
    """k, k', the exact symbol values and the entry tables of one sample (tuples in, computed once)."""
    z, k, tau = _sort_rule(x)
    zc, kc, tauc = _sort_rule([v + c for v in x])
    s = sum(e)
    ts = (sum(ev * zv for ev, zv in zip(e, z)) - 1) / Fraction(s)
    exact = {
        pv.TAU: tau,
        pv.TAUC: tauc,
        pv._c: c,
        pv.SS: Fraction(s),
        pv.TS: ts,
        pv.TMAX_X: _subset_max(x),
        pv.TMAX_Z: _subset_max(z),
    }
    numbers = {sym: sympy.Rational(v.numerator, v.denominator) for sym, v in exact.items()}
    return k, kc, numbers, {pv.Z: z, pv.ZC: zc, pv.E: [Fraction(ev) for ev in e]}


def _instantiate(expr, idx, x, c, e):
    """``expr`` with the index symbols, n, k, tau (and k', tau', c), the index set (e, s, t_S, T_x, T_z)
    and the entries of x, z, z' replaced by exact values."""
    k, kc, numbers, table = _values(tuple(x), c, tuple(e))
    q = sympy.Rational
    out = expr.subs({pv.K: k, pv.KC: kc, V.n: len(x), **idx})
    out = out.xreplace(numbers)
    out = out.doit()

    def value(e):
        if e.base == V.X:
            v = x[int(e.indices[0])]
        else:
            v = table[e.base][int(e.indices[0]) - 1]
        return q(v.numerator, v.denominator)

    out = out.replace(lambda e: isinstance(e, sympy.Indexed) and e.indices[0].is_Integer, value)
    return out.doit()


def _holds(claim, idx, x, c, e=None):
    e = e or [1] * len(x)
    if isinstance(claim, (sympy.And, sympy.Equivalent)):
        vals = [_holds(a, idx, x, c, e) for a in claim.args]
        return all(vals) if isinstance(claim, sympy.And) else len(set(vals)) == 1
    if isinstance(claim, sympy.Eq):
        d = _instantiate(claim.lhs - claim.rhs, idx, x, c, e)
        return d == 0 if d.is_Rational else sympy.simplify(d) == 0  # exact values: a number, mostly
    return bool(_instantiate(claim, idx, x, c, e))


def _random_vector(rng):
    nn = rng.randint(1, 6)
    pool = [Fraction(rng.randint(-12, 12), rng.choice([1, 2, 3, 7])) for _ in range(3)]  # ties on purpose
    return [
        rng.choice(pool) if rng.random() < 0.3 else Fraction(rng.randint(-40, 40), rng.randint(1, 9)) for _ in range(nn)
    ]


@pytest.mark.parametrize("prop", [*pv.STRUCTURED, "constant"])
def test_every_step_holds_on_random_rational_vectors(prop):
    # exact arithmetic: each step's claim, at every index assignment satisfying its hypotheses
    rng = random.Random(606)
    steps = pv.sparsemax_steps(prop)
    checked = 0
    for _ in range(40 if prop != "threshold" else 15):
        x = _random_vector(rng)
        c = Fraction(rng.randint(-30, 30), rng.randint(1, 5))
        if prop == "constant":  # sparsemax(c*1) = 1/n
            x = [c] * len(x)
        nn = len(x)
        e = [rng.randint(0, 1) for _ in x]
        e[rng.randrange(nn)] = 1  # a non-empty index set
        for st in steps:
            free = [
                s
                for s in (_l, _a, _b, V.i)
                if s in st.claim.free_symbols or any(s in h.free_symbols for h in st.hypotheses)
            ]
            ranges = [range(nn) if s == V.i else range(1, nn + 1) for s in free]
            for values in itertools.product(*ranges):
                idx = dict(zip(free, values))
                if not all(_holds(h, idx, x, c, e) for h in st.hypotheses):
                    continue
                assert _holds(st.claim, idx, x, c, e), (prop, st.label, x, c, e, idx)
                checked += 1
    assert checked > 300


def test_the_threshold_claim_is_about_the_registry_definition():
    # T_x of the threshold proof is the registry's concrete threshold: a Max over the non-empty subsets
    for size in range(2, 5):  # (at n = 1 the Max has one argument: x[0] - 1 itself)
        want = {
            (sympy.Add(*(V.X[t] for t in sub)) - 1) / len(sub)
            for r in range(1, size + 1)
            for sub in itertools.combinations(range(size), r)
        }
        assert set(V.sparsemax_threshold(size).args) == want
    assert "sparsemax_threshold" in pv.THRESHOLD_DEFINITION


def test_the_sort_rule_agrees_with_the_concrete_definition_on_random_vectors():
    # the registry's concrete sparsemax (threshold a Max over index subsets) is the function the
    # structured proofs are about: same outputs, which sum to 1 and are shift invariant
    rng = random.Random(7)
    for _ in range(60):
        x = _random_vector(rng)
        if len(x) > 4:
            x = x[:4]
        _, _, tau = _sort_rule(x)
        want = tuple(max(v - tau, 0) for v in x)
        f = get_vector("sparsemax", len(x))
        got = f([sympy.Rational(v.numerator, v.denominator) for v in x])
        assert got == tuple(sympy.Rational(w.numerator, w.denominator) for w in want)
        assert sum(got) == 1 and all(g >= 0 for g in got)
        c = sympy.Rational(rng.randint(-50, 50), rng.randint(1, 7))
        assert f([sympy.Rational(v.numerator, v.denominator) + c for v in x]) == got  # shift invariance, exactly
        assert _subset_max(x) == tau  # the threshold claim


def test_structured_proofs_reject_tampering(results):
    r = results[("sparsemax", "sum_to_one")]
    steps = list(r.steps)
    by = {s.label: k2 for k2, s in enumerate(steps)}

    def forged(label, **change):
        new = list(steps)
        new[by[label]] = dataclasses.replace(steps[by[label]], **change)
        return dataclasses.replace(r, steps=tuple(new))

    tau_wrong = sympy.Eq(pv.TAU, (sympy.Sum(pv.Z[_l], (_l, 1, pv.K)) - 2) / pv.K, evaluate=False)
    bad = [
        forged("S1", claim=tau_wrong),  # a definition that is not the registered one
        forged("S7", claim=sympy.Gt(pv.Z[pv.K + 1] - pv.TAU, 0)),  # modus ponens to a claim that does not follow
        forged("S12", claim=sympy.Ge(pv.Z[pv.K] - pv.Z[_l], 0)),  # the sorted order the wrong way round
        forged("S13", uses=("S12", "S11")),  # premises of the wrong sign
        forged("S15", hypotheses=(sympy.Le(_l, V.n),)),  # a premise whose hypothesis k + 1 <= n is not entailed
        forged("S16", claim=sympy.Eq(sympy.Max(pv.Z[_l] - pv.TAU, 0), 0, evaluate=False)),
        forged("S21", claim=sympy.Eq(sympy.Sum(pv.Z[_l] - pv.TAU, (_l, 1, pv.K)), 2, evaluate=False)),
        forged("S5", uses=("S9",)),  # a premise that is not an earlier step
        dataclasses.replace(r, steps=r.steps[:-1]),  # the last step is not the claim
        dataclasses.replace(r, rhs=sympy.Integer(2)),
    ]
    for f in bad:
        assert f.check() is False
    assert r.check() is True


def test_structured_proof_renderings(results):
    r = results[("sparsemax", "shift_invariance")]
    text = r.text()
    assert "(T6) Eq(k', k)" in text and "same_maximum" not in text and "PROVED." in text
    assert "sorted non-increasingly" in text
    assert "\\begin{enumerate}" in r.latex() and "\\texttt{same\\_maximum}" in r.latex()
    d = json.loads(pv.to_json(r))
    assert d["verdict"] == "proved" and len(d["steps"]) == len(r.steps) and d["steps"][-1]["rule"] == "algebra"
    assert "`  (T1)" in r.markdown()


def test_threshold_proof_rejects_tampering(results):
    r = results[("sparsemax", "threshold")]
    assert r.check() and not r.cases  # a statement about every n; nothing concrete to add
    by = {s.label: k2 for k2, s in enumerate(r.steps)}

    def forged(label, **change):
        new = list(r.steps)
        new[by[label]] = dataclasses.replace(r.steps[by[label]], **change)
        return dataclasses.replace(r, steps=tuple(new))

    u = pv.Z[_l] - pv.TAU
    assert (
        forged("A1", claim=sympy.Le(2 * pv.E[_l] * u - sympy.Max(u, 0), 0)).check() is False
    )  # 2u <= Max(u, 0) is false
    assert forged("A2", uses=("S16",)).check() is False
    assert forged("A9", claim=sympy.Le(pv.TS - pv.TAU - 1, 0)).check() is False
    assert forged("A11", uses=("A9", "A10", "S4")).check() is False  # k >= 1 must come from k's definition
    assert (
        forged(
            "A6",
            claim=sympy.Eq(pv.TS, (sympy.Sum(pv.E[_l] * pv.Z[_l], (_l, 1, V.n)) - 1) / (pv.SS + 1), evaluate=False),
        ).check()
        is False
    )


def test_a_structured_check_that_does_not_finish_confirms_nothing(results, monkeypatch):
    # principle 5: a forged certificate must not hang the checker; the budget's timeout is "not checked"
    monkeypatch.setattr(pv, "CHECK_SECONDS", 0.001)
    assert results[("sparsemax", "sum_to_one")].check() is False
