"""The compiled backend (:mod:`symact.codegen.compiled`): ULP bars, special values, dtypes, threads, API.

The seven activations the issue names (relu, sigmoid, gelu, silu, softplus, mish, elu) are validated at
the NumPy code's bars, f and f', float32 and float64 (:func:`symact.validation.export.validate_numba`,
quick input set); the whole scalar catalog is the ``slow`` run. Skipped when Numba is not installed.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import symact
from symact.codegen import compiled
from symact.definition.registry import all_activations
from symact.validation.export import validate_numba

numba = pytest.importorskip("numba", reason="numba is not installed (pip install symact[numba])")

pytestmark = pytest.mark.filterwarnings("ignore:os.fork\\(\\) was called:RuntimeWarning")

#: The activations of the speed bar (issue 14, item 3).
BAR = ("relu", "sigmoid", "gelu", "silu", "softplus", "mish", "elu")


#: Numba compiles each of these for 20-30 s (the double-double erfc, tanh of softplus): the slow run.
_LONG_TO_COMPILE = ("gelu", "mish")


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=[pytest.mark.slow] if n in _LONG_TO_COMPILE else []) for n in BAR]
)
def test_meets_the_numpy_bars(name: str) -> None:
    rep = validate_numba(name, size="quick")
    assert {(r.dtype, r.derivative) for r in rep.results} == {(t, d) for t in ("float32", "float64") for d in (0, 1)}
    assert rep.ok, str(rep)
    assert all(r.wrong == 0 and r.warnings == 0 for r in rep.results)
    assert all(r.max_ulp <= 1 for r in rep.results if r.dtype == "float32")


@pytest.mark.slow
@pytest.mark.parametrize("name", [a.name for a in all_activations()])
def test_catalog_meets_the_numpy_bars(name: str) -> None:
    assert validate_numba(name, size="quick").ok


def _special() -> np.ndarray:
    tiny = np.finfo(np.float64).tiny
    vals = [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, tiny, -tiny, 1e308, -1e308, 1.0, -1.0, 0.5]
    return np.array(vals + list(np.linspace(-50, 50, 41)), dtype=np.float64)


@pytest.mark.parametrize("name", ["relu", "elu", "silu", "gelu"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_special_values_bit_for_bit_where_exact(name: str, dtype: type) -> None:
    """±0, ±inf, nan, subnormals: the NumPy code's values (bit for bit on the selections and the zeros)."""
    act = symact.get(name)
    f, g = compiled.to_numba(act), symact.to_numpy(act)
    with np.errstate(over="ignore"):
        xs = _special().astype(dtype)
    a, b = f(xs), g(xs)
    assert a.dtype == b.dtype == dtype
    assert np.array_equal(np.isnan(a), np.isnan(b))
    ok = ~np.isnan(b)
    assert np.array_equal(np.signbit(a[ok]), np.signbit(b[ok]))
    exact = ok & (np.isinf(b) | (b == 0) | (np.abs(xs) <= 1) & (name == "relu"))
    assert np.array_equal(a[exact], b[exact])
    assert np.allclose(a[ok], b[ok], rtol=4 * np.finfo(dtype).eps, atol=0)


def test_dtypes_shapes_and_scalars() -> None:
    f = compiled.to_numba(symact.get("sigmoid"))
    g = symact.to_numpy(symact.get("sigmoid"))
    x = np.linspace(-5, 5, 12).reshape(3, 4)
    assert f(x).shape == (3, 4) and f(x).dtype == np.float64
    assert f(x.T).shape == (4, 3) and np.array_equal(f(x.T), f(x).T)  # non-contiguous input
    assert f(x.astype(np.float16)).dtype == np.float16
    assert np.array_equal(f(x.astype(np.float16)), g(x.astype(np.float16)))
    assert f(np.arange(3)).dtype == np.float64  # integers give float64
    s = f(np.float32(0.0))
    assert isinstance(s, np.float32) and s == 0.5
    assert f(0.0) == 0.5 and np.ndim(f(0.0)) == 0
    assert f(np.zeros(0)).shape == (0,)
    swapped = x.astype(">f8")
    assert np.array_equal(f(swapped), f(x)) and f(swapped).dtype == g(swapped).dtype  # as NumPy: ">f8"
    with pytest.raises(TypeError, match="complex"):
        f(np.array([1j]))


def test_threads_give_the_same_bits() -> None:
    f = compiled.to_numba(symact.get("mish"))
    x = np.random.default_rng(1).standard_normal(50_000) * 8
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = f(x)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = f(x)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(one.view(np.int64), two.view(np.int64))


def test_threads_of_python_may_call_at_once() -> None:
    f = compiled.to_numba(symact.get("elu"))
    x = np.linspace(-20, 20, 20_001)
    want = f(x)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(f, [x] * 8))
    assert all(np.array_equal(g, want) for g in got)


def test_derivative_and_convention() -> None:
    relu_d = symact.get("relu").numba(1)
    assert np.array_equal(relu_d(np.array([-1.0, 0.0, 2.0])), [0.0, 0.0, 1.0])
    jax_d = symact.get("hard_tanh").numba(1, convention="jax")
    assert np.array_equal(jax_d(np.array([-1.0, 0.0, 1.0])), [1.0, 1.0, 1.0])


def test_scalar_source_is_the_numpy_code_as_scalars() -> None:
    assert compiled.scalar_source(symact.get("elu")).splitlines()[2] == "    r = np.expm1(x0) if x <= 0.0 else x"
    both = compiled.source(symact.get("gelu"))
    assert "# float64 input" in both and "_mul_erfc_dd(" in both and "special.erfc(" in both


def test_refuses_what_it_cannot_carry_over() -> None:
    loop = "def f(x):\n    x, dtype, scalar = _prepare(x)\n    for i in range(3):\n        x = x + i\n    return _finish(x, dtype, scalar)\n"
    with pytest.raises(compiled.CompileError, match="does not carry over"):
        compiled._scalar(loop, True)
    where = "def f(x):\n    r = np.where(x > 0, x, 0.0, out=x)\n    return _finish(r, dtype, scalar)\n"
    with pytest.raises(compiled.CompileError, match="np.where"):
        compiled._scalar(where, True)
    branch = "def f(x):\n    if x.ndim:\n        r = x\n    return _finish(r, dtype, scalar)\n"
    with pytest.raises(compiled.CompileError, match="branch"):
        compiled._scalar(branch, True)


def test_a_wrong_class_is_caught_at_build() -> None:
    """The build's check compares classes with the NumPy code: a sign or a nan lost fails it."""
    g = symact.to_numpy(symact.get("relu"))

    def negated(x: np.ndarray) -> np.ndarray:
        return -g(x)

    def nan_to_zero(x: np.ndarray) -> np.ndarray:
        return np.nan_to_num(g(x), nan=0.0)

    with pytest.raises(
        compiled.CompileError,
        match="differs from the NumPy code in float64: x=-1.0: -0 \\(NumPy: \\+0\\), x=2.0: -normal",
    ):
        compiled._check(negated, g, [-1.0, 2.0], "relu")
    with pytest.raises(compiled.CompileError, match="x=nan: \\+0 \\(NumPy: nan\\)"):
        compiled._check(nan_to_zero, g, [1.0, np.nan], "relu")
    compiled._check(g, g, [-1.0, -0.0, 0.0, np.nan, np.inf], "relu")


def test_missing_numba_says_how_to_install() -> None:
    code = (
        "import sys; sys.modules['numba'] = None\n"
        "import symact\n"
        "try:\n    symact.get('relu').numba()\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'symact[numba]'" in out


def test_cli_prints_the_scalar_code(capsys: pytest.CaptureFixture[str]) -> None:
    from symact.cli import main

    assert main(["code", "elu", "--backend", "numba"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("def elu(x):") and "np.expm1(x0) if x <= 0.0 else x" in out
