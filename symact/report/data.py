"""The data of the activation sheet: one :class:`Sheet` per activation, derived, never typed.

:func:`sheet` gathers for one activation its first two derivatives, the property
record, what happens at each breakpoint (:class:`symact.report.plot.Joint`), the
linearity verdict with its proof (:func:`proofs.prove_linear`), the numeric
validation summary (:func:`symact.validation.scalar.validate`), the plots, and the
moments and gains under Gaussian input with the edge of chaos at sigma_b = 0
(:func:`symact.analysis.gaussian.gaussian`, :func:`~symact.analysis.gaussian.edge_of_chaos`).
:func:`collect` does it for many activations: each sheet is built in a forked
budget worker (:func:`symact.core.budget.call`), ``jobs`` of them at a time, so a
whole-catalog report uses both cores and the SymPy steps inside a worker run
under cheap nested budgets. Every renderer reads the same sheets, so a report in
four formats derives everything once.

Anything that fails or runs out of time becomes an :class:`~symact.Unknown`
with the reason; the renderers print it as "unknown (reason)".

Examples:
    >>> import symact
    >>> s = sheet(symact.get("relu"), plots=())
    >>> s.derivatives[0], s.properties.range, s.proof.verdict.value
    (Piecewise((0, x <= 0), (1, True)), Interval(0, oo), 'disproved')
    >>> [(j.at, j.kind) for j in s.joints]
    [(0, 'kink')]
    >>> print(s.validation.summary())  # the quick numeric validation, on by default
    relu ok: f32 f max 0 ULP, f' max 0 ULP; f64 f max 0 ULP, f' max 0 ULP; 0 wrong, 0 warnings
    >>> s.gaussian.forward_gain.exact, s.edge_of_chaos.sigma_w.exact  # z ~ N(0, 1); sigma_b = 0
    (sqrt(2), sqrt(2))
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from symact.core import budget, store
from symact.core.unknown import Unknown

if TYPE_CHECKING:
    from symact.definition.activation import Activation

__all__ = [
    "DEFAULT_VALIDATION",
    "GAUSSIAN_SECONDS",
    "SHEET_SECONDS",
    "Progress",
    "Sheet",
    "collect",
    "expected_cost",
    "phase_diagram",
    "sheet",
    "warm_up",
]

#: Seconds allowed for one whole sheet (its steps have their own, shorter budgets).
SHEET_SECONDS = 600.0
#: Seconds for each of the two Gaussian-input cells of a sheet (the moments and gains; the edge of chaos).
GAUSSIAN_SECONDS = 60.0
#: Input set of the validation in a report: ``"quick"`` (~1.5k points per dtype) or ``"full"`` (~20k).
VALIDATION_SIZES = ("quick", "full")
#: The input set a report validates on unless told otherwise (``None`` skips the validation).
DEFAULT_VALIDATION = "quick"


@dataclass(frozen=True)
class Sheet:
    """Everything the report shows about one activation.

    Attributes:
        act: the activation.
        derivatives: ``(f', f'')``, each an exact expression or :class:`~symact.Unknown`.
        properties: the property record.
        joints: what happens at each breakpoint (:class:`symact.report.plot.Joint`), or Unknown.
        proof: the linearity :class:`proofs.ProofResult`, or Unknown.
        validation: the :class:`symact.validation.scalar.ValidationReport`, Unknown, or ``None`` (not run).
        validation_size: the input set used (``"quick"`` or ``"full"``), or ``None``.
        plots: format -> bytes (``"svg"``, ``"pdf"``, ``"png"``); Unknown when they could not be drawn.
        seconds: wall-clock time to build the sheet, plus that of its validation (built in its own worker).
        asymptotes: the :class:`symact.report.plot.Asymptote` lines at -oo and +oo, or Unknown.
        gaussian: the :class:`symact.analysis.gaussian.Gaussian` record for z ~ N(0, 1), Unknown, or
            ``None`` (not derived).
        edge_of_chaos: the :class:`symact.analysis.gaussian.EdgeOfChaos` at sigma_b = 0, Unknown, or ``None``.
        phase: the phase diagram, :class:`symact.report.plot.PhaseData` (the critical curve chi_1 = 1 at
            :data:`symact.report.plot.PHASE_SIGMA_B`), Unknown, or ``None`` (not asked for: ``phase=True``).
        phase_plots: format -> bytes of the phase diagram's drawing; Unknown when it could not be drawn.
    """

    act: Activation
    derivatives: tuple[Any, Any]
    properties: Any
    joints: Any
    proof: Any
    validation: Any = None
    validation_size: str | None = None
    plots: Any = field(default_factory=dict)
    seconds: float = 0.0
    asymptotes: Any = ()
    gaussian: Any = None
    edge_of_chaos: Any = None
    phase: Any = None
    phase_plots: Any = field(default_factory=dict)


def _guard(fn: Callable[..., Any], *args: Any, what: str, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, with any failure turned into ``Unknown`` (a report never dies on one cell)."""
    try:
        return fn(*args, **kwargs)
    except budget.BudgetExceeded:
        if budget.spent():  # the sheet's own budget ran out: end it, do not go on to the next cell
            raise
        return Unknown(f"timeout ({what})")
    except Exception as exc:  # noqa: BLE001 - every failure is reported, with its reason
        return Unknown(f"{what} failed: {type(exc).__name__}: {exc}"[:300])


def _derivative(act: Activation, n: int) -> Any:
    return _guard(act.derivative, n, what=f"derivative {n}")


def _gaussian_types() -> tuple[type, ...]:
    """The record types of the Gaussian-input cells (for the persistent store)."""
    from symact.analysis.gaussian import EdgeOfChaos, Gaussian, PyTorchGain, Quantity
    from symact.numeric.quadrature import Certified

    return (Gaussian, EdgeOfChaos, PyTorchGain, Quantity, Certified)


def _gaussian_input(act: Activation) -> tuple[Any, Any]:
    """The moments and gains under N(0, 1) and the edge of chaos at sigma_b = 0, each an Unknown on failure
    (each with its own budget, :data:`GAUSSIAN_SECONDS`); kept in the store when no budget ran out while
    they were derived, so a sheet derived again (another cell cut short) does not derive them again."""
    from symact.analysis.gaussian import edge_of_chaos, gaussian

    stored = store.key("gaussian-input", act.expr, act.name)
    kept = store.load(stored, _gaussian_types())
    if isinstance(kept, tuple) and len(kept) == 2:  # derived in an earlier run, checked
        return kept
    before = budget.overruns()
    record = _guard(gaussian, act, 0, 1, what="Gaussian moments", seconds=GAUSSIAN_SECONDS)
    edge = _guard(edge_of_chaos, act, 0, what="edge of chaos", seconds=GAUSSIAN_SECONDS)
    if budget.overruns() == before:
        store.save(stored, (record, edge))  # only a complete pair is written (store.save checks)
    return record, edge


def _proof(act: Activation) -> Any:
    import proofs  # the proofs package is built on symact; imported only where a report needs it

    return proofs.prove_linear(act)


def _plots(
    act: Activation, props: Any, derivatives: tuple[Any, Any], formats: Sequence[str], overruns: int = -1
) -> tuple[Any, Any]:
    """The plot data and drawings; kept in the store when no budget ran out since the sheet began
    (``overruns``: :func:`~symact.core.budget.overruns` then), so that what they draw is complete."""
    from symact.report import plot

    types = (plot.PlotData, plot.Panel, plot.Mark, plot.Guide, plot.Joint, plot.Asymptote)
    stored = store.key("plot-data", act.expr, act.name)
    data = store.load(stored, types)
    complete = isinstance(data, plot.PlotData)  # derived in an earlier run, checked
    if not complete:
        got = store.counted(plot.plot_data, act, props, derivatives)
        clean = got.complete and budget.overruns() == overruns and store.complete((props, derivatives))
        data, complete = got.value, clean and store.save(stored, got.value)
    if not formats:
        return data, {}
    if not plot.have_matplotlib():
        return data, Unknown("Matplotlib is not installed (pip install 'symact[plot]')")
    import matplotlib

    drawn: dict[str, bytes] = {}
    for fmt in formats:  # a drawing is kept only with the complete data it draws
        key = store.key("plot", act.expr, act.name, fmt, f"matplotlib {matplotlib.__version__}")
        kept = store.load(key) if complete else store.MISS
        drawn[fmt] = kept if isinstance(kept, bytes) else plot.render(data, fmt)
        if complete and not isinstance(kept, bytes):
            store.save(key, drawn[fmt])
    return data, drawn


def phase_diagram(act: Activation, formats: Sequence[str] = ("svg",)) -> tuple[Any, Any]:
    """The phase diagram of ``act`` (:func:`symact.report.plot.phase_data` at
    :data:`~symact.report.plot.PHASE_SIGMA_B`, each point with its own budget, :data:`GAUSSIAN_SECONDS`)
    and its drawings in ``formats``: ``(PhaseData or Unknown, {format: bytes} or Unknown)``. The curve is
    kept in the store when no budget ran out while it was derived (about 6 s of CPU per catalog entry).

    Examples:
        >>> import symact
        >>> data, drawn = phase_diagram(symact.get("relu"), ())
        >>> print(data)  # doctest: +ELLIPSIS
        unknown (the critical curve of relu is not certified at sigma_b = 1/4: ...)
    """
    from symact.report import plot

    stored = store.key("phase-data", act.expr, act.name, plot.PHASE_SIGMA_B, GAUSSIAN_SECONDS)
    data = store.load(stored, (plot.PhaseData, *_gaussian_types()))
    if data is store.MISS:
        got = store.counted(plot.phase_data, act, plot.PHASE_SIGMA_B, GAUSSIAN_SECONDS)
        data = got.value
        if got.complete:
            store.save(stored, data)
    if isinstance(data, Unknown) or not formats:
        return data, {}
    if not plot.have_matplotlib():
        return data, Unknown("Matplotlib is not installed (pip install 'symact[plot]')")
    return data, {fmt: plot.render_phase(data, fmt) for fmt in formats}


def sheet(act: Activation, plots: Sequence[str] = ("svg",), validation: str | None = DEFAULT_VALIDATION) -> Sheet:
    """Build the sheet of one activation in this process.

    Args:
        act: the activation.
        plots: plot formats to render (``()`` for none).
        validation: ``"quick"`` (the default), ``"full"`` or ``None`` (skip the numeric validation).
            Its cost is the certified mpmath truth: cold, about 0.1-2 s of CPU per activation on
            the quick set (GELU the slowest); cached under the temp directory afterwards.
    """
    if validation is not None and validation not in VALIDATION_SIZES:
        raise ValueError(f"validation must be one of {VALIDATION_SIZES} or None, got {validation!r}")
    t0 = time.perf_counter()
    overruns = budget.overruns()
    props = act.properties()
    derivatives = (_derivative(act, 1), _derivative(act, 2))
    drawn = _guard(_plots, act, props, derivatives, tuple(plots), overruns, what="plot")
    if isinstance(drawn, Unknown):
        joints: Any = drawn
        rendered: Any = drawn
        lines: Any = drawn
    else:
        joints, rendered, lines = drawn[0].joints, drawn[1], drawn[0].asymptotes
    proof = _guard(_proof, act, what="linearity proof")
    record, edge = _gaussian_input(act)
    report = None
    if validation is not None:
        from symact.validation.scalar import validate

        report = _guard(validate, act, validation, what="validation")
    elapsed = time.perf_counter() - t0
    return Sheet(act, derivatives, props, joints, proof, report, validation, rendered, elapsed, lines, record, edge)


#: The fields of a :class:`Sheet` (without its validation) kept in the persistent store.
_STORED = (
    "derivatives",
    "properties",
    "joints",
    "proof",
    "plots",
    "seconds",
    "asymptotes",
    "gaussian",
    "edge_of_chaos",
)


def _stored_sheet(act: Activation, plots: Sequence[str]) -> tuple[store.Key, tuple[type, ...]]:
    """The store key of a sheet without validation, and the record types it may hold."""
    from proofs import evidence, verdict
    from symact.analysis.properties import Extremum, Properties
    from symact.report import plot

    drawn_by = None
    if plots and plot.have_matplotlib():
        import matplotlib

        drawn_by = f"matplotlib {matplotlib.__version__}"
    types: tuple[type, ...] = (Properties, Extremum, verdict.ProofResult, evidence.Verdict, evidence.Counterexample)
    types += (evidence.LinearityArgument, evidence.PieceStep, evidence.PointStep, plot.Joint, plot.Asymptote)
    types += _gaussian_types()
    return store.key("sheet", act.expr, act.name, tuple(plots), drawn_by), types


def _in_worker(fn: Callable[..., Any], *args: Any, seconds: float, what: str) -> Any:
    """``fn(*args)`` in a budget worker, or an Unknown saying why not (its own timeout, a dead worker); a
    timeout of an enclosing budget ends the report instead."""
    try:
        return budget.call(fn, *args, seconds=seconds, what=what)
    except budget.BudgetExceeded:
        if budget.spent():  # an enclosing budget ran out, not this cell's: end the report
            raise
        return Unknown(f"timeout ({what} took over {seconds:g} s)")
    except budget.WorkerError as exc:
        return Unknown(f"the worker for {what} failed: {exc}"[:300])


def _sheet_in_worker(act: Activation, plots: Sequence[str], validation: str | None, seconds: float) -> Sheet:
    stored = _stored_sheet(act, plots) if validation is None else None
    if stored is not None:
        kept = store.load(*stored)
        if isinstance(kept, dict) and set(kept) == set(_STORED):  # derived in an earlier run, checked
            return Sheet(act, **kept)
    got = _in_worker(store.counted, sheet, act, plots, validation, seconds=seconds, what=f"the sheet of {act.name}")
    if not isinstance(got, Unknown):
        if stored is not None and got.complete:  # no budget ran out anywhere in it
            store.save(stored[0], {name: getattr(got.value, name) for name in _STORED})
        return got.value
    reason = got
    return Sheet(
        act,
        (reason, reason),
        act.properties(),
        reason,
        reason,
        reason if validation else None,
        validation,
        reason,
        0.0,
        reason,
        reason,
        reason,
    )


class Progress:
    """A one-line counter on a terminal (``[3/38] gelu 2.1 s``), or one line per item elsewhere.

    Args:
        total: the number of items.
        stream: where to write (stderr by default).
        enabled: ``None`` to show only when ``stream`` is a terminal.
    """

    def __init__(self, total: int, stream: IO[str] | None = None, enabled: bool | None = None) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        isatty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = isatty if enabled is None else enabled
        self.tty = isatty
        self.done = 0
        self.start = time.perf_counter()

    def step(self, label: str) -> None:
        """Count one finished item."""
        self.done += 1
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.start
        line = f"symact report: [{self.done}/{self.total}] {label} ({elapsed:.1f} s)"
        if self.tty:
            self.stream.write("\r\033[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the counter line (on a terminal)."""
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()


def warm_up(plots: Sequence[str] = (), validation: str | None = DEFAULT_VALIDATION) -> None:
    """Import (and, for plots, initialise Matplotlib's fonts) once in this process, so that every
    forked worker inherits the warm state instead of paying for it again (about 1 s a sheet)."""
    import proofs  # noqa: F401
    from symact.report import plot

    if validation is not None:
        import symact.numeric.interval
        import symact.validation.scalar  # noqa: F401
    if plots and plot.have_matplotlib():
        tiny = plot.PlotData("warm-up", (-1.0, 1.0), (), (plot.Panel(0, "f(x)", ()),))
        for fmt in plots:
            plot.render(tiny, fmt)


def _validation_in_worker(act: Activation, validation: str, seconds: float) -> Any:
    from symact.validation.scalar import validate

    try:
        return _in_worker(validate, act, validation, seconds=seconds, what=f"the validation of {act.name}")
    except Exception as exc:  # noqa: BLE001 - a report never dies on one cell
        return Unknown(f"validation failed: {type(exc).__name__}: {exc}"[:300])


def _phase_in_worker(act: Activation, plots: Sequence[str], seconds: float) -> tuple[Any, Any]:
    drawn = _in_worker(phase_diagram, act, plots, seconds=seconds, what=f"the phase diagram of {act.name}")
    return (drawn, drawn) if isinstance(drawn, Unknown) else drawn


def expected_cost(act: Activation) -> int:
    """A rough, derived guess of how long an activation's sheet and validation take, used only to
    start the costly ones first: transcendental function nodes (series, limits, code regimes and
    enclosures for each) weigh 10, other operations 1. No result depends on it.

    Examples:
        >>> import symact
        >>> expected_cost(symact.get("relu")) < expected_cost(symact.get("mish"))
        True
    """
    import sympy

    piecewise_linear = (sympy.Max, sympy.Min, sympy.Abs, sympy.Heaviside, sympy.sign, sympy.Piecewise)
    funcs = [
        n
        for n in sympy.preorder_traversal(act.expr)
        if isinstance(n, sympy.Function) and not isinstance(n, piecewise_linear)
    ]
    return 10 * len(funcs) + int(sympy.count_ops(act.expr))


def collect(
    acts: Iterable[Activation],
    plots: Sequence[str] = ("svg",),
    validation: str | None = DEFAULT_VALIDATION,
    jobs: int | None = None,
    progress: Progress | None = None,
    seconds: float = SHEET_SECONDS,
    phase: bool = False,
) -> list[Sheet]:
    """The sheets of ``acts``, in the given order; with ``phase``, each with its phase diagram
    (:func:`phase_diagram`, derived in a worker of its own: about 6 s of CPU per activation, kept in the store).

    Each sheet is built in its own forked worker, and its numeric validation in
    another, ``jobs`` workers at a time (default: the number of cores, at most 2;
    ``jobs=1`` with one activation builds it in a worker too, so the caller's
    caches stay as they were). The two halves of one costly activation can then
    run side by side, and the costly activations (:func:`expected_cost`) start
    first, so no long job is left alone at the end.
    """
    if validation is not None and validation not in VALIDATION_SIZES:
        raise ValueError(f"validation must be one of {VALIDATION_SIZES} or None, got {validation!r}")
    acts = list(acts)
    jobs = max(1, min(jobs or min(os.cpu_count() or 1, 2), 2 * len(acts) or 1))
    warm_up(plots, validation)
    progress = progress or Progress(len(acts), enabled=False)
    costs = [expected_cost(a) for a in acts]
    parts = ("sheet",) + ("validation",) * (validation is not None) + ("phase",) * phase
    order = sorted(((i, part) for i in range(len(acts)) for part in parts), key=lambda t: -costs[t[0]])
    done: dict[str, dict[int, Any]] = {part: {} for part in parts}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {}
        for i, part in order:
            if part == "validation" and validation is not None:
                fut = pool.submit(_validation_in_worker, acts[i], validation, seconds)
            elif part == "phase":
                fut = pool.submit(_phase_in_worker, acts[i], tuple(plots), seconds)
            else:
                fut = pool.submit(_sheet_in_worker, acts[i], tuple(plots), None, seconds)
            futures[fut] = (i, part)
        for fut in as_completed(futures):
            i, part = futures[fut]
            done[part][i] = fut.result()
            if all(i in got for got in done.values()):
                progress.step(acts[i].name)
    progress.close()
    out = []
    for i in range(len(acts)):
        sh = done["sheet"][i]
        if validation is not None:
            rep = done["validation"][i]
            extra = getattr(rep, "seconds", 0.0)
            sh = dataclasses.replace(sh, validation=rep, validation_size=validation, seconds=sh.seconds + extra)
        if phase:
            data, drawn = done["phase"][i]
            sh = dataclasses.replace(sh, phase=data, phase_plots=drawn)
        out.append(sh)
    return out
