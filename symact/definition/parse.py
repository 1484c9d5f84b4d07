"""Safe definitions from text: a parser of symact's own that never executes anything.

SymPy's ``sympify`` and ``parse_expr`` run their input through Python's ``eval``
(``sympify('__import__("os").getpid()')`` runs the code), and caps on exponents
are bypassed by chains such as ``((9**9)**9999)**9999``. :func:`define` and
:func:`parse_expr_safely` instead read the text with ``ast.parse(mode="eval")``
and walk the tree with a strict allow-list, building the SymPy objects in the
walker. Nothing is ever passed to ``eval``, ``exec``, ``sympify`` or
``parse_expr``, not even numbers: ``0.044715`` and ``1e-3`` become exact
``Rational`` values built from the digits of the literal.

The language (Python syntax, a small subset):

* numbers: decimal integers and decimals (``3``, ``0.5``, ``1e-3``, ``1_000``), all exact;
* the variable ``x``, declared parameter names, the constants ``pi`` and ``E``
  (Euler's number; lowercase ``e`` is rejected, to keep it apart from ``exp``
  and from scientific notation);
* ``+ - * / **``, unary ``+`` and ``-``, parentheses. ``^`` is rejected with a
  hint to write ``**`` (in Python ``^`` is xor; accepting it would make the same
  text mean different things in symact and in NumPy code);
* calls, positional arguments only, of :data:`FUNCTIONS`: ``exp log log1p expm1
  sqrt cbrt abs Abs sign tanh sinh cosh sin cos atan arctan asinh arcsinh erf erfc
  sigmoid softplus sinc Max max Min min Heaviside Piecewise where`` (the names of
  :data:`symact.definition.primitives.PRIMITIVES` and ``SPELLINGS``). ``cbrt`` is the real
  cube root ``sign(u)*Abs(u)**(1/3)``; ``u**(1/3)`` is SymPy's principal root,
  which is not real for ``u < 0``;
* conditions, only inside ``Piecewise((expr, cond), ..., (expr, True))`` and
  ``where(cond, a, b)``: comparisons ``< <= > >= == !=`` (chains allowed),
  ``and``/``or``/``not``, ``&``/``|``, ``True`` and ``False``.

Everything else is a :class:`~symact.core.errors.DefinitionError` (a ``ValueError``)
naming the offending token and its column. Columns are 1-based character
positions in the whole text (a newline counts as one character).

Limits (module constants; every hostile input is rejected in well under a
second, with bounded memory):

========================  =======  =====================================================
constant                  value    what it bounds
========================  =======  =====================================================
``MAX_LENGTH``            2000     characters of text, checked before anything else
``MAX_DEPTH``             40       nesting: brackets (checked before ``ast.parse``), calls,
                                   powers and unary signs; ``a + b + c`` chains are flat
``MAX_NODES``             500      expression nodes of the Python syntax tree
``MAX_LITERAL_DIGITS``    50       significant digits of one number literal
``MAX_BITS``              4096     bits of any exact number (numerator and denominator),
                                   estimated *before* a power is computed
``MAX_EXPONENT``          64       ``|p|`` of a numeric exponent ``p/q`` on a base that is
                                   not a rational number (``x**64`` yes, ``x**65`` no)
``MAX_ROOT``              64       ``q`` of a numeric exponent ``p/q``
``MAX_RADICAND_BITS``     128      bits of a rational number under a root (SymPy factors it)
``MAX_EXPR_NODES``        5000     size of the finished SymPy expression, as a tree
``MAX_EXPR_DEPTH``        200      depth of the finished SymPy expression
``MAX_MINMAX_ARGS``       8        arguments of one ``Max``/``Min`` (after SymPy flattens
                                   nested ones): SymPy compares them pairwise
``MAX_PIECES``            32       pieces of one ``Piecewise``
``CLOSE_COMPARE``         1e-6     relative gap two constants must keep where SymPy must
                                   compare them (``Max``, ``Min``, conditions)
``CLOSE_ZERO``            1e-10    a constant sum must not cancel below this fraction of
                                   its largest term (a disguised zero)
``BUILD_SECONDS``         2.0      the SymPy building runs in a :mod:`symact.core.budget` worker
                                   as a safety net (see below)
========================  =======  =====================================================

Constants get a float *shadow*: every constant subexpression is also evaluated
in plain floating point, in O(1) per node. SymPy decides signs and comparisons
of constants with ``evalf``, which is slow for doubly exponential constants
(``E**(9**9)``), for near-equal ones and for disguised zeros
(``log(8) - 3*log(2)``); so a constant that is not an exact rational must be a
finite double (below 1.8e308 in magnitude), a constant argument of a function
too, and the two rules above must hold. Exact rationals are only bounded by
``MAX_BITS``, since SymPy compares them exactly.

The checks that need no SymPy (length, characters, brackets, ``ast.parse``,
node count and depth) run in the calling process and reject most hostile text
in microseconds. Building the SymPy objects, where SymPy's automatic
evaluation runs, happens under :func:`symact.core.budget.call` with
:data:`BUILD_SECONDS`: the structural limits above keep every known costly
input far below it, and the budget (a killed worker, or a ``SIGALRM`` inside a
worker) bounds whatever they miss. Running past it is a ``DefinitionError``
saying the definition is too complex. The result comes back pickled, and
unpickling rebuilds it once more in the caller (cheap for an expression that
passed the limits).

A SymPy expression given to :func:`define` is checked against the same table
and limits: its free symbols must be ``x`` (any ``Symbol`` named ``"x"`` is
replaced by :data:`symact.x`) and declared parameters; no ``Float`` (use
``sympy.Rational`` or ``sympy.nsimplify``), no imaginary unit, infinity or NaN,
no function outside the table.
"""

from __future__ import annotations

import ast
import difflib
import keyword
import math
import re
import threading
import unicodedata
import warnings
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeGuard

import sympy
from sympy.core.relational import Relational
from sympy.functions.elementary.piecewise import ExprCondPair
from sympy.logic.boolalg import BooleanFalse, BooleanTrue

from symact.core import budget, transfer
from symact.core.errors import DefinitionError
from symact.definition.activation import Activation, Parameter, exact_number, x
from symact.definition.primitives import PRIMITIVES, SPELLINGS

__all__ = ["CONSTANTS", "FUNCTIONS", "check_expr", "define", "parse_expr_safely"]

MAX_LENGTH = 2000
MAX_DEPTH = 40
MAX_NODES = 500
MAX_LITERAL_DIGITS = 50
MAX_BITS = 4096
MAX_EXPONENT = 64
MAX_ROOT = 64
MAX_RADICAND_BITS = 128
MAX_EXPR_NODES = 5000
MAX_EXPR_DEPTH = 200
MAX_MINMAX_ARGS = 8
MAX_PIECES = 32
BUILD_SECONDS = 2.0

_E = sympy.E


# -- the table: one list of what is allowed, for text and for SymPy expressions ----------------


#: Constants by name.
CONSTANTS: dict[str, sympy.Expr] = {"pi": sympy.pi, "E": sympy.E}

#: Functions by name: (fewest arguments, most arguments or None, builder), from the
#: primitives table (its rows' names, and the spellings that are formulas in them). The
#: builders of ``Piecewise``, ``where`` and ``Heaviside`` are special-cased in the parser.
FUNCTIONS: dict[str, tuple[int, int | None, Callable[..., sympy.Expr] | None]] = {
    **{name: (*row.arity, row.func) for row in PRIMITIVES.values() for name in row.names},
    **{s.name: (*s.arity, s.build) for s in SPELLINGS.values()},
}

# The SymPy classes a finished definition may contain (the same set for both paths).
_FUNCTION_CLASSES: tuple[type, ...] = tuple(row.func for row in PRIMITIVES.values() if row.names)
_STRUCTURE_CLASSES: tuple[type, ...] = (
    sympy.Add,
    sympy.Mul,
    sympy.Pow,
    ExprCondPair,
    Relational,
    sympy.And,
    sympy.Or,
    sympy.Not,
    BooleanTrue,
    BooleanFalse,
)
_ALLOWED_CLASSES: tuple[type, ...] = _FUNCTION_CLASSES + _STRUCTURE_CLASSES
_ALLOWED_NAMES_TEXT = ", ".join(sorted(FUNCTIONS, key=str.lower))

_COMPLEX_NAMES = {"I", "j", "J", "i"}
_NONFINITE_NAMES = {"oo", "inf", "Inf", "infinity", "Infinity", "nan", "NaN", "zoo"}
_RESERVED = set(FUNCTIONS) | set(CONSTANTS) | _COMPLEX_NAMES | _NONFINITE_NAMES | {"x", "e"} | set(keyword.kwlist)
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}\Z")

_INT_LITERAL = re.compile(r"[0-9](?:_?[0-9])*\Z")
_FLOAT_LITERAL = re.compile(
    r"(?P<int>[0-9](?:_?[0-9])*)?(?:\.(?P<frac>[0-9](?:_?[0-9])*)?)?(?:[eE](?P<exp>[+-]?[0-9](?:_?[0-9])*))?\Z"
)
_LOG2_10 = math.log2(10)

_OP_TEXT: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.LShift: "<<",
    ast.RShift: ">>",
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: sympy.Lt,
    ast.LtE: sympy.Le,
    ast.Gt: sympy.Gt,
    ast.GtE: sympy.Ge,
    ast.Eq: sympy.Eq,
    ast.NotEq: sympy.Ne,
}
_NODE_WORDS: dict[type, str] = {
    ast.Lambda: "lambda expressions",
    ast.IfExp: "conditional expressions",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.NamedExpr: "assignment expressions (:=)",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.List: "lists",
    ast.Set: "sets",
    ast.Dict: "dictionaries",
    ast.Tuple: "tuples (except as Piecewise pieces)",
    ast.Starred: "starred arguments",
    ast.Slice: "slices",
    ast.Subscript: "subscripts ([...])",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


def _bits(n: int) -> int:
    return abs(n).bit_length()


def _shallow_log(e: sympy.Basic, depth: int) -> bool:
    """Whether a log occurs within ``depth`` levels of ``e``."""
    level = [e]
    for _ in range(depth):
        if any(isinstance(a, sympy.log) for a in level):
            return True
        level = [b for a in level for b in a.args]
        if not level:
            return False
    return any(isinstance(a, sympy.log) for a in level)


# -- errors --------------------------------------------------------------------------------------


class _Fail(Exception):
    """Internal: carries a DefinitionError's fields up to the entry point."""

    def __init__(self, message: str, token: str | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message, self.token, self.column = message, token, column


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _suggest(name: str, candidates: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    if not close:
        close = [c for c in candidates if c.lower() == name.lower()]
    return f" (did you mean {close[0]!r}?)" if close else ""


# -- float shadows of constants ----------------------------------------------------------------------
#
# SymPy decides signs and comparisons of constant subexpressions with evalf, and
# a constant like E**(9**9) or a disguised zero like log(8) - 3*log(2) makes that
# slow (minutes, or tens of milliseconds each, respectively). Every constant node
# therefore gets a plain float "shadow" value computed here, in O(1) per node
# from its arguments' shadows, and the checker rejects what would be slow
# before SymPy sees it.

_NAN = float("nan")
_INF = float("inf")


def _finite(v: Any) -> TypeGuard[float]:
    return isinstance(v, float) and math.isfinite(v)


def _f1(fn: Callable[[float], float], v: float) -> float:
    try:
        r = fn(v)
    except OverflowError:
        return _INF
    except (ValueError, ZeroDivisionError):
        return _NAN
    return r if isinstance(r, float) else _NAN


def _fpow(b: float, e: float) -> float:
    try:
        r = b**e
    except OverflowError:
        return _INF
    except ZeroDivisionError:
        return _INF
    return r if isinstance(r, float) else _NAN  # complex for a negative base


def _rational_float(e: sympy.Rational) -> float:
    try:
        return int(e.p) / int(e.q)  # Python divides big integers correctly rounded
    except OverflowError:
        return _INF if e.p > 0 else -_INF


_UNARY: dict[type, Callable[[float], float]] = {
    row.func: row.math for row in PRIMITIVES.values() if row.math is not None and row.arity == (1, 1)
}


def _shadow(e: sympy.Basic, vals: list[Any], get: Callable[[sympy.Basic], Any]) -> Any:
    """The float (or bool, for conditions) value of a constant node; None if it depends on a symbol.

    ``vals`` are the shadows of ``e.args``; ``get`` looks up any earlier shadow.
    """
    if isinstance(e, sympy.Rational):
        return _rational_float(e)
    if e is sympy.pi:
        return math.pi
    if e is sympy.E:
        return math.e
    if isinstance(e, BooleanTrue):
        return True
    if isinstance(e, BooleanFalse):
        return False
    if isinstance(e, ExprCondPair) or not e.args:
        return None
    if isinstance(e, sympy.Piecewise):
        for pair in e.args:
            cond = get(pair.args[1])
            if cond is None:
                return None
            if cond:
                return get(pair.args[0])
        return _NAN
    if any(v is None for v in vals):
        return None
    if isinstance(e, sympy.Add):
        return math.fsum(vals) if all(_finite(v) for v in vals) else sum(vals)
    if isinstance(e, sympy.Mul):
        r = 1.0
        for v in vals:
            r *= v
        return r
    if isinstance(e, sympy.Pow):
        return _fpow(vals[0], vals[1])
    if isinstance(e, (sympy.Max, sympy.Min)):
        if any(math.isnan(v) for v in vals):
            return _NAN
        return max(vals) if isinstance(e, sympy.Max) else min(vals)
    if isinstance(e, sympy.Heaviside):
        v = vals[0]
        return 1.0 if v > 0 else 0.0 if v < 0 else (vals[1] if len(vals) > 1 else 0.5)
    if isinstance(e, Relational):
        a, b = vals
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}.get(e.rel_op)
    if isinstance(e, sympy.And):
        return all(vals)
    if isinstance(e, sympy.Or):
        return any(vals)
    if isinstance(e, sympy.Not):
        return not vals[0]
    fn = _UNARY.get(type(e))
    if fn is not None and len(vals) == 1:
        return _f1(fn, vals[0])
    return _NAN


#: Relative gap below which two constants count as too close for SymPy to compare
#: quickly (it needs ever more precision, about 4 ms per comparison at this gap).
CLOSE_COMPARE = 1e-6
#: Relative size below which a constant sum counts as a disguised zero.
CLOSE_ZERO = 1e-10


# -- the checks shared by both paths ---------------------------------------------------------------


class _Checker:
    """Validates SymPy objects against the table and the size limits.

    ``symbols`` maps each allowed free symbol to itself (text path, and the
    SymPy path after renaming). Every node is checked once (memoized).
    """

    def __init__(self, symbols: Collection[sympy.Symbol]) -> None:
        self.symbols = set(symbols)
        self.size: dict[sympy.Basic, tuple[int, int]] = {}
        self.fv: dict[sympy.Basic, Any] = {}

    def shadow(self, e: sympy.Basic) -> Any:
        """The float shadow of a node already checked by :meth:`tree`."""
        return self.fv.get(e)

    def constant(self, e: sympy.Basic) -> None:
        """Reject a constant SymPy would be slow to evaluate or compare (see ``_shadow``)."""
        v = self.fv.get(e)
        if v is None or isinstance(v, bool) or isinstance(e, sympy.Rational):
            return  # exact rationals are bounded by MAX_BITS and compared exactly
        if not _finite(v):
            raise _Fail("a constant in the definition is too large (beyond 1.8e308) or undefined")
        if isinstance(e, sympy.Add) and not e.is_Rational:
            terms = [abs(self.fv.get(a) or 0.0) for a in e.args]
            if abs(v) <= CLOSE_ZERO * max(terms):
                raise _Fail(
                    "a constant sum in the definition cancels to (nearly) zero; SymPy cannot decide its sign quickly, so simplify it"
                )

    def comparable(self, args: Collection[sympy.Basic]) -> None:
        """Constants that SymPy must compare (Max, Min, conditions) must be clearly apart."""
        consts = [(a, v) for a in args if not isinstance(a, sympy.Rational) and _finite(v := self.fv.get(a))]
        if not consts:
            return
        others = [(a, v) for a in args if _finite(v := self.fv.get(a))]
        for a, va in consts:
            for b, vb in others:
                if a is b or a == b:
                    continue
                if abs(va - vb) <= CLOSE_COMPARE * max(1.0, abs(va), abs(vb)):
                    raise _Fail("two constants here are too close to compare quickly; write them more simply")

    # before SymPy evaluates a power: estimate, never compute
    def power(self, base: sympy.Expr, e: sympy.Expr) -> None:
        if base is _E:
            self.exp_arg(e)
            return
        if e.free_symbols or not e.is_Rational:
            return  # symbolic or irrational exponents stay unevaluated
        p, q = int(e.p), int(e.q)
        if q > MAX_ROOT:
            raise _Fail(f"a root of order {q} is too deep (the limit is {MAX_ROOT})")
        if base.is_Rational:
            bp, bq = int(base.p), int(base.q)
            if bp == 0 and p < 0:
                raise _Fail("division by zero (0 raised to a negative power)")
            if q > 1:
                if bp < 0:
                    raise _Fail(f"a negative number raised to {e} is not real (write cbrt(u) or sign(u)*Abs(u)**({e}))")
                if max(_bits(bp), _bits(bq)) > MAX_RADICAND_BITS:
                    raise _Fail(f"a root of a number of more than {MAX_RADICAND_BITS} bits is not supported")
            big = max(abs(bp), bq)
            if big > 1:
                estimate = math.log2(big) * (abs(p) / q if _bits(p) < 1000 else _INF)
                if estimate > MAX_BITS:
                    raise _Fail(f"the power would have about {estimate:.3g} bits (the limit is {MAX_BITS})")
        elif abs(p) > MAX_EXPONENT:
            raise _Fail(
                f"the exponent {e} is too large (the limit is {MAX_EXPONENT} for a base that is not a rational number)"
            )

    def exp_arg(self, arg: sympy.Expr) -> None:
        """exp(c*log(b)) evaluates to b**c in SymPy: check that power before it happens.

        SymPy looks for the log among the factors of each term, after
        ``logcombine`` of each factor; a log deeper than that is left alone, so
        the search is shallow (and linear overall, not quadratic in the depth).
        """
        from sympy.simplify.simplify import logcombine

        for term in sympy.Add.make_args(arg):
            if not term.is_Mul or not _shallow_log(term, 4):
                continue
            coeff, rest = term.as_coeff_Mul()
            coeffs, base = [coeff], None
            for factor in sympy.Mul.make_args(rest):
                combined = logcombine(factor)
                if isinstance(combined, sympy.log):
                    if base is not None:
                        base = None
                        break
                    base = combined.args[0]
                elif factor.is_comparable:
                    coeffs.append(factor)
                else:
                    base = None
                    break
            if base is not None:
                self.power(base, sympy.Mul(*coeffs))

    def product(self, factors: Collection[sympy.Expr]) -> None:
        """SymPy multiplies rational numbers under roots together and factors the product."""
        total = 0
        for f in factors:
            for g in sympy.Mul.make_args(f):
                if g.is_Pow and g.base.is_Rational and g.exp.is_Rational and not g.exp.is_Integer:
                    total += max(_bits(int(g.base.p)), _bits(int(g.base.q)))
        if total > MAX_RADICAND_BITS:
            raise _Fail(f"the product has roots of numbers of more than {MAX_RADICAND_BITS} bits in all")

    def node(self, e: sympy.Basic) -> None:
        if isinstance(e, sympy.Rational):
            if max(_bits(int(e.p)), _bits(int(e.q))) > MAX_BITS:
                raise _Fail(f"a number of more than {MAX_BITS} bits is not allowed")
        elif isinstance(e, sympy.Float):
            raise _Fail(f"the float {e} is not exact; use sympy.Rational('{e}') or sympy.nsimplify(...)", str(e))
        elif e is sympy.I or isinstance(e, sympy.core.numbers.ImaginaryUnit):
            raise _Fail("complex numbers are not allowed", "I")
        elif e is sympy.S.Infinity or e is sympy.S.NegativeInfinity or e is sympy.S.ComplexInfinity or e is sympy.S.NaN:
            raise _Fail("infinite or undefined values are not allowed (is there a division by zero?)", str(e))
        elif isinstance(e, sympy.NumberSymbol):
            if e not in (sympy.pi, sympy.E):
                raise _Fail("only the constants pi and E are allowed", str(e))
        elif isinstance(e, sympy.Symbol):
            if e not in self.symbols:
                raise _Fail("unknown symbol (only x and the declared parameters are allowed)", e.name)
        elif isinstance(e, sympy.Pow):
            self.power(e.base, e.exp)
        elif isinstance(e, sympy.exp):
            self.exp_arg(e.args[0])
        elif isinstance(e, sympy.Mul):
            self.product(e.args)
        elif isinstance(e, _ALLOWED_CLASSES):
            pass
        elif isinstance(e, sympy.core.function.AppliedUndef):
            raise _Fail("undefined functions are not allowed", str(e.func))
        else:
            name = getattr(e, "func", type(e)).__name__
            raise _Fail(
                f"the SymPy object {name} is not allowed (allowed functions: {_ALLOWED_NAMES_TEXT})", _short(str(e))
            )
        if isinstance(e, (sympy.Max, sympy.Min)) and len(e.args) > MAX_MINMAX_ARGS:
            raise _Fail(
                f"{type(e).__name__} has {len(e.args)} arguments (the limit is {MAX_MINMAX_ARGS})", _short(str(e))
            )
        if isinstance(e, sympy.Piecewise) and len(e.args) > MAX_PIECES:
            raise _Fail(f"Piecewise has {len(e.args)} pieces (the limit is {MAX_PIECES})", _short(str(e)))

    def tree(self, expr: sympy.Basic) -> None:
        """Check every node not seen before, and the size and depth as a tree (iteratively).

        Sizes are memoized for the checker's lifetime, so checking each new
        result of the parser costs only its new nodes.
        """
        size = self.size
        stack: list[tuple[sympy.Basic, bool]] = [(expr, False)]
        while stack:
            e, done = stack.pop()
            if done:
                total, depth = 1, 1
                for a in e.args:
                    s, d = size[a]
                    total += s
                    depth = max(depth, d + 1)
                if total > MAX_EXPR_NODES:
                    raise _Fail(f"the expression is too large (more than {MAX_EXPR_NODES} nodes)")
                if depth > MAX_EXPR_DEPTH:
                    raise _Fail(f"the expression is nested too deeply (more than {MAX_EXPR_DEPTH} levels)")
                size[e] = (total, depth)
                self.fv[e] = _shadow(e, [self.fv.get(a) for a in e.args], self.fv.get)
                self.constant(e)
                if isinstance(e, (sympy.Max, sympy.Min, Relational)):
                    self.comparable(e.args)
                continue
            if e in size:
                continue
            self.node(e)
            if len(size) > 4 * MAX_EXPR_NODES:
                raise _Fail(f"the expression is too large (more than {MAX_EXPR_NODES} nodes)")
            stack.append((e, True))
            stack.extend((a, False) for a in e.args if a not in size)


# -- the text path --------------------------------------------------------------------------------


def _check_characters(source: str) -> None:
    for i, ch in enumerate(source):
        if " " <= ch <= "~" or ch in "\t\n\r":
            if ch in "'\"":
                raise _Fail("strings are not allowed", ch, i + 1)
            if ch == "\\":
                raise _Fail("backslashes are not allowed", ch, i + 1)
            continue
        code = f"U+{ord(ch):04X}"
        name = unicodedata.name(ch, "")
        looks = unicodedata.normalize("NFKC", ch)
        like = f", a look-alike of {looks!r}" if looks != ch and looks.isascii() and looks.isprintable() else ""
        what = "control character" if ch.isascii() else "non-ASCII character"
        detail = f" ({name}{like})" if name or like else ""
        raise _Fail(f"{what} {code}{detail} is not allowed; write plain ASCII", ch, i + 1)


def _check_brackets(source: str) -> None:
    depth = 0
    for i, ch in enumerate(source):
        if ch in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise _Fail(f"brackets are nested more than {MAX_DEPTH} deep", ch, i + 1)
        elif ch in ")]}":
            depth -= 1


class _Parser:
    def __init__(self, source: str, lead: int, params: Mapping[str, sympy.Symbol]) -> None:
        self.text = source
        self.lead = lead
        self.params = dict(params)
        self.starts = [0]
        for line in source.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))
        self.check = _Checker({x, *self.params.values()})

    # positions
    def offset(self, lineno: int, col: int) -> int:
        return self.starts[lineno - 1] + col

    def column(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset) + self.lead + 1  # type: ignore[attr-defined]

    def segment(self, node: ast.AST) -> str:
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return self.text[start:end]

    def fail(self, message: str, node: ast.AST, token: str | None = None, column: int | None = None) -> _Fail:
        return _Fail(message, _short(token if token is not None else self.segment(node)), column or self.column(node))

    def op_column(self, node: ast.BinOp) -> tuple[str, int]:
        sym = _OP_TEXT.get(type(node.op), "?")
        start = self.offset(node.left.end_lineno, node.left.end_col_offset)  # type: ignore[arg-type]
        end = self.offset(node.right.lineno, node.right.col_offset)
        i = self.text.find(sym, start, end)
        return sym, (i if i >= 0 else start) + self.lead + 1

    # structure checks before building
    def measure(self, tree: ast.Expression) -> None:
        count = 0
        stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
        while stack:
            node, depth = stack.pop()
            if isinstance(node, ast.expr):
                count += 1
                if count > MAX_NODES:
                    raise self.fail(f"the definition has more than {MAX_NODES} parts", node)
            if depth > MAX_DEPTH:
                raise self.fail(f"the definition is nested more than {MAX_DEPTH} deep", node)
            for child in ast.iter_child_nodes(node):
                flat = (
                    isinstance(node, ast.BinOp)
                    and child is node.left
                    and isinstance(child, ast.BinOp)
                    and _family(child.op) is not None
                    and _family(child.op) == _family(node.op)
                )
                stack.append((child, depth if flat or not isinstance(child, ast.expr) else depth + 1))

    # building
    def done(self, value: sympy.Basic, node: ast.AST) -> Any:
        try:
            self.check.tree(value)
        except _Fail as f:
            raise self.fail(f.message, node) from None
        return value

    def sympy_call(self, fn: Callable[..., Any], args: list[Any], node: ast.AST) -> Any:
        try:
            return fn(*args)
        except _Fail:
            raise
        except (
            TypeError,
            ValueError,
            ArithmeticError,
            NotImplementedError,
            AttributeError,
            RecursionError,
            MemoryError,
        ) as exc:
            raise self.fail(f"SymPy cannot build this ({type(exc).__name__}: {_short(str(exc), 80)})", node) from None

    def expr(self, node: ast.AST) -> sympy.Expr:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.BinOp):
            fam = _family(node.op)
            if fam == "add" or fam == "mul":
                return self.chain(node, fam)
            if isinstance(node.op, ast.Pow):
                base, e = self.expr(node.left), self.expr(node.right)
                return self.power(base, e, node)
            sym, col = self.op_column(node)
            if isinstance(node.op, ast.BitXor):
                raise self.fail("'^' is not a power in Python; write ** (e.g. x**2)", node, sym, col)
            if isinstance(node.op, (ast.BitAnd, ast.BitOr)):
                raise self.fail(
                    f"'{sym}' combines conditions; it is only allowed inside Piecewise(...) or where(...), with parentheses: (x > 0) {sym} (x < 1)",
                    node,
                    sym,
                    col,
                )
            raise self.fail(f"the operator '{sym}' is not allowed (use + - * / **)", node, sym, col)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return self.done(self.sympy_call(lambda v: -v, [self.expr(node.operand)], node), node)
            if isinstance(node.op, ast.UAdd):
                return self.expr(node.operand)
            if isinstance(node.op, ast.Not):
                raise self.fail(
                    "'not' makes a condition; conditions are only allowed inside Piecewise(...) or where(...)",
                    node,
                    "not",
                )
            raise self.fail("the operator '~' is not allowed", node, "~")
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, (ast.Compare, ast.BoolOp)):
            raise self.fail("a condition is only allowed inside Piecewise(...) or where(...)", node)
        if isinstance(node, ast.Attribute):
            end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[arg-type]
            return_col = end - len(node.attr) + self.lead + 1
            raise self.fail("attribute access is not allowed", node, "." + node.attr, return_col - 1)
        words = _NODE_WORDS.get(type(node), f"the construct {type(node).__name__}")
        verb = "are" if words.endswith("s") else "is"
        hint = " (use where(cond, a, b))" if isinstance(node, ast.IfExp) else ""
        raise self.fail(f"{words} {verb} not allowed{hint}", node)

    def constant(self, node: ast.Constant) -> sympy.Expr:
        value = node.value
        if isinstance(value, bool):
            raise self.fail(f"{value} is only allowed as a condition inside Piecewise(...) or where(...)", node)
        if value is None or value is Ellipsis:
            raise self.fail(f"{value!r} is not allowed", node)
        if isinstance(value, (str, bytes)):
            raise self.fail("strings are not allowed", node)
        if isinstance(value, complex):
            raise self.fail("complex numbers are not allowed", node)
        if not isinstance(value, (int, float)):  # pragma: no cover - no other literal exists
            raise self.fail("this literal is not allowed", node)
        return self.done(self.number(self.segment(node), node), node)

    def number(self, text: str, node: ast.AST) -> sympy.Rational:
        if _INT_LITERAL.match(text):
            digits = text.replace("_", "")
            if len(digits.lstrip("0")) > MAX_LITERAL_DIGITS:
                raise self.fail(f"a number with more than {MAX_LITERAL_DIGITS} digits is not allowed", node)
            return sympy.Integer(int(digits))
        m = _FLOAT_LITERAL.match(text)
        if not m or not (m.group("int") or m.group("frac")):
            raise self.fail("only decimal numbers are allowed (no hexadecimal, octal or binary literals)", node)
        whole = (m.group("int") or "").replace("_", "")
        frac = (m.group("frac") or "").replace("_", "")
        exp_text = (m.group("exp") or "0").replace("_", "")
        significant = (whole + frac).lstrip("0")
        if len(significant) > MAX_LITERAL_DIGITS:
            raise self.fail(f"a number with more than {MAX_LITERAL_DIGITS} significant digits is not allowed", node)
        if len(exp_text.lstrip("+-").lstrip("0")) > 6:
            raise self.fail(f"the exponent of this number is too large (numbers are limited to {MAX_BITS} bits)", node)
        mantissa = int(whole + frac or "0")
        if mantissa == 0:
            return sympy.Integer(0)
        scale = int(exp_text) - len(frac)
        if _bits(mantissa) + abs(scale) * _LOG2_10 > MAX_BITS + 4:
            raise self.fail(f"this number is too large or too small (numbers are limited to {MAX_BITS} bits)", node)
        if scale >= 0:
            return sympy.Integer(mantissa * 10**scale)
        return sympy.Rational(mantissa, 10**-scale)

    def name(self, node: ast.Name) -> sympy.Expr:
        n = node.id
        if n == "x":
            return x
        if n in self.params:
            return self.params[n]
        if n in CONSTANTS:
            return CONSTANTS[n]
        if n in FUNCTIONS:
            raise self.fail(f"{n} is a function; call it, e.g. {n}(x)", node)
        raise self.fail(self.unknown_name(n), node)

    def unknown_name(self, n: str) -> str:
        if n.startswith("_"):
            return "names starting with '_' are not allowed"
        if n == "e":
            return "unknown name (Euler's number is E; the exponential is exp(...))"
        if n in _COMPLEX_NAMES:
            return "complex numbers are not allowed"
        if n in _NONFINITE_NAMES:
            return "infinities and NaN are not allowed"
        pool = ["x", *self.params, *CONSTANTS]
        hint = _suggest(n, pool)
        extra = "" if self.params else "; declare parameters with params={...}"
        return f"unknown name{hint}: allowed are x, the declared parameters, pi and E{extra}"

    def chain(self, node: ast.BinOp, fam: str) -> sympy.Expr:
        items: list[ast.BinOp] = []
        cur: ast.AST = node
        while isinstance(cur, ast.BinOp) and _family(cur.op) == fam:
            items.append(cur)
            cur = cur.left
        items.reverse()
        terms = [self.expr(cur)]
        for binop in items:
            value = self.expr(binop.right)
            if isinstance(binop.op, ast.Sub):
                value = self.done(self.sympy_call(lambda v: -v, [value], binop.right), binop.right)
            elif isinstance(binop.op, ast.Div):
                _, col = self.op_column(binop)
                if value.is_zero:
                    raise self.fail("division by zero", binop, "/", col)
                try:
                    self.check.power(value, sympy.Integer(-1))
                except _Fail as f:
                    raise self.fail(f.message, binop, "/", col) from None
                value = self.done(self.sympy_call(lambda v: sympy.Pow(v, -1), [value], binop), binop)
            terms.append(value)
        if fam == "mul":
            try:
                self.check.product(terms)
            except _Fail as f:
                raise self.fail(f.message, node) from None
            return self.done(self.sympy_call(sympy.Mul, terms, node), node)
        return self.done(self.sympy_call(sympy.Add, terms, node), node)

    def power(self, base: sympy.Expr, e: sympy.Expr, node: ast.BinOp | ast.Call) -> sympy.Expr:
        try:
            self.check.power(base, e)
        except _Fail as f:
            if isinstance(node, ast.BinOp):
                sym, col = self.op_column(node)
                raise self.fail(f.message, node, sym, col) from None
            raise self.fail(f.message, node) from None
        return self.done(self.sympy_call(sympy.Pow, [base, e], node), node)

    def call(self, node: ast.Call) -> sympy.Expr:
        func = node.func
        if isinstance(func, ast.Attribute):
            return self.expr(func)  # raises: attribute access
        if not isinstance(func, ast.Name):
            raise self.fail("only the functions of the table can be called", func)
        n = func.id
        if n not in FUNCTIONS:
            if n == "x" or n in self.params or n in CONSTANTS:
                raise self.fail(f"{n} is not a function", func)
            if n.startswith("_"):
                raise self.fail("names starting with '_' are not allowed", func)
            raise self.fail(
                f"unknown function{_suggest(n, FUNCTIONS)}: the allowed functions are {_ALLOWED_NAMES_TEXT}", func
            )
        if node.keywords:
            kw = node.keywords[0]
            token = f"{kw.arg}=" if kw.arg else "**"
            raise self.fail("keyword arguments are not allowed", kw, token)
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise self.fail("starred arguments are not allowed", a)
        lo, hi, build = FUNCTIONS[n]
        count = len(node.args)
        if count < lo or (hi is not None and count > hi):
            want = f"{lo}" if lo == hi else f"{lo} to {hi}" if hi is not None else f"at least {lo}"
            raise self.fail(f"{n} takes {want} argument{'s' if want != '1' else ''}, got {count}", func)
        if n == "Piecewise":
            return self.piecewise(node)
        if n == "where":
            cond = self.cond(node.args[0])
            a, b = self.expr(node.args[1]), self.expr(node.args[2])
            return self.done(self.sympy_call(sympy.Piecewise, [(a, cond), (b, True)], node), node)
        args = [self.expr(a) for a in node.args]
        for a, a_node in zip(args, node.args):
            v = self.check.shadow(a)
            if isinstance(v, float) and not math.isfinite(v):
                raise self.fail(f"a constant argument of {n} must be a finite number below 1.8e308", a_node)
        if n == "Heaviside":
            if count == 2 and not args[1].is_Rational:
                raise self.fail(
                    "the second argument of Heaviside (its value at 0) must be a number such as 1/2", node.args[1]
                )
            return self.done(self.sympy_call(sympy.Heaviside, args, node), node)
        if n in ("exp", "expm1", "sigmoid", "softplus"):
            try:
                self.check.exp_arg(-args[0] if n == "sigmoid" else args[0])
            except _Fail as f:
                raise self.fail(f.message, node) from None
        if n == "sqrt":
            return self.power(args[0], sympy.Rational(1, 2), node)
        if n == "cbrt":
            return self.cube_root(args[0], node)
        if n in ("Max", "max", "Min", "min"):
            cls = sympy.Max if n in ("Max", "max") else sympy.Min
            flat = sum(len(a.args) if isinstance(a, cls) else 1 for a in args)
            if flat > MAX_MINMAX_ARGS:
                raise self.fail(
                    f"{n} would have {flat} arguments (the limit is {MAX_MINMAX_ARGS}, counting nested {cls.__name__}s)",
                    func,
                )
            self.comparable(args, node)
        assert build is not None  # a table invariant, not input validation
        return self.done(self.sympy_call(build, args, node), node)

    def comparable(self, args: list[sympy.Expr], node: ast.AST) -> None:
        try:
            self.check.comparable(args)
        except _Fail as f:
            raise self.fail(f.message, node) from None

    def cube_root(self, u: sympy.Expr, node: ast.Call) -> sympy.Expr:
        magnitude = self.done(self.sympy_call(sympy.Abs, [u], node), node)
        root = self.power(magnitude, sympy.Rational(1, 3), node)
        return self.done(self.sympy_call(lambda a, b: sympy.sign(a) * b, [u, root], node), node)

    def piecewise(self, node: ast.Call) -> sympy.Expr:
        if len(node.args) > MAX_PIECES:
            raise self.fail(f"Piecewise has {len(node.args)} pieces (the limit is {MAX_PIECES})", node.func)
        pieces = []
        for arg in node.args:
            if not isinstance(arg, ast.Tuple) or len(arg.elts) != 2:
                raise self.fail("each Piecewise argument must be a pair (expression, condition)", arg)
            pieces.append((self.expr(arg.elts[0]), self.cond(arg.elts[1])))
        return self.done(self.sympy_call(sympy.Piecewise, pieces, node), node)

    def cond(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return sympy.true if node.value else sympy.false
        if isinstance(node, ast.Compare):
            parts = []
            left = self.expr(node.left)
            for op, comp in zip(node.ops, node.comparators):
                rel = _COMPARE.get(type(op))
                if rel is None:
                    word = {ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}.get(type(op), "?")
                    raise self.fail(f"the comparison '{word}' is not allowed (use < <= > >= == !=)", node, word)
                right = self.expr(comp)
                self.comparable([left, right], node)
                parts.append(self.sympy_call(rel, [left, right], node))
                left = right
            return self.done(self.sympy_call(sympy.And, parts, node) if len(parts) > 1 else parts[0], node)
        if isinstance(node, ast.BoolOp):
            values = [self.cond(v) for v in node.values]
            fn = sympy.And if isinstance(node.op, ast.And) else sympy.Or
            return self.done(self.sympy_call(fn, values, node), node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self.done(self.sympy_call(sympy.Not, [self.cond(node.operand)], node), node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            a, b = self.cond(node.left), self.cond(node.right)
            fn = sympy.And if isinstance(node.op, ast.BitAnd) else sympy.Or
            return self.done(self.sympy_call(fn, [a, b], node), node)
        if isinstance(node, (ast.Constant, ast.Name, ast.BinOp, ast.UnaryOp, ast.Call)):
            raise self.fail("expected a condition here, such as x > 0 or True", node)
        return self.expr(node)  # raises the specific error for the construct


def _family(op: ast.operator) -> str | None:
    if isinstance(op, (ast.Add, ast.Sub)):
        return "add"
    if isinstance(op, (ast.Mult, ast.Div)):
        return "mul"
    return None


def _param_symbols(params: Collection[str]) -> dict[str, sympy.Symbol]:
    if isinstance(params, str):
        raise TypeError(f"params must be a collection of names, not the string {params!r}")
    out = {}
    for p in params:
        _check_param_name(p)
        out[p] = sympy.Symbol(p, real=True)
    return out


def _check_param_name(p: Any) -> None:
    if not isinstance(p, str):
        raise TypeError(f"parameter names must be strings, got {p!r}")
    if not _IDENTIFIER.match(p):
        raise DefinitionError(
            f"parameter name {p!r} is not allowed: use ASCII letters, digits and '_', starting with a letter, at most 64 characters"
        )
    if p in _RESERVED:
        raise DefinitionError(
            f"parameter name {p!r} is reserved (x, function names, constants and keywords cannot be parameters)"
        )


def _prepare(source: str, params: Mapping[str, sympy.Symbol]) -> tuple[_Parser, ast.Expression]:
    """Every check that needs no SymPy: cheap, bounded, in this process (raises ``_Fail``)."""
    if len(source) > MAX_LENGTH:
        raise _Fail(f"the definition is {len(source)} characters long; the limit is {MAX_LENGTH}")
    if not source.strip():
        raise _Fail("the definition is empty")
    _check_characters(source)
    _check_brackets(source)
    body = source.lstrip(" \t\r\n")
    lead = len(source) - len(body)
    try:
        if threading.current_thread() is threading.main_thread():
            with warnings.catch_warnings():  # a SyntaxWarning about odd text is not the user's business
                warnings.simplefilter("ignore")
                tree = ast.parse(body, mode="eval")
        else:  # warnings.filters is process-wide: another thread must not touch it
            tree = ast.parse(body, mode="eval")
    except SyntaxError as exc:
        starts = [0]
        for line in body.splitlines(keepends=True):
            starts.append(starts[-1] + len(line))
        col = len(source) + 1  # default: the end of the text
        if exc.lineno is not None and exc.offset and 0 < exc.lineno <= len(starts):  # offset 0: at the end
            col = min(max(starts[exc.lineno - 1] + exc.offset + lead, 1), len(source) + 1)
        token = source[col - 1] if col <= len(source) and not source[col - 1].isspace() else None
        where = (
            ""
            if token is not None
            else " (the text ends too early or a bracket is missing)"
            if col > len(source.rstrip())
            else ""
        )
        raise _Fail(f"syntax error: {exc.msg}{where}", token, col) from None
    except (RecursionError, MemoryError, ValueError, OverflowError) as exc:
        raise _Fail(f"the definition cannot be parsed ({type(exc).__name__})") from None
    parser = _Parser(body, lead, params)
    parser.measure(tree)
    return parser, tree


def _finish(parser: _Parser, tree: ast.Expression) -> sympy.Expr:
    """Build the SymPy expression (the part that runs SymPy; budgeted by the caller)."""
    result = parser.expr(tree.body)
    if not isinstance(result, sympy.Expr):  # pragma: no cover - expr() only returns expressions
        raise _Fail("the definition is not an expression")
    return result


def _parse(source: str, params: Mapping[str, sympy.Symbol]) -> sympy.Expr:
    """The whole text path in this process, without a time budget (raises ``_Fail``)."""
    return _finish(*_prepare(source, params))


def _job(fn: Callable[..., sympy.Expr], *args: Any) -> tuple[Any, ...]:
    """``fn(*args)`` encoded for the trip back from the worker, or the ``_Fail`` it raised."""
    try:
        return ("ok", _encode(fn(*args)))
    except _Fail as f:
        return ("error", f.message, f.token, f.column)


def _run(fn: Callable[..., sympy.Expr], *args: Any, source: str | None) -> sympy.Expr:
    """Run a building step under the BUILD_SECONDS budget; turn failures into DefinitionError."""
    try:
        outcome = budget.call(_job, fn, *args, seconds=BUILD_SECONDS, what="building the definition")
    except budget.BudgetExceeded:
        if budget.spent():  # an enclosing budget ran out, not the build's own: it is not the definition's fault
            raise
        raise DefinitionError(
            f"the definition took more than {BUILD_SECONDS:g} s to build; it is too complex", source=source
        ) from None
    except (MemoryError, RecursionError, SystemError, budget.WorkerError) as exc:
        raise DefinitionError(f"the definition could not be built ({type(exc).__name__})", source=source) from None
    if outcome[0] == "error":
        _, message, token, column = outcome
        raise DefinitionError(message, source=source, token=token, column=column)
    return _decode(outcome[1])


# The finished expression crosses from the budget worker as a flat list of nodes,
# not as pickled SymPy objects: unpickling would rebuild every node *with*
# SymPy's automatic evaluation, outside the budget. The nodes are already
# canonical, so rebuilding them with evaluate=False gives an equal expression in
# time linear in its size.
_DECODABLE: frozenset[type] = frozenset(
    {
        sympy.Add,
        sympy.Mul,
        sympy.Pow,
        sympy.Max,
        sympy.Min,
        sympy.Piecewise,
        sympy.And,
        sympy.Or,
        sympy.Not,
        sympy.StrictLessThan,
        sympy.LessThan,
        sympy.StrictGreaterThan,
        sympy.GreaterThan,
        sympy.Equality,
        sympy.Unequality,
        *_FUNCTION_CLASSES,
    }
)


def _encode(expr: sympy.Basic) -> tuple[tuple[Any, ...], ...]:
    index: dict[sympy.Basic, int] = {}
    nodes: list[tuple[Any, ...]] = []
    stack: list[tuple[sympy.Basic, bool]] = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        if e in index:
            continue
        if not ready:
            stack.append((e, True))
            stack.extend((a, False) for a in e.args if a not in index)
            continue
        if isinstance(e, sympy.Rational):
            item: tuple[Any, ...] = ("Q", int(e.p), int(e.q))
        elif isinstance(e, sympy.Symbol):
            item = ("S", e.name)
        elif e is sympy.pi or e is sympy.E:
            item = ("C", "pi" if e is sympy.pi else "E")
        elif isinstance(e, (BooleanTrue, BooleanFalse)):
            item = ("B", bool(e))
        elif isinstance(e, ExprCondPair) or type(e) in _DECODABLE:
            item = ("F", type(e), tuple(index[a] for a in e.args))
        else:  # pragma: no cover - the checker admits nothing else
            raise _Fail(f"cannot transfer a {type(e).__name__}")
        index[e] = len(nodes)
        nodes.append(item)
    return tuple(nodes)


def _decode(nodes: tuple[tuple[Any, ...], ...]) -> sympy.Expr:
    built: list[Any] = []
    for item in nodes:
        kind = item[0]
        if kind == "Q":
            built.append(sympy.Rational(item[1], item[2]))
        elif kind == "S":
            built.append(sympy.Symbol(item[1], real=True))
        elif kind == "C":
            built.append(CONSTANTS[item[1]])
        elif kind == "B":
            built.append(sympy.true if item[1] else sympy.false)
        else:
            cls, kids = item[1], [built[i] for i in item[2]]
            if cls is ExprCondPair:
                built.append(ExprCondPair(*kids))
            elif cls in _DECODABLE:
                built.append(cls(*kids, evaluate=False))
            else:  # pragma: no cover - _encode never produces it
                raise budget.WorkerError("building the definition", f"unexpected node {cls!r}")
    return built[-1]


def parse_expr_safely(source: str, params: Collection[str] = ()) -> sympy.Expr:
    """Parse text into an exact SymPy expression in :data:`symact.x`, never executing it.

    The checks that need no SymPy run in the calling process; building the
    expression runs under a :data:`BUILD_SECONDS` budget (see the module docstring).

    Args:
        source: the definition, e.g. ``"x*sigmoid(x)"``.
        params: names that may appear besides ``x`` (real symbols).

    Raises:
        DefinitionError: (a ``ValueError``) the text is not an allowed definition;
            ``token`` and ``column`` (1-based) say where.
        TypeError: ``source`` is not a string or a parameter name is not a string.

    Examples:
        >>> parse_expr_safely("0.044715*x**3 + x")
        8943*x**3/200000 + x
        >>> parse_expr_safely("where(x > 0, x, alpha*expm1(x))", params=["alpha"])
        Piecewise((x, x > 0), (alpha*(exp(x) - 1), True))
        >>> parse_expr_safely("x.__class__")
        Traceback (most recent call last):
        ...
        symact.core.errors.DefinitionError: attribute access is not allowed at '.__class__' (column 2)
    """
    if not isinstance(source, str):
        raise TypeError(f"the definition must be a string, got {type(source).__name__}")
    symbols = _param_symbols(params)
    shown = _short(source, 200)
    try:
        parser, tree = _prepare(source, symbols)
    except _Fail as f:
        raise DefinitionError(f.message, source=shown, token=f.token, column=f.column) from None
    return _run(_finish, parser, tree, source=shown)


def check_expr(expr: sympy.Basic, params: Collection[str] = ()) -> sympy.Expr:
    """Check a SymPy expression against the same table and limits as the text parser.

    Any ``Symbol`` named ``"x"`` becomes :data:`symact.x`; a symbol named like a
    declared parameter becomes the real parameter symbol.

    Raises:
        DefinitionError: an object outside the table, a float, a free symbol
            that is not x or a declared parameter, or a limit exceeded.

    Examples:
        >>> import sympy
        >>> check_expr(sympy.Symbol("x") * sympy.tanh(sympy.Symbol("x"))).free_symbols == {x}
        True
        >>> check_expr(sympy.Float("0.5") * sympy.Symbol("x"))
        Traceback (most recent call last):
        ...
        symact.core.errors.DefinitionError: the float 0.500000000000000 is not exact; use sympy.Rational('0.500000000000000') or sympy.nsimplify(...) at '0.500000000000000'
    """
    symbols = _param_symbols(params)
    if not isinstance(expr, sympy.Basic):
        raise TypeError(f"expected a SymPy expression, got {type(expr).__name__}")
    try:
        nodes = _structure(expr)
    except _Fail as f:
        raise DefinitionError(f.message, token=f.token, column=f.column) from None
    return _run(_check_structure, nodes, symbols, source=None)


def _structure(expr: sympy.Basic) -> tuple[tuple[Any, ...], ...]:
    """The user's expression as a flat list of nodes for the trip to the budget worker.

    Pickling a SymPy expression would rebuild it *with* automatic evaluation
    when it is unpickled (``Pow(2, 10**40, evaluate=False)`` would be computed),
    and recursively (a deep tree would overflow the stack). Nodes are told apart
    by identity, not by hash, so nothing here recurses or evaluates; the walk is
    bounded by ``4 * MAX_EXPR_NODES`` distinct nodes.
    """
    index: dict[int, int] = {}
    nodes: list[tuple[Any, ...]] = []
    stack: list[tuple[sympy.Basic, bool]] = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        if id(e) in index:
            continue
        if not ready:
            if len(index) + len(stack) > 4 * MAX_EXPR_NODES:
                raise _Fail(f"the expression is too large (more than {MAX_EXPR_NODES} nodes)")
            stack.append((e, True))
            stack.extend((a, False) for a in e.args if id(a) not in index)
            continue
        index[id(e)] = len(nodes)
        nodes.append(("A", e) if not e.args else ("N", e.func, tuple(index[id(a)] for a in e.args)))
    return tuple(nodes)


def _rebuild(nodes: tuple[tuple[Any, ...], ...]) -> sympy.Basic:
    """The expression of :func:`_structure`, rebuilt node by node (:func:`symact.core.transfer.rebuild`)."""
    built: list[Any] = []
    for item in nodes:
        if item[0] == "A":
            built.append(item[1])
            continue
        built.append(transfer.rebuild(item[1], tuple(built[i] for i in item[2])))
    return built[-1]


def _check_structure(nodes: tuple[tuple[Any, ...], ...], symbols: Mapping[str, sympy.Symbol]) -> sympy.Expr:
    """:func:`_check_expr` of the expression :func:`_structure` sent (in the budget worker)."""
    return _check_expr(_rebuild(nodes), symbols)


def _check_expr(expr: sympy.Basic, symbols: Mapping[str, sympy.Symbol]) -> sympy.Expr:
    """The SymPy path in this process, without a time budget (raises ``_Fail``)."""
    try:
        if not isinstance(expr, sympy.Expr):
            raise _Fail(f"the definition must be a SymPy expression, not a {type(expr).__name__}", _short(str(expr)))
        wanted = {"x": x, **symbols}
        found = [s for s in _free_symbols(expr)]
        mapping: dict[sympy.Basic, sympy.Basic] = {}
        for s in found:
            if type(s) is not sympy.Symbol or s.name not in wanted:
                kind = "unknown symbol" if type(s) is sympy.Symbol else f"{type(s).__name__} symbols are not allowed"
                hint = "" if symbols else "; declare parameters with params={...}"
                raise _Fail(f"{kind} (only x and the declared parameters are allowed{hint})", s.name)
            if s != wanted[s.name]:
                mapping[s] = wanted[s.name]
        checker = _Checker({*found, *wanted.values()})
        checker.tree(expr)
        result = expr.xreplace(mapping) if mapping else expr
        _Checker(wanted.values()).tree(result)
        return result
    except RecursionError:  # pragma: no cover - depth is checked before xreplace
        raise _Fail("the expression is nested too deeply") from None


def _free_symbols(expr: sympy.Basic) -> list[sympy.Symbol]:
    """Symbols of ``expr`` found iteratively, bounded by MAX_EXPR_NODES distinct nodes."""
    seen: set[sympy.Basic] = set()
    out: dict[sympy.Symbol, None] = {}
    stack = [expr]
    while stack:
        e = stack.pop()
        if e in seen:
            continue
        seen.add(e)
        if len(seen) > MAX_EXPR_NODES:
            raise _Fail(f"the expression is too large (more than {MAX_EXPR_NODES} nodes)")
        if isinstance(e, sympy.Symbol):
            out[e] = None
        stack.extend(e.args)
    return list(out)


# -- define ------------------------------------------------------------------------------------------


def define(source: str | sympy.Expr, name: str | None = None, params: Mapping[str, Any] | None = None) -> Activation:
    """An activation from text or from a SymPy expression, checked and never executed.

    Text is read by symact's own parser (see :mod:`symact.definition.parse`): only numbers,
    ``x``, the declared parameters, ``pi``, ``E``, ``+ - * / **`` and the functions
    of :data:`FUNCTIONS` are allowed. A SymPy expression is checked against the
    same table. The building runs under a :data:`BUILD_SECONDS` time budget as a
    safety net behind the structural limits.

    Args:
        source: the definition, e.g. ``"x*tanh(log(1 + exp(x)))"``, or a SymPy
            expression in a symbol named ``x``.
        name: the activation's name (ASCII letters, digits, ``_``); ``"custom"`` if omitted.
        params: parameter names and their default values (converted exactly:
            ``0.01`` is ``1/100``).

    Returns:
        The :class:`~symact.Activation`, with ``params`` as :class:`~symact.Parameter` records.

    Raises:
        DefinitionError: (a ``ValueError``) the definition, the name or a parameter is not
            acceptable; for text, ``token`` and ``column`` say where. A definition must also be
            real on all of R (see :func:`symact.definition.activation.check_real_domain`):
            ``sqrt(x)`` is rejected ("sqrt(x) is not real for x < 0"), ``where(x > 0, log(x), 0)``
            is not.
        TypeError: ``source`` is neither a string nor a SymPy expression, or ``params``
            is not a mapping of names.

    Examples:
        >>> define("x*tanh(log(1 + exp(x)))", name="mish").expr
        x*tanh(log(exp(x) + 1))
        >>> leaky = define("Max(x, alpha*x)", name="leaky", params={"alpha": 0.01})
        >>> leaky.expr, leaky.values
        (Max(x/100, x), (('alpha', 1/100),))
        >>> leaky.with_params(alpha="0.2").expr
        Max(x/5, x)
        >>> define("x*tahn(x)")
        Traceback (most recent call last):
        ...
        symact.core.errors.DefinitionError: unknown function (did you mean 'tanh'?): the allowed functions are ... at 'tahn' (column 3)
        >>> define("__import__('os').getpid()")
        Traceback (most recent call last):
        ...
        symact.core.errors.DefinitionError: strings are not allowed at "'" (column 12)
        >>> define("log(x)")
        Traceback (most recent call last):
        ...
        symact.core.errors.DefinitionError: 'custom' is not real on all of R: log(x) is not real for x <= 0
    """
    act_name = _check_activation_name(name)
    defaults = _check_params(params)
    if not isinstance(source, (str, sympy.Basic)):
        raise TypeError(f"the definition must be a string or a SymPy expression, got {type(source).__name__}")
    names = tuple(defaults)
    template = parse_expr_safely(source, names) if isinstance(source, str) else check_expr(source, names)
    return Activation(act_name, template, params=tuple(Parameter(n, v) for n, v in defaults.items()))


def _check_activation_name(name: Any) -> str:
    if name is None:
        return "custom"
    if not isinstance(name, str):
        raise TypeError(f"the activation name must be a string, got {type(name).__name__}")
    if not _IDENTIFIER.match(name):
        raise DefinitionError(
            f"activation name {_short(name)!r} is not allowed: use ASCII letters, digits and '_', starting with a letter, at most 64 characters"
        )
    return name


def _check_params(params: Any) -> dict[str, sympy.Expr]:
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a mapping of parameter names to default values, got {type(params).__name__}")
    out = {}
    for p, value in params.items():
        _check_param_name(p)
        out[p] = exact_number(value, p)
    return out
