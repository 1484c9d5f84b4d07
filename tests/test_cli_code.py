"""``symact code NAME`` prints self-contained source: pasted into a file and run where only NumPy
and SciPy can be imported (``python -I`` with symact, SymPy and mpmath blocked), it gives results
bit-identical to :func:`symact.codegen.numpy.to_numpy` on the validation inputs."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import symact
from symact.cli import main
from symact.codegen import vector
from symact.codegen.numpy import to_numpy
from symact.definition import registry
from symact.validation.scalar import inputs
from symact.validation.vector import rows

#: Runs one printed module in a fresh, isolated interpreter where symact, proofs, SymPy and
#: mpmath cannot be imported; calls its function on saved inputs and saves the outputs.
_RUNNER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("symact", "proofs", "sympy", "mpmath"):
            raise ImportError(f"{name} is not available to self-contained code")
sys.meta_path.insert(0, Block())
import importlib.util
import numpy as np
code, func, data, out, vector = sys.argv[1:]
spec = importlib.util.spec_from_file_location("pasted", code)
module = sys.modules["pasted"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
fn = getattr(module, func)
arrays = dict(np.load(data))
call = (lambda a: fn(a, axis=-1)) if vector == "1" else fn
np.savez(out, **{k: np.asarray(call(a)) for k, a in arrays.items()})
"""


def _printed(capsys, argv):
    assert main(argv) == 0
    return capsys.readouterr().out


def _run_isolated(tmp_path, src, func, arrays, is_vector=False):
    (tmp_path / "code.py").write_text(src)
    np.savez(tmp_path / "in.npz", **arrays)
    args = [str(tmp_path / p) for p in ("code.py",)] + [func] + [str(tmp_path / p) for p in ("in.npz", "out.npz")]
    proc = subprocess.run(
        [sys.executable, "-I", "-c", _RUNNER, *args, "1" if is_vector else "0"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return dict(np.load(tmp_path / "out.npz"))


def _assert_bitwise(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()


def _scalar_inputs():
    return {dt: inputs(dt, "quick") for dt in ("float32", "float64")} | {
        "float16": np.linspace(-8, 8, 33, dtype=np.float16)
    }


#: One entry per family of runtime kernels the printed code pulls in (none; erfc of a pair; the
#: sigmoid, softplus and tanh-softplus pairs; the sin/cos pairs; a certified Taylor regime) runs in
#: the default suite; every other entry and derivative runs with ``-m slow`` (each is a subprocess).
_DEFAULT = {("relu", 0), ("gelu", 0), ("gelu", 1), ("silu", 1), ("mish", 1), ("sinc", 1), ("tanh_shrink", 0)}


@pytest.mark.parametrize(
    ("name", "derivative"),
    [
        pytest.param(name, d, marks=() if (name, d) in _DEFAULT else pytest.mark.slow)
        for name in symact.names()
        for d in (0, 1)
    ],
)
def test_scalar_code_is_self_contained_and_bit_identical(capsys, tmp_path, name, derivative):
    src = _printed(capsys, ["code", name, "--derivative", str(derivative)])
    func = name + ("_d" if derivative else "")
    arrays = _scalar_inputs()
    got = _run_isolated(tmp_path, src, func, arrays)
    fn = to_numpy(symact.get(name), derivative)
    for key, a in arrays.items():
        _assert_bitwise(got[key], np.asarray(fn(a)))


@pytest.mark.parametrize("name", registry.vector_names())
def test_vector_code_is_self_contained_and_bit_identical(capsys, tmp_path, name):
    src = _printed(capsys, ["code", name])
    arrays = {dt: rows(dt, count=8, length=16) for dt in ("float32", "float64")}
    got = _run_isolated(tmp_path, src, name, arrays, is_vector=True)
    fn = vector.to_numpy(name)
    for key, a in arrays.items():
        _assert_bitwise(got[key], np.asarray(fn(a, axis=-1)))


@pytest.mark.parametrize(("argv", "func"), [(["code", "--expr", "x*tanh(softplus(x))"], "custom")])
def test_expr_code_is_self_contained(capsys, tmp_path, argv, func):
    src = _printed(capsys, argv)
    got = _run_isolated(tmp_path, src, func, {"x": np.array([-2.0, 0.0, 2.0])})["x"]
    _assert_bitwise(got, to_numpy(symact.define("x*tanh(softplus(x))"))(np.array([-2.0, 0.0, 2.0])))


@pytest.mark.parametrize("name", ["silu", "softmax"])
def test_bare_prints_the_generated_function_alone(capsys, name):
    src = _printed(capsys, ["code", name, "--bare"])
    assert src.startswith(f"def {name}(x")
    assert "import" not in src


@pytest.mark.parametrize("name", ["elu", "gelu", "relu"])
def test_code_without_bare_keeps_the_generated_function_unchanged(capsys, name):
    """The self-contained module ends with exactly the generated source of ``source()``."""
    from symact.codegen.numpy import source

    src = _printed(capsys, ["code", name])
    assert src.endswith(source(symact.get(name)) + "\n")


def _generated(src, namespace):
    """A function compiled from ``src`` in ``namespace``, marked as generated code (as to_numpy does)."""
    ns = dict(namespace)
    exec(compile(src, "<test>", "exec"), ns)  # noqa: S102 - the test's own source
    name = src.split("(")[0].removeprefix("def ")
    fn = ns[name]
    fn.__symact_source__ = src
    return fn


@pytest.mark.parametrize(("k1", "k2", "want"), [(1.0, 10.0, 13.0), (3.0, -1.0, 4.0)])
def test_standalone_renames_a_name_two_helpers_use_for_different_objects(k1, k2, want):
    """f calls k (adds k1); g calls its own k (adds k2): one module, two names, f(1) = (1 + k1) + (1 + k2)."""
    from symact.codegen.numpy import standalone

    first = _generated(f"def k(x):\n    return x + {k1!r}\n", {})
    second = _generated(f"def k(x):\n    return x + {k2!r}\n", {})
    g = _generated("def g(x):\n    return k(x)\n", {"k": second})
    f = _generated("def f(x):\n    return k(x) + g(x)\n", {"k": first, "g": g})
    ns = {}
    exec(standalone(f), ns)  # noqa: S102 - source the test built
    assert f(1.0) == want
    assert ns["f"](1.0) == want


def test_standalone_refuses_to_rename_a_name_that_is_also_local():
    """Renaming g's global k would also rename the comprehension's k: refused, never miscompiled."""
    from symact.codegen.numpy import standalone

    first = _generated("def k(x):\n    return x + 1.0\n", {})
    second = _generated("def k(x):\n    return x + 2.0\n", {})
    g = _generated("def g(x):\n    return k(x) + [k for k in (0.0,)][0]\n", {"k": second})
    f = _generated("def f(x):\n    return k(x) + g(x)\n", {"k": first, "g": g})
    with pytest.raises(ValueError, match="'k' is both global and local"):
        standalone(f)


@pytest.mark.parametrize("value", [float("nan"), float("-inf"), -0.0, 5e-324, (1.5, (2.0,)), np.arange(3.0)])
def test_standalone_writes_constants_exactly(value):
    from symact.codegen.numpy import standalone

    f = _generated("def f(x):\n    return C\n", {"C": value})
    ns = {}
    exec(standalone(f), ns)  # noqa: S102 - source the test built
    got = ns["f"](0.0)
    assert type(got) is type(value)
    if isinstance(value, tuple):
        assert got == value
    else:  # bit for bit: the sign of zero, the subnormal, the NaN
        assert np.asarray(got).tobytes() == np.asarray(value).tobytes()
