"""The collapse theorem and the perceptron."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace

import pytest
import sympy
from sympy import Matrix

import proofs
import symact
from proofs import Verdict
from proofs.collapse import forward
from symact import x

CATALOG = symact.all_activations()


@pytest.mark.parametrize("dims", [(1, 1), (2, 3), (2, 3, 1), (3, 2, 2), (2, 2, 2, 1), (1, 2, 3, 2, 1)])
def test_identity_stack_collapses(dims: tuple[int, ...]) -> None:
    proof = proofs.collapse(dims)
    assert proof.verdict is Verdict.PROVED and proof.check()
    k = len(dims) - 1
    assert proof.W.shape == (dims[-1], dims[0]) and proof.b.shape == (dims[-1], 1)
    product = sympy.eye(dims[0])
    for w in proof.weights:
        product = w * product
    assert sympy.expand(proof.W - product) == sympy.zeros(*proof.W.shape)
    assert proof.W_formula == "*".join(f"W_{i}" for i in range(k, 0, -1))
    assert proof.b_formula.endswith(f"b_{k}")


def test_collapse_formula_three_layers() -> None:
    proof = proofs.collapse((2, 2, 2, 2))
    assert proof.W_formula == "W_3*W_2*W_1"
    assert proof.b_formula == "W_3*W_2*b_1 + W_3*b_2 + b_3"


def test_affine_activation_still_collapses() -> None:
    proof = proofs.collapse((2, 2, 1), 3 * x - 1)
    assert proof.verdict is Verdict.PROVED and proof.check()
    assert (proof.slope, proof.offset) == (3, -1)
    assert proof.W_formula is None  # not the plain product; W and b are given explicitly
    # spot-check the collapsed map against a concrete network
    values = {s: i + 1 for i, s in enumerate(sorted(proof.W.free_symbols | proof.b.free_symbols, key=str))}
    ws = [w.subs(values) for w in proof.weights]
    bs = [b.subs(values) for b in proof.biases]
    point = Matrix([2, -5])
    assert forward(ws, bs, 3 * x - 1, point) == proof.W.subs(values) * point + proof.b.subs(values)


@pytest.mark.parametrize(
    "act", [a for a in CATALOG if a.name != "identity"], ids=[a.name for a in CATALOG if a.name != "identity"]
)
def test_nonlinear_activation_breaks_collapse(act: symact.Activation) -> None:
    for dims in ((2, 3, 1), (2, 2, 2, 1)):
        proof = proofs.collapse(dims, act)
        assert proof.verdict is Verdict.DISPROVED
        ce = proof.counterexample
        assert ce.check() and proof.check()
        assert all(e.is_Integer and abs(e) <= 2 for m in (*ce.weights, *ce.biases) for e in m)
        assert [w.shape for w in ce.weights] == [(dims[i], dims[i - 1]) for i in range(1, len(dims))]


def test_network_certificate_tampering() -> None:
    ce = proofs.collapse((2, 3, 1), "relu").counterexample
    assert ce.check()
    assert not replace(ce, activation=x).check()
    assert not replace(ce, v=ce.u).check()
    assert not replace(ce, weights=(ce.weights[0] / 2, ce.weights[1])).check()
    assert not replace(ce, sign=-ce.sign).check()


def test_collapse_identity_explicit_entries() -> None:
    proof = proofs.collapse((1, 1, 1))
    w1, w2 = proof.weights[0][0, 0], proof.weights[1][0, 0]
    b1, b2 = proof.biases[0][0, 0], proof.biases[1][0, 0]
    assert proof.W == Matrix([[w1 * w2]]) and sympy.expand(proof.b[0] - (w2 * b1 + b2)) == 0


def test_collapse_renders(tmp_path) -> None:
    proved, disproved = proofs.collapse((2, 3, 1)), proofs.collapse((2, 3, 1), "tanh")
    text = proved.text()
    assert "Theorem." in text and "W = W_2 W_1" in text and "QED" in text
    assert "N(u + v) - N(u) - N(v) + N(0)" in disproved.text()
    assert disproved.markdown().startswith("### collapse, tanh, shape 2 -> 3 -> 1: disproved")
    data = json.loads(json.dumps(disproved.to_dict()))
    assert data["verdict"] == "disproved" and data["counterexample"]["u"] == ["1", "0"]
    if shutil.which("pdflatex"):
        doc = proved.latex(standalone=True).replace(
            "\\end{document}", disproved.latex() + "\n\n" + proofs.or_of_and().latex() + "\n\\end{document}"
        )
        (tmp_path / "c.tex").write_text(doc)
        run = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "c.tex"],
            cwd=tmp_path,
            capture_output=True,
            check=False,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stdout[-2000:]


def test_bad_shapes() -> None:
    with pytest.raises(ValueError, match="at least two"):
        proofs.collapse((3,))
    with pytest.raises(ValueError, match="at least two"):
        proofs.collapse((2, 0, 1))


def test_partial_activation_is_unknown() -> None:
    proof = proofs.collapse((1, 1, 1), sympy.Piecewise((x, (x > 0) | (x < 0))))
    assert proof.verdict is Verdict.UNKNOWN and proof.reason and not proof.check()


# --------------------------------------------------------------------------------------
# The perceptron
# --------------------------------------------------------------------------------------


def test_or_of_and_exhaustively() -> None:
    result = proofs.or_of_and()
    assert result.verdict is Verdict.PROVED and result.check()
    assert len(result.rows) == 8 and not result.mismatches
    for (x1, x2, x3), total, out, want in result.rows:
        assert total == 4 * x1 + 2 * x2 + 2 * x3
        assert out == int(bool(total >= 3)) == want == int(bool(x1 or (x2 and x3)))
    assert "x1 OR (x2 AND x3)" in result.text() and result.text().endswith("QED")


def test_wrong_neuron_is_disproved_with_the_failing_inputs() -> None:
    x1, x2, x3 = sympy.symbols("x1 x2 x3")
    result = proofs.verify_neuron((1, 1, 1), 2, sympy.Or(x1, sympy.And(x2, x3)))
    assert result.verdict is Verdict.DISPROVED and result.mismatches == ((1, 0, 0),)
    assert result.check()
    assert not replace(result, mismatches=()).check()


def test_step_neuron_uses_h0_equal_1() -> None:
    neuron = proofs.step_neuron([1, 1], 2)  # fires exactly at the threshold
    assert [neuron(i) for i in ((0, 0), (0, 1), (1, 0), (1, 1))] == [0, 0, 0, 1]
    table = proofs.truth_table([1, 1], 1)
    assert [row[2] for row in table] == [0, 1, 1, 1]  # OR
    with pytest.raises(ValueError, match="expected 2 inputs"):
        neuron((1,))


def test_truth_table_printout() -> None:
    lines = proofs.or_of_and().table().splitlines()
    assert lines[0] == "x1 x2 x3 | 4*x1 + 2*x2 + 2*x3 | step(sum - 3) | x1 OR (x2 AND x3)"
    assert len(lines) == 9
    assert json.loads(json.dumps(proofs.or_of_and().to_dict()))["verdict"] == "proved"
