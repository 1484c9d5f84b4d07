"""The backend-neutral printer: stabilised SymPy expressions to straight-line array code.

A backend (:mod:`symact.codegen.numpy`) is a function table, a :class:`Printer` subclass that sets
it, and a runtime namespace. The function table maps SymPy classes to the backend's functions (the
NumPy backend reads it from :data:`symact.definition.primitives.PRIMITIVES`); :data:`OPS` gives the
array-API names of the structural operations, from which a backend derives its own (SymPy's
printers do the same). The printer decides *how* to compute:
exact constants folded and rounded once, polynomial arguments in double-double where a function
would amplify their rounding (:data:`DD_HELPERS`), whole expressions as double-double pairs
(:data:`PAIR_HELPERS`), products routed through the subnormal-free kernels; the kernels it calls
are those of :mod:`symact.codegen.kernels` (:data:`KERNELS`), named ``_<kernel>`` in the code.

Examples:
    >>> import sympy
    >>> from symact.definition.activation import x
    >>> class Demo(Printer):
    ...     FUNCTIONS = {sympy.exp: "xp.exp", sympy.Max: "xp.maximum"}
    ...     OPS = {role: "xp." + name for role, name in OPS.items()}
    >>> Demo("x", False, lambda code: code)(sympy.Max(sympy.exp(x), sympy.sqrt(x) / 3))
    'xp.maximum(xp.exp(x), xp.sqrt(x)/3.0)'
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any, ClassVar

import mpmath
import sympy
from sympy import S

from symact.codegen import rewrite as rw
from symact.codegen.kernels import EXP_PAIR_MAX, PAIR_MAX, SIN_COS_MAX
from symact.definition.activation import x
from symact.numeric.rounding import round_to

__all__ = [
    "DD_HELPERS",
    "KERNELS",
    "OPS",
    "PAIR_HELPERS",
    "NoPair",
    "Printer",
    "atomic",
    "dd_literals",
    "exact_float",
    "is_poly",
    "needs_dd",
    "paren",
]

#: Structural operations and constants the printer emits, by role (array-API names).
OPS: dict[str, str] = {role: role for role in ("where", "sqrt", "square", "logaddexp", "nan", "inf")} | {"power": "pow"}


def exact_float(value: sympy.Expr) -> bool:
    """Whether an exact constant is a float64 exactly."""
    return bool(value.is_Rational) and Fraction(round_to(value)) == Fraction(int(value.p), int(value.q))


def dd_literals(value: sympy.Expr) -> tuple[str, str]:
    """An exact constant as the literals of a double-double ``hi + lo`` (each correctly rounded)."""
    with mpmath.workprec(400):
        v = mpmath.mpf(sympy.N(value, 130)) if not value.is_Rational else mpmath.mpf(int(value.p)) / int(value.q)
        hi = round_to(v)
        lo = round_to(v - mpmath.mpf(hi))
    return repr(hi), repr(lo)


def is_poly(e: sympy.Expr) -> bool:
    try:
        return e.has(x) and sympy.Poly(e, x).degree() >= 1
    except sympy.PolynomialError:
        return False


def needs_dd(u: sympy.Expr) -> bool:
    """Whether a polynomial argument is rounded when computed in float64."""
    if isinstance(u, rw.Affine):  # a*(p - r): p - r and the scaling each round
        return is_poly(u.args[0])
    if not is_poly(u):
        return False
    k, rest = u.as_coeff_Mul()
    # k*x is exact only for k = ±2**n (any other k rounds the product)
    exact = rest == x and k.is_Rational and k != 0 and exact_float(k) and math.frexp(abs(float(k)))[0] == 0.5
    return not exact


def atomic(code: str) -> bool:
    """Whether ``code`` can be an operand of any operator without parentheses."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z_0-9.]*(\[\d+\])?", code) or re.fullmatch(r"\d+(\.\d*)?(e[+-]?\d+)?", code):
        return True
    if code.startswith("(") or re.match(r"[A-Za-z_][A-Za-z_0-9.]*\(", code):
        # one call or one parenthesised group spanning the whole string
        start = code.index("(")
        depth = 0
        for i, ch in enumerate(code[start:], start):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0:
                return i == len(code) - 1
    return False


def paren(code: str) -> str:
    """``code`` parenthesised unless atomic."""
    return code if atomic(code) else f"({code})"


#: Functions whose argument is carried in double-double when its rounding error would be amplified.
DD_HELPERS: dict[type, str] = {
    rw.Erfc: "_erfc_dd",
    rw.Sigmoid: "_sigmoid_dd",
    rw.SigmoidPrime: "_sigmoid_prime_dd",
    sympy.exp: "_exp_dd",
    rw.Softplus: "_softplus_dd",
}


#: Functions the pair printer evaluates as double-double pairs, and their helpers.
PAIR_HELPERS: dict[type, str] = {
    rw.Sigmoid: "_sigmoid_pair",
    rw.SigmoidPrime: "_sigmoid_prime_pair",
    sympy.exp: "_exp_pair",
    rw.Softplus: "_softplus_pair",
    rw.TanhSoftplus: "_tanh_softplus_pair",
}


#: The kernels of :mod:`symact.codegen.kernels` the printed code may call: its runtime binds
#: ``"_" + name`` to ``kernels.<name>`` for each.
KERNELS: tuple[str, ...] = tuple(
    sorted(
        {
            *(name[1:] for name in (*DD_HELPERS.values(), *PAIR_HELPERS.values())),
            *("dd_add", "dd_mul", "dd_mul_d", "div_pair", "erfc_dd", "finite_lo"),
            *("mul_erfc_dd", "mul_exp", "mul_sigmoid", "mul_sigmoid_prime", "mul_tanh_softplus"),
            *("sin_cos_pair", "two_prod", "two_sqr"),
        }
    )
)


class NoPair(Exception):
    """The expression has a node the pair printer cannot carry in double-double."""


class Printer:
    """Prints a stabilised SymPy expression in ``x`` as straight-line array code for one backend.

    Subclasses set :attr:`FUNCTIONS` (SymPy class -> function, printed ``name(args)``) and
    :attr:`OPS` (the structural operations, usually derived from :data:`OPS`). The runtime of the generated code must bind ``_<name>`` to
    each kernel of :mod:`symact.codegen.kernels` listed in :data:`KERNELS`.

    ``printer(e)`` returns the code of ``e`` (common subexpressions of ``root`` go to temporaries
    through ``emit(code) -> name``); ``printer.dd(e)`` returns a polynomial argument as a
    double-double pair of codes. With ``precise``, the arguments whose rounding a function would
    amplify are carried in double-double; with ``pairs`` the whole expression is (raising
    :class:`NoPair` on a node that has no pair kernel) and the arguments of the pair kernels are
    collected in ``guards``.
    """

    #: The backend's name (in error messages).
    BACKEND: ClassVar[str] = "array"
    #: SymPy function class -> the backend's elementwise function.
    FUNCTIONS: ClassVar[dict[type, str]] = {}
    #: Role -> the backend's name of a structural operation or constant (the keys of :data:`OPS`).
    OPS: ClassVar[dict[str, str]] = {}

    @classmethod
    def op(cls, role: str) -> str:
        """The backend's name of one structural operation (``"where"``, ``"sqrt"``, ..., ``"nan"``)."""
        return cls.OPS[role]

    @classmethod
    def function(cls, func: type) -> str:
        """The backend's function for a SymPy function class (NotImplementedError if it has none)."""
        name = cls.FUNCTIONS.get(func)
        if name is None:
            raise NotImplementedError(f"no {cls.BACKEND} printing for {func.__name__}")
        return name

    @classmethod
    def num(cls, value: Any) -> str:
        """A float literal for an exact constant, correctly rounded to float64."""
        f = round_to(value)
        if math.isinf(f):
            return cls.op("inf") if f > 0 else "-" + cls.op("inf")
        if math.isnan(f):
            return cls.op("nan")
        return repr(f)

    def __init__(
        self, var: str, precise: bool, emit: Callable[[str], str], root: sympy.Expr | None = None, pairs: bool = False
    ) -> None:
        self.var = var
        self.precise = precise
        # pairs: the whole expression in double-double (polynomials, +, *, exp, sigmoid,
        # sigmoid'); the arguments of the pair helpers are collected in self.guards
        self.pairs = pairs
        self.guards: list[tuple[str, float]] = []
        self.sincos: dict[sympy.Expr, str] = {}
        self.emit = emit  # emit(code) -> name of a temporary holding it
        self.memo: dict[sympy.Expr, str] = {}
        self.counts: dict[sympy.Expr, int] = {}
        self.dd_memo: dict[sympy.Expr, tuple[str, str]] = {}
        if root is not None:
            # how many distinct parents use each distinct subexpression
            parents: dict[sympy.Expr, set[sympy.Expr]] = {}
            for node in set(sympy.preorder_traversal(root)):
                for a in node.args:
                    parents.setdefault(a, set()).add(node)
            self.counts = {k: len(v) for k, v in parents.items()}

    def __call__(self, e: sympy.Expr) -> str:
        if e in self.memo:
            return self.memo[e]
        code = self._print(e)
        if self.counts.get(e, 0) > 1 and e.args and not e.is_Atom and e.has(x):
            code = self.emit(code)  # common subexpression: computed once
        self.memo[e] = code
        return code

    # double-double evaluation of polynomial arguments
    def dd(self, e: sympy.Expr) -> tuple[str, str]:
        if e not in self.dd_memo:
            self.dd_memo[e] = self._dd(e)
        return self.dd_memo[e]

    def _dd(self, e: sympy.Expr) -> tuple[str, str]:
        if e == x:
            return self.var, "0.0"
        if not e.has(x):
            return dd_literals(e)
        if isinstance(e, rw.Affine):
            u, r, a = e.args
            h, lo = self.dd(sympy.Add(u, -r, evaluate=False) if r != 0 else u)
            if exact_float(1 / a) and not exact_float(a):
                t = self.emit(f"_div_pair({h}, {lo}, {self.num(1 / a)}, 0.0)")  # dividing by an exact float
                return f"{t}[0]", f"{t}[1]"
            return self._dd_mul(h, lo, *dd_literals(a))
        if isinstance(e, sympy.Add):
            args = list(e.args)
            h, lo = self.dd(args[0])
            for a in args[1:]:
                bh, bl = self.dd(a)
                t = self.emit(f"_dd_add({h}, {lo}, {bh}, {bl})")
                h, lo = f"{t}[0]", f"{t}[1]"
            return h, lo
        if isinstance(e, sympy.Mul):
            const = sympy.Mul(*[a for a in e.args if not a.has(x)])
            # a pair function's power as repeated factors, after the polynomial factors: x sigmoid(x)**2 as
            # (x sigmoid(x)) sigmoid(x), whose partial products stay normal where sigmoid(x)**2 is subnormal
            args = []
            for a in e.args:
                if isinstance(a, sympy.Pow) and type(a.base) in PAIR_HELPERS and a.exp.is_Integer and 2 <= a.exp <= 4:
                    args += [a.base] * int(a.exp)
                elif a.has(x):
                    args.append(a)
            args.sort(key=lambda a: not is_poly(a))  # stable
            if const != 1:
                args.insert(0, const)
            h, lo = self.dd(args[0])
            for a in args[1:]:
                h, lo = self._dd_mul(h, lo, *self.dd(a))
            return h, lo
        if isinstance(e, sympy.Pow) and e.exp.is_Integer and e.exp > 0:
            h, lo = self.dd(e.base)
            if lo == "0.0" and e.exp == 2:
                t = self.emit(f"_two_sqr({h})")
                rh, rl, n = f"{t}[0]", f"{t}[1]", 0
            elif lo == "0.0" and e.exp > 2:
                (rh, rl), n = self.dd(e.base**2), int(e.exp) - 2  # the square shared with other powers
            else:
                rh, rl, n = h, lo, int(e.exp) - 1
            for _ in range(n):
                rh, rl = self._dd_mul(rh, rl, h, lo)
            return rh, rl
        if self.pairs and isinstance(e, sympy.Pow) and e.exp.is_Integer and e.exp < 0:
            bh, bl = self.dd(e.base**-e.exp)
            t = self.emit(f"_div_pair(1.0, 0.0, {bh}, {bl})")
            return f"{t}[0]", f"{t}[1]"
        if self.pairs and isinstance(e, (sympy.sin, sympy.cos)):
            # sin and cos of one argument come from one reduction and one pair of series
            if e.args[0] not in self.sincos:
                uh, ul = self.dd(e.args[0])
                self.guards.append((uh, SIN_COS_MAX))
                self.sincos[e.args[0]] = self.emit(f"_sin_cos_pair({uh}, {ul})")
            t = self.sincos[e.args[0]]
            return (f"{t}[0]", f"{t}[1]") if isinstance(e, sympy.sin) else (f"{t}[2]", f"{t}[3]")
        if self.pairs:
            helper = PAIR_HELPERS.get(type(e))
            if helper is None:
                raise NoPair(type(e).__name__)
            uh, ul = self.dd(e.args[0])
            self.guards.append((uh, EXP_PAIR_MAX if isinstance(e, sympy.exp) else PAIR_MAX))
            t = self.emit(f"{helper}({uh}, {ul})")
            return f"{t}[0]", f"{t}[1]"
        return self(e), "0.0"

    def _dd_mul(self, ah: str, al: str, bh: str, bl: str) -> tuple[str, str]:
        if al == "0.0" and bl != "0.0":
            ah, al, bh, bl = bh, bl, ah, al
        for (ch, cl), (oh, ol) in (((ah, al), (bh, bl)), ((bh, bl), (ah, al))):
            try:
                c = float(ch)
            except ValueError:
                continue
            if cl == "0.0" and c != 0 and math.frexp(abs(c))[0] == 0.5:  # a power of two: exact scaling
                return f"{ch}*{oh}", (f"{ch}*{ol}" if ol != "0.0" else "0.0")
        if bl == "0.0":
            call = f"_two_prod({ah}, {bh})" if al == "0.0" else f"_dd_mul_d({ah}, {al}, {bh})"
        else:
            call = f"_dd_mul({ah}, {al}, {bh}, {bl})"
        t = self.emit(call)
        return f"{t}[0]", f"{t}[1]"

    def _print(self, e: sympy.Expr) -> str:
        if e == x:
            return self.var
        if not e.has(x):
            return self.num(e) if e.is_finite is not False or e.is_real else self.op("nan")
        if isinstance(e, sympy.Add):
            return self._add(e)
        if isinstance(e, sympy.Mul):
            return self._mul(e)
        if isinstance(e, sympy.Pow):
            return self._pow(e)
        if isinstance(e, (sympy.Max, sympy.Min)):
            fn = self.function(e.func)
            code = self(e.args[0])
            for a in e.args[1:]:
                code = f"{fn}({code}, {self(a)})"
            return code
        if isinstance(e, sympy.Heaviside):
            u = self(e.args[0])
            h0 = self.num(e.args[1]) if len(e.args) > 1 else "0.5"
            where = self.op("where")
            return f"{where}({paren(u)} > 0, 1.0, {where}({paren(u)} < 0, 0.0, {h0}))"
        if isinstance(e, sympy.sign):
            return f"{self.function(sympy.sign)}({self(e.args[0])})"
        if isinstance(e, sympy.sinc):
            u = self(e.args[0])
            return f"{self.op('where')}({paren(u)} == 0, 1.0, {self.function(sympy.sin)}({u})/{paren(u)})"
        if isinstance(e, sympy.Piecewise):
            code = self.op("nan")
            for branch, cond in reversed(e.args):
                code = (
                    self(branch)
                    if cond is S.true
                    else f"{self.op('where')}({self._cond(cond)}, {self(branch)}, {code})"
                )
            return code
        helper = DD_HELPERS.get(type(e)) if self.precise else None
        if helper is not None and needs_dd(e.args[0]):
            h, lo = self.dd(e.args[0])
            return f"{helper}({h}, {lo})"
        if self.precise and isinstance(e, (sympy.erfc, rw.Erfc)):
            # scipy's erfc is up to ~500 ULP off in float64 and 0 from 26.64 on (erfc is subnormal to 27.23)
            return f"_erfc_dd({self(e.args[0])}, 0.0)"
        if isinstance(e, rw.Softplus):
            return f"{self.op('logaddexp')}(0.0, {self(e.args[0])})"
        if isinstance(e, rw.Hypot):
            return f"{self.function(rw.Hypot)}({self(e.args[0])}, {self(e.args[1])})"
        if isinstance(e, rw.AddHypot):
            return f"{self.function(rw.AddHypot)}({self(e.args[0])}, {self(e.args[1])})"
        if isinstance(e, rw.HypotM1):
            return f"{self.function(rw.HypotM1)}({self(e.args[0])}, {self(e.args[1])})"
        if isinstance(e, rw.Affine):
            u, r, a = e.args
            inner = f"({self(u)} - {self.num(r)})" if r.is_nonnegative else f"({self(u)} + {self.num(-r)})"
            return self._scale(inner, a)
        if isinstance(e, sympy.Abs):
            return f"{self.function(sympy.Abs)}({self(e.args[0])})"
        return f"{self.function(e.func)}({self(e.args[0])})"

    def _cond(self, c: sympy.Basic) -> str:
        if c is S.true:
            return "True"
        if c is S.false:
            return "False"
        if isinstance(c, sympy.And):
            return " & ".join(f"({self._cond(a)})" for a in c.args)
        if isinstance(c, sympy.Or):
            return " | ".join(f"({self._cond(a)})" for a in c.args)
        if isinstance(c, sympy.Not):
            return f"~({self._cond(c.args[0])})"
        return f"{paren(self(c.lhs))} {c.rel_op} {paren(self(c.rhs))}"

    @classmethod
    def _scale(cls, code: str, k: sympy.Expr) -> str:
        if k == 1:
            return code
        if k == -1:
            return f"-{paren(code)}"
        if not exact_float(k) and exact_float(1 / k):
            # dividing by an exact float rounds once; multiplying by a rounded 1/k rounds twice
            return f"{paren(code)}/{paren(cls.num(1 / k))}"
        return f"{paren(cls.num(k))}*{paren(code)}"

    def _add(self, e: sympy.Add) -> str:
        terms = sorted(e.args, key=lambda t: not t.has(x))
        out = ""
        for t in terms:
            k, _ = t.as_coeff_Mul()
            if not t.has(x):
                s = self.num(t)
                out += (" - " + s[1:]) if s.startswith("-") and out else ((" + " if out else "") + s)
            elif k.is_negative:
                out += (" - " if out else "-") + paren(self(-t))
            else:
                out += (" + " if out else "") + self(t)
        return f"({out})"

    def _mul(self, e: sympy.Mul) -> str:
        # every constant factor folded into one exact constant k, rounded once when printed
        k = sympy.Mul(*[f for f in e.args if not f.has(x)])
        factors = [f for f in e.args if f.has(x)]
        # a * Sigmoid(u) / a * TanhSoftplus(u): keep a normal product without subnormal detours
        erfcs = [f for f in factors if isinstance(f, (rw.Erfc, sympy.erfc))]
        others = [f for f in factors if not isinstance(f, (rw.Erfc, sympy.erfc))]
        if self.precise and len(erfcs) == 1 and others:
            # a * erfc(u) rounded once (no overflow of a, no subnormal detour of erfc)
            h, lo = self.dd(erfcs[0].args[0]) if needs_dd(erfcs[0].args[0]) else (self(erfcs[0].args[0]), "0.0")
            return f"_mul_erfc_dd({self(k * sympy.Mul(*others))}, {h}, {lo})"
        if self.precise:
            # poly(x) * S(u), S carried in double-double: the polynomial cofactor (its constants
            # and products would each round) in double-double too, times S rounded once
            hits = [f for f in factors if type(f) in DD_HELPERS and needs_dd(f.args[0])]
            cof = k * sympy.Mul(*[f for f in factors if f not in hits])
            if len(hits) == 1 and len(factors) > 1 and is_poly(cof) and needs_dd(cof):
                ch, cl = self.dd(cof)
                s = self.emit(self(hits[0]))
                return f"({ch}*{s} + _finite_lo({cl})*{s})"
        adds = [f for f in factors if isinstance(f, rw.AddHypot)]
        if len(adds) == 1 and k != 1 and k.is_real:
            # k into AddHypot(u, c) = u + hypot(u, c): k u + k hypot(u, c) does not overflow where k < 1 keeps
            # the value finite (pflu at 1.8e308: 0.5 x (1 + x/hypot(x, 1)))
            u, c = adds[0].args
            scaled = f"{self.function(rw.AddHypot)}({self(u)}, {self.num(c)}, {self.num(k)})"
            rest = sympy.Mul(*[f for f in factors if f is not adds[0]])
            if rest == 1:
                return scaled
            if all(isinstance(f, sympy.Pow) and f.exp.is_negative for f in sympy.Mul.make_args(rest)):
                return f"{paren(scaled)}/{paren(self(1 / rest))}"  # one rounding of a quotient
            return f"{paren(scaled)}*{paren(self(rest))}"
        for special_type, helper in (
            (rw.Sigmoid, "_mul_sigmoid"),
            (rw.SigmoidPrime, "_mul_sigmoid_prime"),
            (rw.TanhSoftplus, "_mul_tanh_softplus"),
            (sympy.exp, "_mul_exp"),
        ):
            hits = [f for f in factors if isinstance(f, special_type)]
            others = [f for f in factors if not isinstance(f, special_type)]
            if (
                len(hits) == 1
                and others
                and all(f.has(x) for f in others)
                and not (self.precise and needs_dd(hits[0].args[0]))
            ):
                return f"{helper}({self(k * sympy.Mul(*others))}, {self(hits[0].args[0])})"
        num = [f for f in factors if not (isinstance(f, sympy.Pow) and f.exp.is_negative)]
        den = [f.base ** (-f.exp) for f in factors if isinstance(f, sympy.Pow) and f.exp.is_negative]
        # u/hypot(u, c) first: it lies in [-1, 1], where u times the rest could overflow before the division
        ratios = []
        for h in [f for f in den if isinstance(f, rw.Hypot) and f.args[0] in num]:
            num.remove(h.args[0])
            den.remove(h)
            ratios.append(f"({self(h.args[0])}/{self(h)})")
        printed = [*ratios, *(paren(self(f)) for f in num)]
        num_code = "*".join(printed) if printed else "1.0"
        code = num_code
        if den:
            den_code = "*".join(paren(self(f)) for f in den)
            code = f"{num_code}/{paren(den_code)}"
        return self._scale(code, k)

    def _pow(self, e: sympy.Pow) -> str:
        b, n = e.base, e.exp
        if n == S.Half:
            return f"{self.op('sqrt')}({self(b)})"
        if n == -S.Half:
            return f"1.0/{self.op('sqrt')}({self(b)})"
        if n.is_Integer and n < 0:
            return f"1.0/{paren(self(b**-n))}"
        if n == 2:
            return f"{self.op('square')}({self(b)})"
        if n.is_Integer:
            return f"{paren(self(b))}**{int(n)}"
        return f"{self.op('power')}({self(b)}, {self.num(n) if not n.has(x) else self(n)})"
