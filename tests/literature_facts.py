"""The literature set: activations from papers (none of them in the catalog), with expected facts.

Every cell was derived by hand from the mathematics of the definition below (never printed by
symact) and is re-checked numerically with mpmath at 40 digits by
``test_literature.py::test_literature_table_is_self_consistent``, with the checkers of
``known_facts.py`` (same conventions, see that module's docstring). A range end with no closed
form is a :class:`known_facts.NumericMin` whose digits come from ``mpmath.findroot`` on the
derivative at 60 digits (re-derived in ``test_literature_minima_digits``).

Each row names its source. Parameters of parametric families are fixed at exact rationals.
The rows marked "issue 13" are the failures the issue lists (a few of them are papers too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy
from sympy import (
    E,
    EmptySet,
    Interval,
    LambertW,
    Max,
    Min,
    Ne,
    Piecewise,
    S,
    Union,
    cos,
    cosh,
    erf,
    exp,
    log,
    oo,
    pi,
    sin,
    sqrt,
    tanh,
)

from symact import x

try:  # tests/ on sys.path (rootdir-relative import, no tests/__init__.py)
    import known_facts as K
except ImportError:  # pragma: no cover - tests/ is a package
    from tests import known_facts as K

R = sympy.Rational
ND, INC = K.ND, K.INC


@dataclass(frozen=True)
class Row:
    """One activation of the literature set.

    Attributes:
        name: its name here (not a catalog name or alias).
        expr: the exact definition in ``symact.x``.
        source: the paper (or the issue) it comes from.
        facts: the expected cells, one per :data:`known_facts.FIELDS`.
        kinks: where a derivative of some order jumps (for the numeric continuity checks).
        special: where the finite closed range ends are attained (extra sample points).
        strict_window: see :data:`known_facts.STRICT_WINDOW` (None: the default 20).
    """

    name: str
    expr: sympy.Expr
    source: str
    facts: dict[str, object]
    kinks: tuple[Any, ...] = ()
    special: tuple[Any, ...] = ()
    strict_window: float | None = None


def _sig(t: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + exp(-t))


# -- range ends with no closed form (45 digits; findroot on mpmath.diff at 60 digits) ---------------

SERF_MIN = K.NumericMin(
    "-0.34843745875960642022200397059072344526163279", ("-1.19305996892818796618328632713699907939743313",)
)
SMISH_MIN = K.NumericMin(
    "-0.249993663660129495394037678617979175815422157", ("-1.39451930192450408423618214308604301430506301",)
)
LOGISH_MIN = K.NumericMin(
    "-0.252768816789440353090922887073519712265256934", ("-1.37245413702569211113806300630923056058549273",)
)
TANHEXP_MIN = K.NumericMin(
    "-0.353285777848211270987447115560459374076794766", ("-1.07886005846462405665066737017207747607255403",)
)
ARIA2_MIN = K.NumericMin(
    "-0.0772055596880262247526327562212660496271458038", ("-0.738835031131607782393520623864368504169518115",)
)
ERFACT_MIN = K.NumericMin(
    "-0.39847457355956445329101025823740925574564989", ("-1.08047062622895583886154765425649245390512659",)
)
SINLU_MIN = K.NumericMin(
    "-0.497370554189991021798598271252639913421476606", ("-1.0828652708940810373166616711431445165327871",)
)
DSILU_RANGE = K.NumericMin(
    # silu'(x) + silu'(-x) = 1 (silu(x) - silu(-x) = x), so the maximum is 1 - the minimum, at the mirror point
    "-0.0998393201288669169581849243205709721307293942",
    ("-2.39935728051546766783273969728228388852291758",),
    sup="1.09983932012886691695818492432057097213072939",
    sup_attained=True,
    sup_at=("2.39935728051546766783273969728228388852291758",),
)
X_SIN_INV_RANGE = K.NumericMin(
    # x sin(1/x) = sinc(1/x): sinc's minimum, at 1/t* (t* the first positive root of tan t = t); sup 1 at +-oo
    K.SINC_MIN.digits,
    ("-0.222548158445665870212793995101650871425549295", "0.222548158445665870212793995101650871425549295"),
    attained=True,
    sup=S.One,
    sup_attained=False,
)

#: 1/phi = (sqrt(5) - 1)/2: PFLU's critical point solves x^4 + x^2 - 1 = 0.
INV_PHI = (sqrt(5) - 1) / 2
#: W(e^2): hard ELiSH's critical point on (-1, 0) solves e^x (x + 2) = 1.
W_E2 = LambertW(exp(2))
W_HALF = LambertW(R(1, 2))
OMEGA = LambertW(1)
SILU_MIN = -LambertW(exp(-1))  # min of x*sigmoid(x), at -1 - W(1/e)


def _row(
    name: str,
    expr: sympy.Expr,
    source: str,
    *,
    kinks: tuple[Any, ...] = (),
    special: tuple[Any, ...] = (),
    strict_window: float | None = None,
    **cells: Any,
) -> Row:
    return Row(name, expr, source, K._facts(**cells), kinks, special, strict_window)


def _smooth_min_row(name: str, expr: sympy.Expr, source: str, rng: Any, d0: Any, special: tuple[Any, ...] = ()) -> Row:
    """A smooth self-gated unit x*g(x): -> 0 at -oo, ~ c x at +oo, one negative minimum, f(0) = 0."""
    return _row(
        name,
        expr,
        source,
        special=special or (rng.at if isinstance(rng, K.NumericMin) else ()),
        range=rng,
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=d0,
        one_sided_derivatives_at_zero=(d0, d0),
        continuity="Cinf",
        monotonic=False,  # falls to the minimum, then rises
        derivative_monotonic=False,  # f' -> 0- at -oo, dips negative, then rises
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, False),  # f' -> 0 at -oo, -> c > 0 at +oo
    )


def _sigmoidal_row(
    name: str,
    expr: sympy.Expr,
    source: str,
    lo: Any,
    hi: Any,
    f0: Any,
    d0: Any,
    parity: str,
    kinks: tuple[Any, ...] = (),
    strict_window: float | None = None,
    **over: Any,
) -> Row:
    """A smooth strictly increasing bounded bell-derivative function from lo to hi."""
    cells: dict[str, Any] = {
        "range": Interval.open(lo, hi),
        "limit_neg_inf": lo,
        "limit_pos_inf": hi,
        "value_at_zero": f0,
        "derivative_at_zero": d0,
        "one_sided_derivatives_at_zero": (d0, d0),
        "continuity": "Cinf",
        "monotonic": INC,
        "derivative_monotonic": False,  # f' > 0 tends to 0 at both ends
        "bounded": True,
        "parity": parity,
        "identity_near_origin": False,
        "zero_gradient_set": EmptySet,
        "saturates": (True, True),
    }
    cells.update(over)
    return _row(name, expr, source, kinks=kinks, strict_window=strict_window, **cells)


ROWS: tuple[Row, ...] = (
    _row(
        "lisht",
        x * tanh(x),
        "Roy et al. 2019, LiSHT",
        special=(S.Zero,),
        range=Interval(0, oo),  # x and tanh x share their sign
        limit_neg_inf=oo,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.Zero,
        one_sided_derivatives_at_zero=(S.Zero, S.Zero),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,  # f'' = 2 sech^2 x (1 - x tanh x) changes sign
        bounded=False,
        parity="even",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(False, False),  # f' -> -1, 1
    ),
    _row(
        "penalized_tanh",
        Piecewise((tanh(x), x > 0), (tanh(x) / 4, True)),
        "Xu, Huang, Li 2016 (a = 1/4); Eger et al. 2018",
        kinks=(S.Zero,),
        range=Interval.open(-R(1, 4), 1),
        limit_neg_inf=-R(1, 4),
        limit_pos_inf=S.One,
        value_at_zero=S.Zero,
        derivative_at_zero=None,  # slopes 1/4 and 1
        one_sided_derivatives_at_zero=(R(1, 4), S.One),
        continuity="C0",
        monotonic=INC,
        derivative_monotonic=False,  # sech^2/4 rises to 1/4, jumps to 1, then decays
        bounded=True,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, True),
    ),
    _row(
        "sqnl",
        Piecewise((1, x > 2), (x - x**2 / 4, x >= 0), (x + x**2 / 4, x >= -2), (-1, True)),
        "Wuraola & Patel 2018, SQNL",
        kinks=(S(-2), S.Zero, S(2)),
        range=Interval(-1, 1),
        limit_neg_inf=S.NegativeOne,
        limit_pos_inf=S.One,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,  # 1 -+ x/2 -> 1 from both sides
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="C1",  # f'' jumps at -2 (0 -> 1/2), 0 (1/2 -> -1/2), 2 (-1/2 -> 0); f' continuous
        monotonic=ND,
        derivative_monotonic=False,  # f' = 0, 1 + x/2, 1 - x/2, 0
        bounded=True,
        parity="odd",
        identity_near_origin=True,
        zero_gradient_set=Union(Interval.open(-oo, -2), Interval.open(2, oo)),
        saturates=(True, True),
    ),
    _sigmoidal_row(
        "soft_clipping",
        log((1 + exp(x)) / (1 + exp(x - 1))),
        "Klimek & Perelstein 2018, soft clipping (p = 1)",
        S.Zero,
        S.One,
        log(2 / (1 + exp(-1))),
        R(1, 2) - 1 / (1 + E),  # f' = sigmoid(x) - sigmoid(x - 1)
        "neither",
    ),
    _smooth_min_row("serf", x * erf(log(1 + exp(x))), "Nag & Bhattacharya 2021, Serf", SERF_MIN, erf(log(2))),
    _smooth_min_row(
        "smish",
        x * tanh(log(1 + _sig(x))),
        "Wang et al. 2022, Smish",
        SMISH_MIN,
        R(5, 13),  # tanh(log(3/2)) = (9/4 - 1)/(9/4 + 1)
    ),
    _smooth_min_row("logish", x * log(1 + _sig(x)), "Zhu et al. 2021, Logish", LOGISH_MIN, log(R(3, 2))),
    _smooth_min_row("tanhexp", x * tanh(exp(x)), "Liu & Di 2020, TanhExp (issue 13)", TANHEXP_MIN, tanh(1)),
    _row(
        "gcu",
        x * cos(x),
        "Noel et al. 2021, growing cosine unit",
        range=S.Reals,
        limit_neg_inf=None,  # oscillates with growing amplitude
        limit_pos_inf=None,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,
        bounded=False,
        parity="odd",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(False, False),
    ),
    _row(
        "snake",
        x + sin(x) ** 2,
        "Ziyin, Hartwig, Ueda 2020, Snake (a = 1)",
        range=S.Reals,
        limit_neg_inf=-oo,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,  # 1 + sin(2x)
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="Cinf",
        monotonic=INC,  # f' = 1 + sin 2x >= 0 with isolated zeros
        derivative_monotonic=False,
        bounded=False,
        parity="neither",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(False, False),
    ),
    _row(
        "dsilu",
        _sig(x) * (1 + x * (1 - _sig(x))),
        "Elfwing, Uchibe, Doya 2018, dSiLU",
        special=DSILU_RANGE.at + DSILU_RANGE.sup_at,
        range=DSILU_RANGE,
        limit_neg_inf=S.Zero,
        limit_pos_inf=S.One,
        value_at_zero=R(1, 2),
        derivative_at_zero=R(1, 2),  # silu'' = sigmoid'(x) (2 + x (1 - 2 sigmoid(x))) = 1/4 * 2 at 0
        one_sided_derivatives_at_zero=(R(1, 2), R(1, 2)),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,
        bounded=True,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, True),
    ),
    _smooth_min_row(
        "swish_beta2",
        x / (1 + exp(-2 * x)),
        "Ramachandran, Zoph, Le 2017, swish (beta = 2)",
        Interval(SILU_MIN / 2, oo),  # f(x) = silu(2x)/2
        R(1, 2),
        special=((-1 - LambertW(exp(-1))) / 2,),
    ),
    _smooth_min_row(
        "eswish",
        R(3, 2) * x / (1 + exp(-x)),
        "Alcaide 2018, E-swish (beta = 3/2)",
        Interval(R(3, 2) * SILU_MIN, oo),
        R(3, 4),
        special=(-1 - LambertW(exp(-1)),),
    ),
    _sigmoidal_row(
        "elliott_sigmoid",
        x / (2 * (1 + sympy.Abs(x))) + R(1, 2),
        "Elliott 1993, the Elliott sigmoid",
        S.Zero,
        S.One,
        R(1, 2),
        R(1, 2),  # f' = 1/(2 (1 + |x|)^2)
        "neither",
        kinks=(S.Zero,),
        continuity="C1",  # f'' = -sign(x)/(1 + |x|)^3 jumps at 0
    ),
    _row(
        "repu2",
        Max(0, x) ** 2,
        "Li, Tang, Yu 2019, rectified power unit (s = 2)",
        kinks=(S.Zero,),
        special=(S.Zero,),
        range=Interval(0, oo),
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.Zero,
        one_sided_derivatives_at_zero=(S.Zero, S.Zero),
        continuity="C1",  # f'' jumps 0 -> 2
        monotonic=ND,
        derivative_monotonic=ND,  # 2 max(0, x)
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=Interval.open(-oo, 0),
        saturates=(True, False),
    ),
    _row(
        "repu3",
        Max(0, x) ** 3,
        "Li, Tang, Yu 2019, rectified power unit (s = 3)",
        kinks=(S.Zero,),
        special=(S.Zero,),
        range=Interval(0, oo),
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.Zero,
        one_sided_derivatives_at_zero=(S.Zero, S.Zero),
        continuity="C2",  # f''' jumps 0 -> 6
        monotonic=ND,
        derivative_monotonic=ND,  # 3 max(0, x)^2
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=Interval.open(-oo, 0),
        saturates=(True, False),
    ),
    _row(
        "relu1",
        Min(1, Max(0, x)),
        "Liew, Khalil-Hani, Bakhteri 2016, bounded ReLU (n = 1)",
        kinks=(S.Zero, S.One),
        special=(S.Zero, S.One),
        range=Interval(0, 1),
        limit_neg_inf=S.Zero,
        limit_pos_inf=S.One,
        value_at_zero=S.Zero,
        derivative_at_zero=None,
        one_sided_derivatives_at_zero=(S.Zero, S.One),
        continuity="C0",
        monotonic=ND,
        derivative_monotonic=False,  # 0, 1, 0
        bounded=True,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=Union(Interval.open(-oo, 0), Interval.open(1, oo)),
        saturates=(True, True),
    ),
    _row(
        "hard_mish",
        x * Min(2, Max(0, x + 2)) / 2,
        "hard Mish, x/2 clip(x + 2, 0, 2) (the hard variant of Misra 2020's Mish)",
        kinks=(S(-2), S.Zero),
        special=(S.NegativeOne,),
        range=Interval(-R(1, 2), oo),  # x (x + 2)/2 on [-2, 0], minimum at -1
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,  # x + 1 -> 1 from the left, 1 on the right
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="C0",  # f' jumps 0 -> -1 at -2
        monotonic=False,
        derivative_monotonic=False,  # 0, then -1 rising to 1, then 1
        bounded=False,
        parity="neither",
        identity_near_origin=True,  # f' = x + 1 and 1 around 0
        zero_gradient_set=Interval.open(-oo, -2),
        saturates=(True, False),
    ),
    _smooth_min_row(
        "aria2",
        x / (1 + exp(-x)) ** 2,
        "Patwardhan, Ingalhalikar, Walambe 2018, ARiA2 (alpha = 2, beta = 1)",
        ARIA2_MIN,
        R(1, 4),  # sigmoid^2 (1 + 2 x sigmoid(-x)) at 0
    ),
    _smooth_min_row(
        "pflu",
        x * (1 + x / sqrt(1 + x**2)) / 2,
        "Zhu et al. 2020, PFLU",
        # f' = 0 <=> (x^3 + 2x) = -(1 + x^2)^(3/2) <=> x^4 + x^2 - 1 = 0, x < 0: x = -phi^(-1/2), f = -phi^(-5/2)/2
        Interval(-(INV_PHI ** R(5, 2)) / 2, oo),
        R(1, 2),
        special=(-sqrt(INV_PHI),),
    ),
    _smooth_min_row("erfact", x * erf(exp(x)), "Biswas et al. 2021, ErfAct (alpha = beta = 1)", ERFACT_MIN, erf(1)),
    _row(
        "phish",
        x * tanh(x * (1 + erf(x / sqrt(2))) / 2),
        "Naveen 2022, Phish (x tanh(gelu(x)))",
        special=(S.Zero,),
        range=Interval(0, oo),  # gelu(x) has the sign of x, so f >= 0 with f = 0 only at 0
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.Zero,  # tanh(gelu(0)) + 0
        one_sided_derivatives_at_zero=(S.Zero, S.Zero),
        continuity="Cinf",
        monotonic=False,  # rises from 0 at -oo to a bump, back to 0 at 0, then up
        derivative_monotonic=False,
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, False),
    ),
    _sigmoidal_row(
        "squashing",
        log((1 + exp(x + 1)) / (1 + exp(x - 1))) / 2,
        "Csiszar, Csiszar, Dombi 2020, squashing function (a = 0, lambda = 2, beta = 1)",
        S.Zero,
        S.One,
        R(1, 2),  # log((1 + e)/(1 + 1/e))/2 = log(e)/2
        tanh(R(1, 2)) / 2,  # (sigmoid(1) - sigmoid(-1))/2
        "neither",  # f - 1/2 is odd
    ),
    _row(
        "srelu",
        Piecewise((1 + (x - 1) / 2, x >= 1), (x, x > -1), (-1 + (x + 1) / 10, True)),
        "Jin et al. 2016, SReLU (t_l = -1, a_l = 1/10, t_r = 1, a_r = 1/2)",
        kinks=(S.NegativeOne, S.One),
        range=S.Reals,
        limit_neg_inf=-oo,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="C0",
        monotonic=INC,
        derivative_monotonic=False,  # 1/10, 1, 1/2
        bounded=False,
        parity="neither",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(False, False),
    ),
    _row(
        "hard_elish",
        Piecewise(
            (x * Max(0, Min(1, (x + 1) / 2)), x >= 0),
            ((exp(x) - 1) * Max(0, Min(1, (x + 1) / 2)), True),
        ),
        "Basirat & Roth 2018, HardELiSH",
        kinks=(S.NegativeOne, S.Zero, S.One),
        special=(W_E2 - 2,),
        # on (-1, 0): (e^x - 1)(x + 1)/2, critical where e^x (x + 2) = 1, i.e. x = W(e^2) - 2,
        # value -(x + 1)^2/(2 (x + 2)) = -(W(e^2) - 1)^2/(2 W(e^2))
        range=Interval(-((W_E2 - 1) ** 2) / (2 * W_E2), oo),
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=R(1, 2),  # (e^x (x + 2) - 1)/2 and (2x + 1)/2 at 0
        one_sided_derivatives_at_zero=(R(1, 2), R(1, 2)),
        continuity="C0",  # f' jumps at -1 (0 -> (1/e - 1)/2) and at 1 (3/2 -> 1)
        monotonic=False,
        derivative_monotonic=False,
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=Interval.open(-oo, -1),
        saturates=(True, False),
    ),
    _row(
        "squ",
        x**2 + x,
        "Noel et al. 2021, shifted quadratic unit",
        special=(-R(1, 2),),
        range=Interval(-R(1, 4), oo),
        limit_neg_inf=oo,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=INC,  # 2x + 1
        bounded=False,
        parity="neither",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(False, False),
    ),
    _row(
        "ncu",
        x - x**3,
        "Noel et al. 2021, non-monotonic cubic unit",
        range=S.Reals,
        limit_neg_inf=oo,
        limit_pos_inf=-oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,  # 1 - 3x^2
        bounded=False,
        parity="odd",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(False, False),
    ),
    _row(
        "x2_sin_inv",
        Piecewise((x**2 * sin(1 / x), Ne(x, 0)), (0, True)),
        "issue 13 (x^2 sin(1/x), 0 at 0: differentiable, f' not continuous)",
        range=S.Reals,  # ~ x - 1/(6x) at +-oo
        limit_neg_inf=-oo,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.Zero,  # |h sin(1/h)| <= |h|
        one_sided_derivatives_at_zero=(S.Zero, S.Zero),
        continuity="C0",  # f' = 2x sin(1/x) - cos(1/x) has no limit at 0
        monotonic=False,
        derivative_monotonic=False,
        bounded=False,
        parity="odd",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(False, False),  # f' -> 1
    ),
    _row(
        "x_sin_inv",
        Piecewise((x * sin(1 / x), Ne(x, 0)), (0, True)),
        "issue 13 (x sin(1/x), 0 at 0: continuous, no one-sided derivatives)",
        kinks=(S.Zero,),
        special=X_SIN_INV_RANGE.at,
        range=X_SIN_INV_RANGE,
        limit_neg_inf=S.One,
        limit_pos_inf=S.One,
        value_at_zero=S.Zero,
        derivative_at_zero=None,
        one_sided_derivatives_at_zero=(None, None),  # the quotients sin(-+1/h) oscillate
        continuity="C0",
        monotonic=False,
        derivative_monotonic=False,
        bounded=True,
        parity="even",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, True),  # f' = sin(1/x) - cos(1/x)/x ~ 1/(3x^3)
    ),
    _row(
        "x_over_x_plus_exp",
        x / (x + exp(-x)),
        "issue 13 (x/(x + exp(-x)); x + e^-x >= 1)",
        special=(S.NegativeOne,),
        range=Interval.Ropen(-1 / (E - 1), 1),  # f' = e^-x (1 + x)/D^2: minimum at -1; f < 1 as e^-x > 0
        limit_neg_inf=S.Zero,
        limit_pos_inf=S.One,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,
        bounded=True,
        parity="neither",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(True, True),
    ),
    _row(
        "x_over_1_plus_x_exp",
        x / (1 + x * exp(x)),
        "issue 13 (x/(1 + x exp(x)); 1 + x e^x >= 1 - 1/e)",
        special=(2 * W_HALF,),
        # f' = (1 - x^2 e^x)/D^2 = 0 at x = 2 W(1/2) (no negative root: u e^u = -1/2 < -1/e), f = x^2/(x + 1)
        range=Interval(-oo, 4 * W_HALF**2 / (2 * W_HALF + 1)),
        limit_neg_inf=-oo,
        limit_pos_inf=S.Zero,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,  # f' -> 1 at -oo, > 1 at -1, 1 at 0, -> 0- at +oo
        bounded=False,
        parity="neither",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(False, True),
    ),
    _row(
        "x_over_3_plus_xsin",
        x / (3 + x * sin(x) / (1 + x**2)),
        "issue 13 (x/(3 + x sin(x)/(1 + x^2)))",
        range=S.Reals,
        limit_neg_inf=-oo,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=R(1, 3),
        one_sided_derivatives_at_zero=(R(1, 3), R(1, 3)),
        continuity="Cinf",
        # D = 3 + x sin x/(1 + x^2) >= 5/2 and |x D'| < 3/2, so f' = (D - x D')/D^2 > 0
        monotonic=INC,
        derivative_monotonic=False,  # ~ (3 - cos x)/9 far out
        bounded=False,
        parity="odd",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(False, False),
    ),
    _row(
        "soft_root_sign",
        x / (x / 2 + exp(-x / 3)),
        "Zhou et al. 2020, soft-root-sign (alpha = 2, beta = 3; issue 13)",
        special=(S(-3),),
        # D = x/2 + e^(-x/3) > 0; f' = e^(-x/3) (1 + x/3)/D^2: minimum at -3; f < 2 as e^(-x/3) > 0
        range=Interval.Ropen(-6 / (2 * E - 3), 2),
        limit_neg_inf=S.Zero,
        limit_pos_inf=S(2),
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,
        bounded=True,
        parity="neither",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(True, True),
    ),
    _row(
        "softplus_beta2",
        log(1 + exp(2 * x)) / 2,
        "Dugas et al. 2001, softplus (beta = 2, as PyTorch's Softplus)",
        range=Interval.open(0, oo),
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=log(2) / 2,
        derivative_at_zero=R(1, 2),  # sigmoid(2x)
        one_sided_derivatives_at_zero=(R(1, 2), R(1, 2)),
        continuity="Cinf",
        monotonic=INC,
        derivative_monotonic=INC,
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, False),
    ),
    _row(
        "shifted_softplus",
        log(1 + exp(x)) - log(2),
        "Schuett et al. 2017, SchNet's shifted softplus",
        range=Interval.open(-log(2), oo),
        limit_neg_inf=-log(2),
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=R(1, 2),
        one_sided_derivatives_at_zero=(R(1, 2), R(1, 2)),
        continuity="Cinf",
        monotonic=INC,
        derivative_monotonic=INC,
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, False),
    ),
    _sigmoidal_row(
        "lecun_tanh",
        R(17159, 10000) * tanh(R(2, 3) * x),
        "LeCun et al. 1998, Efficient BackProp (1.7159 tanh(2x/3))",
        -R(17159, 10000),
        R(17159, 10000),
        S.Zero,
        R(17159, 15000),
        "odd",
    ),
    _sigmoidal_row(
        "bipolar_sigmoid",
        (1 - exp(-x)) / (1 + exp(-x)),
        "bipolar sigmoid, e.g. Karlik & Olgac 2011",
        S.NegativeOne,
        S.One,
        S.Zero,
        R(1, 2),
        "odd",  # = tanh(x/2)
    ),
    _row(
        "mexican_hat",
        (1 - x**2) * exp(-(x**2) / 2),
        "Zhang & Benveniste 1992, wavelet networks (the Mexican hat / Ricker wavelet)",
        special=(S.Zero, -sqrt(3), sqrt(3)),
        range=Interval(-2 * exp(-R(3, 2)), 1),  # f' = -x (3 - x^2) e^(-x^2/2): max 1 at 0, min at +-sqrt(3)
        limit_neg_inf=S.Zero,
        limit_pos_inf=S.Zero,
        value_at_zero=S.One,
        derivative_at_zero=S.Zero,
        one_sided_derivatives_at_zero=(S.Zero, S.Zero),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,
        bounded=True,
        parity="even",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(True, True),
    ),
    _sigmoidal_row(
        "hexpo",
        Piecewise((1 - exp(-x), x >= 0), (exp(x) - 1, True)),
        "Kong & Takatsuka 2017, Hexpo (a = b = c = d = 1)",
        S.NegativeOne,
        S.One,
        S.Zero,
        S.One,  # e^(-|x|)
        "odd",
        kinks=(S.Zero,),
        continuity="C1",  # f'' = -+e^(-|x|) jumps from 1 to -1
        identity_near_origin=True,
    ),
    _row(
        "sgelu",
        x * erf(x / sqrt(2)),
        "Yu & Su 2019, symmetrical GELU (alpha = 1)",
        special=(S.Zero,),
        range=Interval(0, oo),
        limit_neg_inf=oo,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.Zero,
        one_sided_derivatives_at_zero=(S.Zero, S.Zero),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,  # f'' = sqrt(2/pi) e^(-x^2/2) (2 - x^2)
        bounded=False,
        parity="even",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(False, False),  # f' -> -1, 1
    ),
    _row(
        "sinlu",
        (x + sin(x)) / (1 + exp(-x)),
        "Paul et al. 2022, SinLU (a = b = 1)",
        special=SINLU_MIN.at,
        range=SINLU_MIN,
        limit_neg_inf=S.Zero,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.One,  # (1 + cos 0) sigmoid(0)
        one_sided_derivatives_at_zero=(S.One, S.One),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,
        bounded=False,
        parity="neither",
        identity_near_origin=True,
        zero_gradient_set=EmptySet,
        saturates=(True, False),  # f' ~ 1 + cos x at +oo
    ),
    _row(
        "cosine",
        cos(x),
        "Parascandolo, Huttunen, Virtanen 2016 (periodic activations)",
        special=(S.Zero, pi),
        range=Interval(-1, 1),
        limit_neg_inf=None,
        limit_pos_inf=None,
        value_at_zero=S.One,
        derivative_at_zero=S.Zero,
        one_sided_derivatives_at_zero=(S.Zero, S.Zero),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=False,
        bounded=True,
        parity="even",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(False, False),
    ),
    _sigmoidal_row(
        "probit",
        (1 + erf(x / sqrt(2))) / 2,
        "the Gaussian CDF (probit) as a sigmoid, e.g. Hendrycks & Gimpel 2016",
        S.Zero,
        S.One,
        R(1, 2),
        1 / sqrt(2 * pi),
        "neither",
        strict_window=8,  # 1 - Phi(x) < 1e-40 from x = 13.3 on
    ),
    _sigmoidal_row(
        "erf_sigmoid",
        erf(x),
        "the error function as a sigmoid (Biswas et al. 2021's ErfAct family)",
        S.NegativeOne,
        S.One,
        S.Zero,
        2 / sqrt(pi),
        "odd",
        strict_window=8,  # 1 - erf(x) < 1e-40 from x = 9.4 on
    ),
    _row(
        "bernoulli",
        Piecewise((x / (exp(x) - 1), Ne(x, 0)), (1, True)),
        "issue 13 (x/(exp(x) - 1)-type code; removable point at 0)",
        range=Interval.open(0, oo),
        limit_neg_inf=oo,
        limit_pos_inf=S.Zero,
        value_at_zero=S.One,
        derivative_at_zero=-R(1, 2),  # x/(e^x - 1) = 1 - x/2 + x^2/12 - ...
        one_sided_derivatives_at_zero=(-R(1, 2), -R(1, 2)),
        continuity="Cinf",
        monotonic="decreasing",
        # f = t coth t - t (t = x/2); (t coth t)'' = 2 csch^2 t (t coth t - 1) > 0: f convex
        derivative_monotonic=INC,
        bounded=False,
        parity="neither",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(False, True),  # f' -> -1, 0
    ),
    _sigmoidal_row(
        "centered_sigmoid",
        1 / (1 + exp(-x)) - R(1, 2),
        "issue 13 (sigmoid(x) - 1/2 returned 0 for tiny x)",
        -R(1, 2),
        R(1, 2),
        S.Zero,
        R(1, 4),
        "odd",
    ),
    _row(
        "logcosh",
        log(cosh(x)),
        "issue 13 (log(cosh(x)) code returned inf for |x| > 710)",
        special=(S.Zero,),
        range=Interval(0, oo),
        limit_neg_inf=oo,
        limit_pos_inf=oo,
        value_at_zero=S.Zero,
        derivative_at_zero=S.Zero,
        one_sided_derivatives_at_zero=(S.Zero, S.Zero),
        continuity="Cinf",
        monotonic=False,
        derivative_monotonic=INC,  # tanh
        bounded=False,
        parity="even",
        identity_near_origin=False,
        zero_gradient_set=EmptySet,
        saturates=(False, False),
    ),
    _smooth_min_row(
        "golu",
        x * exp(-exp(-x)),
        "Das et al. 2025, Gompertz linear unit",
        # f' = e^(-e^-x) (1 + x e^-x) = 0 at x = -W(1); f = -W(1) e^(-e^W(1)) = -W(1) e^(-1/W(1))
        Interval(-OMEGA * exp(-1 / OMEGA), oo),
        exp(-1),
        special=(-OMEGA,),
    ),
)

LITERATURE: dict[str, Row] = {row.name: row for row in ROWS}

#: The range ends with no closed form (re-derived from the definitions in the tests).
NUMERIC_ENDS: dict[str, K.NumericMin] = {
    "serf": SERF_MIN,
    "smish": SMISH_MIN,
    "logish": LOGISH_MIN,
    "tanhexp": TANHEXP_MIN,
    "aria2": ARIA2_MIN,
    "erfact": ERFACT_MIN,
    "sinlu": SINLU_MIN,
    "dsilu": DSILU_RANGE,
    "x_sin_inv": X_SIN_INV_RANGE,
}


def register() -> None:
    """Make the rows known to the numeric checkers of ``known_facts`` (idempotent)."""
    for row in ROWS:
        K.EXPRESSIONS[row.name] = row.expr
        if row.kinks:
            K.KINKS[row.name] = row.kinks
        if row.special:
            K.SPECIAL_POINTS[row.name] = row.special
        if row.strict_window is not None:
            K.STRICT_WINDOW[row.name] = row.strict_window


register()
