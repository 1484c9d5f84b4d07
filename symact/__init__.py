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

from symact.definition.activation import Activation as Activation
from symact.definition.activation import Framework as Framework
from symact.definition.activation import Parameter as Parameter
from symact.definition.activation import exact_number as exact_number
from symact.definition.activation import x as x
from symact.definition.catalog import all_activations as all_activations
from symact.definition.catalog import get as get
from symact.definition.catalog import names as names
from symact.definition.catalog import register as register
from symact.analysis.calculus import derivative as derivative
from symact.analysis.calculus import limit as limit
from symact.analysis.calculus import output_range as output_range
from symact.analysis import properties as properties
from symact.codegen.numpy import to_numpy as to_numpy
from symact.core.errors import DefinitionError as DefinitionError
from symact.core.errors import SymactError as SymactError
from symact.core.errors import UnknownActivationError as UnknownActivationError
from symact.definition.parse import define as define
from symact.core.unknown import Unknown as Unknown
from symact.validation.scalar import validate as validate

__version__ = "0.1.0"

__all__ = [
    "Activation",
    "DefinitionError",
    "Framework",
    "Parameter",
    "SymactError",
    "Unknown",
    "UnknownActivationError",
    "all_activations",
    "define",
    "derivative",
    "exact_number",
    "get",
    "limit",
    "names",
    "output_range",
    "properties",
    "register",
    "to_numpy",
    "validate",
    "x",
]
