"""The kernel table of the PyTorch and JAX backends: NumPy's names as framework operations.

The generated code (:mod:`symact.codegen.numpy`) calls NumPy functions by their NumPy names and
the kernels of :mod:`symact.codegen.kernels` as ``_<kernel>``. A framework backend runs the same
code with:

* an **operation table** (:class:`TorchOps`, :class:`JaxOps`): an object whose attributes have
  NumPy's names and call the framework (``xp.maximum(x, 0.0)`` is ``torch.clamp(x, min=0.0)``,
  ``xp.logaddexp`` is ``torch.logaddexp``, ``xp.erfc`` the framework's erfc, ``xp.errstate`` a
  no-op context), on the input's device;
* the **kernels** of :mod:`symact.codegen.kernels` themselves, not retyped: each one whose body
  is plain elementwise array code is the same function object code run with ``np`` bound to the
  operation table (:func:`namespace`), so it computes the same floating-point operations in the
  same order and keeps its accuracy; the few that use NumPy-only features (in-place ``out=``,
  boolean-mask assignment, bit views, integer tables, ``ndim`` branches) are written here with
  framework operations and the same arithmetic: :func:`two_sqr`, :func:`exp_pair` (Tang's table
  gathered by index, ``2**k`` by ``ldexp``), :func:`sin_cos_pair`, the ``mul_*`` products
  (``where`` in place of the masked fix-up), the certified Taylor regimes (:func:`taylor_regime`,
  :func:`poly`) and erfc of a double-double argument (:func:`erfc_dd_hl`: fdlibm's three regions
  evaluated on clamped arguments and selected with ``where``; the 21-bit ``s`` of the tail by
  Veltkamp splitting and a correction instead of clearing bits).

Nothing here imports PyTorch or JAX at import time: :func:`namespace` imports the framework
when a backend is first built.

Examples:
    >>> import numpy as np
    >>> from symact.codegen import kernels
    >>> ns = namespace("numpy-check")  # the kernels rebound to NumPy itself: the same numbers
    >>> z = np.array([-3.0, 0.5, 2.0, 26.0])
    >>> bool(np.array_equal(ns["erfc_dd"](z, 0.0 * z), kernels.erfc_dd(z, 0.0)))
    True
"""

from __future__ import annotations

import contextlib
import math
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from symact.codegen import kernels as k

__all__ = ["BACKENDS", "JaxOps", "TorchOps", "namespace"]

#: The framework backends.
BACKENDS = ("torch", "jax")


# ---------------------------------------------------------------------------------------
# Operation tables: NumPy's names, the framework's operations
# ---------------------------------------------------------------------------------------
class TorchOps:
    """NumPy's names for PyTorch operations (Python numbers become tensors on the other operand's device)."""

    name = "torch"

    def __init__(self) -> None:
        import torch

        self.t = torch
        self.float64 = torch.float64
        self.float32 = torch.float32
        self.inf = math.inf
        self.nan = math.nan
        for np_name, torch_name in _TORCH_UNARY.items():
            setattr(self, np_name, self._unary(getattr(torch, torch_name)))
        self.erfc = torch.special.erfc
        self.erf = torch.special.erf

    def _unary(self, op: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """``op`` also for a Python number (a 0-d float64 tensor, which combines with any device)."""
        tensor, as_tensor, f64 = self.t.Tensor, self.t.as_tensor, self.t.float64

        def call(a: Any) -> Any:
            return op(a if isinstance(a, tensor) else as_tensor(a, dtype=f64))

        call.__name__ = op.__name__
        return call

    def _both(self, a: Any, b: Any) -> tuple[Any, Any]:
        t = self.t
        if isinstance(a, t.Tensor) and isinstance(b, t.Tensor):
            return a, b
        like = a if isinstance(a, t.Tensor) else b
        if not isinstance(like, t.Tensor):
            return t.as_tensor(a, dtype=t.float64), t.as_tensor(b, dtype=t.float64)
        dt = like.dtype if like.is_floating_point() else t.float64
        if not isinstance(a, t.Tensor):
            a = t.as_tensor(a, dtype=dt, device=like.device)
        if not isinstance(b, t.Tensor):
            b = t.as_tensor(b, dtype=dt, device=like.device)
        return a, b

    def where(self, c: Any, a: Any, b: Any) -> Any:
        a, b = self._both(a, b)
        if not isinstance(c, self.t.Tensor):
            c = self.t.as_tensor(c, device=a.device)
        return self.t.where(c, a, b)

    def maximum(self, a: Any, b: Any) -> Any:
        return self.t.maximum(*self._both(a, b))

    def minimum(self, a: Any, b: Any) -> Any:
        return self.t.minimum(*self._both(a, b))

    def clip(self, a: Any, lo: Any, hi: Any) -> Any:
        return self.minimum(self.maximum(a, lo), hi)  # np.clip's nan and order, not clamp's

    def logaddexp(self, a: Any, b: Any) -> Any:
        return self.t.logaddexp(*self._both(a, b))

    def hypot(self, a: Any, b: Any) -> Any:
        return self.t.hypot(*self._both(a, b))

    def power(self, a: Any, b: Any) -> Any:
        return self.t.pow(*self._both(a, b))

    def subtract(self, a: Any, b: Any, out: Any = None) -> Any:
        return a - b

    def ndim(self, a: Any) -> int:
        return a.dim() if isinstance(a, self.t.Tensor) else int(np.ndim(a))

    def zeros_like(self, a: Any) -> Any:
        return self.t.zeros_like(a)

    def ones_like(self, a: Any) -> Any:
        return self.t.ones_like(a)

    def full_like(self, a: Any, v: float) -> Any:
        return self.t.full_like(a, v)

    def table(self, values: np.ndarray, like: Any) -> Any:
        """A constant table on ``like``'s device."""
        return self.t.as_tensor(values, dtype=self.t.float64, device=like.device)

    def take(self, table: Any, index: Any) -> Any:
        """``table[index]`` for a float array of integer values."""
        return table[index.long()]

    def ldexp(self, a: Any, e: Any) -> Any:
        """a * 2**e for a float array of integer values e (exact)."""
        return self.t.ldexp(a, e)

    def as_float64(self, a: Any) -> Any:
        return a.to(self.t.float64)

    @staticmethod
    def errstate(**kwargs: Any) -> Any:
        return contextlib.nullcontext()


_TORCH_UNARY = {
    "abs": "abs",
    "sign": "sign",
    "isfinite": "isfinite",
    "isnan": "isnan",
    "exp": "exp",
    "expm1": "expm1",
    "log": "log",
    "log1p": "log1p",
    "sqrt": "sqrt",
    "square": "square",
    "tanh": "tanh",
    "sinh": "sinh",
    "cosh": "cosh",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "arctan": "atan",
    "arcsinh": "asinh",
    "rint": "round",
    "floor": "floor",
}


class JaxOps:
    """NumPy's names for JAX operations (``jax.numpy`` has nearly all of them)."""

    name = "jax"

    def __init__(self) -> None:
        import jax.numpy as jnp
        import jax.scipy.special as jsp

        self.jnp = jnp
        self.erfc = jsp.erfc
        self.erf = jsp.erf
        self.inf = math.inf
        self.nan = math.nan

    def __getattr__(self, name: str) -> Any:
        return getattr(self.jnp, name)

    def subtract(self, a: Any, b: Any, out: Any = None) -> Any:
        return a - b

    def table(self, values: np.ndarray, like: Any) -> Any:
        return self.jnp.asarray(values, dtype=self.jnp.float64)

    def take(self, table: Any, index: Any) -> Any:
        return table[index.astype(self.jnp.int32)]

    def ldexp(self, a: Any, e: Any) -> Any:
        return self.jnp.ldexp(a, e.astype(self.jnp.int32))

    def as_float64(self, a: Any) -> Any:
        return a.astype(self.jnp.float64)

    @staticmethod
    def errstate(**kwargs: Any) -> Any:
        return contextlib.nullcontext()


class NumPyOps:
    """NumPy itself through the same table (:func:`namespace` ``"numpy-check"``: the rebinding checked)."""

    name = "numpy-check"

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)

    def table(self, values: np.ndarray, like: Any) -> Any:
        return values

    def take(self, table: Any, index: Any) -> Any:
        return table[index.astype(np.int64)]

    def ldexp(self, a: Any, e: Any) -> Any:
        return np.ldexp(a, e.astype(np.int64))

    def as_float64(self, a: Any) -> Any:
        return np.asarray(a, dtype=np.float64)


# ---------------------------------------------------------------------------------------
# Kernels written with the table (the NumPy versions use NumPy-only features)
# ---------------------------------------------------------------------------------------
def _own(xp: Any, ns: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    """The kernels that cannot be rebound, over the operation table ``xp`` (``ns``: the rebound ones)."""
    split, two_sum, fast_two_sum = ns["split"], ns["two_sum"], ns["fast_two_sum"]
    dd_mul, dd_add, finite_lo = ns["dd_mul"], ns["dd_add"], ns["finite_lo"]
    sigmoid_prime, tanh_softplus = ns["sigmoid_prime"], ns["tanh_softplus"]
    series_pair = ns["_series_pair"]

    def two_sqr(a: Any) -> tuple[Any, Any]:
        """a*a = p + e exactly (:func:`symact.codegen.kernels.two_sqr`)."""
        p = a * a
        ah, al = split(a)
        return p, ((ah * ah - p) + 2.0 * (ah * al)) + al * al

    def exp_pair(uh: Any, ul: Any) -> tuple[Any, Any]:
        """exp(uh + ul) as h + l (:func:`symact.codegen.kernels.exp_pair`): 2**(n/32) from the
        table by index and ``ldexp``, in place of bit arithmetic on int64."""
        far = ~(xp.abs(uh) <= k.EXP_PAIR_MAX)
        u = xp.where(far, 0.0, uh)
        n = xp.rint(u * k._INV_L)
        r, rl = two_sum(u - n * k._L1, -n * k._L2)
        hi_part = xp.floor(n / 32.0)
        j = n - 32.0 * hi_part
        e = xp.ldexp(xp.take(xp.table(k._T_HI, uh), j), hi_part)
        m = xp.expm1(r)
        m = m + (1.0 + m) * (rl - n * k._L3 + xp.take(xp.table(k._T_REL, uh), j) + xp.where(far, 0.0, finite_lo(ul)))
        h, lo = fast_two_sum(e, e * m)
        return xp.where(far, xp.exp(uh), h), xp.where(far, 0.0, lo)

    def sin_cos_pair(uh: Any, ul: Any) -> tuple[Any, Any, Any, Any]:
        """sin and cos of uh + ul as pairs (:func:`symact.codegen.kernels.sin_cos_pair`)."""
        kk = xp.rint(xp.where(xp.isfinite(uh), uh, 0.0) * k._TWO_OVER_PI)
        rh, rl = two_sum(uh - kk * k._P1, -kk * k._P2)
        rh, rl = fast_two_sum(rh, rl - kk * k._P3 + finite_lo(ul))
        zh, zl = dd_mul(rh, rl, rh, rl)
        sh, sl = series_pair(zh, zl, k._SIN_DD, k._SIN_TAIL)
        sh, sl = dd_mul(sh, sl, rh, rl)
        ch, cl = series_pair(zh, zl, k._COS_DD, k._COS_TAIL)
        q = kk - 4.0 * xp.floor(kk / 4.0)
        swap = (q == 1.0) | (q == 3.0)
        sin_h, sin_l = xp.where(swap, ch, sh), xp.where(swap, cl, sl)
        cos_h, cos_l = xp.where(swap, sh, ch), xp.where(swap, sl, cl)
        sin_neg = q >= 2.0
        cos_neg = (q == 1.0) | (q == 2.0)
        return (
            xp.where(sin_neg, -sin_h, sin_h),
            xp.where(sin_neg, -sin_l, sin_l),
            xp.where(cos_neg, -cos_h, cos_h),
            xp.where(cos_neg, -cos_l, cos_l),
        )

    def scaled_below(out: Any, a: Any, u: Any) -> Any:
        """``out``, and ``a * exp(u)`` scaled by e**64 where u < -600 (:func:`symact.codegen.kernels.mul_exp`)."""
        return xp.where(u < -600.0, (a * xp.exp(xp.maximum(u, -1e300) + 64.0)) * k.EXP_M64, out)

    def mul_exp(a: Any, u: Any) -> Any:
        """a * exp(u), exp scaled by e**64 where it would go subnormal."""
        out = a * xp.exp(u)
        return scaled_below(out, a, u)

    def mul_sigmoid(a: Any, u: Any) -> Any:
        """a * sigmoid(u), exp scaled by e**64 where it would go subnormal."""
        out = a / (1.0 + xp.exp(-u))
        return scaled_below(out, a, u)

    def mul_sigmoid_prime(a: Any, u: Any) -> Any:
        """a * sigmoid'(u), exp scaled by e**64 where it would go subnormal."""
        out = a * sigmoid_prime(u)
        return xp.where(xp.abs(u) > 600.0, (a * xp.exp(64.0 - xp.abs(u))) * k.EXP_M64, out)

    def mul_tanh_softplus(a: Any, u: Any) -> Any:
        """a * tanh(softplus(u)), exp scaled by e**64 where it would go subnormal."""
        out = a * tanh_softplus(u)
        return scaled_below(out, a, u)

    def poly(t: Any, a: float, nd: int, ch: tuple[float, ...], cl: tuple[float, ...]) -> Any:
        """sum c_j (t - a)**j (:func:`symact.codegen.kernels.poly`)."""
        th, tl = two_sum(t, -a)
        deg = len(ch) - 1
        nd = min(nd, deg)
        h = xp.full_like(th, ch[-1])
        for j in range(deg - 1, nd - 1, -1):
            h = h * th + ch[j]
        sh, sl = h, xp.zeros_like(th)
        for j in range(nd - 1, -1, -1):
            sh, sl = dd_mul(sh, sl, th, tl)
            sh, sl = dd_add(sh, sl, ch[j], cl[j])
        return sh + sl

    def taylor_regime(
        r: Any,
        xv: Any,
        lo: float,
        hi: float,
        a: float,
        nd: int,
        ch: tuple[float, ...],
        cl: tuple[float, ...],
        inplace: bool = False,
    ) -> Any:
        """r with a certified Taylor regime on lo <= x <= hi (the polynomial at x clamped to it)."""
        mask = (xv >= lo) & (xv <= hi)
        return xp.where(mask, poly(xp.clip(xv, lo, hi), a, nd, ch, cl), r)

    # -- erfc of a double-double argument: fdlibm's regions on clamped arguments -----------------
    near, mid, horner, two_prod = ns["_near"], ns["_mid"], ns["_horner"], ns["two_prod"]

    def tail(ah: Any, al: Any) -> tuple[Any, Any, Any]:
        """:func:`symact.codegen.kernels._tail` for 1.25 <= ah < 28."""
        w = 1.0 / (ah * ah)
        rs = xp.where(ah < 1 / 0.35, horner(k._RA, w) / horner(k._SA, w), horner(k._RB, w) / horner(k._SB, w))
        # s = ah with its low 32 bits cleared, without bit views: ah rounded to 21 bits (Veltkamp,
        # 2**32 + 1), one unit of the 21st bit (from ah's binade, 1 <= ah < 32) less where it rounded up
        c = 4294967297.0 * ah
        s = c - (c - ah)
        binade = xp.where(
            ah >= 16.0, 16.0, xp.where(ah >= 8.0, 8.0, xp.where(ah >= 4.0, 4.0, xp.where(ah >= 2.0, 2.0, 1.0)))
        )
        s = xp.where(s > ah, s - binade * 2.0**-20, s)
        a = -s * s - 0.5625
        b = (s - ah) * (s + ah) + rs - (2.0 * ah + 1.0 / ah) * al
        n = xp.rint(a * k._INV_L)
        r, rl = two_sum(a - n * k._L1, -n * k._L2)
        hi_part = xp.floor(n / 32.0)
        j = n - 32.0 * hi_part
        scaled = a < -400.0
        e = xp.ldexp(xp.take(xp.table(k._T_HI, ah), j), hi_part + xp.where(scaled, 512.0, 0.0))
        bh, bl = two_sum(b, r)
        bl = bl + (rl - n * k._L3 + xp.take(xp.table(k._T_REL, ah), j))
        m = xp.expm1(bh)
        m = m + (1.0 + m) * bl
        q = e / ah
        p, pe = two_prod(q, ah)
        h, low = fast_two_sum(q, q * m + ((e - p) - pe) / ah)
        return h, low, scaled

    def erfc_dd_hl(zh: Any, zl: Any) -> tuple[Any, Any, Any]:
        """erfc(zh + zl) as (h + l) * where(scaled, 2**-512, 1) (:func:`symact.codegen.kernels.erfc_dd_hl`)."""
        zl = xp.ones_like(zh) * zl  # broadcast
        zh, zl = two_sum(zh, xp.where(xp.isfinite(zl), zl, 0.0))
        zl = xp.where(xp.isfinite(zl), zl, 0.0)
        ah = xp.abs(zh)
        neg = zh < 0
        al = xp.where(neg, -zl, zl)
        h = xp.where(xp.isnan(zh), xp.nan, xp.where(neg, 2.0, 0.0))
        low = xp.zeros_like(h)
        in_near = ah < 0.84375
        nh, nl = near(xp.where(in_near, ah, 0.5), al, neg)
        in_mid = (ah >= 0.84375) & (ah < 1.25)
        mh, ml = mid(xp.where(in_mid, ah, 1.0), al, neg)
        in_tail = (ah >= 1.25) & (ah < k._ZERO_AT)
        th, tl, ts = tail(xp.where(in_tail, ah, 2.0), al)
        gh, gl = fast_two_sum(xp.full_like(th, 2.0), xp.where(ts, 0.0, -th))
        tail_h = xp.where(neg, gh, th)
        tail_l = xp.where(neg, gl - xp.where(ts, 0.0, tl), tl)
        h = xp.where(in_near, nh, xp.where(in_mid, mh, xp.where(in_tail, tail_h, h)))
        low = xp.where(in_near, nl, xp.where(in_mid, ml, xp.where(in_tail, tail_l, low)))
        scaled = in_tail & ts & ~neg
        h, low = fast_two_sum(h, low)
        return h, xp.where(xp.isfinite(h), low, 0.0), scaled

    def erfc_dd(zh: Any, zl: Any = 0.0) -> Any:
        """erfc(zh + zl) rounded to float64 (:func:`symact.codegen.kernels.erfc_dd`)."""
        h, _, scaled = erfc_dd_hl(zh, zl)
        return xp.where(scaled, h * k._SCALE, h)

    def mul_erfc_dd(a: Any, zh: Any, zl: Any = 0.0) -> Any:
        """a * erfc(zh + zl) rounded once (:func:`symact.codegen.kernels.mul_erfc_dd`)."""
        a = xp.ones_like(zh) * a  # broadcast
        h, low, scaled = erfc_dd_hl(zh, zl)
        p, e = two_prod(a, h)
        r = p + xp.where((xp.abs(a) > 2.0**995) | ~xp.isfinite(e), 0.0, e + a * low)
        return xp.where(scaled, r * k._SCALE, r)

    def erfc(z: Any) -> Any:
        return erfc_dd(z, 0.0)

    return {
        "two_sqr": two_sqr,
        "exp_pair": exp_pair,
        "sin_cos_pair": sin_cos_pair,
        "mul_exp": mul_exp,
        "mul_sigmoid": mul_sigmoid,
        "mul_sigmoid_prime": mul_sigmoid_prime,
        "mul_tanh_softplus": mul_tanh_softplus,
        "poly": poly,
        "taylor_regime": taylor_regime,
        "erfc_dd_hl": erfc_dd_hl,
        "erfc_dd": erfc_dd,
        "mul_erfc_dd": mul_erfc_dd,
        "erfc": erfc,
        "_erfc_tail": tail,  # the compiled backend selects the region itself (symact.codegen.compiled)
    }


#: The kernels of :mod:`symact.codegen.kernels` whose code runs unchanged with ``np`` bound to the
#: operation table (plain elementwise code: no ``out=``, masks, views or integer tables).
REBOUND = (
    "split",
    "two_prod",
    "two_sum",
    "dd_mul",
    "dd_mul_d",
    "dd_add",
    "fast_two_sum",
    "finite_lo",
    "sigmoid",
    "sigmoid_prime",
    "sigmoid_prime_dd",
    "sigmoid_dd",
    "tanh_softplus",
    "softplus_dd",
    "exp_dd",
    "recip_pair",
    "_sigmoid_parts",
    "sigmoid_pair",
    "sigmoid_prime_pair",
    "div_pair",
    "softplus_pair",
    "tanh_softplus_pair",
    "_series_pair",
    "add_hypot",
    "hypot_m1",
    "_horner",
    "_horner_c",
    "_ratio_c",
    "_near",
    "_mid",
)

_OPS: dict[str, Callable[[], Any]] = {"torch": TorchOps, "jax": JaxOps, "numpy-check": NumPyOps}
_NAMESPACES: dict[str, dict[str, Any]] = {}


def namespace(backend: str) -> dict[str, Any]:
    """The kernels for ``backend`` (``"torch"``, ``"jax"``, or ``"numpy-check"``) by name, with the
    operation table as ``xp``: each :data:`REBOUND` kernel is its NumPy code with ``np`` bound to
    the table, the others are written with it (:func:`_own`). Built once per backend.
    """
    if backend not in _OPS:
        raise ValueError(f"backend must be one of {tuple(_OPS)}, got {backend!r}")
    if backend not in _NAMESPACES:
        xp = _OPS[backend]()
        ns: dict[str, Any] = dict(vars(k))
        ns["np"] = xp
        for name in REBOUND:
            fn = getattr(k, name)
            ns[name] = types.FunctionType(fn.__code__, ns, fn.__name__, fn.__defaults__, fn.__closure__)
        ns.update(_own(xp, ns))
        ns["xp"] = xp
        _NAMESPACES[backend] = ns
    return _NAMESPACES[backend]
