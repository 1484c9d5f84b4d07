"""symact's derived properties against the independent oracle in ``known_facts.py``.

A cell is *wrong* when the library returns a definite value different from the
expected one (the test fails), *unknown* when it returns ``symact.Unknown`` (the
test is skipped with the reason). The aggregate test allows 0 wrong cells and at
most 5% unknown ones.

The oracle itself is checked numerically against the catalog definitions with
mpmath (``test_facts_table_is_self_consistent``), independently of symact's analysis.
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


def test_facts_cover_the_catalog_exactly() -> None:
    assert sorted(K.FACTS) == sorted(NAMES), (
        f"missing from FACTS: {sorted(set(NAMES) - set(K.FACTS))}; not in the catalog: {sorted(set(K.FACTS) - set(NAMES))}"
    )
    for name, row in K.FACTS.items():
        assert tuple(row) == K.FIELDS, name


def test_fields_exist_in_properties() -> None:
    from dataclasses import fields

    from symact.analysis.properties import Properties

    names = {f.name for f in fields(Properties)}
    assert set(K.FIELDS) <= names


# -- the oracle, checked on its own -----------------------------------------------------------


@pytest.mark.parametrize("field", K.FIELDS)
@pytest.mark.parametrize("name", NAMES)
def test_facts_table_is_self_consistent(name: str, field: str) -> None:
    """Each expected cell agrees with mpmath evaluation of the exact definition (no symact analysis)."""
    row = K.FACTS[name]
    K.check_field(name, field, row[field], {"range": row["range"]})


@pytest.mark.parametrize("name", NAMES)
def test_mp_evaluator_agrees_with_sympy(name: str) -> None:
    """The oracle's mpmath evaluator of a definition agrees with SymPy's own evalf."""
    act = symact.get(name)
    f = K.compile_mp(act.expr)
    with mpmath.workdps(40):
        for p in [sympy.Rational(k, 3) for k in range(-30, 31, 7)] + [sympy.Rational(1, 2), sympy.S(6), sympy.S(-3)]:
            a = f(K._to_mpf(p))
            b = K.eval_sympy(act.expr, p)
            assert abs(a - b) <= mpmath.mpf(10) ** -35 * max(1, abs(b)), (name, p, a, b)


@pytest.mark.parametrize(
    ("marker", "formula", "guess"),
    [
        (K.GELU_MIN, lambda t: t * (1 + mpmath.erf(t / mpmath.sqrt(2))) / 2, -0.75),
        (
            K.GELU_TANH_MIN,
            lambda t: t / 2 * (1 + mpmath.tanh(mpmath.sqrt(2 / mpmath.pi) * (t + mpmath.mpf(44715) / 10**6 * t**3))),
            -0.75,
        ),
        (K.MISH_MIN, lambda t: t * mpmath.tanh(mpmath.log(1 + mpmath.exp(t))), -1.2),
        (K.SINC_MIN, lambda t: mpmath.sin(t) / t, 4.49),
    ],
    ids=["gelu", "gelu_tanh", "mish", "sinc"],
)
def test_numeric_minima_digits(marker: K.NumericMin, formula, guess: float) -> None:
    """The 45 digits of each non-closed-form minimum: findroot on mpmath.diff at 60 digits."""
    with mpmath.workdps(60):
        at = mpmath.findroot(lambda t: mpmath.diff(formula, t), guess)
        assert mpmath.diff(formula, at, 2) > 0
        assert abs(formula(at) - marker.value()) < mpmath.mpf(10) ** -44
        assert min(abs(at - mpmath.mpf(a)) for a in marker.at) < mpmath.mpf(10) ** -25  # findroot stops early on x


def test_exact_range_ends() -> None:
    """The closed-form range ends are the values at the critical points."""
    x = symact.x
    silu = x / (1 + sympy.exp(-x))
    xs = -1 - sympy.LambertW(sympy.exp(-1))
    assert (
        sympy.simplify(sympy.diff(silu, x).subs(x, xs)) == 0
        or abs(sympy.N(sympy.diff(silu, x).subs(x, xs), 50)) < 1e-45
    )
    assert abs(sympy.N(silu.subs(x, xs) + sympy.LambertW(sympy.exp(-1)), 50)) < 1e-45
    t = sympy.Symbol("t", positive=True)
    g = (t**2 - t) / (1 + t)  # ELiSH on x < 0 with t = e^x
    crit = sympy.solve(sympy.diff(g, t), t)
    assert crit == [sympy.sqrt(2) - 1]
    assert sympy.simplify(g.subs(t, crit[0]) - (2 * sympy.sqrt(2) - 3)) == 0
    hs = x * (x + 3) / 6
    assert hs.subs(x, sympy.Rational(-3, 2)) == sympy.Rational(-3, 8)


# -- the library against the oracle ------------------------------------------------------------


def _cell(name: str, field: str) -> tuple[str, str]:
    props = K.library_properties(name)
    return K.compare_cell(field, K.FACTS[name][field], getattr(props, field))


@pytest.mark.parametrize("field", K.FIELDS)
@pytest.mark.parametrize("name", NAMES)
def test_property_matches_oracle(name: str, field: str) -> None:
    status, detail = _cell(name, field)
    if status == K.UNKNOWN:
        pytest.skip(f"{name}.{field} is Unknown: {detail}")
    assert status == K.OK, f"{name}.{field}: {detail}"


def test_all_cells_aggregate() -> None:
    wrong: list[str] = []
    unknown: list[str] = []
    total = 0
    for name in NAMES:
        for field in K.FIELDS:
            total += 1
            status, detail = _cell(name, field)
            if status == K.WRONG:
                wrong.append(f"{name}.{field}: {detail}")
            elif status == K.UNKNOWN:
                unknown.append(f"{name}.{field}: {detail}")
    print(f"{total} cells: {total - len(wrong) - len(unknown)} right, {len(wrong)} wrong, {len(unknown)} unknown")
    for line in unknown:
        print("  unknown", line)
    for line in wrong:
        print("  WRONG", line)
    assert not wrong, f"{len(wrong)} wrong cells:\n" + "\n".join(wrong)
    assert len(unknown) <= 0.05 * total, f"{len(unknown)}/{total} unknown cells (> 5%):\n" + "\n".join(unknown)


def _expected_extremum(name: str, lower: bool) -> tuple[object, bool] | None:
    """(value, attained) of the infimum/supremum implied by the expected range; None if unbounded."""
    rng = K.FACTS[name]["range"]
    if isinstance(rng, K.NumericMin):
        return (rng.digits, rng.attained) if lower else ((rng.sup, rng.sup_attained) if rng.sup != sympy.oo else None)
    comps = K.set_components(rng)
    start, end, lo, ro = comps[0] if lower else comps[-1]
    if lower:
        return None if start == -sympy.oo else (start, not lo)
    return None if end == sympy.oo else (end, not ro)


@pytest.mark.parametrize("which", ["minimum", "maximum"])
@pytest.mark.parametrize("name", NAMES)
def test_extremum_agrees_with_oracle_range(name: str, which: str) -> None:
    """``minimum``/``maximum`` (value, attained, enclosure) agree with the expected range's ends."""
    actual = getattr(K.library_properties(name), which)
    if isinstance(actual, symact.Unknown):
        pytest.skip(f"{name}.{which} is Unknown: {actual.reason}")
    expected = _expected_extremum(name, which == "minimum")
    if expected is None:
        assert actual is None, f"{name} is unbounded {'below' if which == 'minimum' else 'above'}, got {actual!r}"
        return
    value, attained = expected
    assert actual is not None, f"{name}.{which}: expected {value}, got None"
    if isinstance(value, str):  # a NumericMin: 30 digits, and the enclosure must contain the true value
        assert K._num_close(value, actual.value), f"{name}.{which}.value = {actual.value}, expected {value}"
        if actual.enclosure is not None:
            lo, hi = actual.enclosure
            with mpmath.workdps(80):
                m = mpmath.mpf(value)
                slack = mpmath.mpf(10) ** -44  # our digits are good to 45 places
                lo_f, hi_f = K._to_mpf(lo), K._to_mpf(hi)
                # The witness: f at the oracle's minimizer, at 80 digits, is a value f attains.
                f = K.compile_mp(symact.get(name).expr)
                attained_value = min(f(mpmath.mpf(a)) for a in K.FACTS[name]["range"].at)
                assert attained_value >= lo_f, (
                    f"{name}.{which}: the enclosure's lower end {mpmath.nstr(lo_f, 50)} is not a lower bound: "
                    f"f({K.FACTS[name]['range'].at[0]}) = {mpmath.nstr(attained_value, 50)} (80-digit evaluation)"
                )
                assert lo_f - slack <= m <= hi_f + slack, (
                    f"{name}: enclosure [{mpmath.nstr(lo_f, 50)}, {mpmath.nstr(hi_f, 50)}] misses {value}"
                )
    else:
        assert K.same_number(value, actual.value), f"{name}.{which}.value = {actual.value}, expected {value}"
    assert bool(actual.attained) is attained, f"{name}.{which}.attained = {actual.attained}, expected {attained}"


# -- the numeric checkers are not vacuous: each rejects a deliberately wrong claim ---------------

_R = sympy.Rational
WRONG_CLAIMS = [
    ("relu", "range", sympy.Interval.open(0, sympy.oo)),  # 0 is attained
    ("sigmoid", "range", sympy.Interval(0, 1)),  # ends not attained
    ("silu", "range", sympy.Interval(_R(-278, 1000), sympy.oo)),  # min is -0.27846...
    ("gelu", "range", K.NumericMin("-0.16997120747990366169386847", K.GELU_MIN.at)),  # wrong at the 27th digit
    (
        "hard_shrink",
        "range",
        sympy.Union(sympy.Interval(-sympy.oo, _R(-1, 2)), sympy.FiniteSet(0), sympy.Interval.open(_R(1, 2), sympy.oo)),
    ),
    ("elish", "range", sympy.Interval(2 * sympy.sqrt(2) - 3 + _R(1, 10**20), sympy.oo)),
    ("threshold", "range", sympy.Union(sympy.FiniteSet(0), sympy.Interval(1, sympy.oo))),
    ("elu", "continuity", "C2"),
    ("elu", "continuity", "C0"),
    ("isrlu", "continuity", "C3"),
    ("isrlu", "continuity", "C1"),
    ("softsign", "continuity", "C2"),
    ("sparse_plus", "continuity", "C0"),
    ("elish", "continuity", "C2"),
    ("hard_shrink", "continuity", "C0"),
    ("tanh", "continuity", "C3"),
    ("relu", "monotonic", "increasing"),
    ("tanh_shrink", "monotonic", "non-decreasing"),
    ("gelu", "monotonic", "non-decreasing"),
    ("relu", "derivative_monotonic", "increasing"),
    ("binary_step", "derivative_monotonic", "non-decreasing"),
    ("softplus", "derivative_monotonic", False),
    ("sinc", "parity", "odd"),
    ("hard_shrink", "parity", "neither"),
    ("sigmoid", "parity", "odd"),
    ("selu", "one_sided_derivatives_at_zero", (K.SELU_SCALE, K.SELU_SCALE)),
    ("binary_step", "one_sided_derivatives_at_zero", (sympy.S.Zero, sympy.S.Zero)),
    ("mish", "derivative_at_zero", _R(1, 2)),
    ("relu", "derivative_at_zero", sympy.S.One),
    ("selu", "derivative_at_zero", sympy.S.One),
    ("gaussian", "zero_gradient_set", sympy.FiniteSet(0)),
    ("relu", "zero_gradient_set", sympy.Interval.open(-sympy.oo, 1)),
    ("relu", "zero_gradient_set", sympy.EmptySet),
    ("sinc", "saturates", (False, True)),
    ("exponential", "saturates", (True, True)),
    ("sinusoid", "limit_pos_inf", sympy.S.Zero),
    ("arctan", "limit_pos_inf", _R(157, 100)),
    ("exponential", "limit_neg_inf", None),
    ("log_sigmoid", "limit_neg_inf", sympy.S.Zero),
    ("tanh", "identity_near_origin", False),
    ("elu", "identity_near_origin", False),
    ("selu", "identity_near_origin", True),
    ("relu6", "bounded", False),
    ("log_sigmoid", "value_at_zero", sympy.log(3)),
]


@pytest.mark.parametrize(
    ("name", "field", "claim"), WRONG_CLAIMS, ids=[f"{n}-{f}-{i}" for i, (n, f, _) in enumerate(WRONG_CLAIMS)]
)
def test_checkers_reject_wrong_claims(name: str, field: str, claim: object) -> None:
    with pytest.raises(AssertionError):
        K.check_field(name, field, claim, {"range": K.FACTS[name]["range"]})


# -- the comparison itself: equal forms accepted, wrong values and ends rejected -----------------

_oo, _S = sympy.oo, sympy.S
_half = _R(1, 2)
COMPARISONS = [
    ("range", "silu", sympy.Interval(-sympy.LambertW(1 / sympy.E), _oo), K.OK),
    (
        "range",
        "silu",
        sympy.Interval(-sympy.Float("0.27846454276107379510935873902298", 40), _oo),
        K.WRONG,
    ),  # not exact
    ("range", "gelu", sympy.Interval(sympy.Float("-0.16997120747990366169386847098243392", 40), _oo), K.OK),
    ("range", "gelu", sympy.Interval.open(sympy.Float("-0.16997120747990366169386847098243392", 40), _oo), K.WRONG),
    ("range", "gelu", sympy.Interval(sympy.Float("-0.169971207479903661693868470", 40), _oo), K.WRONG),
    ("range", "sinc", sympy.Interval(sympy.Float("-0.2172336282112216574082793255624707", 40), 1), K.OK),
    ("range", "sinc", sympy.Interval.Ropen(sympy.Float("-0.2172336282112216574082793255624707", 40), 1), K.WRONG),
    ("range", "hard_shrink", sympy.Complement(_S.Reals, sympy.Interval(-_half, _half)), K.WRONG),
    (
        "range",
        "hard_shrink",
        sympy.Union(sympy.Complement(_S.Reals, sympy.Interval(-_half, _half)), sympy.FiniteSet(0)),
        K.OK,
    ),
    ("range", "threshold", sympy.Union(sympy.FiniteSet(0), sympy.Interval(1, _oo)), K.WRONG),
    ("range", "elish", sympy.Interval(-3 + sympy.sqrt(8), _oo), K.OK),
    ("range", "leaky_relu", sympy.Interval(-_oo, _oo), K.OK),
    ("range", "binary_step", sympy.FiniteSet(1, 0), K.OK),
    ("range", "binary_step", sympy.Interval(0, 1), K.WRONG),
    ("zero_gradient_set", "binary_step", sympy.Complement(_S.Reals, sympy.FiniteSet(0)), K.OK),
    ("zero_gradient_set", "gaussian", sympy.FiniteSet(0), K.WRONG),
    ("value_at_zero", "softplus", sympy.Float("0.6931471805599453"), K.WRONG),
    ("derivative_at_zero", "mish", sympy.tanh(sympy.log(2)), K.OK),
    ("derivative_at_zero", "relu", _S.Zero, K.WRONG),  # the kink convention is not the property
    ("one_sided_derivatives_at_zero", "binary_step", (_oo, _S.Zero), K.WRONG),
    ("one_sided_derivatives_at_zero", "binary_step", (symact.Unknown("t"), _S.Zero), K.UNKNOWN),
    ("one_sided_derivatives_at_zero", "binary_step", (symact.Unknown("t"), _S.One), K.WRONG),
    ("limit_neg_inf", "sinusoid", sympy.AccumBounds(-1, 1), K.WRONG),
    ("limit_neg_inf", "relu", False, K.WRONG),
    ("limit_pos_inf", "relu", sympy.zoo, K.WRONG),
    ("monotonic", "gelu", 0, K.WRONG),
    ("monotonic", "gelu", symact.Unknown("timeout"), K.UNKNOWN),
    ("bounded", "sigmoid", sympy.true, K.OK),
    ("bounded", "sigmoid", 1, K.WRONG),
    ("saturates", "relu", (True, True), K.WRONG),
    ("continuity", "elu", "C2", K.WRONG),
]


@pytest.mark.parametrize(
    ("field", "name", "actual", "want"), COMPARISONS, ids=[f"{n}-{f}-{i}" for i, (f, n, _, _) in enumerate(COMPARISONS)]
)
def test_compare_cell_semantics(field: str, name: str, actual: object, want: str) -> None:
    status, detail = K.compare_cell(field, K.FACTS[name][field], actual)
    assert status == want, detail
