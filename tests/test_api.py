"""The public surface: small, flat, exported explicitly, and documented."""

from __future__ import annotations

import pytest

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
