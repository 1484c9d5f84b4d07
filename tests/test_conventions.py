"""Derivative conventions at kinks: ``derivative(convention=...)`` and the generated code.

For every catalog entry and every framework record on it, at the framework's settings of the
entry's parameters (:func:`symact.validation.frameworks.entry_form`): the symbolic derivative with the framework's convention takes the recorded value at each breakpoint
(exactly), and so does the generated NumPy derivative (correctly rounded); away from the kinks it
is the project's derivative. The frameworks' autograd at the kinks is compared in the test marked
``frameworks`` (skipped when a framework is not installed).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy

import symact
from symact.analysis import calculus
from symact.analysis.pieces import breakpoints
from symact.core.errors import ConventionError
from symact.definition.activation import Activation, Framework, x
from symact.definition.registry import all_activations
from symact.numeric.rounding import round_to
from symact.validation import frameworks as fwv

RECORDS = [(act, fw) for act in all_activations() for fw in act.frameworks if fw.kinks]


def _id(record: tuple[Activation, Framework]) -> str:
    return f"{record[0].name}-{record[1].framework}"


def _kinks(target: Activation, fw: Framework) -> list[tuple[sympy.Expr, sympy.Expr]]:
    points = set(breakpoints(target.expr))
    return [(p, v) for p, v in fw.kinks_at(target.parameters) if p in points]


@pytest.mark.parametrize("record", RECORDS, ids=_id)
def test_recorded_values_at_kinks(record: tuple[Activation, Framework]) -> None:
    act, fw = record
    target = fwv.entry_form(act, fw)
    kinks = _kinks(target, fw)
    d = target.derivative(convention=fw.framework)
    own = target.derivative()
    if not kinks:  # the record's kink is one of the framework's own form (torch's softplus threshold)
        assert d == own
        return
    fn = target.numpy(1, convention=fw.framework)
    for p, v in kinks:
        assert d.subs(x, p) == v, f"{fw.api}: derivative {d} at x = {p} is not the recorded {v}"
        assert float(fn(float(p))) == round_to(v), f"{fw.api}: the generated derivative at x = {p} is not {v}"
    # away from the kinks it is the project's derivative
    for p, _ in kinks:
        for t in (p - sympy.Rational(1, 7), p + sympy.Rational(1, 7)):
            assert sympy.simplify(d.subs(x, t) - own.subs(x, t)) == 0


def test_symact_convention_is_the_default() -> None:
    relu = symact.get("hard_tanh")
    assert relu.derivative(convention="symact") == relu.derivative()
    assert relu.derivative(convention=None) == relu.derivative()


def test_conventions_listed() -> None:
    assert calculus.conventions(symact.get("sparse_sigmoid")) == ("symact", "jax", "keras")
    assert calculus.conventions(symact.x**2) == ("symact",)


@pytest.mark.parametrize(
    ("name", "convention", "message"),
    [
        ("relu", "tensorflow", "unknown derivative convention 'tensorflow' for relu"),
        ("relu", 3, "unknown derivative convention 3 for relu"),
        ("isru", "pytorch", "pytorch does not ship isru"),
        ("sparse_sigmoid", "pytorch", "pytorch does not ship sparse_sigmoid"),
    ],
)
def test_bad_convention(name: str, convention: object, message: str) -> None:
    with pytest.raises(ConventionError, match=message) as err:
        symact.get(name).derivative(convention=convention)  # type: ignore[arg-type]
    assert isinstance(err.value, ValueError)
    with pytest.raises(ConventionError, match=message):
        symact.get(name).numpy(1, convention=convention)  # type: ignore[arg-type]


def test_convention_needs_first_derivative() -> None:
    with pytest.raises(ValueError, match="n=2"):
        symact.get("relu").derivative(2, convention="jax")
    with pytest.raises(ValueError, match="derivative=1"):
        symact.get("relu").numpy(0, convention="jax")


def test_expression_has_only_the_project_convention() -> None:
    with pytest.raises(ConventionError, match="jax does not ship this expression"):
        calculus.derivative(sympy.Abs(x), convention="jax")


@pytest.mark.frameworks
@pytest.mark.filterwarnings("ignore:os.fork\\(\\) was called:RuntimeWarning")
@pytest.mark.parametrize("record", RECORDS, ids=_id)
def test_generated_derivative_is_the_frameworks_autograd_at_kinks(record: tuple[Activation, Framework]) -> None:
    act, fw = record
    target = fwv.entry_form(act, fw)
    fn = target.numpy(1, convention=fw.framework)
    points = [float(p) for p, _ in _kinks(target, fw)]
    if not points:
        pytest.skip(f"{fw.api}: the recorded kinks are the framework's own form's, not {act.name}'s")
    reason = fwv.unavailable(fw.framework)
    if reason:
        pytest.skip(reason)
    got = fwv.framework_derivative(fw, points)
    mine = fn(np.array(points))
    # as in tests/test_frameworks.py: a framework rounds SELU's alpha*scale from two rounded factors
    assert np.all(np.abs(mine - got) <= 2.0**-50 * np.maximum(1.0, np.abs(got))), (
        f"{fw.api} at {points}: {got} vs {mine}"
    )
