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
