"""symact: the mathematics of neural-network activation functions, made checkable.

An activation is defined once, as an exact SymPy expression in the real
variable :data:`x`; symact derives its derivatives, limits, exact range and
properties from that definition, and says :class:`Unknown` (with a reason)
whenever it cannot decide.

Examples:
    >>> import symact
    >>> relu = symact.get("relu")
    >>> relu.expr
    Max(0, x)

The names are loaded on first use (PEP 562): ``import symact`` loads the core only, and
``symact.get`` the definition layer without the analysis, code generation, validation and
report layers or SciPy. A public name is added three times: to :data:`_LAZY` (where it lives),
to the ``TYPE_CHECKING`` block (for type checkers) and to ``__all__``; a test checks that they agree.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from symact.core.errors import DefinitionError as DefinitionError
from symact.core.errors import SymactError as SymactError
from symact.core.errors import UnknownActivationError as UnknownActivationError
from symact.core.unknown import Unknown as Unknown
from symact.core.version import __version__ as __version__

if TYPE_CHECKING:
    from symact.analysis.calculus import derivative as derivative
    from symact.analysis.calculus import limit as limit
    from symact.analysis.calculus import output_range as output_range
    from symact.analysis.calculus import properties as properties
    from symact.analysis.gaussian import critical_curve as critical_curve
    from symact.analysis.gaussian import edge_of_chaos as edge_of_chaos
    from symact.analysis.gaussian import fixed_point as fixed_point
    from symact.analysis.gaussian import gaussian as gaussian
    from symact.analysis.gaussian import self_normalizing as self_normalizing
    from symact.analysis.gaussian import variance_map as variance_map
    from symact.analysis.vector import jacobian as jacobian
    from symact.analysis.vector import output_set as output_set
    from symact.codegen.compiled import to_numba as to_numba
    from symact.codegen.export import to_jax as to_jax
    from symact.codegen.export import to_torch as to_torch
    from symact.codegen.numpy import to_numpy as to_numpy
    from symact.codegen.vector import to_numpy as vector_to_numpy
    from symact.definition.activation import Activation as Activation
    from symact.definition.activation import Framework as Framework
    from symact.definition.activation import Parameter as Parameter
    from symact.definition.activation import exact_number as exact_number
    from symact.definition.activation import x as x
    from symact.definition.parse import define as define
    from symact.definition.registry import ActivationLike as ActivationLike
    from symact.definition.registry import DuplicateNameError as DuplicateNameError
    from symact.definition.registry import all_activations as all_activations
    from symact.definition.registry import get as get
    from symact.definition.registry import names as names
    from symact.definition.registry import register as register
    from symact.definition.registry import vector_names as vector_names
    from symact.definition.vector import VectorActivation as VectorActivation
    from symact.report.latex import to_latex as to_latex
    from symact.validation.scalar import validate as validate
    from symact.validation.vector import validate as validate_vector

#: The public names loaded on first use: name -> (module, attribute).
_LAZY: dict[str, tuple[str, str]] = {
    "derivative": ("symact.analysis.calculus", "derivative"),
    "limit": ("symact.analysis.calculus", "limit"),
    "output_range": ("symact.analysis.calculus", "output_range"),
    "properties": ("symact.analysis.calculus", "properties"),
    "critical_curve": ("symact.analysis.gaussian", "critical_curve"),
    "edge_of_chaos": ("symact.analysis.gaussian", "edge_of_chaos"),
    "fixed_point": ("symact.analysis.gaussian", "fixed_point"),
    "gaussian": ("symact.analysis.gaussian", "gaussian"),
    "self_normalizing": ("symact.analysis.gaussian", "self_normalizing"),
    "variance_map": ("symact.analysis.gaussian", "variance_map"),
    "jacobian": ("symact.analysis.vector", "jacobian"),
    "output_set": ("symact.analysis.vector", "output_set"),
    "to_numpy": ("symact.codegen.numpy", "to_numpy"),
    "to_torch": ("symact.codegen.export", "to_torch"),
    "to_jax": ("symact.codegen.export", "to_jax"),
    "to_numba": ("symact.codegen.compiled", "to_numba"),
    "vector_to_numpy": ("symact.codegen.vector", "to_numpy"),
    "Activation": ("symact.definition.activation", "Activation"),
    "Framework": ("symact.definition.activation", "Framework"),
    "Parameter": ("symact.definition.activation", "Parameter"),
    "exact_number": ("symact.definition.activation", "exact_number"),
    "x": ("symact.definition.activation", "x"),
    "define": ("symact.definition.parse", "define"),
    "ActivationLike": ("symact.definition.registry", "ActivationLike"),
    "DuplicateNameError": ("symact.definition.registry", "DuplicateNameError"),
    "all_activations": ("symact.definition.registry", "all_activations"),
    "get": ("symact.definition.registry", "get"),
    "names": ("symact.definition.registry", "names"),
    "register": ("symact.definition.registry", "register"),
    "vector_names": ("symact.definition.registry", "vector_names"),
    "VectorActivation": ("symact.definition.vector", "VectorActivation"),
    "to_latex": ("symact.report.latex", "to_latex"),
    "validate": ("symact.validation.scalar", "validate"),
    "validate_vector": ("symact.validation.vector", "validate"),
}

#: The layers reachable as attributes (``symact.analysis``, ...): each is loaded on first use, with the
#: modules of it that hold a public name (``symact.analysis.calculus``, ...).
_LAYERS = ("analysis", "codegen", "core", "definition", "numeric", "report", "validation")

if not TYPE_CHECKING:  # type checkers see the imports above, and a misspelt name stays an error

    def __getattr__(name: str) -> Any:
        """A public name or a layer, imported on first use (PEP 562)."""
        target = _LAZY.get(name)
        if target is not None:
            value = getattr(importlib.import_module(target[0]), target[1])
            globals()[name] = value
            return value
        if name in _LAYERS:
            layer = importlib.import_module(f"{__name__}.{name}")
            for module, _ in _LAZY.values():
                if module.startswith(f"{__name__}.{name}."):
                    importlib.import_module(module)
            return layer
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "Activation",
    "ActivationLike",
    "DefinitionError",
    "DuplicateNameError",
    "Framework",
    "Parameter",
    "SymactError",
    "Unknown",
    "UnknownActivationError",
    "VectorActivation",
    "all_activations",
    "critical_curve",
    "define",
    "derivative",
    "edge_of_chaos",
    "exact_number",
    "fixed_point",
    "gaussian",
    "get",
    "jacobian",
    "limit",
    "names",
    "output_range",
    "output_set",
    "properties",
    "register",
    "self_normalizing",
    "to_jax",
    "to_latex",
    "to_numba",
    "to_numpy",
    "to_torch",
    "validate",
    "validate_vector",
    "variance_map",
    "vector_names",
    "vector_to_numpy",
    "x",
]
