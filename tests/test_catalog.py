"""The catalog: one exact registry, forgiving lookup, clear errors."""

from __future__ import annotations

import pytest
import sympy

import symact
from symact import DefinitionError, UnknownActivationError

ACTS = symact.all_activations()


@pytest.mark.parametrize("act", ACTS, ids=lambda a: a.name)
def test_definitions_are_exact(act):
    """No Python float hides in any definition (SELU, GELU-tanh constants are Rationals)."""
    assert not act.expr.has(sympy.Float)
    assert not act.template.has(sympy.Float)
    assert act.expr.free_symbols <= {symact.x}


@pytest.mark.parametrize("act", ACTS, ids=lambda a: a.name)
def test_every_name_and_alias_finds_its_entry(act):
    for n in (act.name, *act.aliases, act.name.upper(), act.name.replace("_", "-")):
        assert symact.get(n) is act


def test_names_and_aliases_are_unique():
    keys = [n.replace("_", "").lower() for a in ACTS for n in (a.name, *a.aliases)]
    assert len(keys) == len(set(keys))
    assert symact.names() == tuple(a.name for a in ACTS)


def test_catalog_covers_the_issue_list():
    required = """identity binary_step sigmoid tanh hard_sigmoid sparse_sigmoid log_sigmoid softsign arctan isru relu
    relu6 leaky_relu prelu rrelu elu selu celu gelu gelu_tanh silu mish hard_silu softplus sparse_plus squareplus
    exponential hard_tanh soft_shrink hard_shrink tanh_shrink threshold gaussian sinusoid sinc bent_identity isrlu elish"""
    assert set(required.split()) <= set(symact.names())
    for alias in ("swish", "hard_swish", "linear", "LeakyReLU", "leaky-relu", "Hardtanh", "softshrink"):
        symact.get(alias)


def test_exact_constants():
    selu = symact.get("selu")
    assert sympy.Rational("1.6732632423543772848170429916717") in selu.expr.atoms(sympy.Rational) or selu.expr.has(
        sympy.Rational("1.0507009873554804934193349852946") * sympy.Rational("1.6732632423543772848170429916717")
    )
    assert symact.get("gelu_tanh").expr.has(sympy.Rational(8943, 200000))


def test_parameters_override_defaults_exactly():
    act = symact.get("leaky_relu", negative_slope=0.2)
    assert act.parameters == {"negative_slope": sympy.Rational(1, 5)}
    assert act.expr.subs(symact.x, -5) == -1
    assert symact.get("leaky_relu").parameters["negative_slope"] == sympy.Rational(1, 100)
    assert symact.get("elu", alpha="1.5")(-1) == sympy.Rational(3, 2) * (sympy.exp(-1) - 1)


def test_unknown_name_is_a_key_error_with_suggestions():
    with pytest.raises(UnknownActivationError) as info:
        symact.get("leaky_rleu")
    assert isinstance(info.value, KeyError)
    assert info.value.name == "leaky_rleu"
    assert "leaky_relu" in info.value.suggestions
    assert "did you mean 'leaky_relu'" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"negative_slop": 1}, "no parameter 'negative_slop'"),
        ({"negative_slope": float("nan")}, "finite real number"),
        ({"negative_slope": "abc"}, "finite real number"),
        ({"negative_slope": True}, "real number"),
    ],
)
def test_bad_parameters_raise_definition_error(kwargs, fragment):
    with pytest.raises(DefinitionError, match=fragment):
        symact.get("leaky_relu", **kwargs)


def test_positive_parameters_are_checked():
    with pytest.raises(DefinitionError, match="alpha of celu must be positive"):
        symact.get("celu", alpha=0)


def test_floats_in_a_definition_are_refused():
    with pytest.raises(DefinitionError, match="float"):
        symact.Activation("bad", sympy.Float("0.5") * symact.x)


def test_free_symbols_are_refused():
    with pytest.raises(DefinitionError, match="free symbols"):
        symact.Activation("bad", sympy.Symbol("y") * symact.x)


def test_register_refuses_duplicates():
    with pytest.raises(ValueError, match="already names 'silu'") as info:
        symact.register(symact.Activation("my_swish", symact.x, aliases=("swish",)))
    assert isinstance(info.value, symact.DuplicateNameError) and isinstance(info.value, symact.SymactError)
    assert (info.value.name, info.value.owner, info.value.new) == ("swish", "silu", "my_swish")
    with pytest.raises(symact.DuplicateNameError, match="'lse' already names 'logsumexp'"):
        symact.register(symact.Activation("lse", symact.x))  # the names of both kinds are one namespace
    assert "my_swish" not in symact.names()


def test_one_registry_for_both_kinds():
    assert isinstance(symact.get("softmax", n=3), symact.VectorActivation)
    assert symact.get("softmax", n=3).n == 3
    with pytest.raises(DefinitionError, match="only option is the length n"):
        symact.get("softmax", alpha=1)
    with pytest.raises(UnknownActivationError) as info:
        symact.get("sofmax")
    assert "softmax" in info.value.suggestions
