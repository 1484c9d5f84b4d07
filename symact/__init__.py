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
"""

from __future__ import annotations

from symact.analysis.calculus import derivative as derivative
from symact.analysis.calculus import limit as limit
from symact.analysis.calculus import output_range as output_range
from symact.analysis.calculus import properties as properties
from symact.analysis.vector import jacobian as jacobian
from symact.analysis.vector import output_set as output_set
from symact.codegen.numpy import to_numpy as to_numpy
from symact.codegen.vector import to_numpy as vector_to_numpy
from symact.core.errors import DefinitionError as DefinitionError
from symact.core.errors import SymactError as SymactError
from symact.core.errors import UnknownActivationError as UnknownActivationError
from symact.core.unknown import Unknown as Unknown
from symact.core.version import __version__ as __version__
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
from symact.report import display as _display  # noqa: F401 - the targets of Activation's Jupyter display hooks
from symact.report.latex import to_latex as to_latex
from symact.validation.scalar import validate as validate
from symact.validation.vector import validate as validate_vector

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
    "define",
    "derivative",
    "exact_number",
    "get",
    "jacobian",
    "limit",
    "names",
    "output_range",
    "output_set",
    "properties",
    "register",
    "to_latex",
    "to_numpy",
    "validate",
    "validate_vector",
    "vector_names",
    "vector_to_numpy",
    "x",
]
