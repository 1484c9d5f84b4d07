r"""Plots of an activation and its first two derivatives, derived from the symbols.

:func:`plot_data` computes everything a plot shows, with NumPy and SymPy only:

* the **curves**: ``act.expr``, ``act.derivative(1)`` and ``act.derivative(2)``
  sampled through ``sympy.lambdify(x, expr, ["scipy", "numpy"])`` under
  ``np.errstate(all="ignore")``, on the open gaps between the breakpoints of
  :func:`symact.analysis.pieces.decompose` (so a jump is never drawn as a vertical line);
* the **marks** at each breakpoint, from exact one-sided limits
  (:func:`symact.analysis.calculus.limit`): an open circle at a one-sided limit that is
  not the value there (a jump, or a derivative that does not exist there), a
  filled dot at the value of f where f jumps; the f panel labels the point
  "jump" (f is discontinuous there) or "kink" (f is continuous, f' is not);
* the **guides**: asymptotes (:func:`asymptotes`: finite limits at -oo and +oo,
  and oblique lines where f grows linearly) and the bounds of the exact range
  (the minimum and maximum of the property record).

:func:`render` draws the data with Matplotlib (the optional extra ``symact[plot]``)
and returns SVG, PNG or PDF bytes; nothing here touches pyplot's global state.

Examples:
    >>> import symact
    >>> data = plot_data(symact.get("binary_step"))
    >>> data.window, data.breakpoints
    ((-5.0, 5.0), (0.0,))
    >>> [(m.x, m.y, m.kind) for m in data.panels[0].marks]
    [(0.0, 0.0, 'hole'), (0.0, 1.0, 'dot')]
    >>> data.panels[0].notes, data.panels[1].marks[0].kind
    (((0.0, 'jump'),), 'hole')
    >>> joint = data.joints[0]
    >>> joint.at, joint.value, joint.limits[0], joint.status, joint.kind
    (0, 1, (0, 1), ('jump', 'undefined', 'undefined'), 'jump')
    >>> [g.label for g in data.panels[0].guides]
    ['y = 0 (x → -∞); minimum 0', 'y = 1 (x → +∞); maximum 1']
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy
from sympy import oo

from symact.core.unknown import Unknown
from symact.definition.activation import Activation, x

__all__ = [
    "PHASE_SIGMA_B",
    "Asymptote",
    "Guide",
    "Joint",
    "Mark",
    "Panel",
    "PhaseData",
    "PlotData",
    "asymptotes",
    "have_matplotlib",
    "phase_data",
    "phase_figure",
    "plot_data",
    "render",
    "render_phase",
    "save",
    "save_phase",
]

#: Samples per panel (spread over the gaps between breakpoints).
SAMPLES = 600
#: Half-width of the default x window; it grows to show every breakpoint and extremum.
HALF_WIDTH = 5.0
_PRIMES = ("", "′", "″")
_COLORS = ("#1f5fa8", "#c25400", "#2b8a3e")


@dataclass(frozen=True)
class Mark:
    """A marker at a breakpoint: ``"hole"`` (a limit not attained) or ``"dot"`` (the value)."""

    x: float
    y: float
    kind: str


@dataclass(frozen=True)
class Guide:
    """A line ``y = slope*x + y``: an ``"asymptote"``, a ``"bound"`` of the range, or ``"both"``."""

    y: float
    label: str
    kind: str = "asymptote"
    slope: float = 0.0


@dataclass(frozen=True)
class Asymptote:
    """The line f approaches at one end: ``slope*x + intercept`` as x -> ``side`` (exact).

    Horizontal when ``slope`` is 0 (a finite limit); oblique when f grows linearly:
    ``slope = lim f(x)/x`` and ``intercept = lim (f(x) - slope*x)``, both finite.
    """

    side: str
    slope: sympy.Expr
    intercept: sympy.Expr

    @property
    def line(self) -> sympy.Expr:
        """The asymptote as an expression in :data:`symact.x`."""
        return self.slope * x + self.intercept


@dataclass(frozen=True)
class Joint:
    """What happens at one breakpoint, from exact one-sided limits.

    Attributes:
        at: the breakpoint (exact).
        value: f(at), exact.
        limits: per derivative order n, ``(left, right)``: the one-sided limits of f^(n) at ``at``.
        status: per order, ``"continuous"``, ``"jump"`` (f itself jumps), ``"undefined"``
            (f^(n) does not exist at ``at``) or ``"unknown"``.
    """

    at: sympy.Expr
    value: sympy.Expr
    limits: tuple[tuple[Any, Any], ...]
    status: tuple[str, ...]

    @property
    def kind(self) -> str:
        """``"jump"``, ``"kink"`` (f continuous, f' not), ``"f″ jumps"``, ``"smooth join"`` or ``"unknown"``."""
        for n, st in enumerate(self.status):
            if st == "unknown":
                return "unknown"
            if st != "continuous":
                return ("jump", "kink", "f″ jumps")[min(n, 2)]
        return "smooth join"


@dataclass(frozen=True)
class Panel:
    """One derivative order: sampled segments, marks, guides and notes.

    Attributes:
        order: 0 for f, 1 for f', 2 for f''.
        title: e.g. ``"relu′(x)"``.
        segments: ``(xs, ys)`` arrays, one per open gap between breakpoints.
        marks: holes and dots at breakpoints.
        guides: horizontal asymptotes and range bounds.
        notes: ``(x, text)`` labels such as ``"kink"``.
        unavailable: why the panel is empty (``None`` when it is drawn).
    """

    order: int
    title: str
    segments: tuple[tuple[np.ndarray, np.ndarray], ...]
    marks: tuple[Mark, ...] = ()
    guides: tuple[Guide, ...] = ()
    notes: tuple[tuple[float, str], ...] = ()
    unavailable: str | None = None


@dataclass(frozen=True)
class PlotData:
    """Everything one figure shows; see :func:`plot_data`."""

    name: str
    window: tuple[float, float]
    breakpoints: tuple[float, ...]
    panels: tuple[Panel, ...]
    joints: tuple[Joint, ...] = ()
    asymptotes: tuple[Asymptote, ...] = ()


def have_matplotlib() -> bool:
    """Whether Matplotlib (the ``symact[plot]`` extra) can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _num(value: Any) -> float | None:
    """A finite float for an exact real value, else ``None`` (oo, None, Unknown, nan)."""
    if value is None or isinstance(value, Unknown) or not isinstance(value, sympy.Expr):
        return None
    if value.has(oo, -oo, sympy.zoo, sympy.nan) or not value.is_number:
        return None
    try:
        v = float(sympy.N(value, 20))
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def sample(expr: sympy.Expr, xs: np.ndarray) -> np.ndarray:
    """Float64 values of ``expr`` (in :data:`symact.x`) at ``xs``; nan where undefined or complex.

    Examples:
        >>> sample(sympy.sinc(x), np.array([0.0, np.pi])).round(12)
        array([1., 0.])
        >>> sample(sympy.Integer(3), np.array([1.0, 2.0]))
        array([3., 3.])
    """
    fn = sympy.lambdify(x, expr, modules=["scipy", "numpy"])
    with np.errstate(all="ignore"):
        ys = np.asarray(fn(xs))
        if np.iscomplexobj(ys):
            ys = np.where(ys.imag == 0, ys.real, np.nan)
        return np.broadcast_to(ys.astype(np.float64), xs.shape).copy()


def _points_of_interest(props: Any, breakpoints: Sequence[float]) -> list[float]:
    points = list(breakpoints)
    for ext in (getattr(props, "minimum", None), getattr(props, "maximum", None)):
        at = getattr(ext, "at", None)
        if isinstance(at, sympy.FiniteSet):
            points.extend(v for v in map(_num, at.args) if v is not None)
    return points


def _window(points: Sequence[float]) -> tuple[float, float]:
    lo = min([-HALF_WIDTH, *(p - 2 for p in points)])
    hi = max([HALF_WIDTH, *(p + 2 for p in points)])
    return float(max(lo, -50.0)), float(min(hi, 50.0))


def _grid(window: tuple[float, float], cuts: Sequence[float]) -> list[np.ndarray]:
    lo, hi = window
    ends = [lo, *sorted(c for c in cuts if lo < c < hi), hi]
    per = max(SAMPLES // len(ends), 50)
    grids = []
    for a, b in itertools.pairwise(ends):
        xs = np.linspace(a, b, per)
        if a in cuts:
            xs = xs[1:]
        if b in cuts:
            xs = xs[:-1]
        grids.append(xs)
    return grids


def _same(a: Any, b: Any) -> bool:
    """Exactly equal limits (both finite numbers), decided by SymPy."""
    if a is None or b is None or isinstance(a, Unknown) or isinstance(b, Unknown):
        return False
    diff = sympy.simplify(sympy.sympify(a, strict=True) - sympy.sympify(b, strict=True)) if a != b else sympy.Integer(0)
    return bool(diff == 0)


def _joint(
    expr: sympy.Expr, b: sympy.Expr, value: sympy.Expr | None, previous: str | None
) -> tuple[str, list[Mark], tuple[Any, Any]]:
    """The status of one panel at one breakpoint and its marks.

    ``value`` is f(b) (order 0 only); ``previous`` is the status of the panel of
    one order lower. Statuses: ``"continuous"``, ``"jump"``, ``"undefined"``
    (the derivative does not exist there), ``"unknown"``.
    """
    from symact.analysis import calculus as analysis

    left, right = analysis.limit(expr, b, "-"), analysis.limit(expr, b, "+")
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        return "unknown", [], (left, right)
    bf, lf, rf = float(sympy.N(b)), _num(left), _num(right)
    if previous is not None and previous != "continuous":
        status = "undefined"
    elif value is not None:
        status = "continuous" if _same(left, right) and _same(left, value) else "jump"
    else:
        status = "continuous" if _same(left, right) else "undefined"
    marks: list[Mark] = []
    if status == "continuous":
        return status, marks, (left, right)
    vf = _num(value) if value is not None else None
    holes = [
        lf for lim, lf in ((left, lf), (right, rf)) if lf is not None and not (value is not None and _same(lim, value))
    ]
    marks.extend(Mark(bf, h, "hole") for h in sorted(set(holes)))
    if vf is not None:
        marks.append(Mark(bf, vf, "dot"))
    return status, marks, (left, right)


def _guides(props: Any, limits: tuple[Any, Any], order: int) -> tuple[Guide, ...]:
    """Asymptotes (finite limits at -oo and +oo) and, for f, the range bounds."""
    labels: dict[float, list[str]] = {}
    for lim, side in zip(limits, ("-∞", "+∞")):
        v = _num(lim)
        if v is not None:
            labels.setdefault(v, []).append(f"x → {side}")
    out: dict[float, str] = {v: f"y = {_short(v)} ({', '.join(w)})" for v, w in labels.items()}
    kinds = dict.fromkeys(out, "asymptote")
    if order == 0 and props is not None:
        for ext, word in ((props.minimum, "minimum"), (props.maximum, "maximum")):
            v = _num(getattr(ext, "value", None))
            if v is None:
                continue
            name = word if ext.attained else ("infimum" if word == "minimum" else "supremum") + " (not attained)"
            text = f"{name} {_short(v)}"
            out[v] = f"{out[v]}; {text}" if v in out else text
            kinds[v] = "both" if v in kinds else "bound"
    return tuple(Guide(v, label, kinds[v]) for v, label in sorted(out.items()))


def _short(v: float) -> str:
    return f"{v:.6g}"


def _finite(v: Any) -> bool:
    return isinstance(v, sympy.Expr) and _num(v) is not None


def asymptotes(act: Activation, props: Any = None) -> tuple[Asymptote, ...]:
    """The asymptotes of f at -oo and +oo, from exact limits (a side with none is left out).

    Examples:
        >>> import symact
        >>> [(a.side, a.line) for a in asymptotes(symact.get("tanh_shrink"))]
        [('-oo', x + 1), ('+oo', x - 1)]
        >>> [(a.side, a.line) for a in asymptotes(symact.get("elu"))]
        [('-oo', -1), ('+oo', x)]
    """
    from symact.analysis import calculus as analysis

    props = act.properties() if props is None else props
    out = []
    for side, point, lim in (("-oo", -oo, props.limit_neg_inf), ("+oo", oo, props.limit_pos_inf)):
        if _finite(lim):
            out.append(Asymptote(side, sympy.Integer(0), lim))
        elif lim in (oo, -oo):
            slope = analysis.limit(act.expr / x, point)
            if _finite(slope) and slope != 0:
                intercept = analysis.limit(act.expr - slope * x, point)
                if _finite(intercept):
                    out.append(Asymptote(side, slope, intercept))
    return tuple(out)


def _slanted(found: Sequence[Asymptote]) -> tuple[Guide, ...]:
    guides = []
    for a in found:
        if a.slope == 0:
            continue
        m, c = float(sympy.N(a.slope)), float(sympy.N(a.intercept))
        text = ("x" if m == 1 else f"{_short(m)} x") + (
            f" + {_short(c)}" if c > 0 else f" - {_short(-c)}" if c < 0 else ""
        )
        side = "-∞" if a.side == "-oo" else "+∞"
        guides.append(Guide(c, f"y = {text} (x → {side})", "asymptote", m))
    return tuple(guides)


def plot_data(act: Activation, props: Any = None, derivatives: Sequence[Any] | None = None) -> PlotData:
    """Curves, marks and guides for f, f' and f'' (pure NumPy/SymPy; no Matplotlib).

    Args:
        act: the activation.
        props: its property record (computed when ``None``).
        derivatives: ``(f', f'')`` if already known (an :class:`~symact.Unknown`
            for one that could not be derived); computed when ``None``.
    """
    from symact.analysis import calculus as analysis
    from symact.analysis.pieces import decompose

    props = act.properties() if props is None else props
    if derivatives is None:
        derivatives = []
        for n in (1, 2):
            try:
                derivatives.append(act.derivative(n))
            except NotImplementedError as exc:
                derivatives.append(Unknown(str(exc)))
    exprs = [act.expr, *derivatives]
    found = asymptotes(act, props)
    form = decompose(act.expr)
    bps = [float(sympy.N(b)) for b in form.breakpoints]
    window = _window(_points_of_interest(props, bps))
    grids = _grid(window, bps)
    panels = []
    previous: list[str | None] = [None] * len(bps)
    per_order: list[tuple[list[str], list[tuple[Any, Any]]]] = []
    notes: list[tuple[float, str]] = []
    for order, expr in enumerate(exprs):
        title = f"{act.name}{_PRIMES[order]}(x)"
        if isinstance(expr, Unknown):
            panels.append(Panel(order, title, (), unavailable=f"unknown ({expr.reason})"))
            previous = ["unknown"] * len(bps)
            per_order.append((["unknown"] * len(bps), [(expr, expr)] * len(bps)))
            continue
        marks: list[Mark] = []
        statuses, limits_at = [], []
        for i, b in enumerate(form.breakpoints):
            status, m, lr = _joint(expr, b, form.values[i] if order == 0 else None, previous[i])
            statuses.append(status)
            limits_at.append(lr)
            marks.extend(m)
            if order == 1 and previous[i] == "continuous" and status != "continuous":
                notes.append((bps[i], "kink"))
            if order == 0 and status == "jump":
                notes.append((bps[i], "jump"))
        previous = list(statuses)
        per_order.append((statuses, limits_at))
        limits = (
            (props.limit_neg_inf, props.limit_pos_inf)
            if order == 0
            else (analysis.limit(expr, -oo), analysis.limit(expr, oo))
        )
        segments = tuple((xs, sample(expr, xs)) for xs in grids)
        guides = _guides(props, limits, order) + (_slanted(found) if order == 0 else ())
        panels.append(Panel(order, title, segments, tuple(marks), guides))
    first = panels[0]
    panels[0] = Panel(
        first.order, first.title, first.segments, first.marks, first.guides, tuple(sorted(notes)), first.unavailable
    )
    joints = tuple(
        Joint(b, form.values[i], tuple(lims[i] for _, lims in per_order), tuple(sts[i] for sts, _ in per_order))
        for i, b in enumerate(form.breakpoints)
    )
    return PlotData(act.name, window, tuple(bps), tuple(panels), joints, found)


def _ylim(panel: Panel) -> tuple[float, float]:
    ys = [s[1][np.isfinite(s[1])] for s in panel.segments]
    values = np.concatenate([*ys, np.array([m.y for m in panel.marks])]) if ys else np.array([])
    if values.size == 0:
        return -1.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    for g in panel.guides:  # show a horizontal guide that lies within reach of the curve
        if g.slope:
            continue
        span = max(hi - lo, 1.0)
        if lo - span <= g.y <= hi + span:
            lo, hi = min(lo, g.y), max(hi, g.y)
    span = hi - lo
    if span < 1e-9:
        return lo - 1.0, hi + 1.0
    return lo - 0.08 * span, hi + 0.08 * span


def figure(data: PlotData) -> Any:
    """A Matplotlib ``Figure`` (no pyplot) with one panel per derivative order."""
    from matplotlib.figure import Figure
    from matplotlib.transforms import blended_transform_factory

    fig = Figure(figsize=(3.1 * len(data.panels), 3.3))
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.3, top=0.92, wspace=0.22)
    axes = fig.subplots(1, len(data.panels), squeeze=False)[0]
    for ax, panel in zip(axes, data.panels):
        color = _COLORS[panel.order % len(_COLORS)]
        ax.set_title(panel.title, fontsize=10)
        ax.set_xlim(*data.window)
        ax.grid(True, color="0.9", linewidth=0.6)
        ax.axhline(0, color="0.6", linewidth=0.6)
        ax.axvline(0, color="0.6", linewidth=0.6)
        ax.tick_params(labelsize=8)
        if panel.unavailable is not None:
            ax.text(
                0.5, 0.5, panel.unavailable, transform=ax.transAxes, ha="center", va="center", fontsize=8, wrap=True
            )
            continue
        for b in data.breakpoints:
            ax.axvline(b, color="0.55", linewidth=0.7, linestyle=":")
        for xs, ys in panel.segments:
            ax.plot(xs, ys, color=color, linewidth=1.6)
        for g in panel.guides:  # asymptotes dashed grey, range bounds dash-dotted in the curve's colour
            style = {"asymptote": ("0.35", "--"), "bound": (color, "-."), "both": (color, "--")}[g.kind]
            if g.slope:
                ax.axline((0.0, g.y), slope=g.slope, color=style[0], linewidth=0.9, linestyle=":", label=g.label)
            else:
                ax.axhline(g.y, color=style[0], linewidth=0.9, linestyle=style[1], label=g.label)
        for m in panel.marks:
            face = "white" if m.kind == "hole" else color
            ax.plot(
                [m.x],
                [m.y],
                marker="o",
                markersize=5,
                markerfacecolor=face,
                markeredgecolor=color,
                linestyle="none",
                zorder=5,
            )
        ax.set_ylim(*_ylim(panel))
        top = blended_transform_factory(ax.transData, ax.transAxes)
        for bx, text in panel.notes:
            ax.text(bx, 0.97, text + " ", transform=top, ha="right", va="top", rotation=90, fontsize=7, color="0.3")
        if panel.guides:  # below the axes, so that it never hides a mark
            ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.11), frameon=False, handlelength=1.8)
    return fig


_METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}, "png": {"Software": None}}


def render(data: PlotData, fmt: str = "svg") -> bytes:
    """The figure as ``"svg"``, ``"png"`` or ``"pdf"`` bytes (deterministic: no dates).

    Raises:
        ImportError: Matplotlib is missing (install ``symact[plot]``).
        ValueError: an unsupported format.
    """
    return _bytes(figure, data, fmt)


def _bytes(draw: Callable[[Any], Any], data: Any, fmt: str) -> bytes:
    """``draw(data)`` (a Matplotlib figure) saved as ``fmt``, checked before anything is drawn."""
    if fmt not in _METADATA:
        raise ValueError(f"unsupported plot format {fmt!r}; use svg, png or pdf")
    import matplotlib

    fig = draw(data)
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "symact", "pdf.compression": 6}):
        fig.savefig(buf, format=fmt, metadata=_METADATA[fmt], dpi=110)
    return buf.getvalue()


def _format_of(path: str) -> str:
    fmt = str(path).rsplit(".", 1)[-1].lower() if "." in str(path) else ""
    if fmt not in _METADATA:
        raise ValueError(f"cannot tell the plot format from {str(path)!r}; end it in .svg, .png or .pdf")
    return fmt


def save(act: Activation, path: str) -> str:
    """Plot ``act`` to ``path``; the format is the suffix (``.svg``, ``.png`` or ``.pdf``). Returns the path."""
    return _write(path, render(plot_data(act), _format_of(path)))


def _write(path: str, payload: bytes) -> str:
    with open(path, "wb") as fh:
        fh.write(payload)
    return str(path)


# ----------------------------------------------------------------------------------------
# The phase diagram: the critical curve chi_1 = 1 in the (sigma_b, sigma_w) plane
# ----------------------------------------------------------------------------------------

#: The sigma_b at which the phase diagram's critical curve is derived (exact): 0, 1/4, ..., 2.
PHASE_SIGMA_B: tuple[sympy.Rational, ...] = tuple(sympy.Rational(k, 4) for k in range(9))


@dataclass(frozen=True)
class PhaseData:
    """The critical curve chi_1 = 1 of an activation, point by point (see :func:`phase_data`).

    Attributes:
        name: the activation.
        points: ``(sigma_b, sigma_w)`` in increasing sigma_b: sigma_w exact, or the midpoint of its
            certified enclosure (a few units in the 30th digit wide), as floats for drawing.
        left_out: why sigma_b = 0 is not on the curve ("" when it is): that point is derived only for
            f(0) = 0 with a proof that q* = 0 attracts, or for positively homogeneous f.
        records: the :class:`~symact.analysis.gaussian.EdgeOfChaos` record of each drawn point, in the order
            of ``points``: sigma_w and q* exact or certified, with how they were derived (what a report
            prints; the floats are only for drawing).
    """

    name: str
    points: tuple[tuple[float, float], ...]
    left_out: str = ""
    records: tuple[Any, ...] = ()


def phase_data(
    act: Activation, sigma_bs: Sequence[Any] = PHASE_SIGMA_B, seconds: float | None = None
) -> PhaseData | Unknown:
    """The critical curve of ``act`` at ``sigma_bs`` (:func:`symact.analysis.gaussian.critical_curve`, each
    point with its own budget ``seconds``), or Unknown with the reason when a point with sigma_b > 0 is not
    certified (its analysis failed or ran out of time included), or fewer than two points are: the curve is
    drawn only where every point of it is certified.

    Examples:
        >>> import symact
        >>> data = phase_data(symact.get("hard_tanh"), [0, 1])
        >>> [(b, round(w, 6)) for b, w in data.points]
        [(0.0, 1.0), (1.0, 1.43969)]
        >>> print(phase_data(symact.get("relu"), [0, 1]))  # doctest: +ELLIPSIS
        unknown (the critical curve of relu is not certified at sigma_b = 1: ...)
    """
    from symact.analysis.gaussian import edge_of_chaos
    from symact.core import budget

    points: list[tuple[tuple[float, float], Any]] = []
    left_out = ""
    for sb in sigma_bs:  # critical_curve, one point at a time: a failure names its sigma_b
        try:
            p = edge_of_chaos(act, sb, seconds=seconds)
        except budget.BudgetExceeded:
            if budget.spent():  # an enclosing budget ran out: end the caller's work
                raise
            return Unknown(f"timeout (the critical point of {act.name} at sigma_b = {sb})")
        except Exception as exc:  # noqa: BLE001 - a failure of the analysis is reported, with its reason
            return Unknown(
                f"the critical point of {act.name} at sigma_b = {sb} failed: {type(exc).__name__}: {exc}"[:300]
            )
        w = p.sigma_w
        if w.exact is not None and w.exact.is_number:
            points.append(((float(p.sigma_b), float(w.exact)), p))
        elif w.enclosure is not None:
            points.append(((float(p.sigma_b), float(w.enclosure.midpoint)), p))
        elif p.sigma_b == 0:
            left_out = w.unknown.reason if w.unknown is not None else "not derived"
        else:
            why = w.unknown.reason if w.unknown is not None else "not derived"
            return Unknown(f"the critical curve of {act.name} is not certified at sigma_b = {p.sigma_b}: {why}"[:300])
    if len(points) < 2:
        return Unknown(f"the critical curve of {act.name} has fewer than two certified points")
    points.sort(key=lambda point: point[0])
    return PhaseData(act.name, tuple(xy for xy, _ in points), left_out, tuple(p for _, p in points))


def phase_figure(data: PhaseData) -> Any:
    """A Matplotlib ``Figure`` (no pyplot): sigma_b across, sigma_w up, the certified points of chi_1 = 1
    joined by straight segments (the curve between them is not claimed)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.6, 3.6))
    fig.subplots_adjust(left=0.14, right=0.97, bottom=0.15, top=0.9)
    ax = fig.subplots()
    xs = [b for b, _ in data.points]
    ys = [w for _, w in data.points]
    ax.plot(
        xs, ys, color=_COLORS[0], linewidth=1.4, marker="o", markersize=4, label=r"$\chi_1 = 1$ (each point certified)"
    )
    ax.set_xlim(0, max(xs) * 1.05)
    ax.set_ylim(0, max(ys) * 1.2)
    ax.set_xlabel(r"$\sigma_b$", fontsize=10)
    ax.set_ylabel(r"$\sigma_w$", fontsize=10)
    ax.set_title(f"{data.name}: the critical curve (edge of chaos)", fontsize=10)
    ax.grid(True, color="0.9", linewidth=0.6)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=7, loc="lower right", frameon=False)
    if data.left_out:
        ax.text(0.02, 0.03, r"$\sigma_b = 0$: not derived", transform=ax.transAxes, fontsize=7, color="0.35")
    return fig


def render_phase(data: PhaseData, fmt: str = "svg") -> bytes:
    """The phase diagram as ``"svg"``, ``"png"`` or ``"pdf"`` bytes (deterministic: no dates).

    Raises:
        ImportError: Matplotlib is missing (install ``symact[plot]``).
        ValueError: an unsupported format.
    """
    return _bytes(phase_figure, data, fmt)


def save_phase(act: Activation, path: str) -> str | Unknown:
    """Draw the phase diagram of ``act`` to ``path`` (format from the suffix); the path, or Unknown (nothing
    written) when its critical curve is not certified."""
    fmt = _format_of(path)
    data = phase_data(act)
    if isinstance(data, Unknown):
        return data
    return _write(path, render_phase(data, fmt))
