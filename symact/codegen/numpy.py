"""The NumPy backend: stable expressions to NumPy source, compiled into functions.

The backend is a function table (:data:`FUNCTIONS`, :data:`OPS`, derived from
:mod:`symact.codegen.printer`), the printer subclass :class:`NumPyPrinter`, and the runtime
namespace of the generated code (the kernels of :mod:`symact.codegen.kernels`).

The pipeline is ``expr -> symact.codegen.rewrite.stabilize -> NumPy source -> function``:

* each piece of a piecewise definition is evaluated on its input clamped to
  the piece's interval and the pieces are joined with ``np.where`` (never
  ``np.select`` of unclamped branches), so unused branches cannot overflow;
* piecewise-linear pieces (constant ends around one formula, or ``k1*x`` and
  ``k2*x`` joined at 0) are printed as ``np.maximum``/``np.minimum``/``np.clip``
  instead, where that is the same function, signed zeros and nan included
  (checked bit for bit against the ``np.where`` form on every input where the
  two can differ); code that only selects between x and float32 constants runs
  in float32 for float32 input (relu is ``np.maximum(x, 0.0)``);
* exact constants are folded at high precision and rounded once
  (``SELU``'s alpha*scale is one constant);
* float64 input is computed by a *precise* kernel: where a transcendental
  amplifies the rounding error of a polynomial argument (``erfc(-x/sqrt(2))``,
  ``sigmoid(2u(x))``, ``exp(-x**2)``), the argument is carried in double-double
  (Veltkamp splitting, since NumPy has no fma);
* a float64 piece holding ``sigmoid'``, ``sin`` or ``cos`` (the derivatives of SiLU,
  GELU-tanh, mish, sinc, ...) is evaluated in double-double as a whole (``exp`` by
  Tang's table to 2**-58; sigmoid, sigmoid', softplus and tanh(softplus) from it;
  ``sin``/``cos`` to 2**-100 by a Cody-Waite reduction and Taylor series; sums,
  products and quotients in pairs) and rounded once: the 1-ULP errors of each
  operation otherwise add up to 5 ULP where the terms cancel in part, and to any
  number of ULP next to the zeros of ``sinc'`` (tan x = x) beyond the certified
  regimes. Where a helper's argument is beyond ±600 (±2**20 for sin/cos) the plain
  kernel is kept; the certified regimes are sized for the plain kernel, which
  every other dtype goes through;
* every other floating dtype is computed in float64 by the plain kernel and
  rounded once to the input dtype; integers and Python numbers give float64;
  a 0-d input gives a NumPy scalar, as NumPy ufuncs do;
* products ``a*sigmoid(u)``, ``a*sigmoid'(u)``, ``a*tanh(softplus(u))`` and ``a*erfc(z)`` scale
  ``exp`` by e**64 where it would go subnormal, so a normal product keeps its
  relative accuracy;
* the whole body runs under ``np.errstate(all="ignore")``, and the generated
  function is checked far out against the limits at ±oo (mpmath truth at
  2**k, ±max and ±inf) and at ``nan``: where it disagrees (``x**3`` overflow,
  ``inf*0``), the input is clamped to the *saturation* point 2**k beyond which
  the exact value rounds to the limit, or to the finite range, or, last, the
  value at ±inf/nan is patched in.

Derivatives come from :func:`symact.analysis.calculus.derivative` (exact, with the
project's convention value at kinks), through the same pipeline.

Examples:
    >>> import numpy as np, symact
    >>> print(source(symact.get("softplus")))
    def softplus(x):
        x, dtype, scalar = _prepare(x)
        with np.errstate(all="ignore"):
            r = np.logaddexp(0.0, x)
        return _finish(r, dtype, scalar)
    >>> f = to_numpy(symact.get("sigmoid"))
    >>> f(np.array([-800.0, 0.0, 800.0], dtype=np.float32)), f(0.0)
    (array([0. , 0.5, 1. ], dtype=float32), np.float64(0.5))
"""

from __future__ import annotations
import __future__

import ast
import builtins
import dis
import functools
import importlib
import inspect
import keyword
import math
import re
import symtable
import sys
import textwrap
import types
from collections.abc import Callable
from typing import Any, NamedTuple

import mpmath
import numpy as np
import sympy

from symact.codegen import kernels
from symact.codegen import printer as base
from symact.codegen import rewrite as rw
from symact.codegen.printer import NoPair, Printer, exact_float, is_poly
from symact.core import budget, store
from symact.definition.activation import Activation, expression_of, x
from symact.definition.primitives import PRIMITIVES
from symact.numeric.rounding import round_to

__all__ = [
    "FUNCTIONS",
    "OPS",
    "NumPyPrinter",
    "derivative_expr",
    "regimes",
    "source",
    "standalone",
    "standalone_source",
    "to_numpy",
]


# ---------------------------------------------------------------------------------------
# The backend: function table, printer subclass, runtime namespace
# ---------------------------------------------------------------------------------------
#: SymPy function class -> NumPy function (``special`` is :mod:`scipy.special`, ``_name`` a kernel
#: of :mod:`symact.codegen.kernels`): the ``numpy`` column of the primitives table.
FUNCTIONS: dict[type, str] = {row.func: row.numpy for row in PRIMITIVES.values() if row.numpy is not None}
#: Structural operations and constants.
OPS: dict[str, str] = {role: "np." + name for role, name in base.OPS.items()} | {"power": "np.power"}


class NumPyPrinter(Printer):
    """The :class:`~symact.codegen.printer.Printer` with NumPy's names."""

    BACKEND = "NumPy"
    FUNCTIONS = FUNCTIONS
    OPS = OPS


_num = NumPyPrinter.num
_F64_MAX = float(np.finfo(np.float64).max)


def _down_up(c: sympy.Expr) -> tuple[float, float]:
    """The floats just below/at and just above/at the exact real ``c``."""
    f = round_to(c)
    if c.is_Rational and exact_float(c):
        return f, f
    with mpmath.workprec(400):
        cv = mpmath.mpf(sympy.N(c, 130))
        above = mpmath.mpf(f) > cv
    return (float(np.nextafter(f, -np.inf)), f) if above else (f, float(np.nextafter(f, np.inf)))


def _prepare(x: Any) -> tuple[np.ndarray, np.dtype, bool]:
    """The float64 working array, the output dtype and whether the input was 0-d."""
    a, out = kernels.real_input(x)
    return a.astype(np.float64, copy=False), out, a.ndim == 0


def _prepare_exact(x: Any) -> tuple[np.ndarray, np.dtype, bool]:
    """As :func:`_prepare`, but float32 input stays float32: for a kernel that only selects between x
    and constants exact in float32 (see :func:`_selects`). Other dtypes are computed in float64
    (NumPy's float16 and longdouble loops order a tie of -0.0 and +0.0 differently)."""
    a, out = kernels.real_input(x)
    return a.astype(np.float32 if out == np.float32 else np.float64, copy=False), out, a.ndim == 0


def _finish(r: Any, dtype: np.dtype, scalar: bool) -> Any:
    """Round once to the output dtype; 0-d input gives a NumPy scalar."""
    r = kernels.round_once(np.asarray(r), dtype)
    return r[()] if scalar else r


_NAMESPACE: dict[str, Any] = {
    "np": np,
    "_prepare": _prepare,
    "_prepare_exact": _prepare_exact,
    "_finish": _finish,
    "_series": kernels.taylor_regime,
    **{"_" + name: getattr(kernels, name) for name in base.KERNELS},
    **{name: getattr(kernels, name[1:]) for name in FUNCTIONS.values() if name.startswith("_")},
}


# ---------------------------------------------------------------------------------------
# The kernel: pieces joined by np.where, each printed by NumPyPrinter
# ---------------------------------------------------------------------------------------
def _sums_terms(e: sympy.Expr) -> bool:
    """Whether ``e`` adds two or more terms that depend on x, or a constant and a sin or cos (1 + sin(2x) has
    double zeros), where rounding errors can cancel."""
    return any(
        sum(a.has(x) for a in node.args) >= 2 or (node.as_coeff_Add()[0] != 0 and node.has(sympy.sin, sympy.cos))
        for node in sympy.preorder_traversal(e)
        if isinstance(node, sympy.Add)
    )


def _wants_pairs(e: sympy.Expr) -> bool:
    """Whether the float64 kernel of ``e`` is evaluated in double-double (:func:`_pair_kernel`): sums of
    sigmoid' terms or of sin/cos terms, powers of a sigmoid or of a sum holding an exponential
    (sigmoid(u)**3 triples its rounding, (x e**(x/3) + 2)**-2 doubles that of the sum), and exponentials
    of exponentials (exp(u) multiplies the relative error of u by |u|: x e**(-e**(-x)) lost 318 ULP)."""
    pair_types = tuple(base.PAIR_HELPERS)
    powers = [p for p in e.atoms(sympy.Pow) if p.base.has(x) and p.exp.is_Integer and abs(p.exp) >= 2]
    nested = [f for f in e.atoms(*pair_types) if f.args[0].has(*pair_types)]
    return (
        e.has(rw.SigmoidPrime)
        or (e.has(sympy.sin, sympy.cos) and _sums_terms(e))
        or any(p.base.has(*pair_types) for p in powers)
        or bool(nested)
    )


def _core_branch(e: sympy.Expr) -> tuple[sympy.Expr, float | None] | None:
    """``e`` with each Piecewise in it (the far-out forms of a structural rewrite, all equal to one
    function) replaced by its branch that holds at 0, and the largest L with ``[-L, L]`` inside every
    such branch's interval (None: no Piecewise); None if a Piecewise has no such branch."""
    core: dict[sympy.Expr, sympy.Expr] = {}
    reach = sympy.oo
    for pw in e.atoms(sympy.Piecewise):
        for branch, where in pw.as_expr_set_pairs(sympy.Reals):
            if where.contains(0) is sympy.true and isinstance(where, sympy.Interval):
                core[pw] = branch
                reach = sympy.Min(reach, -where.inf, where.sup)
                break
        else:
            return None
    if not core:
        return e, None
    if not (reach.is_positive and reach.is_finite and exact_float(reach)):
        return None
    return e.xreplace(core), float(reach)


def _pair_kernel(
    e: sympy.Expr,
    var: str,
    plain: str,
    lines: list[str],
    emit: Callable[..., str],
    shared: dict[sympy.Expr, tuple[str, str]],
) -> str:
    """``e`` evaluated in double-double and rounded once, where its pair helpers apply.

    Sums of sigmoid-type terms (the derivatives of SiLU, GELU-tanh, ...) cancel in part,
    and the 1-ULP errors of exp, of 1 + e and of the products add up to 5 ULP in plain
    double. In pairs the only sizeable error is the final rounding. Where a helper's
    argument is beyond ±600 (or not finite) the plain code ``plain`` is kept.
    """
    mark = len(lines)
    printer = NumPyPrinter(var, True, emit, e, pairs=True)
    # the polynomials the plain code already carries in double-double are not computed twice
    printer.dd_memo = {k: v for k, v in shared.items() if not k.has(x) or k == x or is_poly(k)}
    core = _core_branch(e)
    if core is None:
        return plain
    e, reach = core
    try:
        h, lo = printer.dd(e)
    except NoPair:
        del lines[mark:]
        return plain
    if reach is not None:
        printer.guards.append((var, reach))
    if not printer.guards:
        del lines[mark:]
        return plain
    ok = " & ".join(f"(np.abs({g}) <= {limit!r})" for g, limit in dict.fromkeys(printer.guards))
    rp = emit(f"{h} + {lo}")  # a low part that overflowed (nan) sends the point to the plain kernel
    return f"np.where({ok} & np.isfinite({rp}), {rp}, {plain})"


def _kernel(stab: rw.Stabilized, precise: bool, indent: str = "        ") -> list[str]:
    lines: list[str] = []
    counter = [0]

    def new_emitter() -> Callable[..., str]:
        def emit(code: str, pair: bool = False) -> str:
            counter[0] += 1
            name = f"t{counter[0]}"
            lines.append(f"{indent}{name} = {code}")
            return name

        return emit

    parts = [p for p in stab.pieces if not p.is_point]
    points = [p for p in stab.pieces if p.is_point]
    branch_codes = []
    for i, p in enumerate(parts):
        e = p.expr
        if not e.has(x):
            branch_codes.append(_num(e))
            continue
        var = "x"
        if len(parts) > 1 and not is_poly(e):
            lo = None if p.lo == -sympy.oo else repr(_down_up(p.lo)[0])
            hi = None if p.hi == sympy.oo else repr(_down_up(p.hi)[1])
            var = f"x{i}"
            if lo and hi:
                lines.append(f"{indent}{var} = np.clip(x, {lo}, {hi})")
            elif lo:
                lines.append(f"{indent}{var} = np.maximum(x, {lo})")
            else:
                lines.append(f"{indent}{var} = np.minimum(x, {hi})")
        printer = NumPyPrinter(var, precise, new_emitter(), e)
        code = printer(e)
        if precise and _wants_pairs(e):
            code = _pair_kernel(e, var, code, lines, new_emitter(), printer.dd_memo)
        branch_codes.append(code)
    # a constant last branch must still propagate nan
    if not parts[-1].expr.has(x):
        branch_codes[-1] = f"np.where(x == x, {branch_codes[-1]}, x)"
    expr = branch_codes[-1]
    for p, code in zip(reversed(parts[:-1]), reversed(branch_codes[:-1])):
        down, up = _down_up(p.hi)
        cond = f"x <= {down!r}" if p.hi_closed else f"x < {up!r}"
        expr = f"np.where({cond}, {code}, {expr})"
    lines.append(f"{indent}r = {expr}")
    for p in points:
        c = round_to(p.lo)
        if exact_float(p.lo) if p.lo.is_Rational else False:
            lines.append(f"{indent}r = np.where(x == {c!r}, {_num(p.expr)}, r)")
    return lines


# ---------------------------------------------------------------------------------------
# Piecewise-linear pieces as maximum / minimum / clip (the same function as the np.where form)
# ---------------------------------------------------------------------------------------
#: The printed code of a piece that is one correctly rounded operation on x: ``x``, ``-x``,
#: ``k*x`` or ``x/q`` (so that its value is monotone in the exact value k*x).
_ONE_ROUNDING = re.compile(r"-?x|x/\(?-?[0-9.e+-]+\)?|\(?-?[0-9.e+-]+\)?\*x")


def _scaled_x(e: sympy.Expr) -> sympy.Expr | None:
    """``k`` if ``e`` is ``k*x`` for a nonzero real number k (``x`` itself is 1*x), else None."""
    k, rest = e.as_coeff_Mul()
    return k if rest == x and k.is_real and k != 0 else None


def _emitter(lines: list[str], prefix: str, indent: str = "        ") -> Callable[..., str]:
    def emit(code: str, pair: bool = False) -> str:
        name = f"{prefix}{len(lines) + 1}"
        lines.append(f"{indent}{name} = {code}")
        return name

    return emit


def _clamp_forms(stab: rw.Stabilized, precise: bool, indent: str = "        ") -> list[list[str]]:
    """Kernels computing the same function as :func:`_kernel` with ``np.maximum``/``np.minimum``/``np.clip``
    in place of the ``np.where`` of the pieces, in order of preference (none if the rule does not apply).

    Two forms, read from the canonical pieces (never from names):

    * constant end pieces around one formula g (relu, relu6, hardtanh, hard sigmoid): ``g(clamp(x))``
      with clamp the ``maximum``/``minimum``/``clip`` of x to the breakpoints. Inside, g gets the same
      input as in the np.where form; on each constant side clamp(x) is the breakpoint (or, at a
      zero breakpoint, the input's signed zero), so the whole side is one value;
    * two pieces ``k1*x`` and ``k2*x`` joined at 0 (leaky relu, prelu): ``maximum`` of the two if the
      function is convex (k1 < k2), ``minimum`` if it is concave. Each is one correctly rounded
      operation and rounding is monotone, so where ``k1*x >= k2*x`` exactly, the rounded values
      are ordered the same way; equal values have equal bits but for the sign of a zero.

    Which argument order ``maximum`` returns on a tie of +0 and -0 depends on the machine, so each
    form is kept only if :func:`_same_function` finds it bit-identical to the np.where form on
    every input where the two can differ (the ties, the signed zeros, nan, ±inf).
    """
    parts = [p for p in stab.pieces if not p.is_point]
    if len(parts) not in (2, 3) or len(parts) != len(stab.pieces):
        return []
    const = [not p.expr.has(x) for p in parts]
    out: list[list[str]] = []
    if const.count(False) == 1 and (len(parts) == 2 or not const[1]):  # constant ends around one formula
        mid = parts[const.index(False)]
        e = mid.expr
        if precise and _wants_pairs(e):
            return []  # its float64 kernel is a double-double pair kernel: left as it is
        # the breakpoints, rounded down and up (one float when exact)
        los: list[str | None] = [repr(v) for v in dict.fromkeys(_down_up(mid.lo))] if const[0] else [None]
        his: list[str | None] = [repr(v) for v in dict.fromkeys(_down_up(mid.hi))] if const[-1] else [None]
        clamps: list[str] = []
        for lo in los:
            for hi in his:
                if lo is None:
                    clamps += [f"np.minimum(x, {hi})", f"np.minimum({hi}, x)"]
                elif hi is None:
                    clamps += [f"np.maximum(x, {lo})", f"np.maximum({lo}, x)"]
                else:
                    ups = (f"np.maximum(x, {lo})", f"np.maximum({lo}, x)")
                    clamps += [f"np.clip(x, {lo}, {hi})"]
                    clamps += [f"np.minimum({up}, {hi})" for up in ups] + [f"np.minimum({hi}, {up})" for up in ups]
        for clamp in clamps:
            if e == x:
                out.append([f"{indent}r = {clamp}"])
                continue
            lines = [f"{indent}xc = {clamp}"]
            code = NumPyPrinter("xc", precise, _emitter(lines, "t"), e)(e)
            out.append([*lines, f"{indent}r = {code}"])
        return out
    if len(parts) == 2 and parts[0].hi == 0 and not any(const):
        k1, k2 = _scaled_x(parts[0].expr), _scaled_x(parts[1].expr)
        if k1 is None or k2 is None or k1 == k2:
            return []
        c1, c2 = (NumPyPrinter("x", precise, _emitter([], "t"), p.expr)(p.expr) for p in parts)
        if not (_ONE_ROUNDING.fullmatch(c1) and _ONE_ROUNDING.fullmatch(c2)):
            return []
        fn = "np.maximum" if k1 < k2 else "np.minimum"
        return [[f"{indent}r = {fn}({c1}, {c2})"], [f"{indent}r = {fn}({c2}, {c1})"]]
    return []


def _critical_inputs(stab: rw.Stabilized) -> list[float]:
    """The float64 inputs on which a clamp form and the np.where form can differ: each breakpoint
    rounded both ways and its neighbours, the signed zeros, the smallest subnormals, ±inf, nan,
    the largest floats, and a spread of other values."""
    pts = [0.0, -0.0, math.nan, math.inf, -math.inf, _F64_MAX, -_F64_MAX, 5e-324, -5e-324, 2.2250738585072014e-308]
    for p in stab.pieces:
        for c in (p.lo, p.hi):
            if c.is_finite:
                for v in _down_up(c):
                    pts += [v, -v, float(np.nextafter(v, -np.inf)), float(np.nextafter(v, np.inf))]
    pts += [s * 2.0**k for s in (1.0, -1.0) for k in range(-1074, 1024, 13)]
    pts += [s * (k + 0.5) / 7 for s in (1.0, -1.0) for k in range(64)]
    return list({repr(v): v for v in pts}.values())  # by repr: -0.0 and 0.0 are both kept


def _same_function(a: Callable[[Any], Any], b: Callable[[Any], Any], xs: list[float]) -> bool:
    """Whether two generated functions give the same bits on ``xs`` in float64, as an array and one by one."""
    arr = np.array(xs, dtype=np.float64)
    if not np.array_equal(a(arr).view(np.int64), b(arr).view(np.int64)):
        return False
    return all(np.float64(a(v)).view(np.int64) == np.float64(b(v)).view(np.int64) for v in arr)


def _clamped(name: str, stab: rw.Stabilized, plain: list[str], precise: list[str]) -> tuple[list[str], list[str]]:
    """The kernels with their pieces as maximum/minimum/clip where :func:`_clamp_forms` gives a
    form that is the same function (else the np.where kernels, unchanged)."""

    def pick(kernel: list[str], is_precise: bool) -> list[str]:
        forms = _clamp_forms(stab, is_precise)
        if not forms:
            return kernel
        xs = _critical_inputs(stab)
        reference = _compile(_render(name, kernel, kernel, None, []), name)
        for form in forms:
            if _same_function(reference, _compile(_render(name, form, form, None, []), name), xs):
                return form
        return kernel

    new_plain = pick(plain, False)
    return new_plain, (new_plain if precise == plain else pick(precise, True))


def _selects(kernel: list[str]) -> bool:
    """Whether every line of ``kernel`` only selects (``np.maximum``/``np.minimum``/``np.clip``) between
    x and constants exact in float32, so that it gives the same value in float32 as in float64."""
    allowed = {"np.maximum", "np.minimum", "np.clip"}
    for line in kernel:
        tree = ast.parse(line.strip())
        (stmt,) = tree.body
        if not (isinstance(stmt, ast.Assign) and [ast.unparse(t) for t in stmt.targets] in (["r"], ["xc"])):
            return False
        for node in ast.walk(stmt.value):
            if isinstance(node, ast.Call):
                if ast.unparse(node.func) not in allowed or node.keywords:
                    return False
            elif isinstance(node, ast.Constant):
                if not isinstance(node.value, float) or float(np.float32(node.value)) != node.value:
                    return False
            elif isinstance(node, ast.Name):
                if node.id not in ("x", "xc", "np"):
                    return False
            elif not isinstance(node, (ast.Attribute, ast.UnaryOp, ast.USub, ast.Load)):
                return False
    return True


def _native(name: str, stab: rw.Stabilized, plain: list[str], precise: list[str]) -> bool:
    """Whether the kernel may run in float32 for float32 input (:func:`_selects`), checked bit for bit
    against the float64 path on the inputs where the two can differ, as an array and one by one."""
    if plain != precise or not _selects(plain):
        return False
    native = _compile(_render(name, plain, plain, None, [], native=True), name)
    wide = _compile(_render(name, plain, plain, None, []), name)
    xs = np.array(_critical_inputs(stab), dtype=np.float64)
    with np.errstate(over="ignore"):
        xs = xs.astype(np.float32)
    pairs = [(native(xs), wide(xs)), *((np.asarray(native(v)), np.asarray(wide(v))) for v in xs)]
    for a, b in pairs:
        nan = np.isnan(b)
        if a.dtype != np.float32 or b.dtype != np.float32 or not np.array_equal(np.isnan(a), nan):
            return False
        if not np.array_equal(a[~nan].view(np.uint32), b[~nan].view(np.uint32)):
            return False
    return True


# ---------------------------------------------------------------------------------------
# Limits at ±inf (for the end-point check)
# ---------------------------------------------------------------------------------------
def _limit(expr: sympy.Expr, direction: int) -> float | None:
    """The limit at ±oo as the validator's mpmath truth sees it (at ±10**400), in float64.

    ``sympy.limit`` takes seconds on derivatives such as GELU-tanh's; switch to
    ``symact.analysis.calculus.limit`` here once it exists.
    """
    from symact.numeric.truth import truth_at_infinity

    lim = truth_at_infinity(expr, direction)
    return 0.0 if lim == 0 else lim


def derivative_expr(obj: Activation | sympy.Expr, n: int = 1) -> sympy.Expr:
    """The symbolic n-th derivative used for ``derivative=n``.

    One line to switch to ``symact.analysis.calculus.derivative(act, n)`` once it exists.

    Examples:
        >>> import symact
        >>> derivative_expr(symact.get("softplus"))
        exp(x)/(exp(x) + 1)
    """
    expr = obj.expr if isinstance(obj, Activation) else expression_of(obj)
    if not n:
        return expr
    from symact.analysis import (
        calculus as analysis,
    )  # the project's derivative: exact, with a convention value at kinks

    return analysis.derivative(expr, n)


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------
#: Seconds a whole :func:`to_numpy` build may take by default (catalog builds take 0.1-17 s).
CODEGEN_SECONDS = 120.0


class _Built(NamedTuple):
    """One generated function: its source, its certified regimes and the compiled function."""

    source: str
    regimes: tuple[Any, ...]
    fn: Callable[[Any], Any]


#: The built functions by (srepr of the expression, name).
_BUILT: dict[tuple[str, str], _Built] = {}


def _name_of(obj: Activation | sympy.Expr, derivative: int) -> str:
    """The generated function's name: the activation's, ``_d``/``_dd`` for a derivative, and a trailing ``_``
    when that would be a Python keyword or a name the generated code runs with (a user may call an activation
    ``np``, ``xp`` or ``lambda``: ``def np(x)`` shadowed NumPy in its own body, ``def lambda(x)`` did not compile).

    Examples:
        >>> import symact
        >>> _name_of(symact.get("silu"), 1), _name_of(symact.define("x*tanh(x)", name="np"), 0)
        ('silu_d', 'np_')
    """
    base = obj.name if isinstance(obj, Activation) else "f"
    name = base + ("_" + "d" * derivative if derivative else "")
    return name + "_" if name in _reserved_names() else name


@functools.cache
def _reserved_names() -> frozenset[str]:
    """Names a generated function must not take: Python's keywords, and the names its code runs with that a
    user's name could match (NumPy's ``np``, ``special``, the framework backends' ``xp``; the other names of
    :data:`_NAMESPACE` begin with ``_``, which an activation's name cannot). The self-contained source
    renames its helpers around the function's name by itself (:func:`standalone`)."""
    return frozenset({*keyword.kwlist, *(n for n in _NAMESPACE if not n.startswith("_")), "special", "xp"})


def _regime_lines(reg: Any, first: bool = True) -> list[str]:
    """The call that applies one certified regime, with a comment saying what was proved.

    The lowest ``nd`` Horner steps run in double-double: up to ``t**(k+1)`` at a zero of
    order k (where the result is ``~c_k t**k``), up to ``t**2`` on a flank (order 0).
    """
    nd = min(reg.order + 2 if reg.order else 3, reg.degree)  # c_N starts the Horner scheme in double
    what = "exactly at" if reg.root_exact else "at"
    where = (
        f"zero of order {reg.order} {what} x = {reg.root!r}"
        if reg.order
        else f"next to a zero, expanded at x = {reg.a!r}"
    )
    out = [
        f"        # certified Taylor regime (symact.codegen.series): {where}, degree {reg.degree}, truncation <= {reg.bound:.1e} relative",
        f"        r = _series(r, x_in, {reg.lo!r}, {reg.hi!r}, {reg.a!r}, {nd}, (",
    ]
    cs = [repr(c) for c in reg.coeffs]
    out.extend("            " + ", ".join(cs[i : i + 4]) + "," for i in range(0, len(cs), 4))
    out.append(
        "        ), ("
        + ", ".join(repr(c) for c in reg.coeffs_lo[:nd])
        + ",)"
        + ("" if first else ", inplace=True")
        + ")"
    )
    return out


def _render(
    name: str,
    plain: list[str],
    precise: list[str],
    clamp: tuple[float, float] | None,
    patches: list[str],
    regimes: tuple[Any, ...] = (),
    native: bool = False,
) -> str:
    native = native and plain == precise and not (clamp or patches or regimes)
    out = [f"def {name}(x):", f"    x, dtype, scalar = {'_prepare_exact' if native else '_prepare'}(x)"]
    if patches or regimes:
        out.append("    x_in = x")
    out.append('    with np.errstate(all="ignore"):')
    if clamp:
        lo, hi = (("-np.inf" if c == -math.inf else "np.inf" if c == math.inf else repr(c)) for c in clamp)
        if clamp[0] == -math.inf:
            out.append(f"        x = np.minimum(x, {hi})")
        elif clamp[1] == math.inf:
            out.append(f"        x = np.maximum(x, {lo})")
        else:
            out.append(f"        x = np.clip(x, {lo}, {hi})")
    if plain == precise:
        out.extend(plain)
    else:
        out.append("        if dtype == np.float64:")
        out.extend("    " + line for line in precise)
        out.append("        else:")
        out.extend("    " + line for line in plain)
    for i, reg in enumerate(regimes):
        out.extend(_regime_lines(reg, first=i == 0))
    out.extend(f"        r = np.where({p}, r)" for p in patches)
    out.append("    return _finish(r, dtype, scalar)")
    return "\n".join(out)


def _compile(src: str, name: str) -> Callable[[Any], Any]:
    ns = dict(_NAMESPACE)
    if re.search(r"\bspecial\.", src):  # scipy.special (erf, ...) is loaded only for the code that calls it
        ns["special"] = importlib.import_module("scipy.special")
    exec(compile(src, f"<symact:{name}>", "exec"), ns)  # noqa: S102 - our own generated source
    fn = ns[name]
    fn.__symact_source__ = src
    return fn


def _saturation(expr: sympy.Expr, side: int, limit: float) -> float | None:
    """The smallest power of two 2**k beyond which ``expr`` rounds to its limit (float64).

    Checked with the mpmath truth at 2**j for j = k ... k+4 and sparsely up to 2**1023;
    None if the limit is not reached in the float range.
    """
    from symact.numeric.truth import compile_mp, truth_point

    f = compile_mp(expr)

    def at(j: int) -> float:
        try:
            return truth_point(f, side * math.ldexp(1.0, j), [(53, -1074, 1024)])[0]
        except ValueError:  # no value known there (mpmath overflows): not shown to be saturated
            return math.nan

    def saturated(k: int) -> bool:
        checks = sorted({*range(k, min(k + 5, 1024)), *range(k, 1024, 37), 1023})
        return all(at(j) == limit for j in checks)

    if not saturated(1023):
        return None
    lo, hi = 0, 1023  # saturated(hi) holds
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if saturated(mid):
            hi = mid
        else:
            lo = mid
    return side * math.ldexp(1.0, hi)


def _agrees(got: float, want: float, dt: type) -> bool:
    if math.isnan(want):
        return math.isnan(got)
    with np.errstate(over="ignore"):  # a float64 limit beyond float32's range rounds to inf there
        w = float(dt(want))
    if math.isnan(got) or math.isinf(got) != math.isinf(w):
        return False
    return got == w or abs(got - w) <= 2 * float(np.spacing(dt(abs(w))))


def _build(expr: sympy.Expr, name: str) -> tuple[str, tuple[Any, ...], Callable[[Any], Any]]:
    """The source of ``expr`` as function ``name``, its certified regimes and the compiled function."""
    stab = rw.stabilize(expr)
    plain = _kernel(stab, precise=False)
    precise = _kernel(stab, precise=True)
    plain, precise = _clamped(name, stab, plain, precise)
    render = functools.partial(_render, native=_native(name, stab, plain, precise))
    limits = {-1: _limit(expr, -1), 1: _limit(expr, 1)}
    # far-out probes: the formula must reproduce the limit there (x**3 overflow, inf*0, ...)
    probes: list[tuple[float, float]] = [(math.nan, math.nan)]
    bounds = [-math.inf, math.inf]
    for side, lim in limits.items():
        if lim is None:
            continue
        probes.append((side * math.inf, lim))
        if math.isfinite(lim):
            b = _saturation(expr, side, lim)
            if b is not None:
                bounds[(side + 1) // 2] = b
                probes.extend((side * math.ldexp(1.0, j), lim) for j in range(int(math.log2(abs(b))), 1024, 25))
                probes.append((side * _F64_MAX, lim))

    def wrong(fn: Callable[[Any], Any]) -> list[int]:
        bad = []
        for dt in (np.float64, np.float32):
            with np.errstate(over="ignore"):
                xs = np.array([p[0] for p in probes], dtype=dt)
            got = fn(xs)
            for i, (xv, want) in enumerate(probes):
                representable = math.isfinite(float(xs[i])) or math.isnan(xv) or math.isinf(xv)
                if representable and not _agrees(float(got[i]), want, dt) and i not in bad:
                    bad.append(i)
        return bad

    src = render(name, plain, precise, None, [])
    fn = _compile(src, name)
    bad = wrong(fn)
    clamp = None
    for clamp_try in ((bounds[0], bounds[1]), (max(bounds[0], -_F64_MAX), min(bounds[1], _F64_MAX))):
        if not bad or clamp_try == (-math.inf, math.inf):
            continue
        src_try = render(name, plain, precise, clamp_try, [])
        fn_try = _compile(src_try, name)
        bad_try = wrong(fn_try)
        if len(bad_try) < len(bad):
            src, fn, bad, clamp = src_try, fn_try, bad_try, clamp_try
    if bad:
        patches = []
        for i in bad:
            xv, w = probes[i]
            lit = (
                "np.nan" if math.isnan(w) else ("np.inf" if w == math.inf else "-np.inf" if w == -math.inf else repr(w))
            )
            if math.isnan(xv):
                patches.append(f"x_in != x_in, {lit}")
            elif math.isinf(xv):
                patches.append(f"x_in == {'np.inf' if xv > 0 else '-np.inf'}, {lit}")
        src = render(name, plain, precise, clamp, patches)
        fn = _compile(src, name)
    else:
        patches = []
    # near zeros where the formula cancels: certified Taylor polynomials
    from symact.codegen import series

    # the regimes are sized for the plain kernel: float32 (and every other dtype) goes
    # through it, and it cancels where the double-double float64 kernel does not
    measured = fn if plain == precise else _compile(render(name, plain, plain, clamp, patches), name)
    regs = series.regimes(expr, measured)
    if regs:
        src = render(name, plain, precise, clamp, patches, regs)
        fn = _compile(src, name)
    # far left, where e**x is subnormal: the certified leading term, scaled (symact.codegen.tails)
    from symact.codegen import tails

    if clamp is None or clamp[0] <= tails.LOW:
        tail = tails.underflow_tail(expr) if tails.candidate(expr) and tails.misses(expr, fn) else None
        if tail is not None:
            patches = [*patches, tails.tail_patch(tail)]
            src = render(name, plain, precise, clamp, patches, regs)
            fn = _compile(src, name)
    return src, regs, fn


def _build_source(expr: sympy.Expr, name: str) -> tuple[str, tuple[Any, ...]]:
    """The generated source and its certified regimes (what a budget worker sends back)."""
    src, regs, _ = _build(expr, name)
    return src, regs


def _resolve(
    obj: Activation | sympy.Expr, derivative: int, seconds: float | None = None, convention: str | None = None
) -> tuple[sympy.Expr, str]:
    from symact.analysis import calculus as analysis

    if convention is not None:
        if not derivative:
            raise ValueError(f"convention={convention!r} chooses derivative values at kinks; pass derivative=1")
        target = obj if isinstance(obj, Activation) else expression_of(obj)
        return analysis.derivative(target, derivative, convention=convention, seconds=seconds), _name_of(
            obj, derivative
        )
    if derivative and seconds is not None:
        expr = obj.expr if isinstance(obj, Activation) else expression_of(obj)
        if expr.free_symbols - {x}:
            raise ValueError(f"expression must be in symact.x only, got symbols {sorted(map(str, expr.free_symbols))}")
        return analysis.derivative(expr, derivative, seconds=seconds), _name_of(obj, derivative)
    if isinstance(obj, Activation):
        return derivative_expr(obj, derivative), _name_of(obj, derivative)
    expr = expression_of(obj)
    if expr.free_symbols - {x}:
        raise ValueError(f"expression must be in symact.x only, got symbols {sorted(map(str, expr.free_symbols))}")
    return derivative_expr(expr, derivative), _name_of(obj, derivative)


def to_numpy(
    obj: Activation | sympy.Expr, derivative: int = 0, *, convention: str | None = None, seconds: float | None = None
) -> Callable[[Any], Any]:
    """A NumPy function for an activation (or an expression in ``symact.x``), or its derivative.

    Cached by expression: asking again is free. The whole build (the derivative,
    the rewrites, the limit probes, the certified regimes) runs under one budget
    (:func:`symact.core.budget.call`, ``seconds``, default :data:`CODEGEN_SECONDS`);
    past it :class:`~symact.core.budget.BudgetExceeded` is raised, since a function
    must be returned. The source is built in the budget's worker and compiled here.

    Args:
        obj: an :class:`~symact.Activation` or a SymPy expression in :data:`symact.x`.
        derivative: 0 for f, 1 for f' (the symbolic derivative), ...
        convention: the derivative's values at kinks, ``"pytorch"``, ``"jax"`` or ``"keras"``
            (see :func:`symact.analysis.calculus.with_convention`); ``None`` is the project's own.
        seconds: the budget of the whole call.

    Examples:
        >>> import numpy as np, symact
        >>> elu = to_numpy(symact.get("elu"))
        >>> elu(np.array([-1e300, -1e-300, 0.0, 1e300]))
        array([-1.e+000, -1.e-300,  0.e+000,  1.e+300])
        >>> to_numpy(symact.get("relu"), derivative=1)(np.array([-1.0, 2.0, np.nan]))
        array([ 0.,  1., nan])
        >>> to_numpy(symact.get("hard_tanh"), derivative=1, convention="jax")(np.array([-1.0, 1.0]))
        array([1., 1.])
    """
    total = CODEGEN_SECONDS if seconds is None else budget.check_seconds(seconds)
    start = budget.clock()
    expr, name = _resolve(obj, derivative, total, convention)
    return _built(expr, name, max(total - (budget.clock() - start), 1e-3)).fn


def _built(expr: sympy.Expr, name: str, seconds: float = CODEGEN_SECONDS) -> _Built:
    """The cached build of ``expr`` as ``name``; built under a budget of ``seconds`` if new."""
    key = (sympy.srepr(expr), name)
    built = _BUILT.get(key)
    if built is None:
        from symact.codegen.series import Regime

        # Stored source is compiled and run: symact.core.store reads only the user's own 0700 directory.
        stored = store.key("numpy-source", expr, name)
        kept = store.load(stored, (Regime,))
        if isinstance(kept, tuple) and len(kept) == 2 and isinstance(kept[0], str):
            src, regs = kept
        else:
            got = budget.call(
                store.counted, _build_source, expr, name, seconds=seconds, what=f"code generation for {name}"
            )
            src, regs = got.value
            if got.complete:  # no step ran out of time: not a fallback built in a hurry
                store.save(stored, got.value)
        built = _BUILT[key] = _Built(src, tuple(regs), _compile(src, name))
    return built


def regimes(obj: Activation | sympy.Expr, derivative: int = 0) -> tuple[Any, ...]:
    """The certified Taylor regimes (:class:`symact.codegen.series.Regime`) the generated function uses.

    Examples:
        >>> import symact
        >>> [(r.order, r.lo, r.hi, r.degree) for r in regimes(symact.get("tanh_shrink"))]  # the zero, then two flanks
        [(3, -0.5812257484056003, 0.5812257484056003, 48), (0, -1.5, -0.5812257484056003, 32), (0, 0.5812257484056003, 1.5, 32)]
        >>> regimes(symact.get("softplus"))
        ()
    """
    expr, name = _resolve(obj, derivative)
    return _built(expr, name).regimes


def source(obj: Activation | sympy.Expr, derivative: int = 0, *, convention: str | None = None) -> str:
    """The generated NumPy source of :func:`to_numpy` (its ``_name`` helpers are :mod:`symact.codegen.kernels`).

    Examples:
        >>> import symact
        >>> print(source(symact.get("elu")))
        def elu(x):
            x, dtype, scalar = _prepare(x)
            with np.errstate(all="ignore"):
                x0 = np.minimum(x, 0.0)
                r = np.where(x <= 0.0, np.expm1(x0), x)
            return _finish(r, dtype, scalar)
    """
    expr, name = _resolve(obj, derivative, convention=convention)
    return _built(expr, name).source


# ---------------------------------------------------------------------------------------
# Self-contained source: the generated code with every helper it calls
# ---------------------------------------------------------------------------------------
#: The top-level packages whose functions are copied in as source (anything else is imported).
_OURS = ("symact", "proofs")


def _ours(module: str | None) -> bool:
    return bool(module) and str(module).split(".")[0] in _OURS


def _loaded(code: types.CodeType) -> set[str]:
    """The global names ``code`` (and the code nested in it) loads."""
    names = {i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _loaded(const)
    return names


def _literal(value: Any, np_name: Callable[[], str]) -> str:
    """Python source that rebuilds ``value`` exactly (floats by ``repr``, which round-trips)."""
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"float({repr(value)!r})"
    if isinstance(value, (tuple, list)):
        items = ", ".join(_literal(v, np_name) for v in value)
        if isinstance(value, list):
            return f"[{items}]"
        return f"({items},)" if len(value) == 1 else f"({items})"
    if isinstance(value, np.ndarray):
        return f"{np_name()}.array({_literal(value.tolist(), np_name)}, dtype={value.dtype.str!r})"
    if isinstance(value, np.generic):
        return f"{np_name()}.{type(value).__name__}({_literal(value.item(), np_name)})"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as Python source")


def _offsets(src: bytes) -> list[int]:
    starts = [0]
    for i, b in enumerate(src):
        if b == 0x0A:
            starts.append(i + 1)
    return starts


class _Bundle:
    """One Python module built from generated code and the helpers it calls, transitively.

    Every object gets one top-level name (its own where free); a source whose global names
    differ from the names their objects got is rewritten name by name (AST positions), and
    ``module.attr`` of a symact module becomes the name of ``attr``'s copy. A helper is named
    as the code that first calls it calls it.
    """

    def __init__(self) -> None:
        self.taken = set(dir(builtins)) | {"annotations"}
        self.names: dict[int, str] = {}
        self.keep: list[Any] = []  # the objects named, so that no id is reused
        self.imports: list[str] = []
        self.consts: list[str] = []
        self.defs: list[str] = []
        self.pending: list[tuple[str, dict[str, Any], dict[str, str]]] = []

    def fresh(self, *hints: str) -> str:
        for hint in hints:
            if hint not in self.taken:
                self.taken.add(hint)
                return hint
        k = 2
        while f"{hints[0]}_{k}" in self.taken:
            k += 1
        self.taken.add(f"{hints[0]}_{k}")
        return f"{hints[0]}_{k}"

    def np_name(self) -> str:
        return self.name_for(np, "np")

    def name_for(self, obj: Any, hint: str) -> str:
        """The top-level name of ``obj`` in the bundle (its definition added on first use)."""
        key = id(obj)
        if key in self.names:
            return self.names[key]
        self.keep.append(obj)
        if isinstance(obj, types.ModuleType):
            name = self.names[key] = self.fresh(hint)
            self.imports.append(f"import {obj.__name__}" + ("" if name == obj.__name__ else f" as {name}"))
        elif isinstance(obj, types.FunctionType) and (
            hasattr(obj, "__symact_source__") or _ours(getattr(obj, "__module__", None))
        ):
            name = self.names[key] = self.fresh(hint, obj.__name__)
            src = getattr(obj, "__symact_source__", None) or textwrap.dedent(inspect.getsource(obj))
            self.pending.append((src, obj.__globals__, {obj.__name__: name}))
        elif callable(obj):  # a NumPy or SciPy function: imported from where it says it lives
            module, attr = getattr(obj, "__module__", None), getattr(obj, "__name__", None)
            special = sys.modules.get("scipy.special")  # loaded if the code calls it
            if module is None and isinstance(obj, np.ufunc) and getattr(special, str(attr), None) is obj:
                module = "scipy.special"
            if not module or not attr or _ours(module) or getattr(sys.modules.get(module), attr, None) is not obj:
                raise TypeError(f"cannot include {hint} ({obj!r}) in self-contained source")
            name = self.names[key] = self.fresh(hint)
            self.imports.append(f"from {module} import {attr}" + ("" if name == attr else f" as {name}"))
        else:
            name = self.names[key] = self.fresh(hint)
            self.consts.append(f"{name} = {_literal(obj, self.np_name)}")
        return name

    def drain(self) -> None:
        """Write the definitions named so far, breadth first: every source's own names are given
        before the helpers it calls name theirs, so the entry's names stay as generated."""
        while self.pending:
            self.defs.append(self.unit(*self.pending.pop(0)))

    def unit(self, src: str, scope: dict[str, Any], own: dict[str, str]) -> str:
        """``src`` (its globals looked up in ``scope``; ``own`` names what it defines itself) with
        every global it uses named as in the bundle."""
        code = compile(src, "<symact bundle>", "exec", flags=__future__.annotations.compiler_flag, dont_inherit=True)
        tree = ast.parse(src)
        renames: dict[str, str] = {}
        modules: set[str] = set()
        for g in sorted(_loaded(code)):
            if g in own:
                target = own[g]
            elif g in scope:
                obj = scope[g]
                if isinstance(obj, types.ModuleType) and _ours(obj.__name__):
                    modules.add(g)
                    continue
                target = self.name_for(obj, g)
            elif hasattr(builtins, g):
                continue
            else:
                raise NameError(f"the generated code uses {g!r}, which its namespace does not define")
            if target != g:
                renames[g] = target
        renames |= {k: v for k, v in own.items() if k != v}
        self._check_not_local(symtable.symtable(src, "<symact bundle>", "exec"), set(renames) | modules, top=True)
        spans: list[tuple[int, int, int, int, str, str]] = []  # (start, end, new text, the text replaced)
        bases: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
                target = self.name_for(getattr(scope[node.value.id], node.attr), node.attr)
                last, stop = node.end_lineno or node.lineno, node.end_col_offset or 0
                spans.append((node.lineno, node.col_offset, last, stop, target, f"{node.value.id}.{node.attr}"))
                bases.add(id(node.value))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and id(node) not in bases:
                if node.id in modules:
                    raise TypeError(f"module {node.id!r} is used other than by attribute; it cannot be inlined")
                if node.id in renames:
                    stop = node.end_col_offset or 0
                    spans.append((node.lineno, node.col_offset, node.lineno, stop, renames[node.id], node.id))
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in renames and node in tree.body:
                line = src.splitlines()[node.lineno - 1].encode()
                m = re.match(rb"\s*(?:async\s+)?(?:def|class)\s+", line[node.col_offset :])
                if m is None:  # pragma: no cover - a def line always matches
                    raise ValueError(f"cannot find the name of {node.name!r} in its source")
                start = node.col_offset + m.end()
                stop = start + len(node.name.encode())
                spans.append((node.lineno, start, node.lineno, stop, renames[node.name], node.name))
        data = src.encode()
        starts = _offsets(data)
        for l0, c0, l1, c1, text, old in sorted(spans, reverse=True):
            a, b = starts[l0 - 1] + c0, starts[l1 - 1] + c1
            if re.sub(rb"\s", b"", data[a:b]).decode() != old:  # positions that are not the node's own text
                raise ValueError(f"cannot rename {old!r} in a helper's source: its position is not exact")
            data = data[:a] + text.encode() + data[b:]
        return data.decode().rstrip("\n")

    @staticmethod
    def _check_not_local(table: symtable.SymbolTable, names: set[str], top: bool) -> None:
        """A renamed global must not also be a local name somewhere in the same source."""
        for sym in table.get_symbols():
            if sym.get_name() in names and (sym.is_parameter() or (not top and sym.is_local())):
                raise ValueError(f"{sym.get_name()!r} is both global and local in a helper; cannot rename it")
        for child in table.get_children():
            _Bundle._check_not_local(child, names, top=False)

    def render(self, entry: str, title: str) -> str:
        imports = sorted(self.imports, key=lambda s: (s.startswith("from"), s))
        head = [f"# {title}", "# Self-contained: needs only the imports below.", "from __future__ import annotations"]
        parts = ["\n".join([*head, "", *imports])]
        if self.consts:
            parts.append("\n".join(self.consts))
        return "\n\n\n".join([*parts, *self.defs, entry]) + "\n"


def standalone(fn: Callable[..., Any], src: str | None = None, title: str | None = None) -> str:
    """Self-contained source of a generated function: ``src`` (default: its generated source)
    and, as source, every helper it calls (the kernels, transitively, with their constants
    written exactly), so that it runs with only NumPy (and SciPy where it uses ``special``)
    and gives bit-identical results.

    Examples:
        >>> import numpy as np, symact
        >>> code = standalone(to_numpy(symact.get("elu")))
        >>> print(code[code.index("def elu"):], end="")
        def elu(x):
            x, dtype, scalar = _prepare(x)
            with np.errstate(all="ignore"):
                x0 = np.minimum(x, 0.0)
                r = np.where(x <= 0.0, np.expm1(x0), x)
            return _finish(r, dtype, scalar)
        >>> ns = {}
        >>> exec(code, ns)
        >>> ns["elu"](np.array([-1.0, 2.0], dtype=np.float32))
        array([-0.63212055,  2.        ], dtype=float32)
    """
    text = src if src is not None else getattr(fn, "__symact_source__", None)
    if text is None:
        raise TypeError(f"{fn!r} is not a generated function; pass its source")
    bundle = _Bundle()
    bundle.names[id(fn)] = bundle.fresh(fn.__name__)
    bundle.keep.append(fn)
    entry = bundle.unit(text, fn.__globals__, {fn.__name__: fn.__name__})
    bundle.drain()
    return bundle.render(entry, title or f"{fn.__name__}: NumPy code generated by symact")


def standalone_source(obj: Activation | sympy.Expr, derivative: int = 0, *, convention: str | None = None) -> str:
    """:func:`source` made self-contained (see :func:`standalone`): it can be pasted into a file and run.

    Examples:
        >>> import symact
        >>> print(standalone_source(symact.get("softplus")).splitlines()[-1])
            return _finish(r, dtype, scalar)
    """
    return standalone(to_numpy(obj, derivative, convention=convention))
