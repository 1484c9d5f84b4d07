"""Linearity verdicts: the catalog, disguised-linear and pathological inputs, certificates."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace

import pytest
import sympy
from sympy import Abs, Heaviside, Max, Min, Ne, Piecewise, Rational, cos, exp, log, pi, sign, sin, sqrt, tanh

import proofs
import symact
from proofs import Verdict
from symact import x
from symact.numeric.interval import certify_nonzero

CATALOG = symact.all_activations()
PROPERTIES = ("linearity", "additivity", "homogeneity")

_CACHE: dict[tuple[str, str], proofs.ProofResult] = {}


def _catalog_result(act: symact.Activation, prop: str) -> proofs.ProofResult:
    """Each catalog proof is computed once per test session."""
    key = (act.name, prop)
    if key not in _CACHE:
        _CACHE[key] = proofs.prove(act, prop)
    return _CACHE[key]


# --------------------------------------------------------------------------------------
# The catalog: identity PROVED, everything else DISPROVED with a certificate that checks
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("act", CATALOG, ids=[a.name for a in CATALOG])
def test_catalog_verdicts(act: symact.Activation) -> None:
    for prop in PROPERTIES:
        result = _catalog_result(act, prop)
        assert result.property == prop
        assert result.name == act.name
        if act.name == "identity":
            assert result.verdict is Verdict.PROVED
            assert result.argument is not None and result.argument.slope == 1
            assert result.counterexample is None
        else:
            assert result.verdict is Verdict.DISPROVED, (prop, result.reason)
            ce = result.counterexample
            assert ce is not None and ce.check()
            assert all(v.is_Rational for v in ce.witness.values())
            if prop == "linearity":
                assert result.failed in ("additivity", "homogeneity")
                assert ce.property == result.failed
            else:
                assert ce.property == prop and result.failed is None
        assert result.check()


def test_catalog_counts() -> None:
    verdicts = [_catalog_result(a, "linearity").verdict for a in CATALOG]
    assert verdicts.count(Verdict.PROVED) == 1
    assert verdicts.count(Verdict.UNKNOWN) == 0
    assert verdicts.count(Verdict.DISPROVED) == len(CATALOG) - 1


def test_classic_relu_proof() -> None:
    result = proofs.prove_homogeneous(symact.get("relu"))
    ce = result.counterexample
    assert ce.witness == {"c": -1, "a": 1}
    assert (ce.lhs, ce.rhs) == (0, -1)
    assert ce.evidence == "exact rational arithmetic" and ce.enclosure is None


def test_transcendental_certificate_uses_an_interval() -> None:
    ce = proofs.prove_additive(symact.get("tanh")).counterexample
    assert ce.witness == {"a": 1, "b": 1}
    assert ce.lhs == tanh(2) and ce.rhs == 2 * tanh(1)
    lo, hi, bits = ce.enclosure
    assert sympy.Rational(lo) <= sympy.Rational(hi) < 0 and bits >= 53
    assert ce.check()


def test_user_made_activation() -> None:
    act = symact.Activation("my_act", x * tanh(x) + 2 * x)
    result = proofs.prove_linear(act)
    assert result.verdict is Verdict.DISPROVED and result.counterexample.check()
    leaky = symact.get("leaky_relu", negative_slope=1)  # slope 1: the identity in disguise
    assert proofs.prove_linear(leaky).verdict is Verdict.PROVED


# --------------------------------------------------------------------------------------
# Disguised-linear, affine and pathological inputs: 0 false verdicts
# --------------------------------------------------------------------------------------

y = sympy.Symbol("y")
t = sympy.Symbol("t", positive=True)

#: (id, expression, the truth: is it linear?)
CASES: list[tuple[str, sympy.Expr, bool]] = [
    ("piecewise_all_2x", Piecewise((2 * x, x < 0), (2 * x, True)), True),
    ("piecewise_split_2x", 2 * Piecewise((x, x < 1), (x, x >= 1)), True),
    ("max_x_x", Max(x, x), True),
    ("pythagoras", x + sin(x) ** 2 + cos(x) ** 2 - 1, True),
    ("tanh_by_exp", (exp(x) - exp(-x)) / (exp(x) + exp(-x)) - tanh(x) + x, True),
    ("abs_sign", Abs(x) * sign(x), True),
    ("relu_difference", Max(0, x) - Max(0, -x), True),
    ("min_plus_max", Min(x, 2 * x) + Max(x, 2 * x) - 2 * x, True),
    ("sqrt_square_sign", sqrt(x**2) * sign(x), True),
    ("heaviside_halves", x * Heaviside(x) + x * Heaviside(-x), True),
    ("heaviside_h0_1", x * Heaviside(x, 1) + x * Heaviside(-x, 1), True),
    ("hardtanh_plus_tails", Min(Max(x, -1), 1) + Max(x - 1, 0) + Min(x + 1, 0), True),
    ("zero", sympy.S.Zero, True),
    ("three_sevenths", 3 * x / 7, True),
    ("minus_x", -x, True),
    ("sqrt2_x", sqrt(2) * x, True),
    ("pi_x", pi * x, True),
    ("slope_in_disguise", x * (sin(1) ** 2 + cos(1) ** 2), True),
    ("exp_log_2", x * exp(log(2)), True),
    ("other_symbol", 3 * y, True),
    ("affine", x + 1, False),
    ("affine_negative", -2 * x + Rational(1, 3), False),
    ("heaviside_h0_care", Heaviside(x, 1) + Heaviside(-x, 1) - 1 + x, False),  # = x + 1 at x = 0 only
    ("point_defect_2", Piecewise((x, Ne(x, 2)), (2 + exp(-1000), True)), False),
    ("point_defect_7_3", Piecewise((x, Ne(x, Rational(7, 3))), (Rational(7, 3) + exp(-1000), True)), False),
    ("tiny_sine", x + exp(-1000) * sin(x), False),
    ("tiny_kink", x + exp(-(10**6)) * Max(0, x), False),
    ("max_x_cos", Max(x, cos(x)), False),
    ("near_identity_relu", Max(x, x / 2), False),
    ("square", x**2, False),
    ("x_abs_x", x * Abs(x), False),
    ("cube_root_like", sign(x) * Abs(x) ** Rational(1, 3), False),
]

#: Not a function on all of R: only UNKNOWN is acceptable.
UNDEFINED: list[tuple[str, sympy.Expr]] = [
    ("hole_at_0", Piecewise((x, (x > 0) | (x < 0)))),
    ("removable_singularity", x + (x**2 - 4) / (x - 2) - (x + 2)),
]


@pytest.mark.parametrize(("expr", "linear"), [(e, lin) for _, e, lin in CASES], ids=[i for i, _, _ in CASES])
def test_no_false_verdicts(expr: sympy.Expr, linear: bool) -> None:
    for prop in PROPERTIES:
        result = proofs.prove(expr, prop)
        if linear:
            assert result.verdict is not Verdict.DISPROVED, result.counterexample
            assert result.verdict is Verdict.PROVED, result.reason  # all of these are provable
        else:
            assert result.verdict is not Verdict.PROVED
            assert result.verdict is Verdict.DISPROVED, result.reason
            assert result.counterexample.check()


#: Linear, but beyond the exact methods: PROVED or UNKNOWN, never DISPROVED.
HARD_LINEAR: list[tuple[str, sympy.Expr]] = [
    ("sqrt_of_square", x + sqrt(x**2 + 2 * x + 1) - Abs(x + 1)),
    ("erf_plus_erfc", x + sympy.erf(x) + sympy.erfc(x) - 1),
    ("atan_tan", x + sympy.atan(sympy.tan(x / (1 + x**2))) - x / (1 + x**2)),
]


@pytest.mark.parametrize("expr", [e for _, e in HARD_LINEAR], ids=[i for i, _ in HARD_LINEAR])
def test_hard_linear_is_never_disproved(expr: sympy.Expr) -> None:
    result = proofs.prove_linear(expr)
    assert result.verdict in (Verdict.PROVED, Verdict.UNKNOWN)
    if result.verdict is Verdict.UNKNOWN:
        assert "no counterexample among" in result.reason


def test_conditions_the_canonical_form_cannot_split_block_a_proof() -> None:
    spot = sympy.Interval(100 * sqrt(2), 100 * sqrt(2) + Rational(1, 1000))
    f = Piecewise((2 * x, sympy.Contains(x, spot)), (x, True))  # not linear, on a tiny interval
    result = proofs.prove_linear(f)
    assert result.verdict is Verdict.UNKNOWN
    assert "Contains" in result.reason
    g = Piecewise((2 * x, sympy.Contains(x, sympy.Interval(5, 6))), (x, True))
    assert proofs.prove_linear(g).verdict is Verdict.DISPROVED  # found by the search


@pytest.mark.parametrize("expr", [e for _, e in UNDEFINED], ids=[i for i, _ in UNDEFINED])
def test_partial_functions_are_unknown(expr: sympy.Expr) -> None:
    result = proofs.prove_linear(expr)
    assert result.verdict is Verdict.UNKNOWN
    assert "not proved" in result.reason
    assert result.counterexample is None and result.argument is None
    assert not result.check()


def test_affine_map_fails_additivity_at_zero() -> None:
    result = proofs.prove_linear(x + 1, x)
    assert result.verdict is Verdict.DISPROVED and result.failed == "additivity"
    ce = result.counterexample
    assert ce.witness == {"a": 0, "b": 0}
    assert (ce.lhs, ce.rhs) == (1, 2)


def test_zero_function_is_linear() -> None:
    result = proofs.prove_linear(sympy.S.Zero)
    assert result.verdict is Verdict.PROVED and result.argument.slope == 0


def test_variable_is_renamed() -> None:
    result = proofs.prove_linear(2 * y, y)
    assert result.verdict is Verdict.PROVED
    assert result.function == 2 * x
    assert proofs.prove_linear(t**2, t).verdict is Verdict.DISPROVED


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="several free symbols"):
        proofs.prove_linear(x * y)
    with pytest.raises(ValueError, match="besides"):
        proofs.prove_linear(x * y, x)
    with pytest.raises(ValueError, match="float"):
        proofs.prove_linear(0.5 * x, x)
    with pytest.raises(ValueError, match="unknown property"):
        proofs.prove(x, "convexity")
    with pytest.raises(symact.UnknownActivationError):
        proofs.prove_linear("no_such_activation")


def test_catalog_name_is_accepted() -> None:
    assert proofs.prove_linear("relu").verdict is Verdict.DISPROVED


# --------------------------------------------------------------------------------------
# Certificates are re-checked from the expression alone
# --------------------------------------------------------------------------------------


def test_tampered_certificates_fail() -> None:
    ce = proofs.prove_additive(symact.get("relu")).counterexample
    assert ce.check()
    assert not replace(ce, function=x).check()  # the identity has no counterexample
    assert not replace(ce, values=(("a", sympy.Integer(2)), ("b", sympy.Integer(3)))).check()
    assert not replace(ce, values=(("a", sqrt(2)), ("b", sympy.Integer(-1)))).check()  # witnesses are rational
    assert not replace(ce, lhs=sympy.Integer(1)).check()  # stated sides must be the computed ones
    assert not replace(ce, sign=-ce.sign).check()
    assert not replace(ce, property="homogeneity").check()


def test_disguised_zero_is_never_certified_nonzero() -> None:
    assert certify_nonzero(sin(3) ** 2 + cos(3) ** 2 - 1) is None
    assert certify_nonzero((exp(1) - exp(-1)) / (exp(1) + exp(-1)) - tanh(1)) is None
    assert certify_nonzero(sympy.S.Zero) is None
    assert certify_nonzero(exp(-1000)) == 1


def test_proved_argument_rechecks_and_detects_tampering() -> None:
    result = proofs.prove_linear(Max(0, x) - Max(0, -x))
    arg = result.argument
    assert result.check()
    assert not replace(result, argument=replace(arg, slope=sympy.Integer(2))).check()
    assert not replace(result, argument=replace(arg, function=Max(0, x))).check()


def test_proved_argument_is_piece_by_piece() -> None:
    arg = proofs.prove_linear(Min(Max(x, -1), 1) + Max(x - 1, 0) + Min(x + 1, 0)).argument
    assert arg.slope == 1
    assert [p.point for p in arg.points] == [-1, 1]  # the switch points are checked one by one
    assert all(p.method for p in arg.pieces)
    assert sympy.expand(arg.additivity_residual) == 0 and sympy.expand(arg.homogeneity_residual) == 0


# --------------------------------------------------------------------------------------
# Output formats
# --------------------------------------------------------------------------------------


def test_to_dict_is_json_with_exact_strings() -> None:
    data = json.loads(json.dumps(proofs.prove_linear(symact.get("relu")).to_dict()))
    assert data["verdict"] == "disproved" and data["failed"] == "additivity"
    assert data["counterexample"]["values"] == {"a": "1", "b": "-1"}
    assert data["counterexample"]["lhs"] == "0" and data["counterexample"]["rhs"] == "1"
    proved = json.loads(json.dumps(proofs.prove_linear(x).to_dict()))
    assert proved["verdict"] == "proved" and proved["argument"]["slope"] == "1"
    unknown = proofs.prove_linear(UNDEFINED[0][1]).to_dict()
    assert unknown["verdict"] == "unknown" and unknown["reason"]


def test_text_reads_like_a_proof() -> None:
    text = proofs.prove_linear(symact.get("relu")).text()
    for phrase in (
        "Theorem. relu is not linear.",
        "Definition.",
        "Take a = 1 and b = -1",
        "f(a + b) = f(0) = 0",
        "QED",
    ):
        assert phrase in text
    proved = proofs.prove_linear(sympy.Rational(3, 7) * x).text()
    assert "Theorem. f is linear." in proved and "m = 3/7" in proved
    md = proofs.prove_additive(symact.get("tanh")).markdown()
    assert md.startswith("### tanh: additivity disproved") and "`f(a + b) = f(2) = tanh(2)`" in md
    assert "Undecided" in proofs.prove_linear(UNDEFINED[0][1]).text()


def test_str_is_one_line() -> None:
    assert str(proofs.prove_linear(symact.get("relu"))) == "relu: linearity disproved (a = 1, b = -1: 0 != 1)"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_latex_compiles(tmp_path) -> None:
    results = [_catalog_result(a, p) for a in CATALOG for p in PROPERTIES]
    results += [proofs.prove_linear(e) for _, e, _ in CASES[:6]] + [proofs.prove_linear(UNDEFINED[0][1])]
    doc = results[0].latex(standalone=True)
    body = "\n\n\\bigskip\n\n".join(r.latex() for r in results[1:])
    doc = doc.replace("\\end{document}", body + "\n\\end{document}")
    (tmp_path / "proofs.tex").write_text(doc)
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "proofs.tex"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "proofs.pdf").stat().st_size > 0
