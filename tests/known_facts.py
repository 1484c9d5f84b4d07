"""The independent oracle: expected facts about every catalog activation.

Every cell of :data:`FACTS` was worked out by hand from the mathematics of the
catalog definition at its default parameters (and re-checked numerically with
mpmath, see ``test_facts_table_is_self_consistent``); none was printed by
symact. The library's ``act.properties()`` is compared against this table in
``test_known_facts.py``.

Conventions (those of :class:`symact.analysis.properties.Properties`):

* numbers are exact SymPy numbers; ``oo``/``-oo`` for infinite limits;
* ``None`` means "does not exist" (no limit, no derivative);
* ``derivative_at_zero`` is ``None`` at a kink whatever value ``act.derivative()``
  reports there by convention;
* ``continuity`` is the largest k with f in C^k(R) (``"Cinf"`` for smooth f);
* ``monotonic``/``derivative_monotonic`` use ``"increasing"`` (strictly),
  ``"non-decreasing"``, ``"decreasing"``, ``"non-increasing"``, ``"constant"`` or
  ``False``; ``derivative_monotonic`` is about f' on the set where f is differentiable;
* ``zero_gradient_set`` is the union of the open intervals on which f' = 0
  (isolated zeros of f' are not included);
* ``saturates`` is ``(f'(x) -> 0 as x -> -oo, f'(x) -> 0 as x -> +oo)``.

A range whose lower end has no closed form (GELU, GELU-tanh, mish, sinc) is a
:class:`NumericMin`: the end's digits (computed independently with
``mpmath.findroot`` on ``mpmath.diff`` at 60 digits and re-derived from the
analytic derivative) plus where it is attained.

The module also holds the helpers both oracle test modules share: an mpmath
evaluator for SymPy definitions (independent of symact's analysis), the
comparison of a library value against an expected cell, and numeric checkers
of every field.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy
from sympy import (
    EmptySet,
    FiniteSet,
    Interval,
    LambertW,
    Rational,
    S,
    Union,
    exp,
    log,
    oo,
    pi,
    sqrt,
)

from proofs.evidence import FAILURES

R = Rational

#: The fields of ``Properties`` this table fixes, in ``Properties`` order.
FIELDS: tuple[str, ...] = (
    "range",
    "limit_neg_inf",
    "limit_pos_inf",
    "value_at_zero",
    "derivative_at_zero",
    "one_sided_derivatives_at_zero",
    "continuity",
    "monotonic",
    "derivative_monotonic",
    "bounded",
    "parity",
    "identity_near_origin",
    "zero_gradient_set",
    "saturates",
)


@dataclass(frozen=True)
class NumericMin:
    """A range ``[m, sup)`` (or ``[m, sup]``) whose lower end m has no closed form.

    Attributes:
        digits: m to 45 significant digits (computed independently with mpmath).
        at: where m is attained, to 45 digits (all minimizers).
        attained: whether m is attained (closed lower end).
        sup: the exact upper end of the range, or (a ``str``) its 45 digits when it has no
            closed form either (dSiLU's maximum, say).
        sup_attained: whether ``sup`` is attained (closed upper end).
        sup_at: where a ``sup`` given by digits is attained, to 45 digits.
    """

    digits: str
    at: tuple[str, ...]
    attained: bool = True
    sup: Any = oo
    sup_attained: bool = False
    sup_at: tuple[str, ...] = ()

    def value(self) -> mpmath.mpf:
        return mpmath.mpf(self.digits)


# SELU's constants, as the catalog defines them (PyTorch's 32-digit decimals, exact).
SELU_ALPHA = R("1.6732632423543772848170429916717")
SELU_SCALE = R("1.0507009873554804934193349852946")
SELU_SAT = SELU_SCALE * SELU_ALPHA  # lim_{x->-oo} selu(x) = -scale*alpha
RRELU_SLOPE = (R(1, 8) + R(1, 3)) / 2  # eval-mode slope (lower + upper)/2 = 11/48

GELU_MIN = NumericMin(
    # f'(x) = Phi(x) + x phi(x) = 0 at x* ~ -0.7518; the only critical point (f'' = phi (2 - x^2) > 0 on (-sqrt2, sqrt2))
    "-0.169971207479903661693868470982433922832852392",
    ("-0.751791524693564457457904946779524039664471153",),
)
GELU_TANH_MIN = NumericMin(
    "-0.170040750571254050639067427987555683577092975",
    ("-0.752461422071016258487954443288916090605392178",),
)
MISH_MIN = NumericMin(
    "-0.308843413017250406628760229041953728459564123",
    ("-1.19243121451549521213758834040720739405600686",),
)
SINC_MIN = NumericMin(
    # the global minimum of sin(x)/x is at the first positive root of tan x = x (and its mirror), value cos(x*)
    "-0.217233628211221657408279325562470734223044915",
    ("-4.49340945790906417530788092728032208221558387", "4.49340945790906417530788092728032208221558387"),
    attained=True,
    sup=S.One,
    sup_attained=True,  # sinc(0) = 1 and |sin x| < |x| for x != 0
)


def _facts(**cells: Any) -> dict[str, object]:
    missing = set(FIELDS) - set(cells)
    extra = set(cells) - set(FIELDS)
    if missing or extra:
        raise ValueError(f"FACTS row: missing {sorted(missing)}, unknown {sorted(extra)}")
    return {f: cells[f] for f in FIELDS}


ND = "non-decreasing"
INC = "increasing"

FACTS: dict[str, dict[str, object]] = {
    "identity": _facts(
        range=S.Reals,
        limit_neg_inf=-oo,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="Cinf",
        monotonic=INC,
        derivative_monotonic="constant",  # f' = 1
        bounded=False,
        parity="odd",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(False, False),
    ),
    "binary_step": _facts(
        range=FiniteSet(0, 1),
        limit_neg_inf=S.Zero,
        limit_pos_inf=S.One,
        value_at_zero=S.One,  # H(0) = 1
        derivative_at_zero=None,  # jump at 0
        # left quotient (H(h) - H(0))/h = -1/h -> +oo for h -> 0-; right quotient (1 - 1)/h = 0
        one_sided_derivatives_at_zero=(None, S.Zero),
        continuity="discontinuous",
        monotonic=ND,
        derivative_monotonic="constant",  # f' = 0 on R \ {0}
        bounded=True,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=Union(Interval.open(-oo, 0), Interval.open(0, oo)),
        saturates=(True, True),
    ),
    "sigmoid": _facts(
        range=Interval.open(0, 1),
        limit_neg_inf=S.Zero,
        limit_pos_inf=S.One,
        value_at_zero=R(1, 2),
        derivative_at_zero=R(1, 4),  # s' = s(1 - s) = 1/4 at 0
        one_sided_derivatives_at_zero=(R(1, 4), R(1, 4)),
        continuity="Cinf",
        monotonic=INC,
        derivative_monotonic=False,  # s' is a bell: increases on (-oo, 0), decreases on (0, oo)
        bounded=True,
        parity="neither",  # s(-x) = 1 - s(x)
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, True),
    ),
    "tanh": _facts(
        range=Interval.open(-1, 1),
        limit_neg_inf=S.NegativeOne,
        limit_pos_inf=S.One,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="Cinf",
        monotonic=INC,
        derivative_monotonic=False,  # sech^2 is a bell
        bounded=True,
        parity="odd",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(True, True),
    ),
    "hard_sigmoid": _facts(
        range=Interval(0, 1),  # 0 on x <= -3, 1 on x >= 3
        limit_neg_inf=S.Zero,
        limit_pos_inf=S.One,
        value_at_zero=R(1, 2),
        derivative_at_zero=R(1, 6),
        one_sided_derivatives_at_zero=(R(1, 6), R(1, 6)),
        continuity="C0",  # slope jumps 0 -> 1/6 at -3 and 1/6 -> 0 at 3
        monotonic=ND,
        derivative_monotonic=False,  # f' = 0, 1/6, 0
        bounded=True,
        parity="neither",  # f(-x) = 1 - f(x)
        identity_near_origin=False,
        zero_gradient_set=Union(Interval.open(-oo, -3), Interval.open(3, oo)),
        saturates=(True, True),
    ),
    "sparse_sigmoid": _facts(
        range=Interval(0, 1),  # 0 on x <= -1, 1 on x >= 1
        limit_neg_inf=S.Zero,
        limit_pos_inf=S.One,
        value_at_zero=R(1, 2),
        derivative_at_zero=R(1, 2),
        one_sided_derivatives_at_zero=(R(1, 2), R(1, 2)),
        continuity="C0",  # slope jumps at -1 and 1
        monotonic=ND,
        derivative_monotonic=False,  # f' = 0, 1/2, 0
        bounded=True,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=Union(Interval.open(-oo, -1), Interval.open(1, oo)),
        saturates=(True, True),
    ),
    "log_sigmoid": _facts(
        range=Interval.open(-oo, 0),  # -log(1 + e^-x) < 0, -> 0 as x -> oo, ~ x as x -> -oo
        limit_neg_inf=-oo,
        limit_pos_inf=S.Zero,
        value_at_zero=-log(2),
        derivative_at_zero=R(1, 2),  # f' = sigmoid(-x)
        one_sided_derivatives_at_zero=(R(1, 2), R(1, 2)),
        continuity="Cinf",
        monotonic=INC,
        derivative_monotonic="decreasing",  # sigmoid(-x) strictly decreasing
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(False, True),  # f' -> 1 at -oo, -> 0 at +oo
    ),
    "softsign": _facts(
        range=Interval.open(-1, 1),
        limit_neg_inf=S.NegativeOne,
        limit_pos_inf=S.One,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,  # f' = 1/(1 + |x|)^2
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="C1",  # f'' = -2 sign(x)/(1 + |x|)^3 jumps from 2 to -2 at 0
        monotonic=INC,
        derivative_monotonic=False,  # f' increases on x < 0, decreases on x > 0
        bounded=True,
        parity="odd",
        identity_near_origin=True,  # f' continuous, f'(0) = 1
        zero_gradient_set=EmptySet,
        saturates=(True, True),
    ),
    "arctan": _facts(
        range=Interval.open(-pi / 2, pi / 2),
        limit_neg_inf=-pi / 2,
        limit_pos_inf=pi / 2,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="Cinf",
        monotonic=INC,
        derivative_monotonic=False,  # 1/(1 + x^2) is a bell
        bounded=True,
        parity="odd",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(True, True),
    ),
    "isru": _facts(
        range=Interval.open(-1, 1),
        limit_neg_inf=S.NegativeOne,
        limit_pos_inf=S.One,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,  # f' = (1 + x^2)^(-3/2)
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="Cinf",
        monotonic=INC,
        derivative_monotonic=False,
        bounded=True,
        parity="odd",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(True, True),
    ),
    "relu": _facts(
        range=Interval(0, oo),
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=None,
        one_sided_derivatives_at_zero=(S.Zero, S.One),
        continuity="C0",
        monotonic=ND,
        derivative_monotonic=ND,  # f' = 0 then 1
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=Interval.open(-oo, 0),
        saturates=(True, False),
    ),
    "relu6": _facts(
        range=Interval(0, 6),
        limit_neg_inf=S.Zero,
        limit_pos_inf=S(6),
        value_at_zero=S.Zero,
        derivative_at_zero=None,
        one_sided_derivatives_at_zero=(S.Zero, S.One),
        continuity="C0",
        monotonic=ND,
        derivative_monotonic=False,  # f' = 0, 1, 0
        bounded=True,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=Union(Interval.open(-oo, 0), Interval.open(6, oo)),
        saturates=(True, True),
    ),
    "leaky_relu": _facts(
        range=S.Reals,
        limit_neg_inf=-oo,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=None,
        one_sided_derivatives_at_zero=(R(1, 100), S.One),
        continuity="C0",
        monotonic=INC,
        derivative_monotonic=ND,  # f' = 1/100 then 1
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(False, False),
    ),
    "prelu": _facts(
        range=S.Reals,
        limit_neg_inf=-oo,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=None,
        one_sided_derivatives_at_zero=(R(1, 4), S.One),
        continuity="C0",
        monotonic=INC,
        derivative_monotonic=ND,  # f' = 1/4 then 1
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(False, False),
    ),
    "rrelu": _facts(
        range=S.Reals,
        limit_neg_inf=-oo,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=None,
        one_sided_derivatives_at_zero=(RRELU_SLOPE, S.One),  # slope (1/8 + 1/3)/2 = 11/48
        continuity="C0",
        monotonic=INC,
        derivative_monotonic=ND,
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(False, False),
    ),
    "elu": _facts(
        range=Interval.open(-1, oo),  # e^x - 1 > -1 on x <= 0
        limit_neg_inf=S.NegativeOne,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,  # e^0 = 1 = right slope
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="C1",  # f'' jumps: e^0 = 1 on the left, 0 on the right
        monotonic=INC,
        derivative_monotonic=ND,  # f' = e^x < 1, then 1
        bounded=False,
        parity="neither",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(True, False),
    ),
    "selu": _facts(
        range=Interval.open(-SELU_SAT, oo),
        limit_neg_inf=-SELU_SAT,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=None,  # left slope scale*alpha ~ 1.758, right slope scale ~ 1.051
        one_sided_derivatives_at_zero=(SELU_SAT, SELU_SCALE),
        continuity="C0",
        monotonic=INC,
        derivative_monotonic=False,  # f' rises to scale*alpha then drops to scale
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, False),
    ),
    "celu": _facts(
        # with alpha = 1, max(0, x) + min(0, e^x - 1) is ELU(alpha=1) exactly
        range=Interval.open(-1, oo),
        limit_neg_inf=S.NegativeOne,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="C1",
        monotonic=INC,
        derivative_monotonic=ND,
        bounded=False,
        parity="neither",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(True, False),
    ),
    "gelu": _facts(
        range=GELU_MIN,
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=R(1, 2),  # Phi(0) + 0 * phi(0)
        one_sided_derivatives_at_zero=(R(1, 2), R(1, 2)),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,  # f'' = phi(x)(2 - x^2) changes sign
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, False),
    ),
    "gelu_tanh": _facts(
        range=GELU_TANH_MIN,
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=R(1, 2),
        one_sided_derivatives_at_zero=(R(1, 2), R(1, 2)),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,  # f' dips below 0 and overshoots 1
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, False),
    ),
    "silu": _facts(
        # min at x* = -1 - W(1/e) (from 1 + x + e^x = 0), where f = x* + 1 = -W(1/e)
        range=Interval(-LambertW(exp(-1)), oo),
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=R(1, 2),
        one_sided_derivatives_at_zero=(R(1, 2), R(1, 2)),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,  # f' < 0 left of x*, peaks ~1.0998 near 2.4, -> 1
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, False),
    ),
    "mish": _facts(
        range=MISH_MIN,
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=R(3, 5),  # tanh(log 2) = (2 - 1/2)/(2 + 1/2)
        one_sided_derivatives_at_zero=(R(3, 5), R(3, 5)),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, False),
    ),
    "hard_silu": _facts(
        range=Interval(-R(3, 8), oo),  # x(x + 3)/6 on (-3, 3) has its minimum -3/8 at -3/2
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=R(1, 2),  # (2x + 3)/6 at 0
        one_sided_derivatives_at_zero=(R(1, 2), R(1, 2)),
        continuity="C0",  # f' jumps 0 -> -1/2 at -3 and 3/2 -> 1 at 3
        monotonic=False,
        derivative_monotonic=False,
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=Interval.open(-oo, -3),
        saturates=(True, False),
    ),
    "softplus": _facts(
        range=Interval.open(0, oo),
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=log(2),
        derivative_at_zero=R(1, 2),
        one_sided_derivatives_at_zero=(R(1, 2), R(1, 2)),
        continuity="Cinf",
        monotonic=INC,
        derivative_monotonic=INC,  # f' = sigmoid
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, False),
    ),
    "sparse_plus": _facts(
        range=Interval(0, oo),
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=R(1, 4),
        derivative_at_zero=R(1, 2),  # (x + 1)/2 at 0
        one_sided_derivatives_at_zero=(R(1, 2), R(1, 2)),
        continuity="C1",  # f' = 0, (x+1)/2, 1 is continuous; f'' = 0, 1/2, 0 jumps at +-1
        monotonic=ND,
        derivative_monotonic=ND,
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=Interval.open(-oo, -1),
        saturates=(True, False),
    ),
    "squareplus": _facts(
        range=Interval.open(0, oo),  # (x + sqrt(x^2 + 4))/2 = 2/(sqrt(x^2 + 4) - x) > 0, -> 0 at -oo
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=S.One,
        derivative_at_zero=R(1, 2),
        one_sided_derivatives_at_zero=(R(1, 2), R(1, 2)),
        continuity="Cinf",
        monotonic=INC,
        derivative_monotonic=INC,  # f'' = 2/(x^2 + 4)^(3/2) > 0
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, False),
    ),
    "exponential": _facts(
        range=Interval.open(0, oo),
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=S.One,
        derivative_at_zero=S.One,
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="Cinf",
        monotonic=INC,
        derivative_monotonic=INC,
        bounded=False,
        parity="neither",
        identity_near_origin=False,  # f(0) = 1
        zero_gradient_set=EmptySet,
        saturates=(True, False),
    ),
    "hard_tanh": _facts(
        range=Interval(-1, 1),
        limit_neg_inf=S.NegativeOne,
        limit_pos_inf=S.One,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="C0",  # kinks at -1 and 1
        monotonic=ND,
        derivative_monotonic=False,  # f' = 0, 1, 0
        bounded=True,
        parity="odd",
        identity_near_origin=True,  # f = x on (-1, 1)
        zero_gradient_set=Union(Interval.open(-oo, -1), Interval.open(1, oo)),
        saturates=(True, True),
    ),
    "soft_shrink": _facts(
        range=S.Reals,
        limit_neg_inf=-oo,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.Zero,
        one_sided_derivatives_at_zero=(S.Zero, S.Zero),  # dead zone (-1/2, 1/2)
        continuity="C0",  # kinks at +-1/2
        monotonic=ND,
        derivative_monotonic=False,  # f' = 1, 0, 1
        bounded=False,
        parity="odd",
        identity_near_origin=False,
        zero_gradient_set=Interval.open(-R(1, 2), R(1, 2)),
        saturates=(False, False),
    ),
    "hard_shrink": _facts(
        # f(+-1/2) = 0 (strict inequalities), so the outer pieces give open intervals
        range=Union(Interval.open(-oo, -R(1, 2)), FiniteSet(0), Interval.open(R(1, 2), oo)),
        limit_neg_inf=-oo,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.Zero,
        one_sided_derivatives_at_zero=(S.Zero, S.Zero),
        continuity="discontinuous",  # jumps of size 1/2 at +-1/2
        monotonic=ND,  # values < -1/2, then 0, then > 1/2
        derivative_monotonic=False,  # f' = 1, 0, 1 off +-1/2
        bounded=False,
        parity="odd",
        identity_near_origin=False,
        zero_gradient_set=Interval.open(-R(1, 2), R(1, 2)),
        saturates=(False, False),
    ),
    "tanh_shrink": _facts(
        range=S.Reals,
        limit_neg_inf=-oo,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.Zero,  # f' = tanh^2
        one_sided_derivatives_at_zero=(S.Zero, S.Zero),
        continuity="Cinf",
        monotonic=INC,  # f' = tanh^2 >= 0 with an isolated zero
        derivative_monotonic=False,  # tanh^2 decreases then increases
        bounded=False,
        parity="odd",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,  # the zero of f' at 0 is isolated
        saturates=(False, False),  # f' -> 1
    ),
    "threshold": _facts(
        range=Union(FiniteSet(0), Interval.open(1, oo)),  # 0 on x <= 1, x on x > 1
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.Zero,
        one_sided_derivatives_at_zero=(S.Zero, S.Zero),
        continuity="discontinuous",  # f(1) = 0, f(1+) = 1
        monotonic=ND,
        derivative_monotonic=ND,  # f' = 0 on x < 1, 1 on x > 1
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=Interval.open(-oo, 1),
        saturates=(True, False),
    ),
    "gaussian": _facts(
        range=Interval.Lopen(0, 1),
        limit_neg_inf=S.Zero,
        limit_pos_inf=S.Zero,
        value_at_zero=S.One,
        derivative_at_zero=S.Zero,
        one_sided_derivatives_at_zero=(S.Zero, S.Zero),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,  # f' = -2x e^(-x^2)
        bounded=True,
        parity="even",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,  # f'(0) = 0 is isolated
        saturates=(True, True),
    ),
    "sinusoid": _facts(
        range=Interval(-1, 1),
        limit_neg_inf=None,
        limit_pos_inf=None,  # sin oscillates
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,
        bounded=True,
        parity="odd",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(False, False),  # f' = cos has no limit
    ),
    "sinc": _facts(
        range=SINC_MIN,
        limit_neg_inf=S.Zero,
        limit_pos_inf=S.Zero,
        value_at_zero=S.One,
        derivative_at_zero=S.Zero,  # sinc is even and entire
        one_sided_derivatives_at_zero=(S.Zero, S.Zero),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,
        bounded=True,
        parity="even",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, True),  # f' = cos x/x - sin x/x^2 -> 0
    ),
    "bent_identity": _facts(
        range=S.Reals,
        limit_neg_inf=-oo,
        limit_pos_inf=oo,  # ~ x/2 at -oo, ~ 3x/2 at +oo
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,  # f' = 1 + x/(2 sqrt(x^2 + 1))
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="Cinf",
        monotonic=INC,
        derivative_monotonic=INC,  # f'' = 1/(2 (x^2 + 1)^(3/2)) > 0
        bounded=False,
        parity="neither",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(False, False),  # f' -> 1/2 and 3/2
    ),
    "isrlu": _facts(
        range=Interval.open(-1, oo),
        limit_neg_inf=S.NegativeOne,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,
        one_sided_derivatives_at_zero=(S.One, S.One),
        # x/sqrt(1 + x^2) = x - x^3/2 + ...: f'' -> 0 from both sides, f''' is -3 on the left, 0 on the right
        continuity="C2",
        monotonic=INC,
        derivative_monotonic=ND,  # (1 + x^2)^(-3/2) rises to 1 on x < 0, then 1
        bounded=False,
        parity="neither",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(True, False),
    ),
    "elish": _facts(
        # on x < 0, with t = e^x: (t^2 - t)/(1 + t), minimal at t = sqrt2 - 1 with value 2 sqrt2 - 3
        range=Interval(2 * sqrt(2) - 3, oo),
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=R(1, 2),  # left: e^0 s(0) + 0 = 1/2; right: s(0) = 1/2
        one_sided_derivatives_at_zero=(R(1, 2), R(1, 2)),
        continuity="C1",  # f''(0-) = 1/2 + 2/4 = 1, f''(0+) = 2 s'(0) = 1/2
        monotonic=False,
        derivative_monotonic=False,
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, False),
    ),
}

#: The points where each activation is not C-infinity (kinks and jumps), exact.
KINKS: dict[str, tuple[Any, ...]] = {
    "binary_step": (S.Zero,),
    "hard_sigmoid": (S(-3), S(3)),
    "sparse_sigmoid": (S(-1), S(1)),
    "softsign": (S.Zero,),
    "relu": (S.Zero,),
    "relu6": (S.Zero, S(6)),
    "leaky_relu": (S.Zero,),
    "prelu": (S.Zero,),
    "rrelu": (S.Zero,),
    "elu": (S.Zero,),
    "selu": (S.Zero,),
    "celu": (S.Zero,),
    "hard_silu": (S(-3), S(3)),
    "sparse_plus": (S(-1), S(1)),
    "hard_tanh": (S(-1), S(1)),
    "soft_shrink": (-R(1, 2), R(1, 2)),
    "hard_shrink": (-R(1, 2), R(1, 2)),
    "threshold": (S.One,),
    "isrlu": (S.Zero,),
    "elish": (S.Zero,),
}

#: How far out (|x| <=) f's values are resolvable at :data:`DPS` digits, where it is not 20:
#: the checkers ask strict inequalities (open range ends, strict monotonicity) only there.
#: erf(x) is 1 - 1e-45 already at x = 10.
STRICT_WINDOW: dict[str, float] = {}

#: Where the finite closed ends of each range are attained (extra sample points).
SPECIAL_POINTS: dict[str, tuple[Any, ...]] = {
    "binary_step": (S(-1), S.Zero),
    "silu": (-1 - LambertW(exp(-1)),),
    "hard_silu": (-R(3, 2),),
    "sparse_plus": (S(-1),),
    "sinusoid": (-pi / 2, pi / 2),
    "elish": (log(sqrt(2) - 1),),
    "gelu": GELU_MIN.at,
    "gelu_tanh": GELU_TANH_MIN.at,
    "mish": MISH_MIN.at,
    "sinc": SINC_MIN.at,
}


# ----------------------------------------------------------------------------------------
# An mpmath evaluator for SymPy definitions, independent of symact's analysis.
# ----------------------------------------------------------------------------------------


def _to_mpf(value: Any) -> mpmath.mpf:
    if isinstance(value, str):
        return mpmath.mpf(value)
    if isinstance(value, mpmath.mpf):
        return value
    value = sympy.sympify(value)
    if isinstance(value, sympy.Rational):
        return mpmath.mpf(int(value.p)) / int(value.q)
    return mpmath.mpf(sympy.N(value, mpmath.mp.dps + 10))


#: Below this, e^a (< 10^-4e6) is taken as 0: far below every tolerance of the checkers, and mpmath
#: would need |a|'s digits of log 2 to compute it (exp(-exp(1e8)) in the Gompertz rows never returns).
EXP_FLUSH = -(10**7)


def _exp(a: Any) -> Any:
    return mpmath.mpf(0) if a < EXP_FLUSH else mpmath.exp(a)


_UNARY: dict[type, Callable[[Any], Any]] = {
    sympy.exp: _exp,
    sympy.log: mpmath.log,
    sympy.tanh: mpmath.tanh,
    sympy.sinh: mpmath.sinh,
    sympy.cosh: mpmath.cosh,
    sympy.sech: mpmath.sech,
    sympy.sin: mpmath.sin,
    sympy.cos: mpmath.cos,
    sympy.tan: mpmath.tan,
    sympy.atan: mpmath.atan,
    sympy.erf: mpmath.erf,
    sympy.Abs: abs,
    sympy.sinc: lambda t: mpmath.mpf(1) if t == 0 else mpmath.sin(t) / t,
    sympy.sign: lambda t: mpmath.mpf((t > 0) - (t < 0)),
}


def compile_mp(expr: sympy.Basic, var: sympy.Symbol | None = None) -> Callable[[Any], Any]:
    """A function t -> expr(t) evaluated with mpmath at the current working precision.

    Raises:
        NotImplementedError: for a node it does not know.
    """
    if var is None:
        from symact import x as var  # the catalog's variable

    def build(e: sympy.Basic) -> Callable[[Any], Any]:
        if e == var:
            return lambda t: t
        if isinstance(e, sympy.Rational):
            p, q = int(e.p), int(e.q)
            return lambda t: mpmath.mpf(p) / q
        if e is S.Pi:
            return lambda t: +mpmath.pi
        if e is S.Exp1:
            return lambda t: +mpmath.e
        if e is S.true:
            return lambda t: True
        if e is S.false:
            return lambda t: False
        if isinstance(e, sympy.Add):
            fs = [build(a) for a in e.args]
            return lambda t: mpmath.fsum(f(t) for f in fs)
        if isinstance(e, sympy.Mul):
            fs = [build(a) for a in e.args]

            def mul(t: Any) -> Any:
                r = mpmath.mpf(1)
                for f in fs:
                    r *= f(t)
                return r

            return mul
        if isinstance(e, sympy.Pow):
            fb, ex = build(e.base), e.exp
            if ex == S.Half:
                return lambda t: mpmath.sqrt(fb(t))
            if isinstance(ex, sympy.Integer):
                n = int(ex)
                return lambda t: fb(t) ** n
            fe = build(ex)
            return lambda t: mpmath.power(fb(t), fe(t))
        if isinstance(e, sympy.LambertW) and len(e.args) == 1:
            f = build(e.args[0])
            return lambda t: mpmath.lambertw(f(t)).real
        if isinstance(e, sympy.Heaviside):
            f = build(e.args[0])
            h0 = build(e.args[1]) if len(e.args) > 1 else (lambda t: mpmath.mpf(1) / 2)

            def step(t: Any) -> Any:
                a = f(t)
                return mpmath.mpf(1) if a > 0 else (mpmath.mpf(0) if a < 0 else h0(t))

            return step
        if isinstance(e, (sympy.Max, sympy.Min)):
            fs = [build(a) for a in e.args]
            pick = max if isinstance(e, sympy.Max) else min
            return lambda t: pick(f(t) for f in fs)
        if isinstance(e, sympy.Piecewise):
            pairs = [(build(piece), build(cond)) for piece, cond in e.args]

            def pw(t: Any) -> Any:
                for f, c in pairs:
                    if c(t):
                        return f(t)
                raise ValueError("Piecewise undefined here")

            return pw
        if isinstance(e, sympy.core.relational.Relational):
            fl, fr = build(e.lhs), build(e.rhs)
            op = {
                "<": lambda a, b: a < b,
                "<=": lambda a, b: a <= b,
                ">": lambda a, b: a > b,
                ">=": lambda a, b: a >= b,
                "==": lambda a, b: a == b,
                "!=": lambda a, b: a != b,
            }[e.rel_op]
            return lambda t: op(fl(t), fr(t))
        if isinstance(e, sympy.And):
            fs = [build(a) for a in e.args]
            return lambda t: all(f(t) for f in fs)
        if isinstance(e, sympy.Or):
            fs = [build(a) for a in e.args]
            return lambda t: any(f(t) for f in fs)
        if isinstance(e, sympy.Not):
            f = build(e.args[0])
            return lambda t: not f(t)
        if isinstance(e, sympy.Function) and type(e) in _UNARY and len(e.args) == 1:
            g, f = _UNARY[type(e)], build(e.args[0])
            return lambda t: g(f(t))
        if e.is_number:
            return lambda t: _to_mpf(e)
        raise NotImplementedError(f"compile_mp: cannot evaluate {type(e).__name__}: {e}")

    return build(sympy.sympify(expr))


def eval_sympy(expr: sympy.Basic, t: Any) -> mpmath.mpf:
    """expr at the exact point t (a SymPy number or an mpf), through SymPy's own evalf."""
    from symact import x as var

    point = sympy.Rational(*_mpf_ratio(t)) if isinstance(t, mpmath.mpf) else sympy.sympify(t)
    value = sympy.N(sympy.sympify(expr).subs(var, point), mpmath.mp.dps + 5)
    if not value.is_number or not value.is_real:
        raise ValueError(f"{expr} at {point} is not a real number: {value}")
    return mpmath.mpf(value)


def _mpf_ratio(t: mpmath.mpf) -> tuple[int, int]:
    man, ex = mpmath.mpf(t).man_exp
    man = int(man)
    ex = int(ex)
    return (man * 2**ex, 1) if ex >= 0 else (man, 2 ** (-ex))


# ----------------------------------------------------------------------------------------
# Sample points.
# ----------------------------------------------------------------------------------------


def base_grid() -> list[Any]:
    """Exact sample points: k/4 on [-50, 50], +-{1, 2, 5} 10^k up to 10^6, and some irrational-ish offsets."""
    pts: list[Any] = [R(k, 4) for k in range(-200, 201)]
    pts += [R(k, 7) + R(1, 13) for k in range(-70, 71, 3)]
    for e in range(2, 7):
        for m in (1, 2, 5):
            if m * 10**e <= 10**6:
                pts += [S(m * 10**e), S(-m * 10**e)]
    return pts


def sample_points(name: str) -> list[Any]:
    """The base grid plus the kinks, points 1e-7 either side of them, and the special points."""
    pts = list(base_grid())
    for k in KINKS.get(name, ()):
        pts += [k, k - R(1, 10**7), k + R(1, 10**7)]
    pts += [mpmath.mpf(p) if isinstance(p, str) else p for p in SPECIAL_POINTS.get(name, ())]
    return pts


def sorted_values(f: Callable[[Any], Any], points: Iterable[Any]) -> list[tuple[mpmath.mpf, mpmath.mpf]]:
    """(t, f(t)) sorted by t, evaluated at the current precision."""
    out = []
    for p in points:
        t = _to_mpf(p)
        out.append((t, f(t)))
    out.sort(key=lambda tv: tv[0])
    return out


# ----------------------------------------------------------------------------------------
# Comparing a library value with an expected cell.
# ----------------------------------------------------------------------------------------

OK, WRONG, UNKNOWN = "ok", "wrong", "unknown"


def _is_unknown(value: Any) -> bool:
    from symact import Unknown

    return isinstance(value, Unknown)


def _bool_of(value: Any) -> bool | None:
    if value is True or value is S.true:
        return True
    if value is False or value is S.false:
        return False
    return None


def same_number(expected: Any, actual: Any) -> bool:
    """Exact equality of two SymPy numbers (``None`` equals only ``None``)."""
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(actual, (bool, sympy.logic.boolalg.BooleanAtom)):
        return False
    try:
        a, b = sympy.sympify(expected), sympy.sympify(actual)
    except (sympy.SympifyError, TypeError):
        return False
    if not isinstance(b, sympy.Expr) or b.free_symbols:
        return False
    if a.is_infinite or b.is_infinite:
        return a == b
    if a.has(sympy.Float) != b.has(sympy.Float) and not a.has(sympy.Float):
        return False  # an exact fact must come back exact
    if a == b:
        return True
    try:
        diff = sympy.simplify(a - b)
    except FAILURES:  # pragma: no cover - simplify failures
        diff = a - b
    if diff == 0:
        return True
    # A closed form SymPy cannot simplify to 0: decide at 60 digits (50-digit agreement).
    try:
        d = sympy.N(diff, 60)
        return bool(d.is_number and abs(d) < sympy.Float("1e-50"))
    except FAILURES:  # pragma: no cover
        return False


def _num_close(expected_digits: str, actual: Any, digits: int = 30) -> bool:
    try:
        b = sympy.N(sympy.sympify(actual), 60)
    except (sympy.SympifyError, *FAILURES):  # pragma: no cover
        return False
    if not b.is_number or not b.is_finite:
        return False
    with mpmath.workdps(60):
        return abs(mpmath.mpf(expected_digits) - mpmath.mpf(b)) <= mpmath.mpf(10) ** (-digits)


Component = tuple[Any, Any, bool, bool]  # (start, end, left_open, right_open)


def set_components(s: Any) -> list[Component] | None:
    """A set as a sorted list of disjoint, non-adjacent intervals (points as [p, p]); None if not decomposable."""
    if not isinstance(s, sympy.Set):
        return None
    if s is S.EmptySet:
        return []
    if isinstance(s, Interval):  # includes S.Reals
        return [(s.start, s.end, bool(s.left_open), bool(s.right_open))]
    if isinstance(s, FiniteSet):
        if any(not sympy.sympify(p).is_real for p in s):
            return None
        comps: list[Component] = [(p, p, False, False) for p in s]
    elif isinstance(s, Union):
        comps = []
        for a in s.args:
            c = set_components(a)
            if c is None:
                return None
            comps += c
    else:
        return None
    try:
        comps.sort(key=lambda c: (float(sympy.N(c[0], 30)), c[2]))
    except TypeError:
        return None
    merged: list[Component] = []
    for c in comps:
        if merged:
            s0, e0, lo0, ro0 = merged[-1]
            s1, e1, lo1, ro1 = c
            gap = sympy.N(s1 - e0, 30) if not (e0.is_infinite or s1.is_infinite) else (oo if e0 == -oo else -oo)
            if gap < 0 or (gap == 0 and not (ro0 and lo1)):
                # overlapping or touching with the point covered: merge
                if e1 == oo or (e0 != oo and sympy.N(e1 - e0, 30) > 0):
                    merged[-1] = (s0, e1, lo0, ro1)
                elif e0 != oo and sympy.N(e1 - e0, 30) == 0:
                    merged[-1] = (s0, e0, lo0, ro0 and ro1)
                continue
        merged.append(c)
    return merged


def _same_end(expected: Any, actual: Any) -> bool:
    return same_number(expected, actual)


def compare_set(expected: Any, actual: Any) -> tuple[str, str]:
    if not isinstance(actual, sympy.Set):
        return WRONG, f"expected a SymPy set, got {actual!r}"
    if isinstance(expected, NumericMin):
        ca = set_components(actual)
        if ca is None or len(ca) != 1:
            return (
                WRONG,
                f"expected [{expected.digits}..., {expected.sup}{']' if expected.sup_attained else ')'}, got {actual}",
            )
        start, end, lo, ro = ca[0]
        if not _num_close(expected.digits, start):
            return WRONG, f"lower end {start} differs from {expected.digits} in the first 30 digits"
        if lo != (not expected.attained):
            return WRONG, f"lower end should be {'closed' if expected.attained else 'open'}: {actual}"
        if not (_num_close(expected.sup, end) if isinstance(expected.sup, str) else _same_end(expected.sup, end)):
            return WRONG, f"upper end {end} != {expected.sup}"
        if ro != (not expected.sup_attained):
            return WRONG, f"upper end should be {'closed' if expected.sup_attained else 'open'}: {actual}"
        return OK, ""
    ce, ca = set_components(expected), set_components(actual)
    if ce is not None and ca is not None:
        if len(ce) != len(ca):
            return WRONG, f"expected {expected}, got {actual}"
        for (s0, e0, lo0, ro0), (s1, e1, lo1, ro1) in zip(ce, ca):
            if not (_same_end(s0, s1) and _same_end(e0, e1) and lo0 == lo1 and ro0 == ro1):
                return WRONG, f"expected {expected}, got {actual}"
        return OK, ""
    try:
        sd = expected.symmetric_difference(actual)
        if sd.is_empty is True:
            return OK, ""
        if sd.is_empty is False:
            return WRONG, f"expected {expected}, got {actual}"
    except FAILURES:  # pragma: no cover - SymPy cannot compare the sets: undecided, reported below
        pass
    return WRONG, f"cannot show {actual} equals the expected {expected}"


def compare_cell(field: str, expected: Any, actual: Any) -> tuple[str, str]:
    """(``OK``|``WRONG``|``UNKNOWN``, detail) for one library value against the expected cell."""
    if _is_unknown(actual):
        return UNKNOWN, f"{actual!r}"
    if field in ("range", "zero_gradient_set"):
        return compare_set(expected, actual)
    if isinstance(expected, tuple):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(expected):
            return WRONG, f"expected a pair {expected}, got {actual!r}"
        unknown = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            if _is_unknown(a):
                unknown.append(f"[{i}] {a!r}")
                continue
            status, detail = compare_cell(field, e, a)
            if status == WRONG:
                return WRONG, f"expected {expected}, got {actual!r} ({detail})"
        if unknown:
            return UNKNOWN, "; ".join(unknown)
        return OK, ""
    if isinstance(expected, bool):
        got = _bool_of(actual)
        return (OK, "") if got is expected else (WRONG, f"expected {expected}, got {actual!r}")
    if isinstance(expected, str):
        return (
            (OK, "")
            if isinstance(actual, str) and actual == expected
            else (WRONG, f"expected {expected!r}, got {actual!r}")
        )
    if expected is None or isinstance(expected, sympy.Basic):
        if _bool_of(actual) is not None:
            return WRONG, f"expected {expected}, got {actual!r}"
        return (OK, "") if same_number(expected, actual) else (WRONG, f"expected {expected}, got {actual!r}")
    raise TypeError(f"unexpected oracle cell {expected!r}")  # pragma: no cover


# ----------------------------------------------------------------------------------------
# The library's properties, computed once per activation and shared by both test modules.
# ----------------------------------------------------------------------------------------

_PROPS: dict[str, Any] = {}


def library_properties(name: str) -> Any:
    """``symact.get(name).properties()``, cached."""
    if name not in _PROPS:
        import symact

        _PROPS[name] = symact.get(name).properties()
    return _PROPS[name]


# ----------------------------------------------------------------------------------------
# Numeric checkers: does a claimed value of a field agree with mpmath evaluation of f?
# Each raises AssertionError with the evidence when it does not.
# ----------------------------------------------------------------------------------------

DPS = 40


#: Definitions of oracle rows that are not catalog activations, by name (the literature set,
#: ``literature_facts.py``, registers its rows here, with their kinks and special points in
#: :data:`KINKS` and :data:`SPECIAL_POINTS`); every other name is a catalog activation.
EXPRESSIONS: dict[str, sympy.Expr] = {}


def expression(name: str) -> sympy.Expr:
    """The exact definition of an oracle row: a registered one, else the catalog's."""
    if name in EXPRESSIONS:
        return EXPRESSIONS[name]
    import symact

    return symact.get(name).expr


#: Guard digits for the registered rows: their definitions may cancel (``x/(exp(x) - 1)`` near 0
#: loses 20 digits at x = 1e-20), so they are evaluated this much above the working precision.
GUARD_DPS = 40


def _f(name: str) -> Callable[[Any], Any]:
    f = compile_mp(expression(name))
    if name not in EXPRESSIONS:
        return f

    def guarded(t: Any) -> Any:
        with mpmath.extradps(GUARD_DPS):
            v = f(t)
        return +v

    return guarded


def _range_ends(claim: Any) -> tuple[list[Component], list[tuple[mpmath.mpf, bool]]]:
    """Components with numeric ends, and the finite ends (value, closed?)."""
    if isinstance(claim, NumericMin):
        comps = [
            (
                claim.value(),
                _to_mpf(claim.sup) if claim.sup != oo else mpmath.inf,
                not claim.attained,
                not claim.sup_attained,
            )
        ]
    else:
        raw = set_components(claim)
        assert raw is not None, f"cannot read the range {claim}"
        comps = [(_end(s), _end(e), lo, ro) for s, e, lo, ro in raw]
    ends: list[tuple[mpmath.mpf, bool]] = []
    for s, e, lo, ro in comps:
        if s != -mpmath.inf:
            ends.append((s, not lo))
        if e != mpmath.inf and s != e:
            ends.append((e, not ro))
    return comps, ends


def _end(v: Any) -> mpmath.mpf:
    v = sympy.sympify(v)
    if v == oo:
        return mpmath.inf
    if v == -oo:
        return -mpmath.inf
    return _to_mpf(v)


def check_range(name: str, claim: Any, extra_points: Sequence[Any] = ()) -> None:
    """Every sample lies in the claimed range; every finite end is approached (closed ends: hit)."""
    f = _f(name)
    with mpmath.workdps(DPS):
        tol = mpmath.mpf(10) ** -30
        comps, ends = _range_ends(claim)
        vals = sorted_values(f, list(sample_points(name)) + list(extra_points))
        for t, v in vals:
            inside = False
            for s, e, lo, ro in comps:
                if abs(t) <= STRICT_WINDOW.get(name, 20):  # values resolvable at 40 digits: open ends are strict
                    ok_lo = (v > s) if lo else (v >= s - tol)
                    ok_hi = (v < e) if ro else (v <= e + tol)
                else:
                    ok_lo, ok_hi = v >= s - tol, v <= e + tol
                if ok_lo and ok_hi:
                    inside = True
                    break
            assert inside, f"{name}({mpmath.nstr(t, 20)}) = {mpmath.nstr(v, 25)} is outside the range {claim}"
        for end, closed in ends:
            # a closed end is attained at a finite point: look for it among samples with |t| <= 50
            near = [v for t, v in vals if abs(t) <= 50] if closed else [v for _, v in vals]
            dist = min(abs(v - end) for v in near)
            bound = mpmath.mpf(10) ** -25 if closed else mpmath.mpf(10) ** -5
            assert dist <= bound, (
                f"{'closed' if closed else 'open'} range end {mpmath.nstr(end, 20)} of {name} is not "
                f"{'attained' if closed else 'approached'} by the samples (closest {mpmath.nstr(dist, 5)})"
            )


def check_limit(name: str, side: int, claim: Any) -> None:
    """The claimed limit at side*oo agrees with f at large |x| (None: f keeps oscillating)."""
    f = _f(name)
    with mpmath.workdps(DPS):
        X = side * mpmath.mpf(10) ** 8
        if claim is None:
            vals = [f(X + k / mpmath.mpf(4)) for k in range(40)]
            far = [f(side * mpmath.mpf(10) ** 12 + k / mpmath.mpf(4)) for k in range(40)]
            assert max(vals) - min(vals) > 0.1 and max(far) - min(far) > 0.1, f"{name} seems to converge at {side}*oo"
            return
        c = sympy.sympify(claim)
        if c == oo or c == -oo:
            sgn = 1 if c == oo else -1
            assert sgn * f(X) > 10**4, f"{name}({mpmath.nstr(X, 5)}) = {mpmath.nstr(f(X), 10)} does not tend to {c}"
            assert sgn * f(X) > sgn * f(X / 10**4), f"{name} does not grow towards {c}"
            return
        L = _to_mpf(c)
        for Y in (X, 10 * X):
            assert abs(f(Y) - L) < mpmath.mpf(10) ** -6, (
                f"|{name}({mpmath.nstr(Y, 5)}) - {c}| = {mpmath.nstr(abs(f(Y) - L), 5)}"
            )


def check_value_at_zero(name: str, claim: Any) -> None:
    f = _f(name)
    with mpmath.workdps(DPS):
        assert abs(f(mpmath.mpf(0)) - _to_mpf(claim)) < mpmath.mpf(10) ** -35, (
            f"{name}(0) = {f(mpmath.mpf(0))} != {claim}"
        )


def _one_sided(f: Callable[[Any], Any], p: mpmath.mpf, n: int, direction: int) -> mpmath.mpf:
    return mpmath.diff(f, p, n, direction=direction)


def check_one_sided_derivatives(name: str, claim: Any) -> None:
    """Each claimed one-sided derivative at 0 matches a one-sided difference; None: the quotient blows up."""
    f = _f(name)
    with mpmath.workdps(DPS):
        for direction, c in zip((-1, 1), claim):
            h = direction * mpmath.mpf(10) ** -20
            q = (f(h) - f(mpmath.mpf(0))) / h
            if c is None:
                # no limit: the quotient blows up, or keeps oscillating (x sin(1/x)) as h -> 0
                qs = [
                    (f(h * (1 + mpmath.mpf(k) / 7)) - f(mpmath.mpf(0))) / (h * (1 + mpmath.mpf(k) / 7))
                    for k in range(8)
                ]
                assert abs(q) > 10**10 or max(qs) - min(qs) > mpmath.mpf(1) / 10, (
                    f"{name}: the {'left' if direction < 0 else 'right'} quotient converges to {q}"
                )
            else:
                d = _one_sided(f, mpmath.mpf(0), 1, direction)
                assert abs(d - _to_mpf(c)) < mpmath.mpf(10) ** -15, f"{name}: one-sided derivative {d} != {c}"
                assert abs(q - _to_mpf(c)) < mpmath.mpf(10) ** -15, f"{name}: one-sided quotient {q} != {c}"


def check_derivative_at_zero(name: str, claim: Any) -> None:
    f = _f(name)
    with mpmath.workdps(DPS):
        h = mpmath.mpf(10) ** -20
        left = (f(mpmath.mpf(0)) - f(-h)) / h
        right = (f(h) - f(mpmath.mpf(0))) / h
        if claim is None:
            assert abs(left - right) > 10**-6, f"{name}: both one-sided quotients are {left}: differentiable at 0"
        else:
            c = _to_mpf(claim)
            assert abs(left - c) < 10**-15 and abs(right - c) < 10**-15, f"{name}: quotients {left}, {right} != {claim}"


def smoothness_order_at(f: Callable[[Any], Any], p: Any, max_order: int = 4) -> int:
    """-1 if f jumps at p, else the largest k <= max_order with f^(0..k) continuous at p (numerically)."""
    with mpmath.workdps(DPS):
        p = _to_mpf(p)
        h = mpmath.mpf(10) ** -30
        if abs(f(p - h) - f(p)) > 10**-20 or abs(f(p + h) - f(p)) > 10**-20:
            return -1
        for n in range(1, max_order + 1):
            left = _one_sided(f, p, n, -1)
            right = _one_sided(f, p, n, 1)
            if abs(left - right) > mpmath.mpf(10) ** -8 * max(1, abs(left)):
                return n - 1
        return max_order


def check_continuity(name: str, claim: Any) -> None:
    """The claimed class agrees with the jumps of f^(n) at the (oracle's) kinks; smooth pieces elsewhere."""
    f = _f(name)
    kinks = KINKS.get(name, ())
    orders = [smoothness_order_at(f, k) for k in kinks]
    order = min(orders) if orders else math.inf
    expected = "discontinuous" if order == -1 else ("Cinf" if order == math.inf else f"C{order}")
    if order == 4:
        expected = "C4+"
    assert claim == expected, f"{name}: numerically {expected} (orders {orders} at {kinks}), claimed {claim}"


def _mono_verdict(vals: Sequence[tuple[Any, Any]], strict_window: float = 20) -> dict[str, bool]:
    """Sample evidence about monotonicity."""
    tol = mpmath.mpf(10) ** -30
    up = down = False  # a resolvable strict increase / decrease somewhere
    weak_inc = weak_dec = True
    strict_inc = strict_dec = True
    for (t0, v0), (t1, v1) in itertools.pairwise(vals):
        if t1 == t0:
            continue
        d = v1 - v0
        if d > tol:
            up = True
        if d < -tol:
            down = True
        if d < -tol:
            weak_inc = False
        if d > tol:
            weak_dec = False
        if abs(t0) <= strict_window and abs(t1) <= strict_window:
            if not d > 0:
                strict_inc = False
            if not d < 0:
                strict_dec = False
    return {
        "up": up,
        "down": down,
        "weak_inc": weak_inc,
        "weak_dec": weak_dec,
        "strict_inc": strict_inc,
        "strict_dec": strict_dec,
    }


def _check_mono_claim(what: str, claim: Any, vals: Sequence[tuple[Any, Any]], strict_window: float = 20) -> None:
    ev = _mono_verdict(vals, strict_window)
    if claim == "increasing":
        assert ev["weak_inc"] and ev["strict_inc"], f"{what} is not strictly increasing on the samples"
    elif claim == "non-decreasing":
        assert ev["weak_inc"], f"{what} decreases somewhere on the samples"
        assert ev["up"], f"{what} is constant on the samples, not merely non-decreasing"
        assert not ev["strict_inc"], f"{what} looks strictly increasing, not merely non-decreasing"
    elif claim == "decreasing":
        assert ev["weak_dec"] and ev["strict_dec"], f"{what} is not strictly decreasing on the samples"
    elif claim == "non-increasing":
        assert ev["weak_dec"], f"{what} increases somewhere on the samples"
        assert ev["down"], f"{what} is constant on the samples, not merely non-increasing"
        assert not ev["strict_dec"], f"{what} looks strictly decreasing"
    elif claim == "constant":
        assert not ev["up"] and not ev["down"], f"{what} is not constant on the samples"
    elif claim is False:
        assert ev["up"] and ev["down"], f"{what} looks monotone on the samples, claimed not monotone"
    else:
        raise AssertionError(f"{what}: unexpected monotonicity claim {claim!r}")


def check_monotonic(name: str, claim: Any) -> None:
    f = _f(name)
    with mpmath.workdps(DPS):
        vals = sorted_values(f, sample_points(name))
        _check_mono_claim(f"{name}", claim, vals, STRICT_WINDOW.get(name, 20))


def derivative_samples(name: str, spacing: int = 2) -> list[tuple[mpmath.mpf, mpmath.mpf]]:
    """(t, f'(t)) by mpmath.diff at grid points at least 1e-3 from the kinks, sorted."""
    f = _f(name)
    kinks = [_to_mpf(k) for k in KINKS.get(name, ())]
    pts = [R(k, spacing) for k in range(-50 * spacing, 50 * spacing + 1)]
    pts += [R(k, 7) + R(1, 13) for k in range(-70, 71, 3)]
    for e in range(2, 7):
        pts += [S(10**e), S(-(10**e)), S(3 * 10**e), S(-3 * 10**e)]
    for k in KINKS.get(name, ()):
        pts += [k - R(1, 100), k + R(1, 100)]
    out = []
    with mpmath.workdps(DPS):
        for p in pts:
            t = _to_mpf(p)
            if any(abs(t - k) < mpmath.mpf(10) ** -3 for k in kinks):
                continue
            out.append((t, mpmath.diff(f, t)))
    out.sort(key=lambda tv: tv[0])
    return out


def check_derivative_monotonic(name: str, claim: Any) -> None:
    with mpmath.workdps(DPS):
        _check_mono_claim(f"{name}'", claim, derivative_samples(name))


def check_parity(name: str, claim: Any) -> None:
    f = _f(name)
    with mpmath.workdps(DPS):
        odd_gap = even_gap = mpmath.mpf(0)
        for p in base_grid():
            t = _to_mpf(p)
            if t <= 0:
                continue
            a, b = f(t), f(-t)
            scale = max(1, abs(a))
            odd_gap = max(odd_gap, abs(a + b) / scale)
            even_gap = max(even_gap, abs(a - b) / scale)
        tol = mpmath.mpf(10) ** -30
        verdict = "odd" if odd_gap <= tol else ("even" if even_gap <= tol else "neither")
        # f(0) matters for oddness too
        if verdict == "odd" and abs(f(mpmath.mpf(0))) > tol:
            verdict = "neither"
        assert claim == verdict, (
            f"{name}: samples say {verdict} (odd gap {mpmath.nstr(odd_gap, 5)}, even gap {mpmath.nstr(even_gap, 5)}), claimed {claim}"
        )


def check_bounded(name: str, claim: Any, range_claim: Any = None) -> None:
    f = _f(name)
    with mpmath.workdps(DPS):
        biggest = max(abs(v) for _, v in sorted_values(f, sample_points(name)))
    if claim is True:
        assert biggest <= 10, f"{name}: |f| reaches {mpmath.nstr(biggest, 5)} on the samples"
    else:
        assert biggest >= 10**5, f"{name}: |f| <= {mpmath.nstr(biggest, 5)} on samples up to 1e6, claimed unbounded"
    if range_claim is not None and not _is_unknown(range_claim):
        comps, _ = _range_ends(range_claim)
        finite = comps[0][0] != -mpmath.inf and comps[-1][1] != mpmath.inf
        assert finite == claim, f"{name}: bounded={claim} disagrees with the range {range_claim}"


def check_identity_near_origin(name: str, claim: Any) -> None:
    f = _f(name)
    with mpmath.workdps(DPS):
        zero = mpmath.mpf(0)
        tol = mpmath.mpf(10) ** -12
        f0_ok = abs(f(zero)) < tol
        d_ok = all(abs(_one_sided(f, zero, 1, s) - 1) < tol for s in (-1, 1))
        # f' continuous at 0: f' near 0 (both sides) tends to 1
        cont_ok = all(abs(mpmath.diff(f, s * mpmath.mpf(10) ** -15) - 1) < 10**-10 for s in (-1, 1))
        verdict = bool(f0_ok and d_ok and cont_ok)
    assert claim is verdict, f"{name}: f(0)=0 {f0_ok}, f'(0)=1 {d_ok}, f' continuous {cont_ok}; claimed {claim}"


def check_zero_gradient_set(name: str, claim: Any) -> None:
    """f' = 0 (numerically exactly) on samples inside the claimed set; f' not identically 0 near samples outside."""
    f = _f(name)
    comps = set_components(claim)
    assert comps is not None, f"cannot read {claim}"
    assert all(lo and ro and s != e for s, e, lo, ro in comps), f"{claim} is not a union of open intervals"
    kinks = [_to_mpf(k) for k in KINKS.get(name, ())]
    with mpmath.workdps(DPS):
        ncomps = [(_end(s), _end(e)) for s, e, _, _ in comps]
        for p in base_grid():
            t = _to_mpf(p)
            # |t| <= 8: beyond, e.g. 1 + tanh(u) in gelu_tanh cancels below 40 digits
            if abs(t) > 8 or any(abs(t - k) < mpmath.mpf(10) ** -3 for k in kinks):
                continue
            inside = any(s < t < e for s, e in ncomps)
            d = mpmath.diff(f, t)
            if inside:
                assert abs(d) < mpmath.mpf(10) ** -30, (
                    f"{name}'({mpmath.nstr(t, 10)}) = {mpmath.nstr(d, 10)} inside {claim}"
                )
            else:
                d2 = mpmath.diff(f, t + mpmath.mpf(10) ** -4)
                assert abs(d) > 0 or abs(d2) > 0, f"{name}' vanishes near {mpmath.nstr(t, 10)}, outside {claim}"


def check_saturates(name: str, claim: Any) -> None:
    f = _f(name)
    with mpmath.workdps(DPS):
        for side, c in zip((-1, 1), claim):
            ds = [abs(mpmath.diff(f, side * mpmath.mpf(10) ** 8 + k)) for k in (0, 0.5, 1.25, 2, 3.5)]
            if c:
                assert max(ds) < mpmath.mpf(10) ** -6, f"{name}: |f'| ~ {mpmath.nstr(max(ds), 5)} at {side}*1e8"
            else:
                assert max(ds) > mpmath.mpf(10) ** -3, f"{name}: |f'| <= {mpmath.nstr(max(ds), 5)} at {side}*1e8"


def check_field(name: str, field: str, claim: Any, context: dict[str, Any] | None = None) -> None:
    """Dispatch one field's numeric check (``context`` may carry the claimed range for ``bounded``)."""
    context = context or {}
    if field == "range":
        check_range(name, claim, context.get("extra_points", ()))
    elif field == "limit_neg_inf":
        check_limit(name, -1, claim)
    elif field == "limit_pos_inf":
        check_limit(name, 1, claim)
    elif field == "value_at_zero":
        check_value_at_zero(name, claim)
    elif field == "derivative_at_zero":
        check_derivative_at_zero(name, claim)
    elif field == "one_sided_derivatives_at_zero":
        check_one_sided_derivatives(name, claim)
    elif field == "continuity":
        check_continuity(name, claim)
    elif field == "monotonic":
        check_monotonic(name, claim)
    elif field == "derivative_monotonic":
        check_derivative_monotonic(name, claim)
    elif field == "bounded":
        check_bounded(name, claim, context.get("range"))
    elif field == "parity":
        check_parity(name, claim)
    elif field == "identity_near_origin":
        check_identity_near_origin(name, claim)
    elif field == "zero_gradient_set":
        check_zero_gradient_set(name, claim)
    elif field == "saturates":
        check_saturates(name, claim)
    else:  # pragma: no cover
        raise KeyError(field)
