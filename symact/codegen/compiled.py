"""The compiled backend: the NumPy backend's generated code as fused, multi-threaded Numba loops.

:func:`to_numba` compiles the code of :mod:`symact.codegen.numpy` (the same rewrite stage, pieces,
clamps, double-double kernels and certified Taylor regimes) into one elementwise loop with Numba
(``symact[numba]``): ``@njit(parallel=True)`` over ``prange``, so each element goes through the whole
formula once, with no temporary arrays, on Numba's threads (:func:`numba.set_num_threads`).

How the code is carried over (as the PyTorch/JAX export does, :mod:`symact.codegen.export`):

* the generated source is read as a syntax tree and made a function of one float64 (:func:`scalar_source`):
  ``np.where(c, a, b)`` becomes ``a if c else b`` (the same value: a selection), ``&``, ``|``, ``~`` of
  conditions become ``and``, ``or``, ``not``; the float64 branch (``if dtype == np.float64``) and the
  other one become two functions, the precise one for float64 input, the plain one for every other
  dtype; anything else in the source is refused (:class:`CompileError`), never guessed;
* ``np`` is bound to an operation table of scalar functions with NumPy's names and NumPy's semantics
  (``maximum`` propagates nan and returns its second argument on a tie of ±0, ``sign(-0.0)`` is +0,
  ...), ``special.erfc``/``erf`` to the C library's; the kernels of :mod:`symact.codegen.kernels`
  are their own code with ``np`` bound to that table (:data:`symact.codegen.framework_kernels.REBOUND`)
  or the framework backends' versions (``framework_kernels._own``), and, where those compute every
  branch of a ``where`` (erfc's regions, the certified Taylor regimes, the products that rescale a
  subnormal exp), a scalar version here that computes only the branch taken, with the same arithmetic;
* float64 input runs the precise kernel; float32 input is computed in float64 and rounded once on
  the store (as NumPy's ``astype``); other floats are computed in float64 and rounded once; integers
  give float64; a 0-d input gives a NumPy scalar. No ``fastmath``: the double-double kernels need
  every rounding where it is written (no contraction to fma, no reassociation) and nan, ±inf and
  signed zeros as IEEE says. Division by zero gives ±inf/nan (``error_model="numpy"``).

A function is compiled once per process (kept in memory by its source; nothing is written to disk)
and checked when built: on the special inputs (±0, ±inf, nan, the smallest subnormals, the largest
floats, the breakpoints) each class (nan, ±inf, ±0, subnormal, normal and its sign) must be the
NumPy function's, in float32 and float64, or :class:`CompileError` is raised. Its accuracy is
measured like the NumPy code's by :func:`symact.validation.export.validate_numba`.

Examples:
    >>> import numpy as np, pytest, symact
    >>> _ = pytest.importorskip("numba")  # the extra symact[numba]; skipped without it
    >>> f = to_numba(symact.get("elu"))
    >>> f(np.array([-1.0, -0.0, 2.0], dtype=np.float32))
    array([-0.63212055,  0.        ,  2.        ], dtype=float32)
    >>> print(scalar_source(symact.get("elu")))
    def elu(x):
        x0 = np.minimum(x, 0.0)
        r = np.expm1(x0) if x <= 0.0 else x
        return r
"""

from __future__ import annotations

import ast
import functools
import math
import threading
import types
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import sympy

from symact.codegen import framework_kernels, kernels
from symact.codegen import numpy as npc
from symact.core import budget
from symact.core.errors import SymactError
from symact.definition.activation import Activation

__all__ = ["CompileError", "scalar_source", "source", "to_numba"]

#: How to install the backend.
INSTALL_HINT = "the compiled backend needs Numba: pip install 'symact[numba]'"


class CompileError(SymactError, NotImplementedError):
    """The generated code has a construct the compiled backend cannot carry over (or Numba cannot
    compile), or the compiled function disagrees with the NumPy function on a special input.
    Use :func:`symact.to_numpy` for it."""


def _numba() -> Any:
    """The ``numba`` module, or ImportError with the install hint."""
    try:
        import numba
    except ImportError as err:
        raise ImportError(INSTALL_HINT) from err
    return numba


# ---------------------------------------------------------------------------------------
# The operation table: NumPy's names for scalar functions, with NumPy's semantics
# ---------------------------------------------------------------------------------------
_UFUNCS = (
    "abs",
    "isfinite",
    "isnan",
    "exp",
    "expm1",
    "log",
    "log1p",
    "sqrt",
    "square",
    "tanh",
    "sinh",
    "cosh",
    "sin",
    "cos",
    "tan",
    "arctan",
    "arcsinh",
    "rint",
    "floor",
)
_BINARY_UFUNCS = ("logaddexp", "hypot", "power")


def _where(c: Any, a: Any, b: Any) -> Any:
    return a if c else b


def _maximum(a: Any, b: Any) -> Any:
    """NumPy's maximum: nan from either side; on a tie (+0 and -0) the second argument."""
    return a if (a > b or math.isnan(a)) else b


def _minimum(a: Any, b: Any) -> Any:
    """NumPy's minimum: nan from either side; on a tie (+0 and -0) the second argument."""
    return a if (a < b or math.isnan(a)) else b


def _clip(a: Any, lo: Any, hi: Any) -> Any:
    """NumPy's clip: ``minimum(maximum(a, lo), hi)``."""
    m = a if (a > lo or math.isnan(a)) else lo
    return m if (m < hi or math.isnan(m)) else hi


def _sign(a: Any) -> Any:
    """NumPy's sign: +0 for ±0, nan for nan."""
    return 1.0 if a > 0.0 else (-1.0 if a < 0.0 else (a if math.isnan(a) else 0.0))


def _like(a: Any, v: Any) -> Any:
    return v


def _zeros_like(a: Any) -> Any:
    return 0.0


def _ones_like(a: Any) -> Any:
    return 1.0


def _table(values: Any, like: Any) -> Any:
    return values


def _take(table: Any, index: Any) -> Any:
    return table[int(index)]


def _ldexp(a: Any, e: Any) -> Any:
    return math.ldexp(a, int(e))


def _subtract(a: Any, b: Any, out: Any = None) -> Any:
    return a - b


def _ndim(a: Any) -> int:
    return 0


def _as_float64(a: Any) -> Any:
    return float(a)


def _erfc(a: Any) -> Any:
    return math.erfc(a)


def _erf(a: Any) -> Any:
    return math.erf(a)


def _jit(fn: Callable[..., Any], inline: str = "never") -> Any:
    """``fn`` compiled by Numba: no fastmath, IEEE division; ``inline="always"`` for the operation table
    (inlined into its callers in Numba's IR: 1.5x faster measured on SiLU and mish; inlining the kernels
    too made the largest builds 10x slower to compile, 100 s for mish')."""
    return _numba().njit(fastmath=False, error_model="numpy", cache=False, inline=inline)(fn)


def _unary(name: str) -> Callable[[Any], Any]:
    ns: dict[str, Any] = {"np": np}
    exec(f"def {name}(a):\n    return np.{name}(a)\n", ns)  # noqa: S102 - a fixed template and a fixed name
    return ns[name]


def _binary(name: str) -> Callable[[Any, Any], Any]:
    ns: dict[str, Any] = {"np": np}
    exec(f"def {name}(a, b):\n    return np.{name}(a, b)\n", ns)  # noqa: S102 - a fixed template and a fixed name
    return ns[name]


@functools.cache
def _ops() -> types.ModuleType:
    """The operation table as a module of jitted functions (Numba resolves ``np.<name>`` on it)."""
    xp = types.ModuleType("symact_numba_ops")
    for name in _UFUNCS:
        setattr(xp, name, _jit(_unary(name), "always"))
    for name in _BINARY_UFUNCS:
        setattr(xp, name, _jit(_binary(name), "always"))
    table: dict[str, Callable[..., Any]] = {
        "where": _where,
        "maximum": _maximum,
        "minimum": _minimum,
        "clip": _clip,
        "sign": _sign,
        "full_like": _like,
        "zeros_like": _zeros_like,
        "ones_like": _ones_like,
        "table": _table,
        "take": _take,
        "ldexp": _ldexp,
        "subtract": _subtract,
        "ndim": _ndim,
        "as_float64": _as_float64,
        "erfc": _erfc,
        "erf": _erf,
    }
    for name, fn in table.items():
        setattr(xp, name, _jit(fn, "always"))
    for name, value in (("inf", math.inf), ("nan", math.nan), ("float64", np.float64)):
        setattr(xp, name, value)
    return xp


@functools.cache
def _special() -> types.ModuleType:
    """``special.erfc``/``special.erf`` of the generated code (the C library's, in float64)."""
    xp = _ops()
    special = types.ModuleType("symact_numba_special")
    for name in ("erfc", "erf"):
        setattr(special, name, getattr(xp, name))
    return special


# ---------------------------------------------------------------------------------------
# The kernels: the NumPy kernels rebound to the table, and scalar versions of the branchy ones
# ---------------------------------------------------------------------------------------
def _helpers(ns: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    """The helpers the table kernels call whose NumPy code slices or reverses a tuple (which Numba cannot
    type with a bound known only at run time): the same loops over tuple indices."""
    two_sum, split, dd_mul, dd_add = ns["two_sum"], ns["split"], ns["dd_mul"], ns["dd_add"]

    @_jit
    def horner_c(coefs: Any, t: Any, steps: int = 3) -> tuple[Any, Any]:
        """:func:`symact.codegen.kernels._horner_c` on a scalar (tuple indices in place of slices)."""
        n = len(coefs)
        r = coefs[n - 1]
        if n > steps:
            for j in range(n - 2, steps - 1, -1):
                r = r * t + coefs[j]
        th, tl = split(t)
        c = 0.0
        for j in range(min(steps, n - 1) - 1, -1, -1):
            rh, rl = split(r)
            p = r * t
            pe = ((rh * th - p) + rh * tl + rl * th) + rl * tl
            r, se = two_sum(p, coefs[j])
            c = c * t + (pe + se)
        return r, c

    @_jit
    def series_pair(zh: Any, zl: Any, head: Any, tail: Any) -> tuple[Any, Any]:
        """:func:`symact.codegen.kernels._series_pair` on a scalar."""
        t = 0.0
        for j in range(len(tail) - 1, -1, -1):
            t = t * zh + tail[j]
        h, lo = t, 0.0
        for j in range(len(head) - 1, -1, -1):
            h, lo = dd_mul(h, lo, zh, zl)
            h, lo = dd_add(h, lo, head[j][0], head[j][1])
        return h, lo

    return {"_horner_c": horner_c, "_series_pair": series_pair}


def _scalar_kernels(xp: Any, ns: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    """The kernels whose table versions compute every branch of a ``where``, computing the branch taken
    (the same arithmetic as :mod:`symact.codegen.kernels`), jitted (a kernel calls the others by name)."""
    two_sum, fast_two_sum, two_prod = ns["two_sum"], ns["fast_two_sum"], ns["two_prod"]
    sigmoid_prime, poly = ns["sigmoid_prime"], ns["poly"]
    near, mid, tail = ns["_near"], ns["_mid"], ns["_erfc_tail"]
    zero_at, scale, exp_m64 = kernels._ZERO_AT, kernels._SCALE, kernels.EXP_M64

    @_jit
    def erfc_dd_hl(zh: Any, zl: Any = 0.0) -> tuple[Any, Any, Any]:
        """:func:`symact.codegen.kernels.erfc_dd_hl` on a scalar: only the region of |zh| is computed."""
        zh, zl = two_sum(zh, zl if np.isfinite(zl) else 0.0)
        zl = zl if np.isfinite(zl) else 0.0
        ah = abs(zh)
        neg = zh < 0
        al = -zl if neg else zl
        scaled = False
        if math.isnan(zh):
            h, low = zh, 0.0
        elif ah < 0.84375:
            h, low = near(ah, al, neg)
        elif ah < 1.25:
            h, low = mid(ah, al, neg)
        elif ah < zero_at:
            th, tl, ts = tail(ah, al)
            if neg:
                gh, gl = fast_two_sum(2.0, 0.0 if ts else -th)
                h, low = gh, gl - (0.0 if ts else tl)
            else:
                h, low, scaled = th, tl, ts
        else:
            h, low = (2.0 if neg else 0.0), 0.0
        h, low = fast_two_sum(h, low)
        return h, (low if np.isfinite(h) else 0.0), scaled

    @_jit
    def erfc_dd(zh: Any, zl: Any = 0.0) -> Any:
        h, _, scaled = erfc_dd_hl(zh, zl)
        return h * scale if scaled else h

    @_jit
    def erfc(z: Any) -> Any:
        return erfc_dd(z, 0.0)

    @_jit
    def mul_erfc_dd(a: Any, zh: Any, zl: Any = 0.0) -> Any:
        h, low, scaled = erfc_dd_hl(zh, zl)
        p, e = two_prod(a, h)  # exact unless |a| > 2**995
        r = p + (0.0 if (abs(a) > 2.0**995 or not np.isfinite(e)) else e + a * low)
        return r * scale if scaled else r

    @_jit
    def mul_exp(a: Any, u: Any) -> Any:
        if u < -600.0:
            return (a * np.exp(u + 64.0)) * exp_m64
        return a * np.exp(u)

    @_jit
    def mul_sigmoid(a: Any, u: Any) -> Any:
        if u < -600.0:
            return (a * np.exp(u + 64.0)) * exp_m64
        return a / (1.0 + np.exp(-u))

    @_jit
    def mul_sigmoid_prime(a: Any, u: Any) -> Any:
        if abs(u) > 600.0:
            return (a * np.exp(64.0 - abs(u))) * exp_m64
        return a * sigmoid_prime(u)

    @_jit
    def tanh_softplus(u: Any) -> Any:
        """:func:`symact.codegen.kernels.tanh_softplus`."""
        t = np.exp(np.minimum(u, 20.0))
        n = t * (t + 2.0)
        return n / (n + 2.0)

    @_jit
    def mul_tanh_softplus(a: Any, u: Any) -> Any:
        if u < -600.0:
            return (a * np.exp(u + 64.0)) * exp_m64
        return a * tanh_softplus(u)

    @_jit
    def taylor_regime(
        r: Any, xv: Any, lo: float, hi: float, a: float, nd: int, ch: Any, cl: Any, inplace: bool = False
    ) -> Any:
        return poly(xv, a, nd, ch, cl) if (xv >= lo and xv <= hi) else r

    return {
        "erfc_dd_hl": erfc_dd_hl,
        "erfc_dd": erfc_dd,
        "erfc": erfc,
        "mul_erfc_dd": mul_erfc_dd,
        "mul_exp": mul_exp,
        "mul_sigmoid": mul_sigmoid,
        "mul_sigmoid_prime": mul_sigmoid_prime,
        "tanh_softplus": tanh_softplus,
        "mul_tanh_softplus": mul_tanh_softplus,
        "taylor_regime": taylor_regime,
    }


@functools.cache
def namespace() -> dict[str, Any]:
    """The kernels by name as jitted scalar functions, and the table as ``np`` (built once).

    Numba resolves a function's globals when it first compiles it, so every name is bound to its
    jitted version before anything is compiled.
    """
    xp = _ops()
    ns: dict[str, Any] = dict(vars(kernels))
    ns["np"] = xp
    for name in framework_kernels.REBOUND:
        fn = getattr(kernels, name)
        ns[name] = _jit(types.FunctionType(fn.__code__, ns, fn.__name__, fn.__defaults__, fn.__closure__))
    ns.update(_helpers(ns))  # before the table kernels that close over them are made
    own = framework_kernels._own(xp, ns)
    for name, fn in own.items():
        ns[name] = _jit(fn)
    ns.update(_scalar_kernels(xp, ns))
    return ns


# ---------------------------------------------------------------------------------------
# The generated source as a scalar function
# ---------------------------------------------------------------------------------------
def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


class _ToScalar(ast.NodeTransformer):
    """Array expressions as scalar ones: ``np.where`` as a conditional, ``&``/``|``/``~`` of conditions as
    ``and``/``or``/``not``, the ``inplace`` flag of the Taylor regimes dropped."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        name = _dotted(node.func)
        if name == "np.where":
            if len(node.args) != 3 or node.keywords:
                raise CompileError(f"np.where with other than three positional arguments: {ast.unparse(node)}")
            return ast.IfExp(test=node.args[0], body=node.args[1], orelse=node.args[2])
        if name == "_series":
            node.keywords = [k for k in node.keywords if k.arg != "inplace"]
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            op: ast.boolop = ast.And() if isinstance(node.op, ast.BitAnd) else ast.Or()
            return ast.BoolOp(op=op, values=[node.left, node.right])
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Invert):
            return ast.UnaryOp(op=ast.Not(), operand=node.operand)
        return node


def _is_call(stmt: ast.stmt, *names: str) -> bool:
    value = getattr(stmt, "value", None)
    return isinstance(value, ast.Call) and _dotted(value.func) in names


def _body(stmts: list[ast.stmt], precise: bool) -> list[ast.stmt]:
    """The statements of one variant: the ``with np.errstate`` block inlined, the dtype branch chosen."""
    out: list[ast.stmt] = []
    for stmt in stmts:
        if isinstance(stmt, ast.Assign) and _is_call(stmt, "_prepare", "_prepare_exact"):
            continue  # the loop converts and rounds
        if isinstance(stmt, ast.With):
            if len(stmt.items) != 1 or _dotted(getattr(stmt.items[0].context_expr, "func", None) or ast.Pass()) != (
                "np.errstate"
            ):
                raise CompileError(f"a with block other than np.errstate: {ast.unparse(stmt.items[0])}")
            out.extend(_body(stmt.body, precise))
        elif isinstance(stmt, ast.If):
            if ast.unparse(stmt.test) != "dtype == np.float64":
                raise CompileError(f"a branch on other than the dtype: {ast.unparse(stmt.test)}")
            out.extend(_body(stmt.body if precise else stmt.orelse, precise))
        elif isinstance(stmt, ast.Return):
            if stmt.value is None or ast.unparse(stmt.value) != "_finish(r, dtype, scalar)":
                raise CompileError(f"a return other than _finish(r, dtype, scalar): {ast.unparse(stmt)}")
            out.append(ast.Return(value=ast.Name(id="r", ctx=ast.Load())))
        elif isinstance(stmt, ast.Assign):
            out.append(_ToScalar().visit(stmt))
        else:
            raise CompileError(f"a statement the compiled backend does not carry over: {ast.unparse(stmt)}")
    return out


def _scalar(numpy_source: str, precise: bool) -> str:
    """The generated NumPy source as the source of a function of one float64 (one dtype variant)."""
    tree = ast.parse(numpy_source)
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        raise CompileError("the generated source is not one function")
    fn = tree.body[0]
    fn.body = _body(fn.body, precise)
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and node.id in ("dtype", "scalar"):
            raise CompileError(f"the generated code uses {node.id!r} beyond its prepare/finish lines")
    return ast.unparse(ast.fix_missing_locations(tree))


class Variants(NamedTuple):
    """The scalar sources of one generated function: for float64 input (precise), and for the others."""

    precise: str
    plain: str


def _variants(numpy_source: str) -> Variants:
    return Variants(_scalar(numpy_source, True), _scalar(numpy_source, False))


def scalar_source(
    obj: Activation | sympy.Expr, derivative: int = 0, *, convention: str | None = None, precise: bool = True
) -> str:
    """The scalar source the compiled backend compiles for float64 input (``precise=False``: for the
    other dtypes). Its ``np`` is the operation table and ``_<kernel>`` the scalar kernels (:func:`namespace`)."""
    v = _variants(npc.source(obj, derivative, convention=convention))
    return v.precise if precise else v.plain


def source(obj: Activation | sympy.Expr, derivative: int = 0, *, convention: str | None = None) -> str:
    """Both variants, as ``symact code NAME --backend numba`` prints them (one if they are the same)."""
    v = _variants(npc.source(obj, derivative, convention=convention))
    if v.precise == v.plain:
        return v.precise
    return f"# float64 input\n{v.precise}\n\n# other dtypes (computed in float64, rounded once)\n{v.plain}"


# ---------------------------------------------------------------------------------------
# Compiling: the scalar function and the parallel loop around it
# ---------------------------------------------------------------------------------------
def _scalar_fn(src: str, name: str) -> Any:
    ns = dict(namespace())
    glb: dict[str, Any] = {"np": ns["np"], "special": _special()}
    glb |= {"_" + k: ns[k] for k in npc_kernel_names()}
    glb["_series"] = ns["taylor_regime"]
    exec(compile(src, f"<symact:numba:{name}>", "exec"), glb)  # noqa: S102 - our own generated source
    return _jit(glb[name])


@functools.cache
def npc_kernel_names() -> tuple[str, ...]:
    """The kernels the generated code calls as ``_<name>``: the printer's, and the function table's."""
    from symact.codegen import printer

    own = tuple(f[1:] for f in npc.FUNCTIONS.values() if f.startswith("_"))
    return tuple(dict.fromkeys((*printer.KERNELS, *own)))


def _loop(scalar: Any) -> Any:
    """The parallel loop of ``scalar`` over a 1-d array into an array (widened per element, rounded on the store)."""
    numba = _numba()

    def loop(xs: Any, out: Any) -> None:
        for i in numba.prange(xs.shape[0]):
            out[i] = scalar(np.float64(xs[i]))

    return numba.njit(parallel=True, fastmath=False, error_model="numpy", cache=False)(loop)


#: Elements per block of :func:`_blocked_loop` (32 KiB of float64: stays in the L1 cache).
BLOCK = 4096


def _blocked_loop(scalar: Any) -> Any:
    """The parallel loop of ``scalar`` over a 1-d array of another dtype (float32 ...), block by block: each
    block is widened to float64 first, the results rounded once on the store. (Widening element by element
    in the loop made it 2x slower than the float64 loop: measured on SiLU, 10**6 elements.)"""
    numba = _numba()
    block = BLOCK

    def loop(xs: Any, out: Any) -> None:
        n = xs.shape[0]
        for b in numba.prange((n + block - 1) // block):
            lo = b * block
            hi = min(lo + block, n)
            wide = np.empty(hi - lo, dtype=np.float64)
            for i in range(lo, hi):
                wide[i - lo] = xs[i]
            for i in range(lo, hi):
                out[i] = scalar(wide[i - lo])

    return numba.njit(parallel=True, fastmath=False, error_model="numpy", cache=False)(loop)


class _Compiled(NamedTuple):
    precise: Any
    plain: Any


_COMPILED: dict[tuple[str, str], _Compiled] = {}


def _compiled(numpy_source: str, name: str) -> _Compiled:
    """The loops of one generated function (compiled once per process, kept by source)."""
    key = (numpy_source, name)
    got = _COMPILED.get(key)
    if got is None:
        numba = _numba()
        v = _variants(numpy_source)
        try:
            scalar = _scalar_fn(v.precise, name)
            precise = _loop(scalar)
            if "_prepare_exact(" in numpy_source:  # selections only (relu): memory-bound, no block copy
                plain = precise
            else:
                plain = _blocked_loop(scalar if v.plain == v.precise else _scalar_fn(v.plain, name))
            # compiled here, so that a construct Numba cannot type fails now, not at a user's first call
            precise(np.zeros(1), np.zeros(1))
            plain(np.zeros(1, dtype=np.float32), np.zeros(1, dtype=np.float32))
        except numba.core.errors.NumbaError as err:
            raise CompileError(f"Numba cannot compile {name}: {str(err).splitlines()[0]}") from err
        got = _COMPILED[key] = _Compiled(precise, plain)
    return got


#: One call of a parallel loop at a time: Numba's default threading layer (workqueue) is not thread-safe and
#: ends the process when two Python threads enter it at once; the loop itself uses all of Numba's threads.
_LOCK = threading.Lock()


def _runner(c: _Compiled, name: str) -> Callable[[Any], Any]:
    def fn(x: Any) -> Any:
        a, out_dtype = kernels.real_input(x)
        if not a.dtype.isnative:  # byte-swapped input: Numba takes native byte order only
            a = a.astype(a.dtype.newbyteorder("="))
        flat = np.ascontiguousarray(a).reshape(-1)
        if flat.dtype == np.float64:
            out = np.empty(flat.shape, dtype=np.float64)
            loop, arg = c.precise, flat
        elif flat.dtype == np.float32:
            out = np.empty(flat.shape, dtype=np.float32)
            loop, arg = c.plain, flat
        else:  # computed in float64, rounded once to the output dtype below
            out = np.empty(flat.shape, dtype=np.float64)
            loop, arg = c.plain, flat.astype(np.float64)
        with _LOCK:
            loop(arg, out)
        out = kernels.round_once(out, out_dtype)
        r = out.reshape(a.shape)
        return r[()] if a.ndim == 0 else r

    fn.__name__ = fn.__qualname__ = name
    return fn


def _classes(v: np.ndarray) -> list[str]:
    """The class of each value: nan, ±inf, ±0, ±subnormal, ±normal."""
    tiny = np.finfo(v.dtype).tiny
    out = []
    for y in v.tolist():
        sign = "-" if math.copysign(1.0, y) < 0 else "+"
        if math.isnan(y):
            out.append("nan")
        elif math.isinf(y):
            out.append(sign + "inf")
        elif y == 0:
            out.append(sign + "0")
        else:
            out.append(sign + ("subnormal" if abs(y) < tiny else "normal"))
    return out


def _special_inputs(expr: sympy.Expr) -> list[float]:
    """±0, ±inf, nan, the smallest subnormals, the largest floats, the breakpoints and their neighbours."""
    from symact.codegen import rewrite as rw

    return npc._critical_inputs(rw.stabilize(expr))


def _check(fn: Callable[[Any], Any], reference: Callable[[Any], Any], xs: list[float], name: str) -> None:
    """``fn`` gives the NumPy function's class on every special input, in float64 and float32."""
    for dt in (np.float64, np.float32):
        with np.errstate(over="ignore"):
            arr = np.array(xs, dtype=np.float64).astype(dt)
        got, want = _classes(np.asarray(fn(arr))), _classes(np.asarray(reference(arr)))
        bad = [(float(arr[i]), g, w) for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w]
        if bad:
            shown = ", ".join(f"x={x!r}: {g} (NumPy: {w})" for x, g, w in bad[:3])
            raise CompileError(f"the compiled {name} differs from the NumPy code in {dt.__name__}: {shown}")


def to_numba(
    obj: Activation | sympy.Expr, derivative: int = 0, *, convention: str | None = None, seconds: float | None = None
) -> Callable[[Any], Any]:
    """A compiled NumPy function of an activation (or an expression in ``symact.x``) or its derivative.

    The code is :func:`symact.to_numpy`'s (same arguments: ``convention`` at kinks, ``seconds`` for the
    symbolic build), compiled by Numba into one parallel loop (see the module's docstring). It takes and
    returns NumPy arrays, as the NumPy function does; threads: :func:`numba.set_num_threads`. Numba's
    compilation runs here, outside the budget (2-25 s for the catalog's f and f', once per process).

    Raises:
        ImportError: Numba is not installed (``pip install 'symact[numba]'``).
        CompileError: the code has a construct the backend cannot compile, or the compiled function
            gives another class (nan, ±inf, ±0, subnormal) than the NumPy code on a special input.

    Examples:
        >>> import numpy as np, pytest, symact
        >>> _ = pytest.importorskip("numba")
        >>> silu = to_numba(symact.get("silu"))
        >>> silu(np.array([-800.0, -0.0, 1.0, np.inf, np.nan]))
        array([-0.        , -0.        ,  0.73105858,         inf,         nan])
    """
    _numba()
    total = npc.CODEGEN_SECONDS if seconds is None else budget.check_seconds(seconds)
    start = budget.clock()
    expr, name = npc._resolve(obj, derivative, total, convention)
    built = npc._built(expr, name, max(total - (budget.clock() - start), 1e-3))
    fn = _runner(_compiled(built.source, name), name)
    _check(fn, built.fn, _special_inputs(expr), name)
    fn.__doc__ = f"{name} compiled by symact with Numba from the generated NumPy code."
    fn.__symact_source__ = built.source  # type: ignore[attr-defined]
    return fn
