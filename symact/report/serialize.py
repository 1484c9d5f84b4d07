"""Plain-data views of symact's records, for JSON and the terminal.

SymPy values become strings (``str``) so that they can be read back exactly
with ``sympy.sympify`` by a trusting reader; ``Unknown`` becomes
``{"unknown": reason}``; ``None`` ("does not exist") stays ``null``.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

import sympy

from symact.analysis.properties import Extremum
from symact.core.unknown import Unknown

__all__ = ["describe", "to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """A JSON-serializable form of a symact value.

    Examples:
        >>> to_jsonable((sympy.Rational(1, 2), None, Unknown("timeout"), sympy.Interval(0, sympy.oo)))
        ['1/2', None, {'unknown': 'timeout'}, 'Interval(0, oo)']
    """
    if isinstance(value, Unknown):
        return {"unknown": value.reason}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, sympy.Basic):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return str(value)


def describe(value: Any) -> str:
    """A short human-readable rendering of a property value; sets in interval notation.

    Examples:
        >>> describe(None), describe(Unknown("timeout")), describe((sympy.Integer(0), sympy.Integer(1)))
        ('does not exist', 'unknown (timeout)', '(0, 1)')
        >>> describe(sympy.Interval.Lopen(-1, 1)), describe(sympy.Interval(0, sympy.oo)), describe(sympy.S.Reals)
        ('(-1, 1]', '[0, oo)', '(-oo, oo)')
        >>> describe(sympy.Union(sympy.Interval.open(-2, -1), sympy.FiniteSet(0))), describe(sympy.S.EmptySet)
        ('(-2, -1) U {0}', 'empty')
    """
    if value is None:
        return "does not exist"
    if isinstance(value, Unknown):
        return str(value)
    if isinstance(value, tuple):
        return "(" + ", ".join(describe(v) for v in value) + ")"
    if isinstance(value, Extremum):
        kind = "attained at " + describe(value.at) if value.attained else "not attained"
        return f"{value.value} ({kind})"
    if isinstance(value, sympy.Set):
        return _set_text(value)
    return str(value)


def _set_text(s: sympy.Set) -> str:
    if s is sympy.S.EmptySet:
        return "empty"
    if s is sympy.S.Reals:
        return "(-oo, oo)"
    if isinstance(s, sympy.Interval):
        left = "(" if s.left_open or s.start.is_infinite else "["
        right = ")" if s.right_open or s.end.is_infinite else "]"
        return f"{left}{s.start}, {s.end}{right}"
    if isinstance(s, sympy.FiniteSet):
        return "{" + ", ".join(map(str, s.args)) + "}"
    if isinstance(s, sympy.Union):
        return " U ".join(_set_text(a) for a in s.args)
    return str(s)
