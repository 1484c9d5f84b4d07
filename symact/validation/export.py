"""The exported PyTorch and JAX functions, and the compiled backend, against the correctly rounded truth, in ULPs.

:func:`validate_export` measures a function of :func:`symact.codegen.export.to_torch` or
:func:`~symact.codegen.export.to_jax` exactly as :func:`symact.validation.scalar.validate`
measures the NumPy code: the same inputs (:func:`~symact.validation.scalar.inputs`, with the
breakpoints), the same truth of the *original* expression, the same bars (float32 <= 1 ULP;
float64 <= 2 ULP for the exp/log family, else <= 4 ULP on [-10, 10] and <= 10 on normal
outputs; 0 wrong-class; 0 warnings). The forward is the framework function itself; the
derivative is what the framework's autodiff returns through the export (``backward`` of ones in
PyTorch, the ``custom_jvp`` tangent of ones in JAX), against the truth of the exact derivative
with the export's convention at kinks. :func:`validate_numba` does the same for the compiled
backend (:func:`symact.codegen.compiled.to_numba`), f and f' with the NumPy code's convention.

Examples:
    >>> import pytest, symact
    >>> torch = pytest.importorskip("torch")  # the extra symact[torch]; skipped without it
    >>> rep = validate_export(symact.get("elu"), "torch", size="quick")
    >>> rep.ok, [r.max_ulp for r in rep.results if r.dtype == "float32"]
    (True, [0.0, 0.0])
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from symact.analysis import calculus
from symact.codegen import compiled, export
from symact.codegen.numpy import derivative_expr
from symact.definition.activation import Activation
from symact.validation.scalar import EXP_LOG_FAMILY, ValidationReport, check_dtypes, check_options

__all__ = ["array_function", "validate_export", "validate_numba"]


def array_function(fn: Callable[[Any], Any], backend: str, derivative: int) -> Callable[[np.ndarray], np.ndarray]:
    """An exported function (or the derivative its autodiff gives, ``derivative=1``) as a NumPy function."""
    if backend == "torch":
        import torch

        def call_torch(xs: np.ndarray) -> np.ndarray:
            t = torch.from_numpy(np.ascontiguousarray(xs))
            if not derivative:
                with torch.no_grad():
                    return np.asarray(fn(t).numpy())
            t.requires_grad_(True)
            y = fn(t)
            y.backward(torch.ones_like(y))
            if t.grad is None:  # the export's backward always fills it
                raise RuntimeError(f"{getattr(fn, '__name__', fn)} gave no gradient")
            return np.asarray(t.grad.numpy())

        return call_torch
    import jax
    import jax.numpy as jnp

    def call_jax(xs: np.ndarray) -> np.ndarray:
        with jax.enable_x64(True):
            u = jnp.asarray(xs)
            if not derivative:
                return np.asarray(fn(u))
            return np.asarray(jax.jvp(fn, (u,), (jnp.ones_like(u),))[1])

    return call_jax


def validate_export(
    act: Activation | str,
    backend: str,
    size: str = "full",
    derivatives: tuple[int, ...] = (0, 1),
    convention: str | None = None,
) -> ValidationReport:
    """Validate the exported function of ``act`` for ``backend`` (``"torch"`` or ``"jax"``), forward
    and derivative, in float32 and float64, with the NumPy code's bars. Never raises on a miss.

    Raises:
        ValueError: ``backend`` is not one of ``BACKENDS``; derivatives other than 0 and 1 (an
            export has a first derivative); the options of :func:`~symact.validation.scalar.validate`.
        ImportError: the framework is not installed.
    """
    act = check_options(act, size, derivatives)
    if backend not in export.BACKENDS:
        raise ValueError(f"backend must be one of {export.BACKENDS}, got {backend!r}")
    if any(d not in (0, 1) for d in derivatives):
        raise ValueError(f"an export has f and f' only; derivatives must be 0 or 1, got {derivatives!r}")
    t0 = time.perf_counter()
    family = "exp/log" if act.name in EXP_LOG_FAMILY else "other"
    fn = (
        export.to_torch(act, convention=convention) if backend == "torch" else export.to_jax(act, convention=convention)
    )
    conv = fn.convention  # type: ignore[attr-defined]
    results = []
    for d in derivatives:
        expr = calculus.derivative(act, d, convention=conv) if d else act.expr
        results += check_dtypes(array_function(fn, backend, d), expr, size, d, family)
    return ValidationReport(f"{act.name} ({backend})", family, tuple(results), time.perf_counter() - t0)


def validate_numba(
    act: Activation | str, size: str = "full", derivatives: tuple[int, ...] = (0, 1)
) -> ValidationReport:
    """Validate the compiled functions of ``act`` (:func:`symact.codegen.compiled.to_numba`) exactly as
    :func:`~symact.validation.scalar.validate` validates the NumPy code: the same inputs, truth and bars,
    float32 and float64. Never raises on a miss.

    Raises:
        ValueError: the options of :func:`~symact.validation.scalar.validate`.
        ImportError: Numba is not installed.
        symact.codegen.compiled.CompileError: the code cannot be compiled.

    Examples:
        >>> import pytest
        >>> _ = pytest.importorskip("numba")  # the extra symact[numba]; skipped without it
        >>> rep = validate_numba("relu", size="quick")
        >>> rep.ok, [r.max_ulp for r in rep.results]
        (True, [0.0, 0.0, 0.0, 0.0])
    """
    act = check_options(act, size, derivatives)
    t0 = time.perf_counter()
    family = "exp/log" if act.name in EXP_LOG_FAMILY else "other"
    results = []
    for d in derivatives:
        results += check_dtypes(compiled.to_numba(act, d), derivative_expr(act, d), size, d, family)
    return ValidationReport(f"{act.name} (numba)", family, tuple(results), time.perf_counter() - t0)
