"""Tests of symact.definition.parse: safe definitions from text or SymPy, never executed."""

from __future__ import annotations

import time
import tracemalloc

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import (
    Abs,
    E,
    Heaviside,
    Max,
    Min,
    Piecewise,
    Rational,
    atan,
    cos,
    cosh,
    erf,
    erfc,
    exp,
    log,
    pi,
    sign,
    sin,
    sinc,
    sinh,
    sqrt,
    tanh,
)

from hostile_inputs import HOSTILE, OUTSIDE_R, marker_payloads
from symact import Activation, Parameter, x
from symact.core.errors import DefinitionError
from symact.definition import parse
from symact.definition.activation import DOMAIN_EXPLAIN_SECONDS
from symact.definition.parse import FUNCTIONS, MAX_LENGTH, check_expr, define, parse_expr_safely

R = Rational
alpha = sympy.Symbol("alpha", real=True)
beta = sympy.Symbol("beta", real=True)

# -- round trips ------------------------------------------------------------------------------------

ROUND_TRIPS = [
    ("x", x),
    ("3", sympy.Integer(3)),
    ("1_000", sympy.Integer(1000)),
    ("0.044715", R(44715, 1000000)),
    ("1e-3", R(1, 1000)),
    ("2.5E+2", sympy.Integer(250)),
    (".5", R(1, 2)),
    ("5.", sympy.Integer(5)),
    ("0e999", sympy.Integer(0)),
    ("1.0507009873554804934193349852946", R("1.0507009873554804934193349852946")),
    ("pi", pi),
    ("E", E),
    ("x + 1", x + 1),
    ("x - 1 - x", sympy.Integer(-1)),
    ("2*x/3", 2 * x / 3),
    ("x/2/2", x / 4),
    ("x**2", x**2),
    ("x**-2", x**-2),
    ("2**x", 2**x),
    ("2**3**2", sympy.Integer(512)),
    ("(-2)**3", sympy.Integer(-8)),
    ("-x", -x),
    ("+x", x),
    ("--x", x),
    ("-(x + 1)", -x - 1),
    ("(((x)))", x),
    ("x**(1/2)", sqrt(x)),
    ("x**64", x**64),
    ("2**1000", sympy.Integer(2) ** 1000),
    ("(2**4000 + 1)/2**4000", (sympy.Integer(2) ** 4000 + 1) / sympy.Integer(2) ** 4000),
    ("E**x", exp(x)),
    ("exp(x)", exp(x)),
    ("log(x)", log(x)),
    ("log1p(x)", log(1 + x)),
    ("expm1(x)", exp(x) - 1),
    ("sqrt(x**2 + 1)", sqrt(x**2 + 1)),
    ("sqrt(8)", 2 * sqrt(2)),
    ("cbrt(x)", sign(x) * Abs(x) ** R(1, 3)),
    ("abs(x)", Abs(x)),
    ("Abs(x)", Abs(x)),
    ("sign(x)", sign(x)),
    ("tanh(x)", tanh(x)),
    ("sinh(x)", sinh(x)),
    ("cosh(x)", cosh(x)),
    ("sin(x)", sin(x)),
    ("cos(x)", cos(x)),
    ("atan(x)", atan(x)),
    ("arctan(x)", atan(x)),
    ("asinh(x)", sympy.asinh(x)),
    ("arcsinh(2*x)", sympy.asinh(2 * x)),
    ("erf(x/sqrt(2))", erf(x / sqrt(2))),
    ("erfc(x)", erfc(x)),
    ("sigmoid(x)", 1 / (1 + exp(-x))),
    ("softplus(x)", log(1 + exp(x))),
    ("sinc(x)", sinc(x)),
    ("Max(0, x)", Max(0, x)),
    ("max(0, x, x/2)", Max(0, x, x / 2)),
    ("Min(6, Max(0, x))", Min(6, Max(0, x))),
    ("min(x, 1)", Min(x, 1)),
    ("Heaviside(x)", Heaviside(x)),
    ("Heaviside(x, 1)", Heaviside(x, 1)),
    ("Heaviside(x, 0.5)", Heaviside(x, R(1, 2))),
    ("Piecewise((x, x >= 0), (x/100, True))", Piecewise((x, x >= 0), (x / 100, True))),
    (
        "Piecewise((0, x <= -1), ((x + 1)**2/4, x < 1), (x, True))",
        Piecewise((0, x <= -1), ((x + 1) ** 2 / 4, x < 1), (x, True)),
    ),
    ("where(x > 0, x, exp(x) - 1)", Piecewise((x, x > 0), (exp(x) - 1, True))),
    ("where(0 < x < 1, x, 0)", Piecewise((x, (x > 0) & (x < 1)), (0, True))),
    ("where((x > 0) & (x < 1), 1, 0)", Piecewise((1, (x > 0) & (x < 1)), (0, True))),
    ("where((x < -1) | (x > 1), x, 0)", Piecewise((x, (x < -1) | (x > 1)), (0, True))),
    ("where(x < -1 or x > 1, x, 0)", Piecewise((x, (x < -1) | (x > 1)), (0, True))),
    ("where(x > 0 and x != 2, x, 0)", Piecewise((x, (x > 0) & sympy.Ne(x, 2)), (0, True))),
    ("where(not x > 0, 0, x)", Piecewise((0, x <= 0), (x, True))),
    ("where(x == 0, 1, sin(x)/x)", Piecewise((1, sympy.Eq(x, 0)), (sin(x) / x, True))),
    ("Piecewise((x, x > 0), (0, False), (1, True))", Piecewise((x, x > 0), (1, True))),
    ("x*tanh(log(1 + exp(x)))", x * tanh(log(1 + exp(x)))),
    ("x/2*(1 + tanh(sqrt(2/pi)*(x + 0.044715*x**3)))", x / 2 * (1 + tanh(sqrt(2 / pi) * (x + R("0.044715") * x**3)))),
    ("  x +\t1", x + 1),
    ("(x\n + 1)", x + 1),
]


@pytest.mark.parametrize(("text", "expected"), ROUND_TRIPS, ids=[t for t, _ in ROUND_TRIPS])
def test_round_trip(text, expected):
    got = parse_expr_safely(text)
    assert got == expected
    assert not got.has(sympy.Float)


def test_worker_transfer_rebuilds_equal_expressions():
    """Results cross from the budget worker as flat nodes rebuilt without evaluation."""
    import symact

    exprs = [act.template for act in symact.all_activations()] + [e for _, e in ROUND_TRIPS]
    for expr in exprs:
        back = parse._decode(parse._encode(expr))
        assert back == expr and back.free_symbols == expr.free_symbols


def test_every_function_of_the_table_has_a_round_trip():
    texts = " ".join(t for t, _ in ROUND_TRIPS)
    assert all(f"{name}(" in texts for name in FUNCTIONS)


def test_parameters_are_real_symbols():
    got = parse_expr_safely("Max(x, alpha*x) + beta", params=["alpha", "beta"])
    assert got == Max(x, alpha * x) + beta
    assert got.free_symbols == {x, alpha, beta}
    assert all(s.is_real for s in got.free_symbols)


def test_decimals_are_exact_not_floats():
    assert parse_expr_safely("0.1 + 0.2") == R(3, 10)
    assert parse_expr_safely("1.5e-10") == R(15, 10**11)


# -- errors name the token and the column ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "token", "column", "fragment"),
    [
        ("x*tahn(x)", "tahn", 3, "did you mean 'tanh'"),
        ("x + y", "y", 5, "unknown name"),
        ("alpah*x", "alpah", 1, "did you mean 'alpha'"),
        ("x^2", "^", 2, "write **"),
        ("x.__class__", ".__class__", 2, "attribute access"),
        ("1 + 1/0", "/", 6, "division by zero"),
        ("exp(x, key=1)", "key=", 8, "keyword arguments"),
        ("\uff45xp(x)", "\uff45", 1, "look-alike of 'e'"),
        ("x + \u200b1", "\u200b", 5, "ZERO WIDTH SPACE"),
        ("x + 'a'", "'", 5, "strings"),
        ("x y", "y", 3, "syntax error"),
        ("e**x", "e", 1, "Euler's number is E"),
        ("x**65", "**", 2, "too large"),
        ("2**2**2**2**2**2", "**", 5, "bits"),
        ("lambda: x", "lambda: x", 1, "lambda"),
        ("exp(x, x)", "exp", 1, "exp takes 1 argument, got 2"),
        ("x +", None, 4, "ends too early"),
        ("1e99999", "1e99999", 1, "too large"),
        ("where(x > 0 & x < 1, 1, 0)", "&", 13, "parentheses"),
    ],
)
def test_error_names_token_and_column(text, token, column, fragment):
    with pytest.raises(DefinitionError) as info:
        parse_expr_safely(text, params=["alpha"] if "alpah" in text else ())
    err = info.value
    assert isinstance(err, ValueError)
    assert err.token == token
    assert err.column == column
    assert fragment in str(err)
    if token is not None:
        assert f"at {token!r} (column {column})" in str(err)
    assert err.source == text


def test_column_counts_from_the_start_of_the_whole_text():
    with pytest.raises(DefinitionError) as info:
        parse_expr_safely("(x +\n y)")
    assert info.value.column == 7 and info.value.token == "y"


# -- the hostile corpus -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [t for _, t in HOSTILE], ids=[i for i, _ in HOSTILE])
def test_hostile_input_rejected_quickly(text):
    t0 = time.perf_counter()
    with pytest.raises(DefinitionError) as info:
        parse_expr_safely(text)
    took = time.perf_counter() - t0
    assert took < 1.0
    err = info.value
    assert err.message
    if len(text) <= MAX_LENGTH and text.strip():
        assert err.column is not None and 1 <= err.column <= len(text) + 1


@pytest.mark.parametrize(("text", "fragment"), [r[1:] for r in OUTSIDE_R], ids=[r[0] for r in OUTSIDE_R])
def test_definitions_not_real_on_all_of_r_are_rejected_by_define(text, fragment):
    parse_expr_safely(text)  # the parser accepts the text: only the domain rejects it
    t0 = time.perf_counter()
    with pytest.raises(DefinitionError, match="is not real on all of R") as info:
        define(text)
    assert time.perf_counter() - t0 < 2 * DOMAIN_EXPLAIN_SECONDS + 1  # proving, then explaining under its budget
    assert fragment in str(info.value)


def test_corpus_is_large_enough():
    assert len(HOSTILE) >= 60
    assert len({i for i, _ in HOSTILE}) == len(HOSTILE)


@pytest.mark.parametrize("text", [t for _, t in HOSTILE[::7]], ids=[i for i, _ in HOSTILE[::7]])
def test_hostile_input_rejected_by_define_too(text):
    t0 = time.perf_counter()
    with pytest.raises(DefinitionError):
        define(text)
    assert time.perf_counter() - t0 < 1.0


def test_no_payload_is_ever_executed(tmp_path):
    marker = tmp_path / "executed.marker"
    payloads = marker_payloads(str(marker))
    for _, text in payloads:
        with pytest.raises(DefinitionError):
            parse_expr_safely(text)
        with pytest.raises(DefinitionError):
            define(text, name="payload")
        with pytest.raises(DefinitionError):
            parse_expr_safely(text, params=["key", "y"])
    assert not marker.exists()


def test_marker_payloads_are_live(tmp_path):
    """Control: the payloads really create the marker when Python evaluates them (as sympify would)."""
    marker = tmp_path / "m"
    live = 0
    for _, text in marker_payloads(str(marker)):
        if any(word in text for word in ("lambda", "[", "key=", "x", "Piecewise")):
            continue  # these need a namespace (x, exp, Piecewise); the plain ones prove the point
        marker.unlink(missing_ok=True)
        eval(compile(text, "<payload>", "eval"), {})  # deliberate, on our own test payload
        assert marker.exists(), text
        live += 1
    assert live >= 3


def test_worst_inputs_use_bounded_memory():
    """The whole text path, run in this process (parse._parse, no worker), stays small."""
    worst = [
        t
        for i, t in HOSTILE
        if i
        in {
            "qwed-chain",
            "tower-2",
            "tower-10",
            "x-pow-googol",
            "exp-log-power",
            "product-of-roots",
            "mul-of-big",
            "unary-1999",
            "many-terms",
            "pow-chain-long",
            "not-chain",
        }
    ]
    worst += ["x+" * 999 + "x", "sqrt(" * 40 + "x" + ")" * 40]
    for text in worst:
        tracemalloc.start()
        try:
            with pytest.raises(parse._Fail):
                parse._parse(text, {})
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 20 * 2**20, (text[:40], peak)


def test_largest_accepted_inputs_are_fast():
    ok = [
        "+".join(f"x**{k % 64}" for k in range(120)),  # near the node limit (479 parts)
        "exp(" * 38 + "x" + ")" * 38,  # near the depth limit
        "2**1000 + 9**300",
        "(2**4000 + 1)/2**4000 + x",
        "+".join(f"sqrt({10**30 + k})" for k in range(50)),
    ]
    for text in ok:
        t0 = time.perf_counter()
        parse_expr_safely(text)
        assert time.perf_counter() - t0 < 1.0


def test_max_min_arity_and_piecewise_size_are_capped():
    nine = ", ".join(f"x**{k}" for k in range(9))
    with pytest.raises(DefinitionError, match="Max would have 9 arguments"):
        parse_expr_safely(f"Max({nine})")
    with pytest.raises(DefinitionError, match="counting nested"):
        parse_expr_safely(
            "Max(Max(x, x**2 + 1, x**3 + 2, x**4 + 3, x**5 + 4), Max(x**6 + 5, x**7 + 6, x**8 + 7, x**9 + 8))"
        )
    assert parse_expr_safely("Min(6, Max(0, x))") == Min(6, Max(0, x))
    pieces = ", ".join(f"({k}*x, x < {k})" for k in range(33))
    with pytest.raises(DefinitionError, match="34 pieces"):
        parse_expr_safely(f"Piecewise({pieces}, (0, True))")


def test_time_budget_is_the_safety_net(monkeypatch):
    # Allowed by every structural limit, but slow for SymPy (pairwise Max comparisons).
    heavy = "Max(" + ", ".join(f"tanh(x + {k})*x**2 - log(1 + exp({k}*x))" for k in range(1, 9)) + ")"
    monkeypatch.setattr(parse, "BUILD_SECONDS", 0.05)
    t0 = time.perf_counter()
    with pytest.raises(DefinitionError, match="too complex"):
        define(heavy)
    assert time.perf_counter() - t0 < 1.0


# -- random text never escapes as anything but DefinitionError ---------------------------------------

_TOKENS = [
    "x",
    "(",
    ")",
    "+",
    "-",
    "*",
    "/",
    "**",
    ",",
    "1",
    "2",
    "0.5",
    "1e3",
    "9**9",
    "pi",
    "E",
    "exp",
    "log",
    "sqrt",
    "tanh",
    "Max",
    "Piecewise",
    "where",
    "Heaviside",
    "<",
    ">=",
    "==",
    "and",
    "not",
    "&",
    "True",
    "(x, x > 0)",
    "alpha",
    "y",
    ".",
    "[",
    "]",
    "lambda",
    ":",
    "__class__",
    "0",
    "-1",
    "sigmoid",
    "cbrt",
    " ",
]


def _outcome(text, in_process=False):
    t0 = time.perf_counter()
    try:
        if in_process:  # no budget worker: the structural limits alone must keep it fast
            result = parse._parse(text, {"alpha": alpha})
        else:
            result = parse_expr_safely(text, params=["alpha"])
    except (DefinitionError, parse._Fail):
        result = None
    assert time.perf_counter() - t0 < 1.0
    if result is not None:
        assert isinstance(result, sympy.Expr)
        assert result.free_symbols <= {x, alpha}
        assert not result.has(sympy.Float, sympy.I, sympy.zoo, sympy.oo, sympy.nan)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=120))
def test_random_printable_text(text):
    _outcome(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=40).map("".join))
def test_random_token_soup(text):
    _outcome(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=60).map("".join))
def test_random_token_soup_in_process_without_budget(text):
    _outcome(text, in_process=True)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_random_unicode_text(text):
    _outcome(text)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=30).map("".join))
def test_random_text_through_define(text):
    try:
        act = define(text, params={"alpha": 1})
    except DefinitionError:
        return
    assert isinstance(act, Activation)
    assert act.expr.free_symbols <= {x}


# -- SymPy expressions given to define ----------------------------------------------------------------


def test_sympy_input_symbol_named_x_becomes_symact_x():
    plain = sympy.Symbol("x")
    act = define(plain * tanh(log(1 + exp(plain))), name="mish")
    assert act.expr == x * tanh(log(1 + exp(x)))
    assert act.expr.free_symbols == {x}
    positive = sympy.Symbol("x", positive=True)
    assert check_expr(positive + 1) == x + 1


def test_sympy_input_parameters():
    a = sympy.Symbol("alpha")  # no assumptions: replaced by the real parameter symbol
    act = define(Max(sympy.Symbol("x"), a * sympy.Symbol("x")), name="leaky", params={"alpha": R(1, 10)})
    assert act.template == Max(x, alpha * x)
    assert act.expr == Max(x, x / 10)


@pytest.mark.parametrize(
    ("expr", "fragment"),
    [
        (sympy.Float("0.5") * x, "nsimplify"),
        (x + sympy.I, "complex"),
        (sympy.asin(x), "asin"),
        (sympy.Function("f")(x), "undefined function"),
        (x + sympy.Symbol("y"), "unknown symbol"),
        (x + sympy.Dummy("x"), "Dummy"),
        (sympy.Pow(2, 10**40, evaluate=False), "bits"),
        (sympy.exp(sympy.Mul(10**40, log(2), evaluate=False), evaluate=False), "bits"),
        (sympy.Pow(x, 1000), "too large"),
        (sympy.Integer(3) ** 9000, "bits"),
        (x + sympy.oo, "infinite"),
        (sympy.EulerGamma * x, "pi and E"),
        (sympy.Mul(*[sqrt(10**30 + 2 * k + 1) for k in range(20)], evaluate=False), "roots"),
        (sympy.exp(sympy.exp(1000, evaluate=False), evaluate=False) * x, "too large"),
        (Max(log(8), 3 * log(2), evaluate=False) * x, "too close"),
        (sign(sympy.Add(log(8), -3 * log(2), evaluate=False), evaluate=False), "nearly"),
    ],
    ids=[
        "float",
        "I",
        "asin",
        "undefined-function",
        "free-symbol",
        "dummy",
        "huge-pow",
        "exp-log-power",
        "x-pow-1000",
        "huge-int",
        "oo",
        "euler-gamma",
        "roots",
        "double-exp",
        "near-equal-max",
        "disguised-zero",
    ],
)
def test_sympy_input_rejected(expr, fragment):
    t0 = time.perf_counter()
    with pytest.raises(DefinitionError, match=fragment):
        check_expr(expr)
    assert time.perf_counter() - t0 < 1.0


def test_sympy_input_not_an_expression():
    with pytest.raises(DefinitionError, match="must be a SymPy expression"):
        define(x > 0)
    with pytest.raises(TypeError, match="string or a SymPy expression"):
        define(42)
    with pytest.raises(TypeError):
        check_expr("x")


def test_sympy_input_deep_or_shared_trees_rejected_without_recursion():
    deep = x
    for _ in range(3000):
        deep = sympy.exp(deep, evaluate=False)
    shared = x
    for _ in range(60):  # a DAG of 60 nodes that is a tree of 2**60 nodes
        shared = sympy.Add(shared, shared, evaluate=False)
    for expr in (deep, shared):
        t0 = time.perf_counter()
        with pytest.raises(DefinitionError, match="too"):
            check_expr(expr)
        assert time.perf_counter() - t0 < 1.0


# -- define: names, parameters, result -----------------------------------------------------------------


def test_define_returns_an_activation_with_exact_parameters():
    act = define("where(x > 0, x, alpha*(exp(x) - 1))", name="elu_like", params={"alpha": 1.0})
    assert act.name == "elu_like"
    assert act.params == (Parameter("alpha", sympy.Integer(1)),)
    assert act.template == Piecewise((x, x > 0), (alpha * (exp(x) - 1), True))
    assert act.with_params(alpha="0.5").expr == Piecewise((x, x > 0), (R(1, 2) * (exp(x) - 1), True))
    assert define("x").name == "custom"


def test_define_unused_parameter_is_allowed():
    assert define("x", params={"alpha": 2}).values == (("alpha", 2),)


@pytest.mark.parametrize(
    "bad", ["x", "exp", "pi", "E", "e", "lambda", "_hidden", "1a", "a-b", "\uff41", "I", "oo", "a" * 65]
)
def test_define_rejects_bad_parameter_names(bad):
    with pytest.raises(DefinitionError, match="parameter name"):
        define("x", params={bad: 1})


def test_define_rejects_bad_parameter_values_and_types():
    with pytest.raises(DefinitionError, match="alpha must be a finite real number"):
        define("alpha*x", params={"alpha": float("nan")})
    with pytest.raises(TypeError, match="mapping"):
        define("alpha*x", params=["alpha"])
    with pytest.raises(TypeError, match="strings"):
        define("x", params={1: 2})
    with pytest.raises(TypeError):
        parse_expr_safely("x", params="alpha")


@pytest.mark.parametrize("bad", ["", "my act", "mish!", "1relu", "\u0445", "a" * 65])
def test_define_rejects_bad_names(bad):
    with pytest.raises(DefinitionError, match="activation name"):
        define("x", name=bad)


def test_define_rejects_non_string_source_type():
    with pytest.raises(TypeError):
        parse_expr_safely(b"x")  # type: ignore[arg-type]


def test_define_error_carries_fields_across_the_budget_worker():
    with pytest.raises(DefinitionError) as info:
        define("x + tahn(x)")
    assert (info.value.token, info.value.column, info.value.source) == ("tahn", 5, "x + tahn(x)")
