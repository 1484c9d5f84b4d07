"""Shorter exact forms of constants, each one proved equal to the value it replaces.

:func:`simplest` is how the analysis tidies a value it derived (f(0), f'(0), a limit, an
extremum): it tries

* ``sympy.simplify`` of the value (an exact rewriting);
* ``sympy.simplify`` of its exponential form, for values holding hyperbolic or
  trigonometric functions: ``tanh(log(2))`` is ``(2 - 1/2)/(2 + 1/2) = 3/5`` once ``tanh``
  is written with ``exp`` (again an exact rewriting);
* a guess from the value's digits (``sympy.nsimplify``), kept only when the difference
  between the guess and the value simplifies to exactly 0 (and is below 1e-40 at 50 digits,
  a check against a wrong simplification);

and keeps the candidate with the fewest operations (``sympy.count_ops``), the value itself
when none is shorter. Nothing is concluded from a candidate SymPy could not reduce: an
unproved guess is dropped. The caller bounds the time (:func:`symact.core.budget.step`).

:func:`lambertw_rule` applies the one identity of Lambert's W that SymPy does not, so that a value at a
closed-form root holding W can reduce to 0.
"""

from __future__ import annotations

import sympy

__all__ = ["lambertw_rule", "simplest"]

#: Functions whose exponential form can collapse a value (tanh(log(2)) = 3/5).
_EXP_FAMILY = (
    sympy.tanh,
    sympy.sinh,
    sympy.cosh,
    sympy.coth,
    sympy.sech,
    sympy.csch,
    sympy.sin,
    sympy.cos,
    sympy.tan,
)


def _usable(c: object) -> bool:
    return (
        isinstance(c, sympy.Expr)
        and c.is_number
        and not c.has(sympy.Float, sympy.nan, sympy.zoo, sympy.I, sympy.oo, -sympy.oo)
    )


def _proved_equal(value: sympy.Expr, guess: sympy.Expr) -> bool:
    """``value == guess``, proved by simplifying their difference to exactly 0."""
    diff = value - guess
    if diff == 0:
        return True
    if abs(diff.evalf(50)) > sympy.Rational(1, 10**40):
        return False
    zero = sympy.simplify(diff)
    if zero != 0 and diff.has(*_EXP_FAMILY):
        zero = sympy.simplify(diff.rewrite(sympy.exp))
    return bool(zero == 0)


def simplest(value: sympy.Expr) -> sympy.Expr:
    """The shortest exact form of the constant ``value`` that is proved equal to it.

    Examples:
        >>> from sympy import Rational, cosh, exp, log, sqrt, tanh
        >>> simplest(tanh(log(2))), simplest(cosh(log(2))), simplest(tanh(log(2) / 2))
        (3/5, 5/4, 1/3)
        >>> simplest(sqrt(3 + 2 * sqrt(2)))
        1 + sqrt(2)
        >>> simplest(exp(-sympy.LambertW(exp(-1))))  # no shorter form is proved: the value stays
        exp(-LambertW(exp(-1)))
    """
    if not isinstance(value, sympy.Expr) or not value.is_number or value.is_Rational:
        return value
    ops = sympy.count_ops(value)
    best, best_ops = value, ops
    first = sympy.simplify(value)
    if _usable(first) and sympy.count_ops(first) <= ops:  # an exact rewriting: kept on a tie
        best, best_ops = first, sympy.count_ops(first)
    if best.is_Rational:
        return best
    if best.has(*_EXP_FAMILY):
        rewritten = sympy.simplify(best.rewrite(sympy.exp))
        if _usable(rewritten) and sympy.count_ops(rewritten) < best_ops:
            best, best_ops = rewritten, sympy.count_ops(rewritten)
    if best.is_Rational:
        return best
    guess = sympy.nsimplify(best)
    if _usable(guess) and sympy.count_ops(guess) < best_ops and _proved_equal(best, guess):
        best = guess
    return best


def lambertw_rule(value: sympy.Expr) -> sympy.Expr:
    """Use exp(k W(z)) = (z/W(z))^k for integers k (W(z) e^W(z) = z), which SymPy does not apply by itself.

    Applied again after ``factor``, which may split exp(2 W) into exp(W)^2 or the reverse.

    Examples:
        >>> w = sympy.LambertW(sympy.Rational(1, 2))
        >>> lambertw_rule(2 * sympy.exp(2 * w) * w**2)
        1/2
    """

    def rewrite(e: sympy.Expr) -> sympy.Expr:
        if isinstance(e, sympy.exp):
            arg = sympy.expand(e.args[0])
            for t in sympy.Add.make_args(arg):
                k, w = t.as_coeff_Mul()
                if isinstance(w, sympy.LambertW) and len(w.args) == 1 and k.is_Integer:
                    return sympy.exp(arg - t) * (w.args[0] / w) ** k
        return e

    if not value.has(sympy.LambertW):
        return value
    for _ in range(2):
        value = sympy.factor(value.replace(lambda e: isinstance(e, sympy.exp), rewrite))
    return value
