"""Code generation and the analysis see one piecewise form: the same switching points and pieces.

Code generation prints :func:`symact.codegen.rewrite.pieces`, the analysis works on
:func:`symact.analysis.pieces.decompose`. Apart from the *hazards* (the zeros of the
argument of ``sinc``, printed as ``sin(u)/u``, and of ``DiracDelta``), both must cut
the real line at the same points and hold the same formula and value on each part.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sympy
from sympy import Abs, DiracDelta, Heaviside, Max, Min, Piecewise, Rational, cos, exp, oo, sign, sinc

import symact
from symact import x
from symact.analysis.pieces import HAZARDS, SWITCHING, decompose, sample_between
from symact.codegen import rewrite as rw
from symact.codegen.numpy import derivative_expr

#: Piecewise definitions as a user writes them.
USER = {
    "max": Max(0, x),
    "min": Min(1, x),
    "abs_and_max": x * Abs(x - 1) + Max(0, x),
    "heaviside": Heaviside(x),
    "heaviside_h0": Heaviside(x - 1, 1),
    "sign": sign(x) * x**2,
    "piecewise": Piecewise((x, x > 0), (exp(x) - 1, True)),
    "piecewise3": Piecewise((0, x < -1), (x**2, x < 2), (4, True)),
    "piecewise_point": Piecewise((5, sympy.Eq(x, 0)), (x, True)),
    "nested": Min(1, Max(0, x / 6 + Rational(1, 2))),
    "cancelling": Max(0, x) + Min(0, x),
    "never_switches": x * Heaviside(x**2 + 1) + Max(x, x + 1),
    "sinc": sinc(x),
    "sinc_and_max": sinc(x - 1) + Max(0, x),
    "dirac": x + DiracDelta(x - 2),
}

#: name -> a function giving the expression (the derivatives are derived when a test asks, not at collection).
CASES: dict[str, Callable[[], sympy.Expr]] = {a.name: (lambda a=a: a.expr) for a in symact.all_activations()}
CASES.update({a.name + "'": (lambda a=a: derivative_expr(a, 1)) for a in symact.all_activations()})
CASES.update({name: (lambda e=e: e) for name, e in USER.items()})


def _hazard_points(expr: sympy.Expr) -> set[sympy.Expr]:
    """The real zeros of the argument of every sinc/DiracDelta in ``expr`` (where the printed formula is 0/0)."""
    out: set[sympy.Expr] = set()
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, HAZARDS):
            out.update(sympy.solveset(node.args[0], x, sympy.S.Reals))
    return out


def _close(a: sympy.Expr, b: sympy.Expr) -> bool:
    va, vb = sympy.N(a, 40), sympy.N(b, 40)
    if va == vb:
        return True
    return bool(abs(va - vb) <= sympy.Float(10) ** -30 * (1 + abs(vb)))


def _kept_whole(expr: sympy.Expr) -> bool:
    """Whether the only switching function is Abs (printed as np.abs, so the code keeps one piece)."""
    nodes = [n for n in sympy.preorder_traversal(expr) if isinstance(n, (*SWITCHING, *HAZARDS))]
    return bool(nodes) and all(isinstance(n, Abs) for n in nodes)


@pytest.mark.parametrize("name", list(CASES))
def test_code_pieces_and_analysis_pieces_agree(name: str) -> None:
    expr = CASES[name]()
    code = rw.pieces(expr)
    form = decompose(expr)
    if _kept_whole(expr):
        assert code == (rw.Piece(-oo, oo, expr, expr),)
        return
    hazards = _hazard_points(expr)
    cuts = {e for p in code for e in (p.lo, p.hi) if e.is_finite}
    assert cuts - hazards == set(form.breakpoints) - hazards, (name, code, form)
    assert tuple(sorted(cuts, key=lambda c: sympy.N(c, 30))) == rw.breakpoints(expr)
    # the same formula on every part of the line both cut, and the same value at every breakpoint
    ends = sorted(cuts | set(form.breakpoints), key=lambda c: sympy.N(c, 30))
    for lo, hi in zip([-oo, *ends], [*ends, oo]):
        t = sample_between(lo, hi)
        (piece,) = [p for p in code if not p.is_point and bool(p.lo <= lo) and bool(hi <= p.hi)]
        assert not piece.raw.has(*SWITCHING, *HAZARDS), (name, piece)
        assert _close(piece.raw.subs(x, t), form.piece_at(t, "+").subs(x, t)), (name, t, piece.raw)
    for b, value in zip(form.breakpoints, form.values):
        if b in hazards or value.has(sympy.nan, oo, -oo, sympy.zoo):
            continue
        at = [p for p in code if (p.lo == b and p.lo_closed) or (p.hi == b and p.hi_closed)]
        assert len(at) == 1, (name, b, code)
        assert _close(at[0].raw.subs(x, b), value), (name, b, at[0], value)


def test_hazards_are_breakpoints_of_the_code_only() -> None:
    assert decompose(sinc(x)).breakpoints == ()
    assert rw.breakpoints(sinc(x)) == (0,)
    assert decompose(x + DiracDelta(x - 2)).breakpoints == ()
    assert rw.breakpoints(x + DiracDelta(x - 2)) == (2,)
    point = [p for p in rw.pieces(x + DiracDelta(x - 2)) if p.is_point]
    assert point == [rw.Piece(2, 2, oo, oo, True, True)]


def test_a_switch_without_closed_form_keeps_the_definition_whole() -> None:
    expr = Max(x, cos(x))
    with pytest.raises(NotImplementedError):
        decompose(expr)
    assert rw.pieces(expr) == (rw.Piece(-oo, oo, expr, expr),)
    assert rw.breakpoints(expr) == ()
