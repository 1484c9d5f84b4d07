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

from symact.activation import Activation as Activation
from symact.activation import Framework as Framework
from symact.activation import Parameter as Parameter
from symact.activation import exact_number as exact_number
from symact.activation import x as x
from symact.catalog import all_activations as all_activations
from symact.catalog import get as get
from symact.catalog import names as names
from symact.catalog import register as register
from symact.analysis import derivative as derivative
from symact.analysis import limit as limit
from symact.analysis import output_range as output_range
from symact.analysis import properties as properties
from symact.codegen import to_numpy as to_numpy
from symact.errors import DefinitionError as DefinitionError
from symact.errors import SymactError as SymactError
from symact.errors import UnknownActivationError as UnknownActivationError
from symact.parse import define as define
from symact.unknown import Unknown as Unknown
from symact.validation import validate as validate

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
