"""symact's derived facts cross-checked numerically with mpmath (40 digits).

Independent of the oracle table: every definite claim symact makes about a
catalog entry is tested against mpmath evaluation of the exact definition
``act.expr``:

(a) sampled values (~500 points over [-50, 50] and out to +-1e6) lie in the
    claimed range, and its finite ends are approached (closed ends: attained);
(b) claimed limits match f at +-1e8 and +-1e9 (growth in the right direction for +-oo);
(c) ``act.derivative(1)`` and ``act.derivative(2)`` match ``mpmath.diff`` away from kinks;
(d) monotonicity claims (of f and of f') agree with sorted samples;
(e) parity claims agree at samples;
and likewise f(0), f'(0), the one-sided derivatives, the smoothness class at the
kinks, boundedness, identity-near-origin, the zero-gradient set and saturation.

A check is skipped (with the reason) when symact says ``Unknown``.
"""

from __future__ import annotations

import mpmath
import pytest
import sympy

import symact

try:  # tests/ on sys.path (rootdir-relative import, no tests/__init__.py)
    import known_facts as K
except ImportError:  # pragma: no cover - tests/ is a package
    from tests import known_facts as K

NAMES = symact.names()

#: Where the derivatives are compared, skipping points within 1e-6 of a kink.
DERIVATIVE_POINTS = [
    sympy.Rational(s)
    for s in ("-7.3", "-3.7", "-2.5", "-1.3", "-0.75", "-0.45", "-0.2", "0", "0.3", "0.8", "1.6", "2.2", "4.1", "7.3")
]


def _claim(name: str, field: str):
    value = getattr(K.library_properties(name), field)
    if isinstance(value, symact.Unknown):
        pytest.skip(f"{name}.{field} is Unknown: {value.reason}")
    if isinstance(value, tuple) and any(isinstance(v, symact.Unknown) for v in value):
        pytest.skip(f"{name}.{field} is partly Unknown: {value}")
    return value


def _extremum_points(name: str) -> list[object]:
    """Where symact says the extrema are attained (so closed ends can be hit)."""
    props = K.library_properties(name)
    pts: list[object] = []
    for ext in (props.minimum, props.maximum):
        at = getattr(ext, "at", None)
        if isinstance(at, sympy.FiniteSet) and len(at) <= 10:
            pts += [p for p in at if sympy.sympify(p).is_real]
    return pts


@pytest.mark.parametrize("name", NAMES)
def test_a_sampled_values_lie_in_range(name: str) -> None:
    K.check_range(name, _claim(name, "range"), _extremum_points(name))


@pytest.mark.parametrize("name", NAMES)
def test_a_output_range_matches_properties(name: str) -> None:
    """``act.output_range()`` is the same set as ``properties().range`` and passes the sampling check."""
    rng = symact.get(name).output_range()
    if isinstance(rng, symact.Unknown):
        pytest.skip(f"output_range of {name} is Unknown: {rng.reason}")
    prop = K.library_properties(name).range
    if not isinstance(prop, symact.Unknown):
        status, detail = K.compare_set(prop, rng)
        assert status == K.OK, f"{name}: output_range() {rng} differs from properties().range {prop}: {detail}"
    K.check_range(name, rng, _extremum_points(name))


@pytest.mark.parametrize("side", ["neg", "pos"])
@pytest.mark.parametrize("name", NAMES)
def test_b_limits_match_large_x(name: str, side: str) -> None:
    K.check_limit(name, -1 if side == "neg" else 1, _claim(name, f"limit_{side}_inf"))


@pytest.mark.parametrize("side", ["neg", "pos"])
@pytest.mark.parametrize("name", NAMES)
def test_b_limit_api_matches_large_x(name: str, side: str) -> None:
    """``act.limit(+-oo)`` agrees numerically too."""
    value = symact.get(name).limit(-sympy.oo if side == "neg" else sympy.oo)
    if isinstance(value, symact.Unknown):
        pytest.skip(f"limit of {name} at {side} oo is Unknown: {value.reason}")
    K.check_limit(name, -1 if side == "neg" else 1, value)


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("name", NAMES)
def test_c_derivatives_match_numerical_differentiation(name: str, n: int) -> None:
    act = symact.get(name)
    d = act.derivative(n)
    if isinstance(d, symact.Unknown):
        pytest.skip(f"derivative {n} of {name} is Unknown: {d.reason}")
    f = K.compile_mp(act.expr)
    kinks = [sympy.sympify(k) for k in K.KINKS.get(name, ())]
    checked = 0
    with mpmath.workdps(40):
        for p in DERIVATIVE_POINTS:
            if any(abs(p - k) < sympy.Rational(1, 10**6) for k in kinks):
                continue
            t = K._to_mpf(p)
            numeric = mpmath.diff(f, t, n)
            symbolic = K.eval_sympy(d, p)
            assert abs(symbolic - numeric) <= mpmath.mpf(10) ** -25 * max(1, abs(numeric)), (
                f"{name}^({n})({p}): symact {mpmath.nstr(symbolic, 30)}, mpmath.diff {mpmath.nstr(numeric, 30)}"
            )
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("field", ["monotonic", "derivative_monotonic"])
@pytest.mark.parametrize("name", NAMES)
def test_d_monotonicity_agrees_with_samples(name: str, field: str) -> None:
    K.check_field(name, field, _claim(name, field))


@pytest.mark.parametrize("name", NAMES)
def test_e_parity_agrees_with_samples(name: str) -> None:
    K.check_parity(name, _claim(name, "parity"))


OTHER_FIELDS = (
    "value_at_zero",
    "derivative_at_zero",
    "one_sided_derivatives_at_zero",
    "continuity",
    "bounded",
    "identity_near_origin",
    "zero_gradient_set",
    "saturates",
)


@pytest.mark.parametrize("field", OTHER_FIELDS)
@pytest.mark.parametrize("name", NAMES)
def test_other_claims_agree_numerically(name: str, field: str) -> None:
    props = K.library_properties(name)
    K.check_field(name, field, _claim(name, field), {"range": props.range})
