"""Vector activations: registry, exact definitions, output sets, the softmax Jacobian, LaTeX, the command line."""

from __future__ import annotations

import json

import mpmath
import pytest
import sympy
from sympy import Rational, exp, log

import symact
from symact.analysis import vector as A
from symact.cli import main, vector_prover
from symact.core.errors import DefinitionError, UnknownActivationError
from symact.definition import registry
from symact.definition import vector as V

NAMES = ("softmax", "log_softmax", "softmin", "glu", "sparsemax", "logsumexp")


def test_registry_names_and_separation_from_the_scalar_catalog():
    assert registry.vector_names() == NAMES == tuple(a.name for a in V.ENTRIES)
    assert not set(registry.vector_names()) & set(symact.names())
    for act in registry.all_vector_activations():
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
    assert registry.get_vector(query).name == name
    assert symact.get(query) is registry.get_vector(query)
    assert registry.is_vector(query)


def test_unknown_name_raises_a_keyerror_with_suggestions():
    with pytest.raises(UnknownActivationError) as info:
        registry.get_vector("softmaxx")
    assert isinstance(info.value, KeyError)
    assert info.value.suggestions[0] == "softmax"
    assert not registry.is_vector("relu")
    with pytest.raises(UnknownActivationError):
        registry.get_vector("relu")  # a scalar activation is not a vector one


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_length_must_be_a_positive_integer(bad):
    with pytest.raises(DefinitionError):
        registry.get_vector("softmax", bad)


def test_glu_needs_an_even_length_and_halves_it():
    with pytest.raises(DefinitionError, match="even"):
        registry.get_vector("glu", 3)
    assert registry.get_vector("glu", 6).out_size == 3
    assert registry.get_vector("glu").out_size == V.n / 2


def test_symbolic_templates_use_sums_over_the_index_base():
    sm = registry.get_vector("softmax").component()
    assert sm.has(sympy.Sum) and sm.free_symbols >= {V.n}
    assert registry.get_vector("logsumexp").component() == log(sympy.Sum(exp(V.X[V.j]), (V.j, 0, V.n - 1)))
    with pytest.raises(DefinitionError, match="no closed form"):
        registry.get_vector("sparsemax").component()


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_concrete_components_expand_the_sums(size):
    comps = registry.get_vector("softmax", size).components()
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
    got = registry.get_vector(name)(values)
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
            got = registry.get_vector(name)(vals)
            for g, w in zip(got, want):
                assert abs(mpmath.mpf(sympy.N(g, 40)) - w) < mpmath.mpf(10) ** -35


def test_sparsemax_threshold_is_a_max_over_subsets():
    tau = V.sparsemax_threshold(3)
    assert isinstance(tau, sympy.Max) and len(tau.args) == 7
    with pytest.raises(DefinitionError):
        V.sparsemax_threshold(0)


def test_substitute_entries_reaches_inside_sums():
    c = sympy.Symbol("c", real=True)
    shifted = V.substitute_entries(registry.get_vector("logsumexp").component(), lambda e: e + c)
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
    out = A.output_set(name, prover=vector_prover)
    assert out.component == interval
    assert out.total == total
    assert out.proved is proved
    for f in out.facts:
        assert f.holds is True or isinstance(f.holds, symact.Unknown)
        if f.holds is True:
            assert f.method


def test_output_sets_follow_the_structure_not_the_name():
    """A definition no catalog entry has gets its output set from its shape."""
    tempered = V.VectorActivation("softmax_t2", exp(V.X[V.i] / 2) / sympy.Sum(exp(V.X[V.j] / 2), (V.j, 0, V.n - 1)))
    out = A.output_set(tempered)
    assert (out.component, out.total, out.proved) == (sympy.Interval.open(0, 1), 1, True)
    logs = A.output_set(V.VectorActivation("log_t2", log(tempered.template)))
    assert (logs.component, logs.total, logs.proved) == (sympy.Interval.open(-sympy.oo, 0), 1, True)
    positive = A.output_set(V.VectorActivation("exps", exp(V.X[V.i])))  # positive, but the sum is not 1
    assert positive.component == sympy.Interval.open(0, sympy.oo) and positive.total is None and not positive.proved
    other = A.output_set(V.VectorActivation("negate", -V.X[V.i]))
    assert not other.proved and isinstance(other.facts[0].holds, symact.Unknown)


@pytest.mark.parametrize("size", [2, 3, 4, 5])
@pytest.mark.parametrize("name", ["softmax", "softmin", "log_softmax"])
def test_output_sets_concrete_n(name, size):
    out = A.output_set(name, size)
    assert out.proved
    assert all(f.n == size for f in out.facts if f.statement.startswith("every component is <"))


def test_one_class_softmax_is_not_claimed_below_one():
    out = A.output_set("softmax", 1)
    below = next(f for f in out.facts if f.statement == "every component is < 1")
    assert isinstance(below.holds, symact.Unknown)


def test_sparsemax_sum_is_left_to_a_prover_for_symbolic_n():
    fact = A.sum_to_one("sparsemax")
    assert isinstance(fact.holds, symact.Unknown) and "proofs.vector.prove('sparsemax', 'sum_to_one')" in str(
        fact.holds
    )
    out = A.output_set("sparsemax")
    assert out.total is None and not out.proved
    assert isinstance(symact.get("sparsemax").output_range(), symact.Unknown)


def test_sparsemax_sum_is_proved_for_symbolic_n_by_the_structured_proof():
    fact = A.sum_to_one("sparsemax", prover=vector_prover)
    assert fact.holds is True and fact.n == V.n
    assert "structured proof" in fact.method and "tau from the sort-based rule" in fact.hypotheses
    assert isinstance(
        A.sum_to_one("sparsemax", 3).holds, symact.Unknown
    )  # the concrete Max over subsets does not reduce
    facts = {f.statement: f for f in A.output_set("sparsemax", prover=vector_prover).facts}
    assert facts["exact zeros occur (n >= 2)"].holds is True
    assert facts["every component is <= 1"].holds is True


@pytest.mark.parametrize("name", ["softmax", "softmin", "log_softmax"])
def test_sum_to_one_general_n(name):
    fact = A.sum_to_one(name)
    assert fact.holds is True and fact.n == V.n
    assert A.reduce_sums(fact.residual)[0] == 0


def test_reduce_sums_does_not_prove_false_sums():
    s_i = registry.get_vector("softmax").component()
    out, method = A.reduce_sums(sympy.Sum(s_i, (V.i, 0, V.n - 1)) - 2)
    assert out != 0 and method == ""
    out, method = A.reduce_sums(sympy.Sum(s_i**2, (V.i, 0, V.n - 1)) - 1)
    assert out != 0


# -- Jacobian --------------------------------------------------------------------------------------
def test_softmax_jacobian_general_n():
    fact = A.softmax_jacobian_fact()
    assert fact.holds is True and fact.n == V.n
    assert "0 <= i, k <= n - 1" in fact.hypotheses


@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_softmax_jacobian_concrete(size):
    assert A.softmax_jacobian_fact(size).holds is True
    J = A.jacobian("softmax", size)
    assert J.shape == (size, size)
    # rows of the Jacobian of a map onto the simplex sum to 0 (shift invariance)
    for r in range(size):
        assert sympy.simplify(sum(J[r, :])) == 0


def test_jacobian_of_glu_and_logsumexp():
    J = A.jacobian("glu", 4)
    assert J.shape == (2, 4)
    assert J[0, 1] == 0 and J[0, 3] == 0
    g = A.jacobian("logsumexp", 3)
    assert sympy.simplify(sum(g) - 1) == 0  # the gradient of lse is softmax


# -- LaTeX and CLI handlers ------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_latex_names_the_operator(name):
    tex = registry.get_vector(name).latex()
    assert tex.startswith("\\operatorname{") and "=" in tex
    assert registry.get_vector(name).display.replace("\\", "").replace("_", "") in tex.replace("\\", "").replace(
        "_", ""
    )


@pytest.mark.parametrize("name", NAMES)
def test_cli_show_and_json(name, capsys):
    assert main(["show", name]) == 0
    text = capsys.readouterr().out
    assert text.startswith(name) and "output set:" in text
    assert main(["show", name, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["name"] == name and record["output_set"]["facts"]
    assert all(f["holds"] for f in record["output_set"]["facts"])  # sparsemax's sum by the structured proof


def test_cli_latex_code_prove_check(capsys):
    assert main(["latex", "softmax"]) == 0
    assert "\\sum_{j=0}^{n - 1}" in capsys.readouterr().out
    assert main(["code", "log_softmax", "--bare"]) == 0  # the generated function alone: vectorised, no loop
    src = capsys.readouterr().out
    assert src.startswith("def log_softmax(x, axis=-1):") and "for " not in src
    assert main(["code", "log_softmax"]) == 0  # self-contained: the helpers it calls come first
    full = capsys.readouterr().out
    assert full.rstrip().endswith(src.rstrip()) and "import numpy as np" in full
    assert main(["prove", "softmin", "--property", "softmin_identity"]) == 0
    assert "PROVED." in capsys.readouterr().out
    assert main(["prove", "sparsemax", "--property", "sum_to_one", "--format", "json"]) == 0  # every n (structured)
    record = json.loads(capsys.readouterr().out)
    assert record["verdict"] == "proved" and record["steps"] and record["cases"][0]["verdict"] == "proved"
    assert main(["prove", "sparsemax", "--format", "json"]) == 0  # linearity disproved for every n (sparsemax(0) = 1/n)
    assert json.loads(capsys.readouterr().out)["verdict"] == "disproved"
    assert main(["prove", "sparsemax", "--property", "sum_to_one"]) == 0 and "(S22)" in capsys.readouterr().out
    assert main(["check", "log_softmax", "--quick"]) == 0
    assert "log_softmax ok" in capsys.readouterr().out
    assert main(["latex", "softmax", "--derivative", "1"]) == 2
    assert main(["code", "softmax", "--derivative", "1"]) == 2


@pytest.mark.parametrize("name", NAMES)
def test_one_protocol_for_scalar_and_vector(name):
    """symact.get returns either kind; both offer the same methods, working the same way."""
    import inspect

    import numpy as np

    members = [m for m in symact.ActivationLike.__dict__ if not m.startswith("_")]
    members += list(symact.ActivationLike.__annotations__)
    assert {"name", "expr", "latex", "numpy", "validate", "output_range", "properties"} <= set(members)
    for act in (symact.get(name), symact.get(name, n=4), symact.get("relu")):
        for member in members:
            assert inspect.getattr_static(act, member, None) is not None, (act.name, member)
        assert act.latex().startswith("\\operatorname{")
    assert isinstance(symact.get(name, n=4).expr, sympy.Basic)  # sparsemax: no closed form for symbolic n
    vec = symact.get(name)
    x = np.array([0.5, -1.0, 2.0, 0.25])
    got = vec.numpy()(x)
    assert np.array_equal(got, symact.vector_to_numpy(name)(x), equal_nan=True)
    rep = vec.validate(count=4, length=8)
    assert rep.ok
    if name != "sparsemax":  # its sum needs the structured proof (proofs.vector), composed by the CLI
        assert vec.output_range() == vec.properties().component


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

    body = [rf"\[ {registry.get_vector(name).latex()} \]" for name in NAMES]
    body += [
        rf"\[ {registry.get_vector(name, 3).latex()} \]" for name in ("softmax", "log_softmax", "softmin", "logsumexp")
    ]
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
        check=False,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout[-2000:]
