"""The public surface: small, flat, exported explicitly, and documented."""

from __future__ import annotations

import pytest
import sympy

import symact


@pytest.mark.parametrize("name", symact.__all__)
def test_every_public_name_exists_and_is_documented(name):
    obj = getattr(symact, name)
    if name == "x":
        assert obj.is_real
        return
    assert (obj.__doc__ or "").strip(), f"symact.{name} has no docstring"


def test_all_is_sorted_and_unique():
    assert list(symact.__all__) == sorted(set(symact.__all__))


def test_errors_subclass_the_builtins_callers_catch():
    assert issubclass(symact.UnknownActivationError, KeyError)
    assert issubclass(symact.DefinitionError, ValueError)
    assert issubclass(symact.UnknownActivationError, symact.SymactError)


@pytest.mark.parametrize(
    "call",
    [symact.properties, symact.output_range, symact.derivative, symact.to_numpy, lambda s: symact.limit(s, 0)],
    ids=["properties", "output_range", "derivative", "to_numpy", "limit"],
)
def test_public_calls_never_evaluate_text(call, tmp_path):
    """Text reaches SymPy only through symact.define's parser; elsewhere it is refused, not run."""
    marker = tmp_path / "ran"
    payload = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    with pytest.raises((TypeError, ValueError, sympy.SympifyError)):
        call(payload)
    assert not marker.exists()


def test_properties_is_the_function_not_its_module():
    assert callable(symact.properties)
    assert symact.properties(symact.get("relu")).range == sympy.Interval(0, sympy.oo)


@pytest.mark.parametrize("method", ["derivative", "limit", "output_range", "properties", "numpy", "latex", "validate"])
def test_convenience_methods_reach_the_facade(method):
    """The one sanctioned upward import of the definition layer is the facade, inside the method."""
    import inspect

    src = inspect.getsource(getattr(symact.Activation, method))
    assert "import symact\n" in src and f"symact.{'to_' + method if method in ('numpy', 'latex') else method}(" in src


def _budgeted_calls():
    import proofs
    from proofs import linearity

    act = symact.get("relu")
    return {
        "symact.limit": symact.limit,
        "symact.derivative": symact.derivative,
        "symact.properties": symact.properties,
        "symact.output_range": symact.output_range,
        "Activation.limit": act.limit,
        "Activation.derivative": act.derivative,
        "Activation.properties": act.properties,
        "Activation.output_range": act.output_range,
        "proofs.prove": proofs.prove,
        "proofs.prove_linear": proofs.prove_linear,
        "proofs.prove_additive": proofs.prove_additive,
        "proofs.prove_homogeneous": proofs.prove_homogeneous,
        "proofs.linearity.check_argument": linearity.check_argument,
    }


@pytest.mark.parametrize("name", sorted(_budgeted_calls()))
def test_budgeted_calls_take_a_keyword_only_budget(name):
    """Every call that derives or proves takes ``seconds=`` (default None: its documented budget)."""
    import inspect

    param = inspect.signature(_budgeted_calls()[name]).parameters.get("seconds")
    assert param is not None, f"{name} has no seconds= budget"
    assert param.kind is inspect.Parameter.KEYWORD_ONLY and param.default is None
    assert "seconds" in (_budgeted_calls()[name].__doc__ or ""), f"{name} does not document its budget"
