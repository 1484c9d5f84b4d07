"""Proved sign charts of real-analytic functions on intervals.

:func:`sign_chart` returns every zero of ``g`` on an open interval ``(a, b)``
and the constant sign of ``g`` between consecutive zeros, or :class:`Unknown`
when it cannot *prove* that chart complete. :func:`sign_at` decides the sign of
a real constant.

How a chart is proved (see the module functions for details):

1. **Exact.** ``solveset(g, x, Interval.open(a, b))`` under a time budget. A
   ``FiniteSet`` of real numbers, ``EmptySet`` or the whole interval is taken as
   the zero set; each gap's sign is decided at an exact rational sample point.
   It is used only when every denominator and log argument of ``g`` provably has
   no zero in ``(a, b)`` (solveset silently skips points where ``g`` is
   undefined, e.g. a removable singularity). Completeness of a ``FiniteSet``
   answer is SymPy's claim; it is cross-checked: each exact root's enclosure must
   contain 0 and, when the numeric method below also succeeds, both must agree
   (else ``Unknown``).
2. **Certified isolation** on a finite window: subdivide; a box on which the
   interval enclosure of ``g`` excludes 0 has one sign; a box on which ``g'``'s
   enclosure excludes 0 holds at most one zero, present iff the certified signs
   at its ends differ. A zero exactly at a subdivision point is recognised by
   an exact test; its neighbourhood is settled with the first derivative of
   ``g`` whose enclosure excludes 0 (Taylor's theorem). Zeros are refined by a
   certified Illinois/bisection iteration to a relative width below ``1e-40``.
3. **Tails** ``(-oo, -W)`` and ``(W, oo)`` (``W = 4``, or further out when an end
   is finite). A ray from ``X = W * 4**k`` (k <= 5) is proved sign-definite by
   (stage 0) a plain enclosure on ``[X, oo)``; (stage 1) a termwise enclosure of
   the expanded form, where a term ``T`` with unbounded enclosure is bounded by
   ``T(X)`` and 0 (or infinity) when the sign of ``(log|T|)'`` is proved on the
   ray; (stage 2) the monotone rule: ``h'`` of proved sign moving ``h`` away from
   0 from a certified ``h(X)``. When ``g`` itself fails, sign-equivalent forms
   are tried, nested up to three deep: numerator/denominator with factors that
   SymPy proves positive dropped, ``expand``, ``rewrite(exp)``, multiplication by
   ``exp(-u)`` for an exponential ``exp(u)`` and division by the dominant power
   of ``x`` (the ray never contains 0), ``erf -> erfc -> erfcx``, the radical
   conjugate ``(c s + r)(c s - r) = c**2 q - r**2`` for ``s = sqrt(q)``, and
   ``log(A) = u + log(A exp(-u))``. Each form's factors get their own charts,
   which are multiplied. Rewrite depth and proof stage are deepened together,
   so cheap proofs are found first. The part ``(W, X)`` is isolated as in step 2.

The time budget (``seconds``, default 5 s) bounds everything; SymPy calls run
under :func:`symact.core.budget.call`.

Anything not proved gives ``Unknown(reason)``.

Examples:
    >>> import sympy
    >>> from symact import x
    >>> ch = sign_chart(sympy.diff(x / (1 + sympy.exp(-x)), x), -sympy.oo, sympy.oo)
    >>> ch.signs, ch.method
    ((-1, 1), 'interval')
    >>> ch.roots[0].approx
    -1.27846454276107379510935873902...
    >>> sign_chart(x**2, -1, 1).signs
    (1, 1)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import sympy
from mpmath import mp

from symact.core import budget as _budget
from symact.core.unknown import Unknown
from symact.definition.activation import x
from symact.definition.primitives import PRIMITIVES
from symact.numeric.interval import EnclosureError, compile_enclosure, erfcx, to_iv
from symact.numeric.interval import make_interval as _mk
from symact.numeric.interval import precision as _ivprec

__all__ = ["Root", "SignChart", "sign_at", "sign_chart"]

#: Default time budget of :func:`sign_chart`, in seconds (CPU seconds inside a budget worker, see
#: :func:`symact.core.budget.clock`). A safety net: what a chart tries is bounded by its effort limits (at
#: most :data:`_MAX_BOXES` boxes, a fixed ladder of tail rewrites), and the hardest charts of the catalog
#: and of the soundness grammar reach them in about 5 s, so the net sits well above that.
DEFAULT_SECONDS = 20.0
_W0 = 4  # half-width of the finite window; the tails start there
_MAX_BOXES = 1200
_REL_WIDTH = mpmath.mpf(10) ** -42


@dataclass(frozen=True)
class Root:
    """A zero of ``g`` inside ``(a, b)``.

    Attributes:
        exact: the exact value when known (e.g. from ``solveset``), else ``None``.
        lo, hi: a certified bracket ``lo <= root <= hi`` (``lo == hi`` for an exact rational).
        approx: the root to at least 40 significant digits.
    """

    exact: sympy.Expr | None
    lo: sympy.Rational
    hi: sympy.Rational
    approx: sympy.Float


@dataclass(frozen=True)
class SignChart:
    """Sign of a smooth (real-analytic) ``g`` on the open interval ``(a, b)``.

    Attributes:
        a, b: the interval ends (may be ``-oo`` / ``oo``).
        roots: all zeros of ``g`` in ``(a, b)``, sorted (isolated zeros only).
        signs: ``len(roots) + 1`` values in ``{-1, 0, 1}``: the constant sign of
            ``g`` on each open gap; ``(0,)`` means ``g == 0`` on ``(a, b)``.
        method: ``"exact"`` (solveset) or ``"interval"`` (certified isolation), for reports.
    """

    a: sympy.Expr
    b: sympy.Expr
    roots: tuple[Root, ...]
    signs: tuple[int, ...]
    method: str


class _Fail(Exception):
    """Internal: the chart cannot be proved; the message is the reason."""


class _Timeout(_Fail):
    pass


# ------------------------------------------------------------------------ small helpers


def _rat(m: mpmath.mpf) -> sympy.Rational:
    """The exact rational value of a finite mpf."""
    sgn, man, exp, _ = (m if isinstance(m, mpmath.mpf) else mpmath.mpf(m))._mpf_
    if not man and exp:
        raise ValueError(f"not a finite number: {m}")
    man = -int(man) if sgn else int(man)
    return sympy.Rational(man * 2**exp) if exp >= 0 else sympy.Rational(man, 2 ** (-exp))


def _frac(r: sympy.Rational) -> Fraction:
    return Fraction(int(r.p), int(r.q))


def _simplest_between(lo: Fraction, hi: Fraction) -> Fraction:
    """The rational with the smallest denominator in the closed interval [lo, hi]."""
    if lo > hi:
        lo, hi = hi, lo
    if lo <= 0 <= hi:
        return Fraction(0)
    if hi < 0:
        return -_simplest_between(-hi, -lo)
    fl = lo.numerator // lo.denominator
    if Fraction(fl) == lo:
        return lo
    if fl + 1 <= hi:
        return Fraction(fl + 1)
    # lo and hi share the integer part fl
    rest = _simplest_between(1 / (hi - fl), 1 / (lo - fl))
    return fl + 1 / rest


def _round(m: mpmath.mpf, up: bool, bits: int = 192) -> mpmath.mpf:
    """m rounded to ``bits`` bits, towards +inf (up) or -inf."""
    from mpmath.libmp import mpf_pos, round_ceiling, round_floor

    return mp.make_mpf(mpf_pos(m._mpf_, bits, round_ceiling if up else round_floor))


def _float_certified(mid: mpmath.mpf, width: mpmath.mpf) -> sympy.Float:
    """mid as a Float with 45 digits, or with only the digits the bracket width certifies
    when the refinement stalled before a relative width of 1e-42."""
    with mp.workprec(300):
        if mid == 0 or width <= _REL_WIDTH * abs(mid):
            return _float45(mid)
        digits = int(mpmath.floor(-mpmath.log10(width / abs(mid))))
    return sympy.Float(mid, max(digits, 1))


def _float45(m: mpmath.mpf) -> sympy.Float:
    return sympy.Float(m, 45)


_DIFFS: dict[tuple[sympy.Expr, sympy.Symbol], sympy.Expr] = {}


def _diff(g: sympy.Expr, var: sympy.Symbol) -> sympy.Expr:
    key = (g, var)
    d = _DIFFS.get(key)
    if d is None:
        d = sympy.diff(g, var)
        if len(_DIFFS) > 5000:
            _DIFFS.clear()
        _DIFFS[key] = d
    return d


def _budgeted(fn: Callable[..., Any], *args: Any, seconds: float, what: str) -> Any:
    """``fn(*args)`` as one budgeted step of at least 0.05 s; ``None`` when it runs out of its own time."""
    return _budget.step(fn, *args, seconds=seconds, minimum=0.05, what=what, on_timeout=lambda err: None)


# ---------------------------------------------------------------------------- sign_at


def sign_at(c: sympy.Expr, *, seconds: float = 2.0) -> int | Unknown:
    """The exact sign (-1, 0 or 1) of a real constant expression, or ``Unknown``.

    Nonzero values are decided by interval enclosures at increasing precision;
    zero is decided exactly (a rational, SymPy's ``is_zero``, a minimal
    polynomial for algebraic numbers, or ``simplify`` to 0).

    Examples:
        >>> import sympy
        >>> sign_at(sympy.sqrt(2) - sympy.Rational(1414, 1000)), sign_at(sympy.Integer(0))
        (1, 0)
        >>> sign_at(sympy.sqrt(2) * sympy.sqrt(3) - sympy.sqrt(6))
        0
        >>> sign_at(sympy.exp(1) - sympy.E)
        0
        >>> sign_at(sympy.pi - sympy.Rational(355, 113))
        -1
    """
    try:
        c = sympy.sympify(c, strict=True)
    except (sympy.SympifyError, TypeError) as exc:
        return Unknown(f"not a number: {exc}")
    if c.free_symbols:
        return Unknown(f"{c} is not a constant")
    if c.is_Rational:
        return int(sympy.sign(c))
    if c.has(sympy.nan, sympy.zoo, sympy.oo, sympy.S.NegativeInfinity):
        return Unknown(f"{c} is not a finite real number")
    last = None
    for prec in (120, 400, 1600):
        try:
            v = _enc_const(c, prec)
        except EnclosureError as exc:
            last = str(exc)
            break
        s = _iv_sign(v)
        if s is not None:
            return s
    if c.is_zero is True:
        return 0
    deadline = _budget.clock() + seconds
    if _is_algebraic_expr(c):
        X = sympy.Dummy("X")
        try:
            mp_poly = _budgeted(
                sympy.minimal_polynomial, c, X, seconds=deadline - _budget.clock(), what="minimal polynomial"
            )
        except _budget.BudgetExceeded:
            raise  # the enclosing budget is spent
        except Exception:  # noqa: BLE001 - a SymPy failure: no decision
            mp_poly = None
        if mp_poly is not None:
            if sympy.Poly(mp_poly, X).degree() == 1 and mp_poly.subs(X, 0) == 0:
                return 0
            for prec in (1600, 6400):  # nonzero algebraic number: enough precision decides it
                try:
                    s = _iv_sign(_enc_const(c, prec))
                except EnclosureError:
                    break
                if s is not None:
                    return s
    if sympy.count_ops(c) > 300:
        return Unknown(f"could not decide the sign of {c}")
    try:
        simp = _budgeted(sympy.simplify, c, seconds=deadline - _budget.clock(), what="simplify")
    except _budget.BudgetExceeded:
        raise  # the enclosing budget is spent
    except Exception:  # noqa: BLE001 - a SymPy failure: no decision
        simp = None
    if simp is not None and simp == 0:
        return 0
    if last is not None:
        return Unknown(f"could not evaluate {c}: {last}")
    return Unknown(f"could not decide the sign of {c}")


def _is_algebraic_expr(c: sympy.Expr) -> bool:
    """True if c is built from rationals with +, * and rational powers only."""
    if c.is_Rational:
        return True
    if isinstance(c, (sympy.Add, sympy.Mul)):
        return all(_is_algebraic_expr(a) for a in c.args)
    if isinstance(c, sympy.Pow):
        return c.exp.is_Rational and _is_algebraic_expr(c.base)
    return False


def _enc_const(c: sympy.Expr, prec: int) -> Any:
    f = compile_enclosure(c, x)
    with _ivprec(prec):
        return f(None)


def _iv_sign(v: Any) -> int | None:
    a, b = mp.make_mpf(v._mpi_[0]), mp.make_mpf(v._mpi_[1])
    if a > 0:
        return 1
    if b < 0:
        return -1
    if a == 0 and b == 0:
        return 0
    return None


# ------------------------------------------------------------------------ the engine


@dataclass
class _R:
    """An internal root: certified bracket [lo, hi] (mpf) and maybe an exact value.

    ``pending`` holds ``(h, sp, sq)`` while the bracket is still the isolating box,
    with ``h`` strictly monotone on it and of sign ``sp`` and ``sq = -sp`` at its ends:
    :meth:`_Engine.finish` refines it once the whole chart has succeeded, so a chart
    that runs out of subdivisions has not paid for refining the zeros it found."""

    lo: mpmath.mpf
    hi: mpmath.mpf
    exact: sympy.Expr | None = None
    pending: tuple[sympy.Expr, int, int] | None = None


# a chart piece: (roots, signs) with len(signs) == len(roots) + 1
_Piece = tuple[list[_R], list[int]]


class _Engine:
    def __init__(self, var: sympy.Symbol, deadline: float) -> None:
        self.var = var
        self.deadline = deadline
        self.boxes = 0
        self.memo: dict[Any, _Piece | None] = {}
        self.stage_memo: dict[Any, tuple[mpmath.mpf, int] | None] = {}
        self.fin_memo: dict[Any, _Piece | None] = {}

    def check_time(self) -> None:
        if _budget.clock() > self.deadline:
            raise _Timeout("time budget exceeded")

    # -- evaluation ------------------------------------------------------------------
    def enc(self, h: sympy.Expr, lo: mpmath.mpf, hi: mpmath.mpf, prec: int = 120) -> Any | None:
        f = compile_enclosure(h, self.var)
        try:
            with _ivprec(prec):
                return f(_mk(lo, hi))
        except (EnclosureError, ZeroDivisionError, ValueError, OverflowError):
            return None

    def box_sign(self, h: sympy.Expr, lo: mpmath.mpf, hi: mpmath.mpf) -> int | None:
        """Nonzero sign of h on the whole box, if the enclosure proves one."""
        v = self.enc(h, lo, hi)
        if v is None:
            return None
        s = _iv_sign(v)
        return s if s else None

    def point_sign(self, h: sympy.Expr, t: mpmath.mpf) -> int | None:
        """Certified sign of h at the dyadic point t (0 only when exactly zero)."""
        for prec in (120, 320, 1000):
            v = self.enc(h, t, t, prec)
            if v is None:
                break
            s = _iv_sign(v)
            if s is not None:
                return s
        self.check_time()
        c = h.subs(self.var, _rat(t))
        exact = sign_at(c, seconds=min(0.5, max(0.05, self.deadline - _budget.clock())))
        return None if isinstance(exact, Unknown) else exact

    def exact_point_sign(self, h: sympy.Expr, t: sympy.Expr) -> int | None:
        """Sign of h at an exact (SymPy) point, e.g. an interval end."""
        try:
            c = h.subs(self.var, t)
        except (TypeError, ValueError):
            return None
        if c.has(sympy.nan, sympy.zoo) or c.free_symbols:
            return None
        s = sign_at(c, seconds=min(0.5, max(0.05, self.deadline - _budget.clock())))
        return None if isinstance(s, Unknown) else s

    # -- splitting --------------------------------------------------------------------
    @staticmethod
    def split_point(p: mpmath.mpf, q: mpmath.mpf, frac: mpmath.mpf) -> mpmath.mpf:
        """A short dyadic near p + frac (q - p), strictly inside the middle half."""
        with mp.workprec(300):
            w = q - p
            target = p + w * frac
            lo_ok, hi_ok = p + w / 4, q - w / 4
            for bits in (8, 16, 24, 32, 48, 64, 96, 128, 192, 256):
                with mp.workprec(bits):
                    m = +target
                if lo_ok < m < hi_ok:
                    return m
            return target

    # -- finite segments --------------------------------------------------------------
    def segment(
        self, h: sympy.Expr, p: mpmath.mpf, q: mpmath.mpf, sp: int | None, sq: int | None, depth: int = 0
    ) -> _Piece:
        """Chart of h on the open segment (p, q), given the certified signs at p and q
        (``None`` if unknown; 0 if h vanishes there exactly)."""
        self.check_time()
        self.boxes += 1
        if self.boxes > _MAX_BOXES:
            raise _Fail("too many subdivisions")
        v = self.enc(h, p, q)
        if v is None:
            with mp.workprec(300):
                small = (q - p) < (abs(p) + abs(q) + 1) * mpmath.mpf(2) ** -24
            if small:
                raise _Fail(f"cannot evaluate {h} near {mpmath.nstr(p, 12)}")
        s = _iv_sign(v) if v is not None else None
        if s:
            if (sp is not None and sp == -s) or (sq is not None and sq == -s):
                raise _Fail("inconsistent enclosures (internal error)")
            return [], [s]
        hd = _diff(h, self.var)
        ds = self.box_sign(hd, p, q)
        if ds is not None and sp is not None and sq is not None:
            # strictly monotone on [p, q]: at most one zero
            if sp == 0 and sq == 0:
                raise _Fail("inconsistent monotone box (internal error)")
            if sp == 0 or sq == 0:
                return [], [sp or sq]
            if sp == sq:
                return [], [sp]
            return [_R(p, q, pending=(h, sp, sq))], [sp, sq]
        # a zero exactly at an end: the first non-vanishing derivative settles the side
        if sp == 0 and sq != 0:
            sigma = self.taylor_side(h, p, q, at_left=True)
            if sigma is not None and (sq is None or sq == sigma):
                return [], [sigma]
        if sq == 0 and sp != 0:
            sigma = self.taylor_side(h, p, q, at_left=False)
            if sigma is not None and (sp is None or sp == sigma):
                return [], [sigma]
        with mp.workprec(300):
            tiny = (q - p) < (abs(p) + abs(q) + 1) * mpmath.mpf(2) ** -200
        if depth > 64 or tiny:
            raise _Fail(f"could not isolate the zeros of {h} near {mpmath.nstr(p, 12)}")
        for frac in ("0.4655", "0.5813", "0.3771", "0.6292"):
            m = self.split_point(p, q, mpmath.mpf(frac))
            sm = self.point_sign(h, m)
            if sm is not None:
                break
        else:
            raise _Fail(f"could not decide the sign of {h} near {mpmath.nstr(p, 12)}")
        left = self.segment(h, p, m, sp, sm, depth + 1)
        right = self.segment(h, m, q, sm, sq, depth + 1)
        return _join(left, m, sm, right)

    def taylor_side(self, h: sympy.Expr, p: mpmath.mpf, q: mpmath.mpf, at_left: bool) -> int | None:
        """If h(t0) = 0 at t0 = p (at_left) or q, the sign of h on the open box, when the
        first derivative not vanishing at t0 has an enclosure excluding 0 on [p, q]."""
        t0 = p if at_left else q
        d = h
        for k in range(1, 6):
            d = _diff(d, self.var)
            s = self.box_sign(d, p, q)
            if s is not None:
                return s if at_left else s * (-1) ** k
            if self.point_sign(d, t0) != 0:
                return None
        return None

    def finish(self, roots: list[_R]) -> list[_R]:
        """The roots with every pending bracket refined (see :class:`_R`)."""
        return [self.refine(r.pending[0], r.lo, r.hi, *r.pending[1:]) if r.pending else r for r in roots]

    def refine(self, h: sympy.Expr, p: mpmath.mpf, q: mpmath.mpf, sp: int, sq: int) -> _R:
        """Shrink the bracket of the single zero of h in (p, q), where h is strictly
        monotone with certified end signs sp = -sq (Illinois steps with certified signs,
        every third step a bisection)."""
        lo, hi = p, q
        flo = fhi = None
        last = 0
        exact = None
        with mp.workprec(400):
            for it in range(600):
                self.check_time()
                w = hi - lo
                if w <= _REL_WIDTH * max(abs(lo), abs(hi)) or w < mpmath.mpf(2) ** -300:
                    break
                m = None
                if flo is not None and fhi is not None and fhi != flo and it % 3 != 2:
                    m = (lo * fhi - hi * flo) / (fhi - flo)
                    m = min(max(m, lo + w / 256), hi - w / 256)
                if m is None:
                    m = lo + w / 2
                v = self.enc(h, m, m, 256)
                s = _iv_sign(v) if v is not None else None
                fm = mpmath.mpf(v.mid) if v is not None else None
                if s is None:
                    s = self.point_sign(h, m)
                    fm = None
                if s is None:
                    m = self.split_point(lo, hi, mpmath.mpf("0.4655"))
                    s = self.point_sign(h, m)
                    if s is None:
                        break
                if s == 0:
                    lo = hi = m
                    exact = _rat(m)
                    break
                if s == sp:
                    lo, flo = m, fm
                    if last == -1 and fhi is not None:
                        fhi = fhi / 2
                    last = -1
                else:
                    hi, fhi = m, fm
                    if last == 1 and flo is not None:
                        flo = flo / 2
                    last = 1
        root = _R(lo, hi, exact)
        if exact is None:
            r = _simplest_between(_frac(_rat(lo)), _frac(_rat(hi)))
            if r.denominator <= 10**6:
                rr = sympy.Rational(r.numerator, r.denominator)
                if self.exact_point_sign(h, rr) == 0:
                    root = _R(lo, hi, rr)
        return root

    # -- tails ------------------------------------------------------------------------
    def ray(self, h: sympy.Expr, x0: mpmath.mpf, side: int, depth: int, level: int) -> _Piece | None:
        """Chart of h on (x0, oo) (side = 1) or (-oo, x0) (side = -1), or None.

        ``depth`` bounds the nesting of sign-preserving rewrites, ``level`` the proof
        methods tried on each form (0: plain enclosures, 1: + termwise enclosures,
        2: + the monotone rule). :meth:`ray_any` deepens both gradually, so cheap
        proofs are found before expensive rewrites are attempted."""
        key = (h, x0, side, depth, level)
        if key not in self.memo:
            self.memo[key] = self._ray(h, x0, side, depth, level)
        return self.memo[key]

    def ray_any(self, h: sympy.Expr, x0: mpmath.mpf, side: int) -> _Piece | None:
        for depth in (0, 1, 2, 3):
            for level in (0, 1, 2):
                pc = self.ray(h, x0, side, depth, level)
                if pc is not None:
                    return pc
        return None

    def _ray(self, h: sympy.Expr, x0: mpmath.mpf, side: int, depth: int, level: int) -> _Piece | None:
        self.check_time()
        if side * x0 <= 0:  # the rewrites below assume the ray does not contain 0
            return None
        found = None
        for stage in range(level + 1):
            found = self.ray_stage(h, x0, side, stage)
            if found is not None:
                break
        if found is not None:
            X, s = found
            s0 = self.point_sign(h, x0)
            if X == x0:
                if s0 is not None and s0 != 0 and s0 != s:
                    raise _Fail("inconsistent tail (internal error)")
                return [], [s]
            fkey = (h, x0, side, X)
            if fkey not in self.fin_memo:
                try:
                    sX = self.point_sign(h, X)
                    if side == 1:
                        fin = self.segment(h, x0, X, s0, sX)
                        self.fin_memo[fkey] = _join(fin, X, sX, ([], [s]))
                    else:
                        fin = self.segment(h, X, x0, sX, s0)
                        self.fin_memo[fkey] = _join(([], [s]), X, sX, fin)
                except _Timeout:
                    raise
                except _Fail:
                    self.fin_memo[fkey] = None
            if self.fin_memo[fkey] is not None:
                return self.fin_memo[fkey]
        if depth <= 0:
            return None
        for mult, factors in _forms_cached(h, self.var, side):
            self.check_time()
            pieces = []
            for f, k in factors:
                pc = self.ray(f, x0, side, depth - 1, level)
                if pc is None or (k < 0 and pc[0]):
                    break
                pieces.append((pc, k))
            else:
                combined = _combine(pieces, mult)
                if combined is not None:
                    return combined
        return None

    def ray_stage(self, h: sympy.Expr, x0: mpmath.mpf, side: int, stage: int) -> tuple[mpmath.mpf, int] | None:
        """The smallest X = x0 * 4**k (k <= 5) such that one proof method (stage 0: plain
        enclosure, 1: termwise enclosure, 2: monotone rule) shows that h has a constant
        nonzero sign on the closed ray from X; with that sign. Memoized."""
        key = (h, x0, side, stage)
        if key in self.stage_memo:
            return self.stage_memo[key]
        Xs = [x0 * 4**k for k in range(6)]
        inf = mpmath.inf if side == 1 else -mpmath.inf
        out = None
        if stage == 0:
            for X in Xs:
                s = self.box_sign(h, *((X, inf) if side == 1 else (inf, X)))
                if s is not None:
                    out = (X, s)
                    break
        elif stage == 1:
            for X in Xs[0:3:2]:
                v = self.ray_termwise(h, X, side)
                s = _iv_sign(v) if v is not None else None
                if s:
                    out = (X, s)
                    break
        else:
            hd = _diff(h, self.var)
            for X in Xs[0:3:2]:
                s = self.monotone_rule(h, hd, X, side)
                if s is not None:
                    out = (X, s)
                    break
        self.stage_memo[key] = out
        return out

    def monotone_rule(self, h: sympy.Expr, hd: sympy.Expr, X: mpmath.mpf, side: int) -> int | None:
        """Sign of h on the ray from X when h' has a proved sign that moves h away from 0."""
        inf = mpmath.inf if side == 1 else -mpmath.inf
        ds = self.box_sign(hd, *((X, inf) if side == 1 else (inf, X)))
        if ds is None:
            v = self.ray_termwise(hd, X, side)
            ds = _iv_sign(v) if v is not None else None
        if not ds:
            return None
        sX = self.point_sign(h, X)
        if not sX:
            return None
        # side 1: h' > 0 and h(X) > 0, or h' < 0 and h(X) < 0; side -1: h' has the opposite sign of h(X)
        if (side == 1 and ds == sX) or (side == -1 and ds == -sX):
            return sX
        return None

    def ray_termwise(self, h: sympy.Expr, X: mpmath.mpf, side: int) -> Any | None:
        """Enclosure of h on the ray from X as a sum of term enclosures, each term T
        bounded by monotonicity when the sign of (log|T|)' is proved: |T| shrinking away
        from X puts T between 0 and T(X); growing puts it beyond T(X)."""
        terms = sympy.Add.make_args(_expanded(h))
        if len(terms) < 2:
            return None
        inf = mpmath.inf if side == 1 else -mpmath.inf
        lo, hi = (X, inf) if side == 1 else (inf, X)
        total = None
        with _ivprec(120):
            for T in terms:
                v = self.enc(T, lo, hi)
                if v is None:
                    return None
                va, vb = mp.make_mpf(v._mpi_[0]), mp.make_mpf(v._mpi_[1])
                if mpmath.isinf(va) or mpmath.isinf(vb):
                    w = self.term_bound(T, X, side)
                    if w is not None:
                        v = w
                total = v if total is None else total + v
        return total

    def term_bound(self, T: sympy.Expr, X: mpmath.mpf, side: int) -> Any | None:
        L = _logderiv(T, self.var)
        if L is None:
            return None
        inf = mpmath.inf if side == 1 else -mpmath.inf
        lo, hi = (X, inf) if side == 1 else (inf, X)
        ls = self.box_sign(L, lo, hi)
        tx = self.enc(T, X, X)
        if ls is None or tx is None:
            return None
        st = _iv_sign(tx)
        if not st:
            return None
        a, b = mp.make_mpf(tx._mpi_[0]), mp.make_mpf(tx._mpi_[1])
        if side * ls < 0:  # |T| decreases away from X
            return _mk(0, b) if st > 0 else _mk(a, 0)
        return _mk(a, mpmath.inf) if st > 0 else _mk(-mpmath.inf, b)


_EXPANDED: dict[sympy.Expr, sympy.Expr] = {}


def _expanded(h: sympy.Expr) -> sympy.Expr:
    e = _EXPANDED.get(h)
    if e is None:
        e = sympy.powsimp(sympy.expand(h))
        if len(_EXPANDED) > 5000:
            _EXPANDED.clear()
        _EXPANDED[h] = e
    return e


_LOGDERIVS: dict[tuple[sympy.Expr, sympy.Symbol], sympy.Expr | None] = {}


def _logderiv(T: sympy.Expr, var: sympy.Symbol) -> sympy.Expr | None:
    """(log|T|)' as a sum over the factors of T (None if T is free of var)."""
    key = (T, var)
    if key in _LOGDERIVS:
        return _LOGDERIVS[key]
    parts = []
    for f in sympy.Mul.make_args(T):
        if not f.has(var):
            continue
        base, k = f.as_base_exp()
        if isinstance(f, sympy.exp):
            parts.append(sympy.diff(f.args[0], var))
        elif isinstance(base, sympy.exp) and not k.has(var):
            parts.append(k * sympy.diff(base.args[0], var))
        elif k.has(var):
            parts.append(sympy.diff(k * sympy.log(base), var))
        else:
            parts.append(k * sympy.diff(base, var) / base)
    out = sympy.Add(*parts) if parts else None
    _LOGDERIVS[key] = out
    return out


def _xdegree(term: sympy.Expr, var: sympy.Symbol) -> int:
    d = 0
    for f in sympy.Mul.make_args(term):
        if f == var:
            d += 1
        elif isinstance(f, sympy.Pow) and f.base == var and f.exp.is_Integer:
            d += int(f.exp)
    return d


def _join(left: _Piece, m: mpmath.mpf, sm: int | None, right: _Piece) -> _Piece:
    lr, ls = left
    rr, rs = right
    if sm is None:
        # g could not be evaluated at m (e.g. a removable singularity): a zero there
        # cannot be excluded
        raise _Fail(f"cannot decide the sign at {mpmath.nstr(m, 12)}")
    if sm == 0:
        return lr + [_R(m, m, _rat(m))] + rr, ls + rs
    if ls[-1] != rs[0] or sm != ls[-1]:
        raise _Fail("inconsistent signs across a subdivision point (internal error)")
    return lr + rr, ls[:-1] + rs


def _combine(pieces: list[tuple[_Piece, int]], mult: int) -> _Piece | None:
    """Chart of mult * prod(f_i ** k_i) from the charts of the f_i (same interval)."""
    events: list[tuple[_R, int]] = []
    for idx, ((roots, _), _) in enumerate(pieces):
        events.extend((r, idx) for r in roots)
    events.sort(key=lambda e: e[0].lo)
    merged: list[tuple[_R, list[int]]] = []
    for r, idx in events:
        if merged and r.lo <= merged[-1][0].hi:
            prev = merged[-1][0]
            same = prev.exact is not None and r.exact is not None and sympy.simplify(prev.exact - r.exact) == 0
            if not same:
                return None
            merged[-1][1].append(idx)
        else:
            merged.append((r, [idx]))
    pos = [0] * len(pieces)
    signs = []

    def current() -> int:
        s = mult
        for i, ((_, sg), k) in enumerate(pieces):
            v = sg[pos[i]]
            s *= v ** abs(k) if k > 0 else v ** (-k)
        return s

    signs.append(current())
    for _, idxs in merged:
        for i in idxs:
            pos[i] += 1
        signs.append(current())
    return [r for r, _ in merged], signs


# ------------------------------------------------------------------- sign-preserving forms


def _factor_list(e: sympy.Expr, var: sympy.Symbol) -> tuple[int, list[tuple[sympy.Expr, int]]] | None:
    """e = mult * P * prod(f ** k) with P provably positive for real var; None if trivial."""
    try:
        n, d = sympy.together(e).as_numer_denom()
    except (TypeError, ValueError, NotImplementedError):
        return None
    mult = 1
    out: list[tuple[sympy.Expr, int]] = []
    for part, sgn in ((n, 1), (d, -1)):
        part = sympy.factor_terms(part)
        for fac in sympy.Mul.make_args(part):
            base, ex = fac.as_base_exp()
            if not (ex.is_Integer and ex != 0):
                base, ex = fac, sympy.S.One
            if not base.has(var):
                s = sign_at(base)
                if isinstance(s, Unknown) or s == 0:
                    return None
                mult *= s ** int(abs(ex))
                continue
            if base.is_positive:
                continue
            if base.is_negative:
                mult *= (-1) ** int(abs(ex))
                continue
            out.append((base, sgn * int(ex)))
    if len(out) == 1 and out[0] == (e, 1) and mult == 1:
        return None
    return mult, out


def _forms(h: sympy.Expr, var: sympy.Symbol, side: int) -> Iterator[tuple[int, list[tuple[sympy.Expr, int]]]]:
    """Factorizations of sign-equivalent rewrites of h (each exact up to a positive factor)."""
    seen: set[sympy.Expr] = {h}

    def emit(e: sympy.Expr, raw: bool = False) -> Iterator[tuple[int, list[tuple[sympy.Expr, int]]]]:
        # raw: offer e itself too (together() would undo a normalization like e*exp(-u))
        if raw and e not in seen:
            seen.add(e)
            yield 1, [(e, 1)]
        fl = _factor_list(e, var)
        if fl is not None:
            key = tuple(fl[1])
            if key not in seen:
                seen.add(key)
                yield fl
        elif e not in seen:
            seen.add(e)
            yield 1, [(e, 1)]

    yield from emit(h)
    if isinstance(h, sympy.Add):
        yield from emit(sympy.powsimp(sympy.expand(h)))
    if h.has(sympy.tanh, sympy.sinh, sympy.cosh, sympy.sech, sympy.csch, sympy.coth):
        yield from emit(h.rewrite(sympy.exp))
    if h.has(sympy.erf, sympy.erfc):
        # erf(z) = erfcx(-z) exp(-z**2) - 1 = 1 - erfcx(z) exp(-z**2); erfc(z) = erfcx(z) exp(-z**2)
        # (erfcx is used directly: SymPy would turn erfc(-z) back into 2 - erfc(z))
        variants = (
            lambda z: erfcx(-z) * sympy.exp(-(z**2)) - 1,
            lambda z: 1 - erfcx(z) * sympy.exp(-(z**2)),
        )
        if side == 1:
            variants = variants[::-1]
        for rep in variants:
            e = h.replace(sympy.erf, rep).replace(sympy.erfc, lambda z: erfcx(z) * sympy.exp(-(z**2)))
            e = sympy.powsimp(sympy.expand(e))
            yield from emit(e)
    if isinstance(h, sympy.Add):
        # divide by a dominant exponential and the dominant power of x (positive on the
        # ray up to the sign side**d of x**d; the ray never contains 0)
        e0 = _expanded(h)
        mults = [sympy.S.One] + [sympy.exp(-a.args[0]) for a in sorted(e0.atoms(sympy.exp), key=sympy.default_sort_key)]
        for m in mults:
            e = _expanded(e0 * m) if m != 1 else e0
            if m != 1:
                yield from emit(e, raw=True)
            if isinstance(e, sympy.Add):
                d = max(_xdegree(t, var) for t in e.args)
                if d > 0:
                    fl = (side**d, [(_expanded(e / var**d), 1)])
                    if fl[1][0][0] not in seen:
                        seen.add(fl[1][0][0])
                        yield fl
        conj = _conjugate(h, var)
        if conj is not None:
            yield conj
    # logs appearing as terms or factors of terms (softplus-like tails), not nested ones
    logs = [
        f
        for t in sympy.Add.make_args(h)
        for f in sympy.Mul.make_args(t)
        if isinstance(f, sympy.log) and f.args[0].has(sympy.exp)
    ]
    if logs:
        # log(A) = u + log(A exp(-u)) for an exponential exp(u) in A (A > 0 where defined)
        reps = {}
        for lg in sorted(logs, key=sympy.default_sort_key):
            A = lg.args[0]
            for ea in sorted(A.atoms(sympy.exp), key=sympy.default_sort_key):
                u = ea.args[0]
                reps[lg] = u + sympy.log(_expanded(A * sympy.exp(-u)))
                break
        e = h.xreplace(reps)
        yield from emit(e, raw=True)
        yield from emit(_expanded(e), raw=True)


_FORMS: dict[tuple[sympy.Expr, sympy.Symbol, int], list[tuple[int, list[tuple[sympy.Expr, int]]]]] = {}


def _forms_cached(h: sympy.Expr, var: sympy.Symbol, side: int) -> list[tuple[int, list[tuple[sympy.Expr, int]]]]:
    key = (h, var, side)
    out = _FORMS.get(key)
    if out is None:
        out = list(_forms(h, var, side))
        if len(_FORMS) > 2000:
            _FORMS.clear()
        _FORMS[key] = out
    return out


def _conjugate(h: sympy.Expr, var: sympy.Symbol) -> tuple[int, list[tuple[sympy.Expr, int]]] | None:
    """h = c*s + r with s = sqrt(q): h = (c**2 q - r**2) / (c s - r)."""
    roots = [p for p in h.atoms(sympy.Pow) if p.exp == sympy.S.Half and p.has(var)]
    if len(roots) != 1:
        return None
    s = roots[0]
    c = sympy.expand(h).coeff(s)
    r = sympy.expand(h - c * s)
    if c == 0 or c.has(s) or r.has(s):
        return None
    num = sympy.expand(c**2 * s.base - r**2)
    return 1, [(num, 1), (c * s - r, -1)]


# ------------------------------------------------------------------------ sign_chart


def sign_chart(
    g: sympy.Expr, a: Any, b: Any, *, var: sympy.Symbol = x, seconds: float | None = None
) -> SignChart | Unknown:
    """All zeros of the real-analytic ``g`` on ``(a, b)`` and its sign between them.

    Args:
        g: a SymPy expression in ``var``, real-analytic on ``(a, b)`` (the caller
            guarantees no breakpoint or singularity inside; a removable
            singularity where ``g`` cannot be evaluated gives ``Unknown``).
        a, b: the ends, ``a < b``; exact numbers or ``-oo``/``oo``.
        var: the variable.
        seconds: time budget (default :data:`DEFAULT_SECONDS`).

    Returns:
        a proved :class:`SignChart`, or ``Unknown(reason)``.

    Examples:
        >>> import sympy
        >>> from symact import x
        >>> ch = sign_chart(x - sympy.Rational(1, 3), 0, 1)
        >>> ch.roots[0].exact, ch.signs
        (1/3, (-1, 1))
        >>> sign_chart(sympy.cos(x), -sympy.oo, sympy.oo)
        Unknown('could not certify the sign of cos(x) on (-oo, -4.0)')
        >>> sign_chart(sympy.Integer(0), 0, 1).signs
        (0,)
    """
    start = _budget.clock()
    budget = DEFAULT_SECONDS if seconds is None else float(seconds)
    deadline = start + budget
    try:
        g = sympy.sympify(g, strict=True)
        a = sympy.sympify(a, strict=True)
        b = sympy.sympify(b, strict=True)
    except (sympy.SympifyError, TypeError) as exc:
        return Unknown(f"bad input: {exc}")
    if g.free_symbols - {var}:
        return Unknown(f"{g} has free symbols other than {var}")
    for end in (a, b):
        if end.free_symbols or not (end.is_extended_real or end in (sympy.oo, -sympy.oo)):
            return Unknown(f"interval end {end} is not a real number")
    if a in (sympy.oo,) or b in (-sympy.oo,):
        return Unknown("empty interval")
    if a.is_finite and b.is_finite:
        o = sign_at(b - a)
        if o != 1:
            return Unknown(f"not an interval: ({a}, {b})")
    if var not in g.free_symbols:
        s = sign_at(g)
        if isinstance(s, Unknown):
            return s
        return SignChart(a, b, (), (s,), "exact")
    eng = _Engine(var, deadline)
    try:
        exact = _exact_chart(g, a, b, eng)
    except _Fail as exc:
        exact = None if isinstance(exc, _Timeout) else Unknown(str(exc))
    except (RecursionError, MemoryError) as exc:
        return Unknown(f"gave up: {type(exc).__name__}")
    except _budget.BudgetExceeded:
        raise  # the enclosing budget is spent
    except Exception as exc:  # noqa: BLE001 - a SymPy failure must not become a crash
        exact = Unknown(f"internal error in the exact step: {type(exc).__name__}: {exc}")
    numeric: SignChart | Unknown
    try:
        numeric = _numeric_chart(g, a, b, eng, budget if exact is None else min(budget, 1.0))
    except _Timeout:
        numeric = Unknown("time budget exceeded")
    except _Fail as exc:
        numeric = Unknown(str(exc))
    except (RecursionError, MemoryError) as exc:
        numeric = Unknown(f"gave up: {type(exc).__name__}")
    except _budget.BudgetExceeded:
        raise  # the enclosing budget is spent
    except Exception as exc:  # noqa: BLE001 - a SymPy failure must not become a crash
        numeric = Unknown(f"internal error in the numeric step: {type(exc).__name__}: {exc}")
    if exact is None:
        if isinstance(numeric, Unknown):
            return _quotient_chart(g, a, b, numeric, max(0.0, deadline - _budget.clock()), var)
        return numeric
    if isinstance(exact, Unknown):
        return exact
    if isinstance(numeric, SignChart) and not _agree(exact, numeric):
        return Unknown("solveset and certified isolation disagree")
    return exact


def _quotient_chart(
    g: sympy.Expr, a: sympy.Expr, b: sympy.Expr, failed: Unknown, seconds: float, var: sympy.Symbol
) -> SignChart | Unknown:
    """The chart of g = N/D from the charts of N and D, when g's own chart failed.

    Where N and D both vanish at an end of (a, b) (a removable singularity of g there, f' of
    x/(exp(x) - 1) at 0), no enclosure of g near that end excludes 0, but N and D each have a
    zero there that the certified isolation settles by Taylor's theorem. When D has no zero
    in (a, b), g = N/D there: g's zeros are N's and its signs are N's times D's sign.
    Anything else keeps the first failure.
    """
    if seconds <= 0.05:
        return failed
    num, den = sympy.fraction(sympy.together(g))
    if not den.has(var) or not num.has(var):
        return failed
    half = seconds / 2
    dchart = sign_chart(den, a, b, var=var, seconds=half)
    if isinstance(dchart, Unknown) or dchart.roots or 0 in dchart.signs:
        return failed
    nchart = sign_chart(num, a, b, var=var, seconds=half)
    if isinstance(nchart, Unknown):
        return failed
    s = dchart.signs[0]
    return SignChart(a, b, nchart.roots, tuple(s * t for t in nchart.signs), nchart.method)


def _agree(ex: SignChart, nu: SignChart) -> bool:
    if ex.signs != nu.signs or len(ex.roots) != len(nu.roots):
        return False
    for r, s in zip(ex.roots, nu.roots):
        if r.hi < s.lo or s.hi < r.lo:
            return False
    return True


def _exact_chart(g: sympy.Expr, a: sympy.Expr, b: sympy.Expr, eng: _Engine) -> SignChart | Unknown | None:
    """Step 1: solveset. None = no exact answer (go numeric)."""
    var = eng.var
    dom = sympy.Interval.open(a, b)
    remaining = eng.deadline - _budget.clock()
    try:
        sol = _budgeted(sympy.solveset, g, var, dom, seconds=min(0.4, remaining / 4), what="solveset")
    except _budget.BudgetExceeded:
        raise  # the enclosing budget is spent
    except Exception:  # noqa: BLE001 - any failure of solveset only means "no exact answer"
        return None
    if sol is None:  # solveset ran out of its own time: no exact answer
        return None
    # only functions whose real domain is understood here (no hidden poles): those a user may
    # write (not Piecewise: its conditions are not solved here), and erfcx
    known = (*(row.func for row in PRIMITIVES.values() if row.names and row.func is not sympy.Piecewise), erfcx)
    if any(not isinstance(f, known) for f in g.atoms(sympy.Function)):
        return None
    # solveset silently drops points where g is undefined (a removable singularity
    # such as sin(x)/x at 0): use its answer only if g is defined on all of (a, b)
    dens = [p.base for p in g.atoms(sympy.Pow) if p.exp.is_negative and p.base.has(var)]
    dens += [lg.args[0] for lg in g.atoms(sympy.log) if lg.args[0].has(var)]
    if dens:
        try:
            bad = _budgeted(
                sympy.solveset, sympy.Mul(*dens), var, dom, seconds=min(0.4, remaining / 4), what="solveset"
            )
        except _budget.BudgetExceeded:
            raise  # the enclosing budget is spent
        except Exception:  # noqa: BLE001 - no answer: cannot trust the exact path
            return None
        if bad is not sympy.S.EmptySet:
            return None
    if sol == dom:
        # g == 0 on (a, b): confirm at a sample point
        t = _sample(a, b)
        s = eng.exact_point_sign(g, t)
        if s != 0:
            return Unknown("solveset says g == 0 but a sample point disagrees")
        return SignChart(a, b, (), (0,), "exact")
    if not isinstance(sol, (sympy.FiniteSet, sympy.sets.sets.EmptySet)) and sol is not sympy.S.EmptySet:
        return None
    elems = list(sol) if isinstance(sol, sympy.FiniteSet) else []
    roots = []
    for r in elems:
        if r.free_symbols or not r.is_extended_real:
            return None
        try:
            with _ivprec(256):
                v = to_iv(r)
        except EnclosureError:
            return None
        lo, hi = mp.make_mpf(v._mpi_[0]), mp.make_mpf(v._mpi_[1])
        if r.is_Rational:
            lo_r = hi_r = r
        else:
            with mp.workprec(300):
                if (hi - lo) > _REL_WIDTH * max(abs(lo), abs(hi)):
                    return None
            lo_r, hi_r = _rat(_round(lo, False)), _rat(_round(hi, True))
        # sanity: g must vanish at the exact root (certified when decidable)
        try:
            gv = _iv_sign(_enc_const(g.subs(var, r), 256))
        except (EnclosureError, TypeError, ValueError):
            gv = None
        if gv is not None and gv != 0:
            return Unknown(f"solveset returned {r}, where {g} does not vanish")
        with mp.workprec(300):
            mid = (lo + hi) / 2
        roots.append(Root(r, lo_r, hi_r, _float45(mid)))
    roots.sort(key=lambda rt: rt.lo)
    for r1, r2 in itertools.pairwise(roots):
        if not r1.hi < r2.lo:
            return None
    # the sign on each gap, at a rational sample point
    ends = [a] + [None] * len(roots) + [b]
    signs = []
    for i in range(len(roots) + 1):
        left = a if i == 0 else roots[i - 1].hi
        right = b if i == len(roots) else roots[i].lo
        s = None
        for t in _samples(left, right):
            s = eng.exact_point_sign(g, t)
            if s is not None:
                break
        if s is None:
            return None
        if s == 0:
            return Unknown(f"{g} vanishes at {t}, which solveset did not return")
        signs.append(s)
    del ends
    return SignChart(a, b, tuple(roots), tuple(signs), "exact")


def _sample(a: sympy.Expr, b: sympy.Expr) -> sympy.Rational:
    return next(iter(_samples(a, b)))


def _samples(a: sympy.Expr, b: sympy.Expr) -> Iterator[sympy.Rational]:
    """Rational points strictly inside (a, b), simplest first."""
    if a == -sympy.oo and b == sympy.oo:
        base = [sympy.Integer(0), sympy.Integer(1), sympy.Integer(-1), sympy.Rational(1, 3)]
        yield from base
        return
    if a == -sympy.oo:
        bb = _rat_below(b)
        yield from (bb - 1, bb - 2, bb - sympy.Rational(1, 3))
        return
    if b == sympy.oo:
        aa = _rat_above(a)
        yield from (aa + 1, aa + 2, aa + sympy.Rational(1, 3))
        return
    lo, hi = _rat_above(a), _rat_below(b)
    if lo >= hi:
        return
    f = _simplest_between(_frac(lo) + (_frac(hi) - _frac(lo)) / 8, _frac(hi) - (_frac(hi) - _frac(lo)) / 8)
    yield sympy.Rational(f.numerator, f.denominator)
    for num, den in ((1, 3), (2, 3), (3, 7), (5, 9)):
        yield lo + (hi - lo) * sympy.Rational(num, den)


def _rat_above(a: sympy.Expr) -> sympy.Rational:
    if a.is_Rational:
        return a
    with _ivprec(200):
        v = to_iv(a)
    return _rat(mp.make_mpf(v._mpi_[1]))


def _rat_below(b: sympy.Expr) -> sympy.Rational:
    if b.is_Rational:
        return b
    with _ivprec(200):
        v = to_iv(b)
    return _rat(mp.make_mpf(v._mpi_[0]))


def _end(eng: _Engine, g: sympy.Expr, e: sympy.Expr, lower: bool) -> tuple[mpmath.mpf, int | None, int | None]:
    """For a finite end e of (a, b): a dyadic point P with no zero of g strictly between
    e and P, the sign of g at P, and the sign of g on the open sliver between e and P
    (None when P == e)."""
    with _ivprec(200):
        v = to_iv(e)
    lo, hi = mp.make_mpf(v._mpi_[0]), mp.make_mpf(v._mpi_[1])
    if lo == hi:
        s = eng.point_sign(g, lo)
        if s is None:
            s = eng.exact_point_sign(g, e)
        return lo, s, None
    P = hi if lower else lo
    sP = eng.point_sign(g, P)
    box = eng.enc(g, lo, hi)
    s = _iv_sign(box) if box is not None else None
    if s:
        return P, sP, s
    # g(e) == 0 exactly and g strictly monotone on the sliver: the sign of g' decides
    ds = eng.box_sign(_diff(g, eng.var), lo, hi)
    if ds is not None and eng.exact_point_sign(g, e) == 0:
        return P, sP, ds if lower else -ds
    raise _Fail(f"cannot separate the zeros of {g} from the end {e}")


def _numeric_chart(g: sympy.Expr, a: sympy.Expr, b: sympy.Expr, eng: _Engine, budget: float) -> SignChart | Unknown:
    """Steps 2 and 3: certified isolation on a window plus proved tails."""
    eng.deadline = min(eng.deadline, _budget.clock() + budget) if budget is not None else eng.deadline
    inf_a, inf_b = a == -sympy.oo, b == sympy.oo
    # finite ends: a dyadic point P at (or just inside) each end, the sign of g at P and,
    # when the end is not dyadic, the proved sign of g on the sliver between the end and P
    try:
        A, sa, sliver_a = (None, None, None) if inf_a else _end(eng, g, a, lower=True)
        B, sb, sliver_b = (None, None, None) if inf_b else _end(eng, g, b, lower=False)
    except _Fail as exc:
        return Unknown(str(exc))
    W = mpmath.mpf(_W0)
    L = R = None
    if inf_a:
        L = -W
        while B is not None and L >= B - 1:
            L *= 2
    if inf_b:
        R = W
        while A is not None and R <= A + 1:
            R *= 2
    lo_pt = L if inf_a else A
    hi_pt = R if inf_b else B
    if lo_pt is None or hi_pt is None:  # every path above sets both ends; this narrows their types
        return Unknown("internal: an end of the isolation window is missing")
    s_lo = eng.point_sign(g, L) if inf_a else sa
    s_hi = eng.point_sign(g, R) if inf_b else sb
    for cut, s_cut in ((L, s_lo), (R, s_hi)):
        if cut is not None and s_cut is None:
            return Unknown(f"cannot evaluate {g} at {mpmath.nstr(cut, 6)}")
    try:
        # 0 is a common exact zero (odd functions): make it a cut point when inside
        if lo_pt < 0 < hi_pt and (inf_a or a < 0) and (inf_b or b > 0):
            s0 = eng.point_sign(g, mpmath.mpf(0))
            if s0 is None:
                raise _Fail(f"cannot evaluate {g} at 0")
            left = eng.segment(g, lo_pt, mpmath.mpf(0), s_lo, s0)
            right = eng.segment(g, mpmath.mpf(0), hi_pt, s0, s_hi)
            piece = _join(left, mpmath.mpf(0), s0, right)
        else:
            piece = eng.segment(g, lo_pt, hi_pt, s_lo, s_hi)
        if inf_a:
            tail = eng.ray_any(g, L, -1)
            if tail is None:
                return Unknown(f"could not certify the sign of {g} on (-oo, {mpmath.nstr(L, 6)})")
            piece = _join(tail, L, s_lo, piece)
        if inf_b:
            tail = eng.ray_any(g, R, 1)
            if tail is None:
                return Unknown(f"could not certify the sign of {g} on ({mpmath.nstr(R, 6)}, oo)")
            piece = _join(piece, R, s_hi, tail)
        roots, signs = piece
        roots = eng.finish(roots)
        if sliver_a is not None:
            if sa == 0:
                roots, signs = [_R(A, A, _rat(A))] + roots, [sliver_a] + signs
            elif signs[0] != sliver_a:
                raise _Fail("inconsistent signs near the left end (internal error)")
        if sliver_b is not None:
            if sb == 0:
                roots, signs = roots + [_R(B, B, _rat(B))], signs + [sliver_b]
            elif signs[-1] != sliver_b:
                raise _Fail("inconsistent signs near the right end (internal error)")
    except _Fail as exc:
        return Unknown(str(exc))
    # roots must lie strictly inside (a, b); brackets touching a finite end are suspicious
    out = []
    for r in roots:
        if not inf_a and r.hi <= A:
            return Unknown(f"a zero of {g} at the end {a} could not be separated")
        if not inf_b and r.lo >= B:
            return Unknown(f"a zero of {g} at the end {b} could not be separated")
        with mp.workprec(300):
            mid = (r.lo + r.hi) / 2
        if r.exact is not None and r.exact.is_Rational:
            out.append(Root(r.exact, r.exact, r.exact, _float45(mid)))
        else:
            out.append(
                Root(r.exact, _rat(_round(r.lo, False)), _rat(_round(r.hi, True)), _float_certified(mid, r.hi - r.lo))
            )
    return SignChart(a, b, tuple(out), tuple(signs), "interval")
