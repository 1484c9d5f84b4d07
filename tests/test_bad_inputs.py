"""Bad input at every public entry point is a clear error, never a silent answer (issue 18, items 5 and 6).

Each row of :data:`ROWS` is one call with a bad argument, the builtin exception type it must raise
(a :class:`~symact.SymactError` as well where symact raises its own error), and a fragment of the
message, which names the input. :data:`CLI_ROWS` are the same for the command line (exit code 2).
The domain tests check that a definition is accepted only when it is real on all of R, with the set
where it fails derived by hand.
"""

from __future__ import annotations

import contextlib
import functools
import io
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy

import proofs
import symact
import symact.cli
from symact import x
from symact.core import budget
from symact.definition.activation import MAX_NUMBER_BITS, check_real_domain


@functools.cache
def _gelu() -> Callable[..., Any]:
    return symact.get("gelu").numpy()


@functools.cache
def _softmax() -> Callable[..., Any]:
    return symact.get("softmax").numpy()


_relu = symact.get("relu")
_elu = symact.get("elu")
_masked = np.ma.masked_array([1.0, 2.0], mask=[False, True])

#: (id, call, the builtin exception type, whether it is a SymactError, a fragment of the message).
ROWS: list[tuple[str, Callable[[], Any], type[BaseException], bool, str]] = [
    # symact.get
    ("get-none", lambda: symact.get(None), TypeError, False, "got NoneType None"),
    ("get-int", lambda: symact.get(3), TypeError, False, "got int 3"),
    ("get-unknown-name", lambda: symact.get("rleu"), KeyError, True, "unknown activation 'rleu'"),
    ("get-param-none", lambda: symact.get("leaky_relu", negative_slope=None), TypeError, False, "negative_slope"),
    ("get-param-huge", lambda: symact.get("leaky_relu", negative_slope=10**10000), ValueError, True, "too large"),
    (
        "get-param-huge-text",
        lambda: symact.get("leaky_relu", negative_slope="1e999999999"),
        ValueError,
        True,
        "too large",
    ),
    (
        "get-param-tiny-text",
        lambda: symact.get("leaky_relu", negative_slope="1e-99999"),
        ValueError,
        True,
        "too precise",
    ),
    ("get-param-nan32", lambda: symact.get("leaky_relu", negative_slope=np.float32("nan")), ValueError, True, "nan"),
    ("get-param-complex", lambda: symact.get("leaky_relu", negative_slope=1j), ValueError, True, "1j"),
    ("get-param-array", lambda: symact.get("leaky_relu", negative_slope=np.ones(2)), TypeError, False, "ndarray"),
    ("get-param-unknown", lambda: symact.get("leaky_relu", alpha=1), ValueError, True, "no parameter 'alpha'"),
    ("get-vector-n", lambda: symact.get("softmax", n=-1), ValueError, True, "-1"),
    # symact.define
    ("define-none", lambda: symact.define(None), TypeError, False, "NoneType"),
    ("define-sqrt", lambda: symact.define("sqrt(x)"), ValueError, True, "sqrt(x) is not real for x < 0"),
    ("define-log", lambda: symact.define("log(x)"), ValueError, True, "log(x) is not real for x <= 0"),
    ("define-reciprocal", lambda: symact.define("1/x"), ValueError, True, "1/x is undefined for x = 0"),
    ("define-cube-root", lambda: symact.define("x**(1/3)"), ValueError, True, "x**(1/3) is not real for x < 0"),
    ("define-sympy-log", lambda: symact.define(sympy.log(x)), ValueError, True, "log(x) is not real"),
    ("define-param-huge", lambda: symact.define("a*x", params={"a": 2**5000}), ValueError, True, "a is too large"),
    ("define-name", lambda: symact.define("x", name=3), TypeError, False, "name must be a string"),
    # symact.register
    ("register-none", lambda: symact.register(None), TypeError, False, "NoneType"),
    ("register-sqrt", lambda: symact.register(symact.Activation("root", sympy.sqrt(x))), ValueError, True, "root"),
    # Activation.with_params
    ("with-params-none", lambda: _elu.with_params(alpha=None), TypeError, False, "alpha"),
    ("with-params-huge", lambda: _elu.with_params(alpha=10**2000), ValueError, True, "alpha is too large"),
    ("with-params-bool", lambda: _elu.with_params(alpha=True), ValueError, True, "alpha must be a real number"),
    ("with-params-unknown", lambda: _relu.with_params(alpha=1), ValueError, True, "no parameter 'alpha'"),
    # symact.derivative
    ("derivative-none", lambda: symact.derivative(None), TypeError, False, "got NoneType None"),
    ("derivative-name", lambda: symact.derivative("relu"), TypeError, False, "symact.get('relu')"),
    ("derivative-order", lambda: symact.derivative(_relu, -1), ValueError, False, "-1"),
    ("derivative-seconds", lambda: symact.derivative(_relu, seconds=1e8), ValueError, False, "seconds must be at most"),
    # symact.limit
    ("limit-symbol", lambda: _relu.limit(x), ValueError, False, "got x"),
    ("limit-symbol-facade", lambda: symact.limit(_relu, x), ValueError, False, "got x"),
    ("limit-none", lambda: _relu.limit(None), TypeError, False, "got NoneType None"),
    ("limit-nan", lambda: _relu.limit(float("nan")), ValueError, True, "nan"),
    ("limit-complex", lambda: _relu.limit(sympy.I), ValueError, True, "got I"),
    ("limit-dir", lambda: _relu.limit(0, "up"), ValueError, False, "'up'"),
    ("limit-seconds", lambda: _relu.limit(0, seconds=1e8), ValueError, False, "got 100000000.0"),
    ("limit-seconds-type", lambda: _relu.limit(0, seconds="5"), TypeError, False, "got str '5'"),
    ("limit-of-list", lambda: symact.limit([1], 0), TypeError, False, "got list [1]"),
    # symact.output_range, symact.properties
    ("output-range-none", lambda: symact.output_range(None), TypeError, False, "NoneType"),
    ("output-range-seconds", lambda: symact.output_range(_relu, seconds=-1), ValueError, False, "got -1"),
    ("properties-seconds-nan", lambda: symact.properties(_relu, seconds=float("nan")), ValueError, False, "nan"),
    ("properties-huge-seconds", lambda: _relu.properties(seconds=10**400), ValueError, False, "1329 bits"),
    # symact.to_numpy and the generated functions
    ("to-numpy-none", lambda: symact.to_numpy(None), TypeError, False, "NoneType"),
    ("to-numpy-derivative", lambda: symact.to_numpy(_relu, derivative=-1), ValueError, False, "-1"),
    ("to-latex-none", lambda: symact.to_latex(None), TypeError, False, "NoneType"),
    ("numpy-none", lambda: _gelu()(None), TypeError, False, "got None"),
    ("numpy-strings", lambda: _gelu()(np.array(["1", "2"])), TypeError, False, "dtype <U1"),
    ("numpy-text", lambda: _gelu()("0.5"), TypeError, False, "'0.5'"),
    ("numpy-objects", lambda: _gelu()([1.0, None]), TypeError, False, "[1.0, None]"),
    ("numpy-ragged", lambda: _gelu()([[1.0], [1.0, 2.0]]), TypeError, False, "list passed"),
    ("numpy-complex", lambda: _gelu()(np.array([1j])), TypeError, False, "complex"),
    ("numpy-masked", lambda: _gelu()(_masked), TypeError, False, "masked array"),
    ("numpy-dates", lambda: _gelu()(np.zeros(2, dtype="M8[s]")), TypeError, False, "datetime64"),
    ("vector-numpy-none", lambda: _softmax()(None), TypeError, False, "got None"),
    ("vector-numpy-masked", lambda: _softmax()(_masked), TypeError, False, "masked array"),
    ("vector-numpy-axis", lambda: _softmax()(np.ones(3), axis="a"), TypeError, False, "axis must be an integer"),
    ("vector-to-numpy-none", lambda: symact.vector_to_numpy(None), TypeError, False, "NoneType"),
    # symact.validate, symact.validate_vector
    ("validate-none", lambda: symact.validate(None), TypeError, False, "got NoneType None"),
    ("validate-size", lambda: symact.validate("relu", size="huge"), ValueError, False, "'full' or 'quick', got 'huge'"),
    ("validate-derivatives", lambda: symact.validate("relu", derivatives=1), TypeError, False, "got int 1"),
    ("validate-order", lambda: symact.validate("relu", derivatives=(99,)), ValueError, False, "got 99"),
    ("validate-vector-count", lambda: symact.validate_vector("softmax", count=0), ValueError, False, "got 0"),
    ("validate-vector-dtype", lambda: symact.validate_vector("softmax", dtypes=("f16",)), ValueError, False, "'f16'"),
    # the proofs
    ("prove-linear-none", lambda: proofs.prove_linear(None), TypeError, False, "NoneType"),
    ("prove-linear-unknown", lambda: proofs.prove_linear("rleu"), KeyError, True, "'rleu'"),
    ("prove-linear-seconds", lambda: proofs.prove_linear(_relu, seconds=1e9), ValueError, False, "at most"),
    ("collapse-none", lambda: proofs.collapse(None), TypeError, False, "got NoneType None"),
    ("collapse-text", lambda: proofs.collapse("21"), TypeError, False, "got str '21'"),
    ("collapse-float", lambda: proofs.collapse((2, 1.5, 1)), TypeError, False, "got float 1.5"),
    ("collapse-negative", lambda: proofs.collapse((2, -1, 1)), ValueError, False, "(2, -1, 1)"),
    ("collapse-huge", lambda: proofs.collapse((1000, 1000, 1)), ValueError, False, "1001000 weights"),
    ("collapse-activation", lambda: proofs.collapse((1, 2, 1), "rleu"), KeyError, True, "'rleu'"),
]

#: (argv, a fragment of the error on stderr); each must exit with code 2.
CLI_ROWS: list[tuple[list[str], str]] = [
    (["show", "rleu"], "unknown activation 'rleu'"),
    (["show", "--expr", "sqrt(x)"], "sqrt(x) is not real for x < 0"),
    (["show", "--expr", "log(x)"], "log(x) is not real for x <= 0"),
    (["show", "leaky_relu", "--param", "negative_slope=abc"], "negative_slope=abc"),
    (["latex", "relu", "--derivative", "-1"], "-1"),
    (["collapse", "2", "-1"], "(2, -1)"),
    (["collapse", "1000", "1000", "1"], "1001000 weights"),
    (["nosuchcmd"], "nosuchcmd"),
]


def test_the_table_covers_every_public_entry_point() -> None:
    assert len(ROWS) + len(CLI_ROWS) >= 40
    entries = {row[0].split("-")[0] for row in ROWS}
    assert {
        "get",
        "define",
        "register",
        "with",
        "derivative",
        "limit",
        "output",
        "properties",
        "to",
        "numpy",
    } <= entries
    assert {"validate", "prove", "collapse", "vector"} <= entries


@pytest.mark.parametrize(("call", "kind", "ours", "fragment"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_bad_input_is_a_clear_error(
    call: Callable[[], Any], kind: type[BaseException], ours: bool, fragment: str
) -> None:
    with pytest.raises(kind) as info:
        call()
    assert isinstance(info.value, symact.SymactError) is ours
    assert not isinstance(info.value, budget.WorkerError)
    assert fragment in str(info.value)


def _run_cli(argv: list[str]) -> tuple[int, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = symact.cli.main(argv)
        except SystemExit as exc:  # argparse's own usage errors exit instead of returning
            code = exc.code
    return int(code or 0), err.getvalue()


@pytest.mark.parametrize(("argv", "fragment"), CLI_ROWS, ids=[" ".join(a) for a, _ in CLI_ROWS])
def test_bad_command_line_exits_2(argv: list[str], fragment: str) -> None:
    code, err = _run_cli(argv)
    assert code == 2
    assert fragment in err
    assert "Traceback" not in err


# -- numbers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "exact"),
    [
        # a float32 is its exact binary value: 0.1 rounds to 13421773 * 2**-27 in float32
        (np.float32(0.1), sympy.Rational(13421773, 2**27)),
        (np.float32(-2.5), sympy.Rational(-5, 2)),
        (np.float16(0.1), sympy.Rational(1638, 2**14)),  # 0.1 in binary16: 0x2E66 = 1.6 * 2**-4 rounded
        # numpy.float64 is a Python float: the shortest decimal that prints it
        (np.float64(0.1), sympy.Rational(1, 10)),
        (np.int64(-7), sympy.Integer(-7)),
        (np.uint8(200), sympy.Integer(200)),
        (Fraction(-3, 7), sympy.Rational(-3, 7)),
        ("-1/3", sympy.Rational(-1, 3)),
        ("2.5e-3", sympy.Rational(1, 400)),
        (2**MAX_NUMBER_BITS - 1, sympy.Integer(2**MAX_NUMBER_BITS - 1)),
    ],
    ids=str,
)
def test_numpy_scalars_and_exact_numbers_are_read_exactly(value: Any, exact: sympy.Rational) -> None:
    got = symact.exact_number(value, "alpha")
    assert got == exact
    if isinstance(value, np.floating) and not isinstance(value, float):  # its own exact value, at 50 digits
        with mpmath.workdps(50):
            assert mpmath.mpf(float(value)) == mpmath.mpf(exact.p) / exact.q


def test_a_numpy_parameter_reaches_the_definition() -> None:
    act = symact.get("leaky_relu", negative_slope=np.float32(0.25))
    assert act.values == (("negative_slope", sympy.Rational(1, 4)),)
    assert symact.get("leaky_relu", negative_slope=np.int64(2)).expr.subs(x, -1) == -2


@pytest.mark.parametrize("bits", [MAX_NUMBER_BITS + 1, 10 * MAX_NUMBER_BITS])
def test_numbers_beyond_the_limit_are_rejected_up_front(bits: int) -> None:
    for value in (2 ** (bits - 1), Fraction(1, 2 ** (bits - 1)), -(2 ** (bits - 1))):  # numbers of `bits` bits
        with pytest.raises(symact.DefinitionError, match=f"{bits} bits"):
            symact.exact_number(value, "alpha")


# -- the domain: real on all of R --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "sqrt(x**2 + 1)",
        "log(1 + exp(x))",
        "sqrt(x**2 - 2*x + 1)",  # (x - 1)**2 >= 0: a double root, proved by exact root isolation
        "sqrt(x**4 - x**2 + 1)",  # (x**2 - 1/2)**2 + 3/4 > 0
        "sqrt(sin(x) + 2)",  # sin >= -1
        "log(erfc(x))",  # erfc > 0
        "sqrt(1 - tanh(x))",  # tanh < 1
        "where(x > 0, log(x), 0)",  # log only where x > 0
        "where(x >= 0, sqrt(x), x)",
        "Piecewise((1/x, x > 1), (0, True))",
        "cbrt(x)",
        "2**x",
        "where(x > sqrt(2), log(x), x)",  # a linear condition with an irrational end
    ],
)
def test_definitions_real_on_all_of_r_are_accepted(text: str) -> None:
    act = symact.define(text)
    for t in (-3, -1, 0, 1, 3):  # and the value is real at these points, at 40 digits
        value = act.expr.subs(x, t)
        assert value.is_real is not False
        assert mpmath.im(mpmath.mpmathify(sympy.N(value, 40))) == 0


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("sqrt(x)", "sqrt(x) is not real for x < 0"),
        ("log(x)", "log(x) is not real for x <= 0"),
        ("x**(1/3)", "x**(1/3) is not real for x < 0"),
        ("x**x", "x**x is not real for x <= 0"),
        ("1/x", "1/x is undefined for x = 0"),
        ("log(x**2)", "log(x**2) is not real for x = 0"),
        ("sqrt(x**2 - 1)", "sqrt(x**2 - 1) is not real for -1 < x < 1"),
        ("where(x > -1, log(x), 0)", "log(x) is not real for -1 < x <= 0"),
        ("x/(exp(x) - 1)", "1/(exp(x) - 1) is undefined for x = 0"),
        ("sqrt(sin(x))", "sqrt(sin(x)) is not real at x = -1/2"),
        ("sqrt(x + 1) + 1", "sqrt(x + 1) is not real for x < -1"),
    ],
)
def test_definitions_not_real_on_all_of_r_are_rejected(text: str, fragment: str) -> None:
    with pytest.raises(symact.DefinitionError, match="is not real on all of R") as info:
        symact.define(text)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("expr", "fragment"),
    [
        (sympy.acos(x), "acos(x) is not real at x = 2"),  # acos(2) = i log(2 + sqrt(3)): no primitive, its value
        (sympy.acos(2) * x, "acos(2) is not real"),
        (sympy.gamma(x), "gamma(x) is not real at x = 0"),  # a pole
        # sin(x) = 2 never holds, but SymPy's set of a transcendental condition is not trusted:
        # the piece is required on all of R
        (sympy.Piecewise((sympy.log(x), sympy.Eq(sympy.sin(x), 2)), (x, True)), "log(x) is not real for x <= 0"),
        (sympy.Piecewise((sympy.sqrt(x), x**2 < 4), (x, True)), "sqrt(x) is not real for -2 < x < 0"),
    ],
    ids=str,
)
def test_activations_built_directly_are_checked_too(expr: sympy.Expr, fragment: str) -> None:
    with pytest.raises(symact.DefinitionError, match="is not real on all of R") as info:
        symact.Activation("direct", expr)
    assert fragment in str(info.value)


def test_a_point_of_the_failing_set_really_fails() -> None:
    # the rejections above name a set; its points are not real (checked at 40 digits)
    for text, t in (("sqrt(x)", -1), ("log(x)", -2), ("sqrt(x**2 - 1)", sympy.Rational(1, 2))):
        value = sympy.N(sympy.sympify(text, locals={"x": x}).subs(x, t), 40)
        assert mpmath.im(mpmath.mpmathify(value)) != 0


def test_parameters_are_checked_with_the_domain() -> None:
    act = symact.define("sqrt(x**2 + a)", params={"a": 1})
    assert act.expr == sympy.sqrt(x**2 + 1)
    with pytest.raises(symact.DefinitionError, match="is not real for -1 < x < 1"):
        act.with_params(a=-1)


@pytest.mark.parametrize(
    "text",
    [
        "sqrt(exp(x) - x - 1)",  # exp(x) >= 1 + x (convexity)
        "x/(x/2 + exp(-x/3))",  # the denominator's minimum, at x = 3 log(2/3), is 3/2 (1 - log(3/2)) > 0.89
        "x/(1 + x*exp(x))",  # 1 + x e^x >= 1 - 1/e > 0 (minimum at x = -1)
        "x/(3 + x*sin(x)/(1 + x**2))",  # |x sin(x)/(1 + x**2)| <= 1/2
    ],
)
def test_true_definitions_the_domain_check_cannot_prove_are_accepted(text: str) -> None:
    # no failing point exists, so none is found: the definition is accepted and the analysis,
    # which has certified sign charts, decides the rest (it proves these continuous)
    act = symact.define(text)
    assert act.expr.has(symact.x)


def test_every_catalog_entry_is_proved_real() -> None:
    for act in symact.all_activations():
        if isinstance(act, symact.Activation):
            check_real_domain(act.expr, act.name)


# -- masked arrays -----------------------------------------------------------------------------------


def test_masked_arrays_are_refused_with_the_way_to_keep_the_mask() -> None:
    with pytest.raises(TypeError, match=r"np\.ma\.masked_array\(f\(m\.data\), mask=m\.mask\)"):
        _gelu()(_masked)
    kept = np.ma.masked_array(_gelu()(_masked.data), mask=_masked.mask)
    assert kept.mask.tolist() == [False, True]
    with mpmath.workdps(40):
        want = float(mpmath.mpf(1) / 2 * (1 + mpmath.erf(1 / mpmath.sqrt(2))))
    assert kept[0] == want
