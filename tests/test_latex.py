"""LaTeX output: readable, exact, and it compiles with a real LaTeX engine."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import sympy

import symact
from symact.report.latex import function_name

ACTS = symact.all_activations()
PDFLATEX = shutil.which("pdflatex")

DOCUMENT = r"""\documentclass{article}
\usepackage{amsmath}
\begin{document}
%s
\end{document}
"""


def _compile(tmp_path, body: str) -> None:
    if PDFLATEX is None:
        if os.environ.get("CI"):
            pytest.fail("pdflatex is missing on CI: .ci/run must install texlive-latex-base")
        pytest.skip("pdflatex is not installed (.ci/run installs it)")
    (tmp_path / "doc.tex").write_text(DOCUMENT % body)
    run = subprocess.run(
        [PDFLATEX, "-halt-on-error", "-interaction=nonstopmode", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 0


@pytest.mark.parametrize("act", ACTS, ids=lambda a: a.name)
def test_formula_and_derivative_compile(act, tmp_path):
    body = "\n".join(rf"\[ {act.latex(derivative=n)} \]" for n in (0, 1))
    _compile(tmp_path, body)


@pytest.mark.parametrize("act", ACTS, ids=lambda a: a.name)
def test_latex_names_the_function_and_keeps_constants_exact(act):
    text = act.latex()
    assert text.startswith(function_name(act) + "(x) = ")
    assert "." not in text.replace(r"\,", ""), "a decimal point means a float leaked into the output"
    assert r"\theta" not in text, "Heaviside must print as cases, with its value at 0 visible"


def test_derivative_notation():
    relu = symact.get("relu")
    assert relu.latex(1).startswith(r"\operatorname{ReLU}'(x) = ")
    assert relu.latex(2).startswith(r"\operatorname{ReLU}''(x) = ")
    assert symact.get("tanh").latex(4).startswith(r"\tanh^{(4)}(x) = ")


def test_piecewise_prints_as_cases():
    assert r"\begin{cases}" in symact.get("elu").latex()
    assert r"\begin{cases}" in symact.get("relu").latex(1)


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_bad_derivative_order_is_refused(bad):
    with pytest.raises(ValueError, match="derivative must be a non-negative integer"):
        symact.get("relu").latex(derivative=bad)


def test_latex_of_a_user_expression_roundtrips_through_sympy_printing():
    act = symact.Activation("cube", symact.x**3, display="cube")
    assert act.latex(1) == r"\operatorname{cube}'(x) = " + sympy.latex(3 * symact.x**2)
