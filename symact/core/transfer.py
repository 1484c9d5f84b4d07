"""How values cross between a caller and its budget worker: pickled, with SymPy expressions kept as they were.

A pickled SymPy expression is rebuilt by calling each node's class on its arguments, which runs
SymPy's automatic evaluation again on the other side: ``Eq(k, k, evaluate=False)`` comes back as
``True``, ``Pow(2, 10**40, evaluate=False)`` is computed, and a structured proof whose steps were
built unevaluated no longer checks. :func:`dumps` pickles each node of an expression as its class
and its arguments, and unpickling rebuilds it without evaluation where SymPy allows it (``Add``
and ``Mul`` from their canonical arguments, functions, powers, ``Max``/``Min`` and relations with
``evaluate=False``); any other node is rebuilt as plain pickling would. The result is the same
tree, not merely an equal value.

Importing this module does not import SymPy: without SymPy loaded there is no expression to transfer.

Examples:
    >>> import pickle, sympy
    >>> k = sympy.Symbol("k")
    >>> same = sympy.Eq(k, k, evaluate=False)
    >>> pickle.loads(pickle.dumps(same)), pickle.loads(dumps(same))
    (True, Eq(k, k))
    >>> big = sympy.Pow(2, 10**40, evaluate=False)
    >>> pickle.loads(dumps(big)) == big
    True
"""

from __future__ import annotations

import io
import pickle
import sys
from typing import Any


def dumps(obj: Any) -> bytes:
    """``obj`` pickled (highest protocol), each SymPy expression node as it is (see the module docstring)."""
    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buf.getvalue()


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        sympy = sys.modules.get("sympy")
        if sympy is None or not isinstance(obj, (sympy.Expr, sympy.logic.boolalg.Boolean)) or not obj.args:
            return NotImplemented
        if isinstance(obj, (sympy.MatrixBase, sympy.Poly)) or not isinstance(obj.func, type):
            return NotImplemented
        return rebuild, (obj.func, obj.args)


def rebuild(cls: type, args: tuple[Any, ...]) -> Any:
    """A node of class ``cls`` on ``args``, built without SymPy's evaluation where the class allows it.

    Examples:
        >>> import sympy
        >>> rebuild(sympy.Pow, (sympy.Integer(2), sympy.Integer(3)))
        2**3
    """
    import sympy
    from sympy.core.function import Application
    from sympy.core.operations import LatticeOp
    from sympy.core.relational import Relational
    from sympy.functions.elementary.miscellaneous import MinMaxBase

    if issubclass(cls, (sympy.Add, sympy.Mul)):
        return cls._from_args(args)  # type: ignore[attr-defined]
    if issubclass(cls, MinMaxBase) or (
        issubclass(cls, (sympy.Pow, Application, Relational)) and not issubclass(cls, LatticeOp)
    ):
        return cls(*args, evaluate=False)
    return cls(*args)
