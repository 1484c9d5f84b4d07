"""The PyTorch and JAX exports (:mod:`symact.codegen.export`): accuracy, gradients, conventions, API.

Parametrized over the scalar catalog: the exported forward and the derivative the framework's
autodiff returns through it meet the NumPy code's ULP bars (:func:`symact.validation.export.validate_export`,
quick input set) in float32 and float64; ``torch.autograd.gradcheck`` passes in float64 away from
the kinks; at the kinks the backward gives the recorded convention of the framework. The whole-catalog
ULP runs are marked ``slow``; each test skips when its framework is not installed.

JAX on the CPU flushes subnormal inputs, intermediates and results to zero (XLA:CPU runs with FTZ
and DAZ), so an entry whose input set reaches subnormals misses the bars there, and XLA's float64
tanh is up to 7 ULP off; those entries are ``xfail(strict=True)`` with the measured figure (quick
inputs, this machine).
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import symact
from symact.analysis.pieces import breakpoints
from symact.codegen import export
from symact.definition.activation import Activation, Framework
from symact.definition.registry import all_activations

pytestmark = [
    pytest.mark.frameworks,
    pytest.mark.filterwarnings("ignore:os.fork\\(\\) was called:RuntimeWarning"),
]

ACTS = list(all_activations())
NAMES = [a.name for a in ACTS]

#: The JAX exports that miss a bar, with the largest error measured (quick inputs). Every miss is at a
#: subnormal input, intermediate or result that XLA:CPU flushes to zero, but for XLA's float64 tanh
#: (tanh, tanh_shrink: 7 and 13 ULP at x = 19.3) and gaussian near exp's underflow (85 ULP at -26.6).
JAX_MISSES = {
    "binary_step": "f 1.07e9 ULP (f32), 4.61e18 (f64): step at a subnormal x read as 0",
    "sigmoid": "f and f' 5.83e6 ULP (f32), 3.06e15 (f64): subnormal results flushed",
    "tanh": "f 8.39e6 ULP (f32), 4.5e15 (f64): subnormal x flushed; XLA's f64 tanh 7 ULP at 19.3",
    "log_sigmoid": "f and f' 2.1e6 ULP (f32), 1.13e15 (f64): subnormal results flushed",
    "softsign": "f 8.39e6 ULP (f32), 4.5e15 (f64): subnormal x flushed",
    "arctan": "f 8.39e6 ULP, f' 4.48e6 (f32): subnormal x and results flushed",
    "isru": "f 8.39e6 ULP (f32), 4.5e15 (f64): subnormal x flushed",
    "relu": "f 8.39e6 ULP (f32), 4.5e15 (f64), f' 4.61e18: subnormal x read as 0",
    "relu6": "f 8.39e6 ULP (f32), 4.5e15 (f64), f' 4.61e18: subnormal x read as 0",
    "leaky_relu": "f 8.39e6 ULP (f32), 4.5e15 (f64), f' 3.03e16: subnormal x read as 0",
    "prelu": "f 8.39e6 ULP (f32), 4.5e15 (f64), f' 9.01e15: subnormal x read as 0",
    "rrelu": "f 8.39e6 ULP (f32), 4.5e15 (f64), f' 9.76e15: subnormal x read as 0",
    "elu": "f 8.39e6 ULP (f32), 4.5e15 (f64): subnormal x and results flushed",
    "selu": "f 1.45e7 ULP (f32), 7.8e15 (f64): subnormal x and results flushed",
    "celu": "f 8.39e6 ULP (f32), 4.5e15 (f64): subnormal x and results flushed",
    "gelu": "f 6.54e6 ULP (f32), 2.25e15 (f64), f' 7.14e15: subnormal x and results flushed",
    "gelu_tanh": "f 6.34e6 ULP (f32), 2.25e15 (f64): subnormal x and results flushed",
    "silu": "f 6.34e6 ULP (f32), 2.25e15 (f64), f' 1.2e13: subnormal x and intermediates flushed",
    "mish": "f 7.61e6 ULP (f32), 2.7e15 (f64), f' 1.2e13: subnormal x and intermediates flushed",
    "hard_silu": "f 6.34e6 ULP (f32), 2.25e15 (f64): subnormal x flushed",
    "softplus": "f and f' 5.83e6 ULP (f32), 3.06e15 (f64): subnormal results flushed",
    "squareplus": "f and f' 2.1e6 ULP (f32): subnormal results flushed",
    "exponential": "f and f' 5.83e6 ULP (f32), 3.06e15 (f64): subnormal results flushed",
    "hard_tanh": "f 8.39e6 ULP (f32), 4.5e15 (f64): subnormal x flushed",
    "tanh_shrink": "f 2.92e6 ULP (f32), 3.38e11 (f64): subnormal results flushed; f' 13 ULP at 19.3 (XLA's tanh)",
    "gaussian": "f 1.37e6 ULP (f32), f' 9.01e15 (f64): subnormal x and results flushed; f 85 ULP at -26.6",
    "sinusoid": "f 8.39e6 ULP (f32): subnormal x flushed",
    "sinc": "f 7.7e6 ULP (f32), f' 2.75e15 (f64): subnormal results flushed",
    "bent_identity": "f 8.39e6 ULP (f32), 4.5e15 (f64): subnormal x flushed",
    "isrlu": "f 8.39e6 ULP (f32), 4.5e15 (f64): subnormal x flushed",
    "elish": "f 6.34e6 ULP (f32), 3.06e15 (f64): subnormal x and results flushed",
}


def _need(module: str) -> Any:
    return pytest.importorskip(module, reason=f"{module} is not installed (pip install symact[{module}])")


def _report_misses(rep: Any) -> str:
    return "\n".join(r.line() for r in rep.results if not r.bound_met)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_torch_export_meets_the_numpy_bars(name: str) -> None:
    _need("torch")
    from symact.validation.export import validate_export

    rep = validate_export(symact.get(name), "torch", size="quick")
    assert rep.ok, _report_misses(rep)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=f"XLA:CPU flushes subnormals: {JAX_MISSES[n]}"))
        if n in JAX_MISSES
        else n
        for n in NAMES
    ],
)
def test_jax_export_meets_the_numpy_bars(name: str) -> None:
    _need("jax")
    from symact.validation.export import validate_export

    rep = validate_export(symact.get(name), "jax", size="quick")
    assert rep.ok, _report_misses(rep)


#: XLA:CPU's float64 tanh is up to 5 ULP from libm's (measured on [-10, 10]).
_XLA_TANH = pytest.mark.xfail(
    strict=True, reason="XLA:CPU's float64 tanh: tanh_shrink' = tanh**2 is 8 ULP off at -7.09"
)


@pytest.mark.parametrize(
    ("name", "backend"),
    [
        *((n, "torch") for n in ("silu", "elu", "tanh_shrink")),
        ("silu", "jax"),
        ("elu", "jax"),
        pytest.param("tanh_shrink", "jax", marks=_XLA_TANH),
    ],
)
def test_export_meets_the_bars_on_moderate_inputs(name: str, backend: str) -> None:
    """The fast default check (the whole catalog and input set are the slow tests above): on inputs
    in [-8, 8] and near 0, whose results are normal (JAX on the CPU flushes subnormals), the export meets the NumPy code's bars in
    float32 and float64, forward and derivative."""
    _need(backend)
    from symact.analysis import calculus
    from symact.validation.export import array_function
    from symact.validation.scalar import EXP_LOG_FAMILY, _check

    act = symact.get(name)
    fn = export.to_torch(act) if backend == "torch" else export.to_jax(act)
    family = "exp/log" if name in EXP_LOG_FAMILY else "other"
    base = np.concatenate([np.linspace(-8.0, 8.0, 301), [1e-7, -3e-5, 0.0]])
    for d in (0, 1):
        expr = calculus.derivative(act, convention=fn.convention) if d else act.expr  # type: ignore[attr-defined]
        for dtype in ("float32", "float64"):
            rep = _check(array_function(fn, backend, d), expr, base.astype(dtype), dtype, d, family)
            assert rep.bound_met, rep.line()


def _away_from_kinks(act: Activation) -> np.ndarray:
    xs = np.linspace(-4.0, 4.0, 23) + 0.013
    for b in breakpoints(act.expr):
        if b.is_real:
            xs = xs[np.abs(xs - float(b)) > 1e-2]
    return xs


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_torch_gradcheck_away_from_kinks(name: str) -> None:
    torch = _need("torch")
    act = symact.get(name)
    fn = act.torch()
    x = torch.tensor(_away_from_kinks(act), dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(fn, (x,), eps=1e-6, atol=1e-6, rtol=1e-4)


RECORDS = [(a, fw) for a in ACTS for fw in a.frameworks if fw.kinks and fw.framework in export.FRAMEWORK_OF.values()]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: f"{r[0].name}-{r[1].framework}")
def test_backward_takes_the_frameworks_convention_at_kinks(record: tuple[Activation, Framework]) -> None:
    """By default the export's derivative at each kink is the framework's recorded value."""
    act, fw = record
    backend = "torch" if fw.framework == "pytorch" else "jax"
    _need(backend)
    from symact.validation import frameworks as fwv
    from symact.validation.export import array_function

    target = fwv.entry_form(act, fw)
    points = set(breakpoints(target.expr))
    kinks = [(p, v) for p, v in fw.kinks_at(target.parameters) if p in points]
    if not kinks:
        pytest.skip(f"{fw.api}: the recorded kinks are the framework's own form's")
    fn = export.to_torch(target) if backend == "torch" else export.to_jax(target)
    assert fn.convention == fw.framework  # type: ignore[attr-defined]
    got = array_function(fn, backend, 1)(np.array([float(p) for p, _ in kinks]))
    want = np.array([float(v) for _, v in kinks])
    assert np.all(np.abs(got - want) <= 2.0**-52 * np.abs(want)), f"{fw.api}: {got} at the kinks, recorded {want}"


def test_conventions_chosen_explicitly() -> None:
    torch = _need("torch")
    x = torch.tensor([-1.0, 1.0], dtype=torch.float64, requires_grad=True)
    symact.get("hard_tanh").torch(convention="jax")(x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    assert export.default_convention(symact.get("isru"), "torch") == "symact"
    with pytest.raises(symact.SymactError, match="pytorch does not ship isru"):
        symact.get("isru").torch(convention="pytorch")
    with pytest.raises(ValueError, match="backend must be one of"):
        export.source(symact.get("relu"), backend="tensorflow")


def test_torch_dtypes_and_inputs() -> None:
    torch = _need("torch")
    fn = symact.get("silu").torch()
    for dt in (torch.float32, torch.float64, torch.float16, torch.bfloat16):
        assert fn(torch.zeros(3, dtype=dt)).dtype == dt
    assert fn(torch.arange(3)).dtype == torch.float64
    assert fn(torch.tensor(2.0)).shape == ()
    with pytest.raises(TypeError, match="real functions"):
        fn(torch.zeros(2, dtype=torch.complex64))
    with pytest.raises(TypeError, match="takes a torch.Tensor"):
        fn([1.0, 2.0])
    # a large CPU tensor is computed block by block: the same values, the same shape
    x = torch.linspace(-20.0, 20.0, 3 * export.BLOCK + 7, dtype=torch.float64).reshape(-1, 1)
    whole, _ = export._compiled(*export._expr(symact.get("silu"), 0, None, None), "torch", 60.0)
    assert fn(x).shape == x.shape
    assert torch.equal(fn(x), whole(x))


def test_jax_transformations() -> None:
    jax = _need("jax")
    import jax.numpy as jnp

    act = symact.get("silu")
    fn = act.jax()
    xs = jnp.linspace(-3.0, 3.0, 7, dtype=jnp.float32)
    assert fn(xs).dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(jax.jit(fn)(xs)), np.asarray(fn(xs)))
    grads = np.asarray(jax.vmap(jax.grad(fn))(xs))
    np.testing.assert_array_equal(grads, np.asarray(fn.derivative(xs)))  # type: ignore[attr-defined]
    np.testing.assert_allclose(grads, act.numpy(1)(np.asarray(xs)), rtol=2e-7)


def test_import_symact_does_not_import_the_frameworks() -> None:
    code = "import sys, symact; symact.codegen.export; print(sorted(m for m in ('torch', 'jax') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_cli_prints_the_framework_source(capsys: pytest.CaptureFixture[str]) -> None:
    from symact.cli import main

    for backend in ("numpy", "torch", "jax"):
        assert main(["code", "elu", "--backend", backend]) == 0
        out = capsys.readouterr().out
        assert ("xp.expm1" in out) == (backend != "numpy")
        assert "def elu(x):" in out
    assert main(["code", "hard_tanh", "--derivative", "1", "--backend", "torch", "--convention", "jax"]) == 0
    assert "xp.where(x < -1.0, 0.0, xp.where(x <= 1.0, 1.0" in capsys.readouterr().out
    assert main(["code", "relu", "--backend", "torch", "--convention", "jax"]) == 2
