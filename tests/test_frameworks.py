"""Conformance of PyTorch, JAX and Keras with the catalog's Framework records.

For every catalog entry and every framework record on it: the name resolves; the recorded
defaults are the framework's signature defaults; the framework computes symact's definition at
its settings on a grid and at the breakpoints (within :func:`symact.validation.frameworks.agrees`;
its ULP error is measured by the report, not asserted here); the autograd derivative at every
breakpoint is the recorded convention; a module with a mode starts in it; and each parameter
spelling ``symact.get`` accepts gives the framework's function at another value of it.
A framework that is not installed skips with the reason.

symact's side (the forms and their breakpoints) is computed by the module fixture before any
framework is imported, so symact's budget workers start from a process without the frameworks'
threads.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy

from symact.analysis.pieces import breakpoints
from symact.core.errors import DefinitionError
from symact.definition.activation import Activation, Framework
from symact.definition.registry import (
    PARAM_ALIASES,
    SELECTORS,
    accepted_parameters,
    all_activations,
    all_vector_activations,
    get,
)
from symact.definition.vector import VectorActivation
from symact.numeric.truth import truth
from symact.validation import frameworks as fwv
from symact.validation import vector as vec

pytestmark = [
    pytest.mark.frameworks,
    # JAX warns at every fork that it is multithreaded; symact's budget workers only run SymPy
    pytest.mark.filterwarnings("ignore:os.fork\\(\\) was called:RuntimeWarning"),
]

RECORDS: list[tuple[Activation | VectorActivation, Framework]] = [
    (act, fw) for act in (*all_activations(), *all_vector_activations()) for fw in act.frameworks
]
SCALAR = [(a, f) for a, f in RECORDS if isinstance(a, Activation)]
VECTOR = [(a, f) for a, f in RECORDS if isinstance(a, VectorActivation)]


def _id(record: tuple[Any, Framework]) -> str:
    return f"{record[0].name}-{record[1].api}"


def _need(framework: str) -> None:
    reason = fwv.unavailable(framework)
    if reason:
        pytest.skip(reason)


def _changed(value: Any) -> Any:
    """Another value of a framework setting (3/2 of a number, 1/2 for 0, the other GELU form)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, str):
        return {"none": "tanh", "tanh": "none"}[value]
    return value * sympy.Rational(3, 2) if value != 0 else sympy.Rational(1, 2)


def _variations() -> list[tuple[Activation, Framework, str, Any]]:
    """(entry, record with one setting changed, the setting, its new value) for every setting
    of a record that symact.get accepts (its own parameters and the frameworks' spellings)."""
    out = []
    for act, fw in SCALAR:
        settings = dict(fw.defaults)
        settings.update(fw.args)
        for key, value in settings.items():
            if key in accepted_parameters(act.name) and value is not None:
                new = _changed(value)
                args = dict(fw.args)
                args[key] = new
                out.append((act, dataclasses.replace(fw, args=tuple(args.items())), key, new))
    return out


VARIATIONS = _variations()


def _spelled(act: Activation, key: str) -> bool:
    """Whether ``key`` is a framework's own spelling, not a parameter of the entry."""
    return key not in {p.name for p in act.params}


def _variation_params() -> list[Any]:
    """The frameworks' own spellings run in the default suite, the entries' own parameters with -m slow."""
    return [
        pytest.param(
            v, id=f"{v[0].name}-{v[1].api}-{v[2]}={v[3]}", marks=[] if _spelled(v[0], v[2]) else [pytest.mark.slow]
        )
        for v in VARIATIONS
    ]


Form = tuple[Activation, tuple[sympy.Expr, ...]]


@pytest.fixture(scope="module")
def forms() -> Callable[[Activation, Framework], Form]:
    """symact's form at a record's settings and its breakpoints. Those of the default suite are
    computed before any framework is imported (symact's budget workers start without the
    frameworks' threads); the rest when asked."""
    cache: dict[int, Form] = {}

    def form_of(act: Activation, fw: Framework) -> Form:
        if id(fw) not in cache:
            target = fwv.form(act, fw)
            cache[id(fw)] = (target, breakpoints(target.expr))
        return cache[id(fw)]

    for act, fw in [*SCALAR, *((a, f) for a, f, k, _ in VARIATIONS if _spelled(a, k))]:
        form_of(act, fw)
    return form_of


# ----------------------------------------------------------------------------------------
# The records as data (no framework needed)
# ----------------------------------------------------------------------------------------
def test_every_record_is_structured() -> None:
    """Settings are exact numbers, text, booleans or None; kink points and values are exact
    expressions in the entry's parameter symbols (a float would be transcribed, not exact)."""
    for act, fw in RECORDS:
        for _, v in (*fw.defaults, *fw.args):
            assert v is None or isinstance(v, (bool, str)) or (isinstance(v, sympy.Basic) and v.is_Rational), (act, v)
        params = set()
        if isinstance(act, Activation):
            params = {sympy.Symbol(k, real=True) for k in accepted_parameters(act.name)}
        for p, d in fw.kinks:
            assert not (p.has(sympy.Float) or d.has(sympy.Float)), (act.name, fw.api)
            assert (p.free_symbols | d.free_symbols) <= params, (act.name, fw.api, p, d)


@pytest.mark.parametrize(
    ("name", "params", "expected", "values"),
    [
        ("soft_shrink", {"threshold": sympy.Rational(1, 4)}, "soft_shrink", {"lambd": sympy.Rational(1, 4)}),
        ("hard_shrink", {"threshold": 0.75}, "hard_shrink", {"lambd": sympy.Rational(3, 4)}),
        ("threshold", {"threshold": 2, "default_value": -1}, "threshold", {"threshold": 2, "value": -1}),
        ("prelu", {"init": 0.3}, "prelu", {"weight": sympy.Rational(3, 10)}),
        ("gelu", {"approximate": True}, "gelu_tanh", {}),
        ("gelu", {"approximate": "tanh"}, "gelu_tanh", {}),
        ("gelu_tanh", {"approximate": False}, "gelu", {}),
        ("gelu_tanh", {"approximate": "none"}, "gelu", {}),
        ("softplus", {"beta": 2, "threshold": 20}, "softplus", {"beta": 2, "threshold": 20}),
    ],
)
def test_framework_spellings(name: str, params: dict[str, Any], expected: str, values: dict[str, Any]) -> None:
    act = get(name, **params)
    assert act.name == expected
    assert dict(act.parameters) == values


def test_softplus_threshold_is_the_shortcut_form() -> None:
    """torch's Softplus returns x where beta*x > threshold: the form has that piece, exactly."""
    act = get("softplus", beta=2, threshold=20)
    x = sympy.Symbol("x", real=True)
    assert act(11) == 11  # 2*11 = 22 > 20
    assert act(10) == sympy.log(1 + sympy.exp(20)) / 2  # 2*10 = 20 is not above
    assert get("softplus", beta=2).expr == sympy.log(1 + sympy.exp(2 * x)) / 2


@pytest.mark.parametrize(
    ("name", "params", "error", "words"),
    [
        ("soft_shrink", {"threshold": 1, "lambd": 2}, DefinitionError, "'threshold' and 'lambd'"),
        ("gelu", {"approximate": 3}, DefinitionError, "approximate of gelu"),
        ("gelu", {"approximate": "fast"}, DefinitionError, "'fast'"),
        ("relu", {"threshold": 1}, DefinitionError, "threshold"),
        ("leaky_relu", {"init": 0.1}, DefinitionError, "init"),
    ],
)
def test_framework_spellings_errors(name: str, params: dict[str, Any], error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        get(name, **params)


def test_alias_tables_name_real_parameters() -> None:
    for entry, table in PARAM_ALIASES.items():
        own = {p.name for p in get(entry).params}
        assert set(table.values()) <= own and not set(table) & own, entry
    for entry, (_, choices) in SELECTORS.items():
        assert entry in choices.values() and all(get(c).name == c for c in choices.values())


# ----------------------------------------------------------------------------------------
# Against the installed frameworks
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("record", RECORDS, ids=_id)
def test_name_resolves(record: tuple[Any, Framework]) -> None:
    _need(record[1].framework)
    assert callable(fwv.resolve(record[1].api))


@pytest.mark.parametrize("record", RECORDS, ids=_id)
def test_framework_name_finds_the_entry(record: tuple[Any, Framework]) -> None:
    """symact.get takes the framework's own name: the entry, or one its selector parameter
    chooses between (jax.nn.gelu's name finds gelu; its default, and the record's gelu_tanh,
    is the other GELU form)."""
    act, fw = record
    name = fw.api.rsplit(".", 1)[1]
    expected = {act.name, *SELECTORS.get(act.name, ("", {}))[1].values()}
    assert get(name).name in expected


def _same_setting(recorded: Any, actual: Any) -> bool:
    if recorded is None or isinstance(recorded, (bool, str)):
        return type(recorded) is type(actual) and recorded == actual
    # an exact number is the framework's binary default when that default rounds from it
    return isinstance(actual, (int, float)) and not isinstance(actual, bool) and float(recorded) == float(actual)


@pytest.mark.parametrize("record", RECORDS, ids=_id)
def test_defaults_are_the_signature(record: tuple[Any, Framework]) -> None:
    act, fw = record
    _need(fw.framework)
    try:
        sig = fwv.signature_defaults(fw)
    except ValueError:  # a builtin without a signature (torch.logsumexp): no default can be claimed
        assert not fw.defaults, f"{fw.api} has no readable signature; its recorded defaults cannot be checked"
        return
    for key, value in fw.defaults:
        assert key in sig, f"{fw.api} has no parameter {key} with a default"
        assert _same_setting(value, sig[key]), f"{fw.api}: {key} recorded {value!r}, signature {sig[key]!r}"
    if isinstance(act, Activation):  # every default symact can express is recorded
        missing = (set(sig) & accepted_parameters(act.name)) - {k for k, _ in fw.defaults}
        assert not missing, f"{fw.api}: defaults of {sorted(missing)} are not recorded"


#: Records whose framework does not compute the entry, with the measured reason. Each is a
#: strict xfail: when the framework is fixed, the test fails until the entry is removed here.
KNOWN_NONCONFORMING = {
    ("sparsemax", "keras.activations.sparsemax", None): "Keras 3.15.1 takes tau = (sum of the prefix sums over "
    "the support - 1)/k instead of (the k-th prefix sum - 1)/k: wrong whenever the support has 2 or more "
    "entries (sparsemax([1, 1]) is [0, 0], not [1/2, 1/2])",
    ("tanh", "keras.activations.tanh", "float64"): "Keras 3.15.1 computes float64 input in float32: its "
    "dtype rule result_type('float64', float) is float32 (tanh(-9.0) returns -1.0 after a float32 rounding)",
}


def _params(records: list[Any], dtypes: tuple[Any, ...], slow: tuple[Any, ...] = ()) -> list[Any]:
    """(record, dtype) pairs, strict xfail where known not to conform, ``slow`` dtypes marked slow."""
    out = []
    for record in records:
        for dt in dtypes:
            key = (record[0].name, record[1].api)
            reason = KNOWN_NONCONFORMING.get((*key, None)) or KNOWN_NONCONFORMING.get((*key, np.dtype(dt).name))
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            marks += [pytest.mark.slow] if dt in slow else []
            out.append(pytest.param(record, dt, marks=marks, id=f"{_id(record)}-{np.dtype(dt).name}"))
    return out


# float32 with -m slow: each dtype is one more XLA compilation per JAX and Keras function
@pytest.mark.parametrize(("record", "dtype"), _params(SCALAR, (np.float64, np.float32), slow=(np.float32,)))
def test_values_conform(record: tuple[Activation, Framework], dtype: Any, forms: Callable) -> None:
    act, fw = record
    target, points = forms(act, fw)
    _need(fw.framework)
    xs = fwv.grid(points, 121, dtype)
    got = fwv.framework_function(fw)(xs)
    ok = fwv.conforms(target, xs, got, points)
    bad = np.flatnonzero(~ok)[:5]
    assert ok.all(), f"{fw.api} is not {target.expr} at {list(zip(xs[bad], got[bad], truth(target.expr, xs)[bad]))}"


def _close(got: float, want: sympy.Expr) -> bool:
    w = float(want)
    return abs(got - w) <= 2.0**-50 * max(1.0, abs(w))


def _check_kinks(fw: Framework, target: Activation, points: tuple[sympy.Expr, ...]) -> None:
    recorded = fw.kinks_at(target.parameters)
    assert sorted(p for p, _ in recorded) == list(points), (
        f"{fw.api}: kinks recorded at {[p for p, _ in recorded]}, the breakpoints of {target.expr} are {points}"
    )
    got = fwv.framework_derivative(fw, [float(p) for p, _ in recorded])
    for (p, d), g in zip(recorded, got):
        assert _close(float(g), d), f"{fw.api}: autograd gives {g!r} at x = {p}, the record says {d}"


@pytest.mark.parametrize("record", SCALAR, ids=_id)
def test_kink_conventions(record: tuple[Activation, Framework], forms: Callable) -> None:
    act, fw = record
    target, points = forms(act, fw)
    _need(fw.framework)
    _check_kinks(fw, target, points)


@pytest.mark.parametrize("variation", _variation_params())
def test_each_accepted_setting(variation: tuple[Activation, Framework, str, Any], forms: Callable) -> None:
    """The framework at another value of each setting symact.get accepts (in the framework's
    spelling) is symact.get at that value, values and kink conventions."""
    act, fw, key, value = variation
    target, points = forms(act, fw)
    _need(fw.framework)
    xs = fwv.grid(points, 61, np.float64)
    got = fwv.framework_function(fw)(xs)
    ok = fwv.conforms(target, xs, got, points)
    bad = np.flatnonzero(~ok)[:5]
    want = truth(target.expr, xs)
    assert ok.all(), f"{fw.api}({key}={value}) is not {target.expr} at {list(zip(xs[bad], got[bad], want[bad]))}"
    _check_kinks(fw, target, points)


@pytest.mark.parametrize("record", [r for r in SCALAR if r[1].mode], ids=_id)
def test_modes(record: tuple[Activation, Framework]) -> None:
    """A module recorded with a mode is built in it, and its output there is not the definition's."""
    _, fw = record
    _need(fw.framework)
    built = fwv.resolve(fw.api)(**{k: fwv.native(v) for k, v in fw.args})
    assert built.training is (fw.mode == "training")
    xs = -np.linspace(1.0, 2.0, 64)
    trained = fwv.framework_function(fw, training=True)(xs)
    evaluated = fwv.framework_function(fw)(xs)
    assert not np.array_equal(trained, evaluated)


@pytest.mark.parametrize(("record", "dtype"), _params(VECTOR, (np.float64, np.float32)))
def test_vector_values_conform(record: tuple[VectorActivation, Framework], dtype: Any) -> None:
    act, fw = record
    _need(fw.framework)
    rng = np.random.default_rng(15)
    data = (rng.standard_normal((6, 8)) * 4).astype(dtype)
    data[0, :4] = [0.0, -100.0, 3.0, 3.0]  # a dominant entry and a tie
    got = fwv.framework_function(fw)(data)
    want = vec.truth(act.name, data).reshape(got.shape)
    size = np.abs(data).max(axis=-1, keepdims=True)
    ok = fwv.agrees(got, want, size if got.ndim == data.ndim else size[..., 0])
    assert ok.all(), f"{fw.api} differs from {act.name} at rows {sorted(set(np.argwhere(~ok)[:, 0]))}"


@pytest.mark.slow
@pytest.mark.parametrize(("record", "dtype"), _params(SCALAR, (np.float64, np.float32)))
def test_symact_code_meets_its_bars_where_frameworks_are_measured(
    record: tuple[Activation, Framework], dtype: Any
) -> None:
    """On the grid the framework is measured on (dense, 2001 points), symact's generated code for the
    form at the framework's settings is within its validation bar; the framework's own error is
    measured next to it (recorded by the report, asserted only as conformance)."""
    act, fw = record
    _need(fw.framework)
    got = fwv.measure(act, fw, dtype, size=2001)
    assert got["symact_bar_met"], f"symact's code for {fwv.form(act, fw).expr}: {got}"


@pytest.mark.parametrize("name", ["leaky_relu", "hard_tanh"])
def test_the_json_report_holds_the_measured_conformance_table(name, capsys):
    """`symact report NAME --format json --conformance`: one row per framework record of the entry, each
    framework measured where installed (its ULP errors next to symact's), its kink convention at its settings."""
    import json

    from symact import cli

    act = next(a for a, _ in SCALAR if a.name == name)
    assert cli.main(["report", name, "--format", "json", "--no-validate", "--no-plots", "--conformance"]) == 0
    [entry] = json.loads(capsys.readouterr().out)["activations"]
    rows = entry["conformance"]
    assert [(r["framework"], r["api"]) for r in rows] == [(fw.framework, fw.api) for fw in act.frameworks]
    for row, fw in zip(rows, act.frameworks):
        target = fwv.form(act, fw)
        assert row["kinks"] == {str(p): str(d) for p, d in fw.kinks_at(target.parameters)}
        if row["unavailable"] is not None:
            assert "accuracy" not in row
            continue
        for dtype in ("float64", "float32"):
            got = row["accuracy"][dtype]
            assert got["points"] > 0 and got["symact_bar_met"] is True
            assert got["symact_max_ulp"] <= got["framework_max_ulp_entry_normal"] + 1  # symact is as good or better


def test_conformance_needs_the_json_format():
    from symact import cli

    assert cli.main(["report", "relu", "--format", "markdown", "--no-plots", "--no-validate", "--conformance"]) == 2
