"""Export to PyTorch and JAX: the generated code as framework functions with a symbolic derivative.

:func:`to_torch` and :func:`to_jax` build, from the symbols, a function of the framework's
arrays whose forward is the code of :mod:`symact.codegen.numpy` (the same rewrite stage, pieces,
clamps, double-double kernels and certified Taylor regimes) and whose derivative is the generated
code of the exact derivative (:func:`symact.analysis.calculus.derivative`), with a chosen
convention at kinks: by default the framework's own where it ships the activation (its
``Framework`` record), else the project's. They are wired as a ``torch.autograd.Function``
(backward: ``grad * f'(x)``) and a ``jax.custom_jvp`` (tangent: ``f'(x) * t``).

The backend is the NumPy backend's code printed for the framework (:func:`source`): NumPy's
names go to an operation table ``xp`` and the kernels to their framework versions, both from
:mod:`symact.codegen.framework_kernels`. As in NumPy, float32 (and float16, bfloat16) input is
computed in float64 and rounded once (so the device must have float64); code that only selects
between x and float32 constants (relu) stays in float32; float64 input gets the precise kernels.
Tensors stay on their device. JAX computes in float64 under ``jax.enable_x64`` inside the
function, whatever the global setting.

Examples:
    >>> import symact
    >>> print(source(symact.get("elu"), backend="torch"))
    def elu(x):
        x, dtype, scalar = _prepare(x)
        with xp.errstate(all="ignore"):
            x0 = xp.minimum(x, 0.0)
            r = xp.where(x <= 0.0, xp.expm1(x0), x)
        return _finish(r, dtype, scalar)
    >>> default_convention(symact.get("hard_tanh"), "jax"), default_convention(symact.get("isru"), "torch")
    ('jax', 'symact')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import sympy

from symact.codegen import framework_kernels, printer
from symact.codegen import numpy as npc
from symact.core import budget
from symact.definition.activation import Activation

__all__ = ["BACKENDS", "FRAMEWORK_OF", "default_convention", "source", "to_jax", "to_torch"]

#: The export backends.
BACKENDS = framework_kernels.BACKENDS
#: The framework (its name in the ``Framework`` records and conventions) of each backend.
FRAMEWORK_OF = {"torch": "pytorch", "jax": "jax"}


def _check_backend(backend: Any) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    return str(backend)


def default_convention(obj: Activation | sympy.Expr, backend: str) -> str:
    """The derivative convention at kinks an export uses by default: the framework's own where its
    ``Framework`` records include the activation, else the project's (``"symact"``)."""
    framework = FRAMEWORK_OF[_check_backend(backend)]
    if isinstance(obj, Activation) and any(fw.framework == framework for fw in obj.frameworks):
        return framework
    return "symact"


def translate(numpy_source: str) -> str:
    """Generated NumPy source as framework source: ``np.<name>`` and ``special.<name>`` become ``xp.<name>``."""
    return re.sub(r"\b(np|special)\.", "xp.", numpy_source)


def _expr(
    obj: Activation | sympy.Expr, derivative: int, convention: str | None, seconds: float | None
) -> tuple[sympy.Expr, str]:
    conv = None if convention in (None, "symact") or not derivative else convention
    return npc._resolve(obj, derivative, seconds, conv)


def source(
    obj: Activation | sympy.Expr, derivative: int = 0, *, backend: str = "torch", convention: str | None = None
) -> str:
    """The framework source of ``obj`` (or of its derivative, with ``convention`` at kinks: default
    :func:`default_convention`). Its names ``xp``, ``_prepare``, ``_finish``, ``_series`` and
    ``_<kernel>`` are those of :func:`symact.codegen.framework_kernels.namespace`.

    Examples:
        >>> import symact
        >>> print(source(symact.get("hard_tanh"), 1, backend="jax").splitlines()[3])
                r = xp.where(x < -1.0, 0.0, xp.where(x <= 1.0, 1.0, xp.where(x == x, 0.0, x)))
    """
    backend = _check_backend(backend)
    if derivative and convention is None:
        convention = default_convention(obj, backend)
    expr, name = _expr(obj, derivative, convention, None)
    return translate(npc._built(expr, name).source)


# ---------------------------------------------------------------------------------------
# The runtime: input preparation and the compiled functions
# ---------------------------------------------------------------------------------------
def _torch_runtime() -> dict[str, Any]:
    import torch

    def prepare(x: Any, exact: bool = False) -> tuple[Any, Any, bool]:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"a symact torch function takes a torch.Tensor, got {type(x).__name__}")
        if x.is_complex():
            raise TypeError(f"symact activations are real functions; got a tensor of dtype {x.dtype}")
        out = x.dtype if x.is_floating_point() else torch.float64
        work = torch.float32 if exact and out == torch.float32 else torch.float64
        return x.to(work), out, False

    def finish(r: Any, dtype: Any, scalar: bool) -> Any:
        return r.to(dtype)

    return {"_prepare": prepare, "_prepare_exact": lambda x: prepare(x, True), "_finish": finish}


def _jax_runtime() -> dict[str, Any]:
    import jax.numpy as jnp

    def prepare(x: Any, exact: bool = False) -> tuple[Any, Any, bool]:
        x = jnp.asarray(x)
        if jnp.issubdtype(x.dtype, jnp.complexfloating):
            raise TypeError(f"symact activations are real functions; got an array of dtype {x.dtype}")
        out = x.dtype if jnp.issubdtype(x.dtype, jnp.floating) else jnp.dtype(jnp.float64)
        work = jnp.float32 if exact and out == jnp.float32 else jnp.float64
        return x.astype(work), out, False

    def finish(r: Any, dtype: Any, scalar: bool) -> Any:
        return jnp.asarray(r).astype(dtype)

    return {"_prepare": prepare, "_prepare_exact": lambda x: prepare(x, True), "_finish": finish}


_RUNTIMES: dict[str, Callable[[], dict[str, Any]]] = {"torch": _torch_runtime, "jax": _jax_runtime}
_COMPILED: dict[tuple[str, str, str], Callable[[Any], Any]] = {}


def _compiled(expr: sympy.Expr, name: str, backend: str, seconds: float) -> tuple[Callable[[Any], Any], str]:
    src = translate(npc._built(expr, name, seconds).source)
    key = (backend, name, src)
    fn = _COMPILED.get(key)
    if fn is None:
        kernels = framework_kernels.namespace(backend)
        ns: dict[str, Any] = {
            "xp": kernels["xp"],
            "_series": kernels["taylor_regime"],
            **_RUNTIMES[backend](),
            **{"_" + k: kernels[k] for k in printer.KERNELS},
            **{f: kernels[f[1:]] for f in npc.FUNCTIONS.values() if f.startswith("_")},
        }
        exec(compile(src, f"<symact:{backend}:{name}>", "exec"), ns)  # noqa: S102 - our own generated source
        fn = _COMPILED[key] = ns[name]
        fn.__symact_source__ = src
    return fn, src


def _pair(
    obj: Activation | sympy.Expr, backend: str, convention: str | None, seconds: float | None
) -> tuple[Callable[[Any], Any], Callable[[Any], Any], str, str]:
    """The compiled forward and derivative, and the derivative's convention."""
    total = npc.CODEGEN_SECONDS if seconds is None else seconds
    start = budget.clock()  # the clock of the budgets the parts run under
    conv = default_convention(obj, backend) if convention is None else convention
    expr, name = _expr(obj, 0, None, total)
    f, _ = _compiled(expr, name, backend, total)
    left = max(total - (budget.clock() - start), 1e-3)
    dexpr, dname = _expr(obj, 1, conv, left)
    fp, _ = _compiled(dexpr, dname, backend, max(total - (budget.clock() - start), 1e-3))
    return f, fp, name, conv


#: Elements per block when a large CPU tensor is computed block by block (256 KiB of float64).
BLOCK = 1 << 15


def _blocked(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``f`` computed on a large CPU tensor block by block (the same values: f is elementwise),
    when its code calls kernels (code of a few ``where``/``maximum`` is left whole).

    Eager PyTorch makes a fresh array for each operation; on the CPU, for millions of elements,
    these are fresh pages (page faults) and the double-double kernels' dozens of operations each
    stream the whole array through memory. Blocks of :data:`BLOCK` elements stay in the cache
    (2-7x faster for the pair kernels, measured on 2e6 elements and 1e7: SiLU's forward and
    backward in float32 from 21 s to 2.8 s).
    """
    if not re.search(r"\b_(?!prepare|finish)\w+\(", getattr(f, "__symact_source__", "")):
        return f

    def g(x: Any) -> Any:
        if not hasattr(x, "numel") or x.device.type != "cpu" or x.numel() <= 2 * BLOCK:  # f checks the input
            return f(x)
        import torch

        return torch.cat([f(b) for b in x.reshape(-1).split(BLOCK)]).reshape(x.shape)

    g.__name__ = getattr(f, "__name__", "f")
    return g


def to_torch(
    obj: Activation | sympy.Expr, *, convention: str | None = None, seconds: float | None = None
) -> Callable[[Any], Any]:
    """A PyTorch function of ``obj`` with its symbolic derivative as backward (``torch.autograd.Function``).

    Float tensors keep their dtype and device; integer tensors give float64; a large CPU tensor is
    computed block by block (:func:`_blocked`). ``convention``
    chooses the derivative at kinks (default :func:`default_convention`: PyTorch's where it ships
    the activation). ``seconds`` bounds the whole build (:data:`symact.codegen.numpy.CODEGEN_SECONDS`).

    Examples:
        >>> import pytest, symact
        >>> torch = pytest.importorskip("torch")  # the extra symact[torch]; skipped without it
        >>> f = to_torch(symact.get("hard_tanh"))
        >>> x = torch.tensor([-1.0, 0.5, 1.0], dtype=torch.float64, requires_grad=True)
        >>> f(x).sum().backward()
        >>> x.grad  # PyTorch's convention at the kinks ±1
        tensor([0., 1., 0.], dtype=torch.float64)
    """
    import torch

    f, fp, name, conv = _pair(obj, "torch", convention, seconds)
    f, fp = _blocked(f), _blocked(fp)

    class Exported(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return f(x)

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            (x,) = ctx.saved_tensors
            return grad * fp(x).to(grad.dtype)

    Exported.__name__ = Exported.__qualname__ = f"{name}_torch"

    def fn(x: Any) -> Any:
        return Exported.apply(x)

    fn.__name__ = name
    fn.__doc__ = f"{name} exported by symact to PyTorch (derivative convention at kinks: {conv})."
    fn.forward, fn.derivative, fn.convention = f, fp, conv  # type: ignore[attr-defined]
    return fn


def to_jax(
    obj: Activation | sympy.Expr, *, convention: str | None = None, seconds: float | None = None
) -> Callable[[Any], Any]:
    """A JAX function of ``obj`` with its symbolic derivative as ``jax.custom_jvp`` (jit, grad, vmap work).

    It computes in float64 under ``jax.enable_x64`` and returns the input's dtype. ``convention``
    chooses the derivative at kinks (default :func:`default_convention`: JAX's where it ships the
    activation). ``seconds`` bounds the whole build.

    Examples:
        >>> import pytest, symact
        >>> jax = pytest.importorskip("jax")  # the extra symact[jax]; skipped without it
        >>> import jax.numpy as jnp
        >>> f = to_jax(symact.get("hard_tanh"))
        >>> [float(jax.grad(f)(jnp.float32(v))) for v in (-1.0, 0.5, 1.0)]  # JAX's convention at ±1
        [1.0, 1.0, 1.0]
    """
    import jax

    f, fp, name, conv = _pair(obj, "jax", convention, seconds)

    def forward(x: Any) -> Any:
        with jax.enable_x64(True):
            return f(x)

    def derivative(x: Any) -> Any:
        with jax.enable_x64(True):
            return fp(x)

    @jax.custom_jvp
    def fn(x: Any) -> Any:
        return forward(x)

    @fn.defjvp
    def _jvp(primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> tuple[Any, Any]:
        (x,), (t,) = primals, tangents
        return fn(x), derivative(x) * t

    fn.__name__ = name  # type: ignore[attr-defined]
    fn.__doc__ = f"{name} exported by symact to JAX (derivative convention at kinks: {conv})."
    fn.forward, fn.derivative, fn.convention = forward, derivative, conv  # type: ignore[attr-defined]
    return fn
