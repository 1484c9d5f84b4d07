"""Vector activations: registry, exact definitions, output sets, the softmax Jacobian, LaTeX, CLI handlers."""

from __future__ import annotations

import json

import mpmath
import pytest
import sympy
from sympy import Rational, exp, log

import symact
from symact.definition import vector as V
from symact.core.errors import DefinitionError, UnknownActivationError

NAMES = ("softmax", "log_softmax", "softmin", "glu", "sparsemax", "logsumexp")


def test_registry_names_and_separation_from_the_scalar_catalog():
    assert V.names() == NAMES
    assert not set(V.names()) & set(symact.names())
    for act in V.all_vector_activations():
        for alias in act.aliases:
            assert alias not in symact.names()
    assert all(isinstance(a, symact.Activation) for a in symact.all_activations())


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("softmax", "softmax"),
        ("Soft-Max", "softmax"),
        ("LogSoftmax", "log_softmax"),
        ("log-softmax", "log_softmax"),
        ("SOFTMIN", "softmin"),
        ("gated_linear_unit", "glu"),
        ("lse", "logsumexp"),
        ("SparseMax", "sparsemax"),
    ],
)
def test_lookup_forgives_case_dashes_and_aliases(query, name):
    assert V.get(query).name == name
    assert V.is_vector(query)


def test_unknown_name_raises_a_keyerror_with_suggestions():
    with pytest.raises(UnknownActivationError) as info:
        V.get("softmaxx")
    assert isinstance(info.value, KeyError)
    assert info.value.suggestions[0] == "softmax"
    assert not V.is_vector("relu")


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_length_must_be_a_positive_integer(bad):
    with pytest.raises(DefinitionError):
        V.get("softmax", bad)


def test_glu_needs_an_even_length_and_halves_it():
    with pytest.raises(DefinitionError, match="even"):
        V.get("glu", 3)
    assert V.get("glu", 6).out_size == 3
    assert V.get("glu").out_size == V.n / 2


def test_symbolic_templates_use_sums_over_the_index_base():
    sm = V.get("softmax").component()
    assert sm.has(sympy.Sum) and sm.free_symbols >= {V.n}
    assert V.get("logsumexp").component() == log(sympy.Sum(exp(V.X[V.j]), (V.j, 0, V.n - 1)))
    with pytest.raises(DefinitionError, match="no closed form"):
        V.get("sparsemax").component()


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_concrete_components_expand_the_sums(size):
    comps = V.get("softmax", size).components()
    assert len(comps) == size
    assert not any(c.has(sympy.Sum) for c in comps)
    assert sympy.simplify(sum(comps) - 1) == 0


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("softmax", [0, 0, 0], (Rational(1, 3),) * 3),
        ("softmin", [0, 0], (Rational(1, 2),) * 2),
        ("log_softmax", [0, 0, 0, 0], (-log(4),) * 4),
        ("glu", [2, 0], (1,)),
        ("glu", [3, -4, 0, 0], (Rational(3, 2), -2)),
        ("sparsemax", [2, 0, "1/2"], (1, 0, 0)),
        ("sparsemax", ["1/2", 0], (Rational(3, 4), Rational(1, 4))),
        ("sparsemax", [0, 0, 0], (Rational(1, 3),) * 3),
        ("logsumexp", [0, 0], (log(2),)),
    ],
)
def test_exact_values(name, values, expected):
    got = V.get(name)(values)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert sympy.simplify(g - e) == 0


@pytest.mark.parametrize("size", [2, 3, 4])
def test_definitions_agree_with_mpmath_at_a_random_point(size):
    vals = [Rational(k * 7 - 11, 3) for k in range(size)]
    with mpmath.workdps(40):
        xs = [mpmath.mpf(v.p) / v.q for v in vals]
        den = mpmath.fsum(mpmath.exp(v) for v in xs)
        sm = [mpmath.exp(v) / den for v in xs]
        for name, want in (
            ("softmax", sm),
            ("log_softmax", [mpmath.log(s) for s in sm]),
            ("logsumexp", [mpmath.log(den)]),
        ):
            got = V.get(name)(vals)
            for g, w in zip(got, want):
                assert abs(mpmath.mpf(sympy.N(g, 40)) - w) < mpmath.mpf(10) ** -35


def test_sparsemax_threshold_is_a_max_over_subsets():
    tau = V.sparsemax_threshold(3)
    assert isinstance(tau, sympy.Max) and len(tau.args) == 7
    with pytest.raises(DefinitionError):
        V.sparsemax_threshold(0)


def test_substitute_entries_reaches_inside_sums():
    c = sympy.Symbol("c", real=True)
    shifted = V.substitute_entries(V.get("logsumexp").component(), lambda e: e + c)
    assert shifted == log(sympy.Sum(exp(c + V.X[V.j]), (V.j, 0, V.n - 1)))


# -- output sets --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "interval", "total", "proved"),
    [
        ("softmax", sympy.Interval.open(0, 1), 1, True),
        ("softmin", sympy.Interval.open(0, 1), 1, True),
        ("log_softmax", sympy.Interval.open(-sympy.oo, 0), 1, True),
        ("glu", sympy.Reals, None, True),
        ("logsumexp", sympy.Reals, None, True),
        ("sparsemax", sympy.Interval(0, 1), 1, True),
    ],
)
def test_output_sets_general_n(name, interval, total, proved):
    out = V.output_set(name)
    assert out.component == interval
    assert out.total == total
    assert out.proved is proved
    for f in out.facts:
        assert f.holds is True or isinstance(f.holds, symact.Unknown)
        if f.holds is True:
            assert f.method


@pytest.mark.parametrize("size", [2, 3, 4, 5])
@pytest.mark.parametrize("name", ["softmax", "softmin", "log_softmax"])
def test_output_sets_concrete_n(name, size):
    out = V.output_set(name, size)
    assert out.proved
    assert all(f.n == size for f in out.facts if f.statement.startswith("every component is <"))


def test_one_class_softmax_is_not_claimed_below_one():
    out = V.output_set("softmax", 1)
    below = [f for f in out.facts if f.statement == "every component is < 1"][0]
    assert isinstance(below.holds, symact.Unknown)


def test_sparsemax_sum_is_proved_for_symbolic_n_by_the_structured_proof():
    fact = V.sum_to_one("sparsemax")
    assert fact.holds is True and fact.n == V.n
    assert "structured proof" in fact.method and "tau from the sort-based rule" in fact.hypotheses
    assert isinstance(
        V.sum_to_one("sparsemax", 3).holds, symact.Unknown
    )  # the concrete Max over subsets does not reduce
    facts = {f.statement: f for f in V.output_set("sparsemax").facts}
    assert facts["exact zeros occur (n >= 2)"].holds is True
    assert facts["every component is <= 1"].holds is True


@pytest.mark.parametrize("name", ["softmax", "softmin", "log_softmax"])
def test_sum_to_one_general_n(name):
    fact = V.sum_to_one(name)
    assert fact.holds is True and fact.n == V.n
    assert V.reduce_sums(fact.residual)[0] == 0


def test_reduce_sums_does_not_prove_false_sums():
    s_i = V.get("softmax").component()
    out, method = V.reduce_sums(sympy.Sum(s_i, (V.i, 0, V.n - 1)) - 2)
    assert out != 0 and method == ""
    out, method = V.reduce_sums(sympy.Sum(s_i**2, (V.i, 0, V.n - 1)) - 1)
    assert out != 0


# -- Jacobian --------------------------------------------------------------------------------------
def test_softmax_jacobian_general_n():
    fact = V.softmax_jacobian_fact()
    assert fact.holds is True and fact.n == V.n
    assert "0 <= i, k <= n - 1" in fact.hypotheses


@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_softmax_jacobian_concrete(size):
    assert V.softmax_jacobian_fact(size).holds is True
    J = V.jacobian("softmax", size)
    assert J.shape == (size, size)
    # rows of the Jacobian of a map onto the simplex sum to 0 (shift invariance)
    for r in range(size):
        assert sympy.simplify(sum(J[r, :])) == 0


def test_jacobian_of_glu_and_logsumexp():
    J = V.jacobian("glu", 4)
    assert J.shape == (2, 4)
    assert J[0, 1] == 0 and J[0, 3] == 0
    g = V.jacobian("logsumexp", 3)
    assert sympy.simplify(sum(g) - 1) == 0  # the gradient of lse is softmax


# -- LaTeX and CLI handlers ------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_latex_names_the_operator(name):
    tex = V.get(name).latex()
    assert tex.startswith("\\operatorname{") and "=" in tex
    assert V.get(name).display.replace("\\", "").replace("_", "") in tex.replace("\\", "").replace("_", "")


@pytest.mark.parametrize("name", NAMES)
def test_cli_show_and_json(name, capsys):
    assert V.cli_show(name) == 0
    text = capsys.readouterr().out
    assert text.startswith(name) and "output set:" in text
    assert V.cli_show(name, as_json=True) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["name"] == name and record["output_set"]["facts"]


def test_cli_latex_code_prove_check(capsys):
    assert V.cli_latex("softmax") == 0
    assert "\\sum_{j=0}^{n - 1}" in capsys.readouterr().out
    assert V.cli_code("log_softmax") == 0
    src = capsys.readouterr().out
    assert src.startswith("def log_softmax(x, axis=-1):") and "for " not in src
    assert V.cli_prove("softmin", "softmin_identity") == 0
    assert "PROVED." in capsys.readouterr().out
    assert V.cli_prove("sparsemax", "sum_to_one", "json") == 0  # proved for every n (structured proof)
    record = json.loads(capsys.readouterr().out)
    assert record["verdict"] == "proved" and record["steps"] and record["cases"][0]["verdict"] == "proved"
    assert V.cli_prove("sparsemax", "linearity", "json") == 0  # disproved for every n (sparsemax(0) = 1/n, structured)
    assert json.loads(capsys.readouterr().out)["verdict"] == "disproved"
    assert V.cli_prove("sparsemax", "sum_to_one", "text") == 0 and "(S22)" in capsys.readouterr().out
    assert V.cli_check("log_softmax", count=10, length=16) == 0
    assert "log_softmax ok" in capsys.readouterr().out


def test_latex_compiles_with_pdflatex(tmp_path):
    import os
    import shutil
    import subprocess

    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        if os.environ.get("CI"):
            pytest.fail("pdflatex is missing on CI")
        pytest.skip("pdflatex is not installed")
    from proofs import vector as pv

    body = [rf"\[ {V.get(name).latex()} \]" for name in NAMES]
    body += [rf"\[ {V.get(name, 3).latex()} \]" for name in ("softmax", "log_softmax", "softmin", "logsumexp")]
    body += [pv.prove("softmax", "two_class").latex(), pv.prove("glu", "additivity").latex()]
    doc = (
        "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n" + "\n".join(body) + "\n\\end{document}\n"
    )
    (tmp_path / "doc.tex").write_text(doc)
    run = subprocess.run(
        [pdflatex, "-halt-on-error", "-interaction=nonstopmode", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout[-2000:]
