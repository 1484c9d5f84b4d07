r"""The activation sheet (what ``symact report`` writes), and the Jupyter displays.

One sheet per activation (:mod:`symact.report.data`), laid out once
(:mod:`symact.report.layout`) and written as Markdown, LaTeX
(:mod:`symact.report.latex_sheet`), self-contained HTML with MathML
(:mod:`symact.report.html`) or JSON. The sheets are derived once and reused for
every format, so ``--format all`` costs little more than one format.

* **Markdown** (``.md``): formulas in ```` ```math ```` blocks (GitHub renders
  them), plots as SVG files in ``<stem>_plots/`` next to the report.
* **LaTeX** (``.tex``): a complete document for ``pdflatex``; plots as PDF
  files in ``<stem>_plots/``.
* **HTML** (``.html``): one file that works offline; plots inline.
* **JSON** (``.json``): the same facts as data (see :func:`to_json`).

Every report includes the numeric validation (:func:`symact.validation.scalar.validate`,
ULP figures per dtype for f and f') on the ``quick`` input set (about 1.5k points
per dtype and function); ``--validate full`` uses the full set (~20k points) and
``--no-validate`` leaves it out (the report then says "Not run"). Its cost is the
certified, correctly rounded mpmath truth: about 11 s of CPU for the whole catalog
with a cold truth cache (GELU the slowest, about 1.5 s), cached under the temp
directory afterwards.

Examples:
    >>> import symact
    >>> sheets = build(["relu"], plots=())
    >>> text = render(sheets, "markdown")
    >>> print(next(line for line in text.splitlines() if line.startswith("| [relu]")))  # the summary row
    | [relu](#relu) | `Max(0, x)` | `Piecewise((0, x <= 0), (1, True))` | `[0, ∞)` | C^0 | non-decreasing | non-decreasing | no |
    >>> print(repr_latex(symact.get("relu")))
    $\displaystyle \operatorname{ReLU}(x) = \max\left(0, x\right)$
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from symact.core.unknown import Unknown
from symact.definition import registry
from symact.definition.activation import Activation
from symact.report.data import DEFAULT_VALIDATION, Progress, Sheet, collect
from symact.report.layout import (
    FIGURES,
    GAUSSIAN_COLUMNS,
    SUMMARY_COLUMNS,
    Fmt,
    Markdown,
    document,
    edge_rows,
    formula_latex,
    gaussian_rows,
    value,
)
from symact.report.serialize import to_jsonable

__all__ = [
    "FORMATS",
    "build",
    "render",
    "repr_html",
    "repr_latex",
    "repr_markdown",
    "to_json",
    "write",
]

#: Output formats, their file suffixes and the plot format each one needs.
FORMATS = {"markdown": (".md", "svg"), "latex": (".tex", "pdf"), "html": (".html", "svg"), "json": (".json", None)}


def build(
    names: Iterable[str | Activation] | None = None,
    plots: Sequence[str] = ("svg",),
    validation: str | None = DEFAULT_VALIDATION,
    jobs: int | None = None,
    progress: Progress | None = None,
    phase: bool = False,
) -> list[Sheet]:
    """The sheets of the named activations (the whole catalog when ``names`` is None); ``phase`` adds each
    one's phase diagram (:func:`symact.report.data.phase_diagram`: about 6 s of CPU per activation).

    Raises:
        UnknownActivationError: a name is not in the catalog.
    """
    acts = [registry.get_scalar(n) for n in names] if names else list(registry.all_activations())
    return collect(acts, plots=plots, validation=validation, jobs=jobs, progress=progress, phase=phase)


def _drawings(sh: Sheet, kind: str) -> Any:
    """The drawings of a kind (``"plot"`` or ``"phase"``, :data:`~symact.report.layout.FIGURES`) of a sheet."""
    return sh.plots if kind == "plot" else sh.phase_plots


def _plot_file(sh: Sheet, fmt: str, kind: str) -> str:
    """Where a drawing goes, relative to the plot folder: ``NAME.svg``, ``phase/NAME.svg``."""
    return f"{sh.act.name}.{fmt}" if kind == "plot" else f"{kind}/{sh.act.name}.{fmt}"


def _plot_name(sh: Sheet, plot_dir: str | None, fmt: str, kind: str = "plot") -> str | None:
    drawn = _drawings(sh, kind)
    if plot_dir is None or not isinstance(drawn, dict) or fmt not in drawn:
        return None
    return f"{plot_dir}/{_plot_file(sh, fmt, kind)}"


def render(
    sheets: Sequence[Sheet],
    fmt: str,
    plot_dir: str | None = None,
    plot_formats: Sequence[str] = ("svg", "pdf"),
    conformance: Sequence[dict[str, Any]] | None = None,
) -> str:
    """The report as text. ``plot_dir`` is the folder (relative to the report) holding the
    plot files that Markdown, LaTeX and JSON refer to (JSON: those of ``plot_formats``);
    without it they name no plot file. ``conformance`` (JSON only) is the table of
    :func:`symact.validation.frameworks.conformance_table`."""
    if fmt == "json":
        data = to_json(sheets, plot_dir, plot_formats, conformance)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return document(Markdown(lambda sh, kind: _plot_name(sh, plot_dir, "svg", kind)), sheets)
    if fmt == "latex":
        from symact.report.latex_sheet import Latex

        return document(Latex(lambda sh, kind: _plot_name(sh, plot_dir, "pdf", kind)), sheets)
    if fmt == "html":
        from symact.report.html import Html

        return document(Html(), sheets)
    raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")


def _record_json(record: Any) -> Any:
    """A Gaussian-input record as ``symact init --format json`` gives it, ``{"unknown": reason}``, or ``None``."""
    if record is None or isinstance(record, Unknown):
        return to_jsonable(record)
    return record.to_dict()


def _strict_json(value: Any) -> Any:
    """``value`` with every non-finite float as the text ``"inf"``, ``"-inf"`` or ``"nan"`` (strict JSON has none).

    Examples:
        >>> _strict_json({"max_ulp": float("inf"), "points": [1.5, float("nan")]})
        {'max_ulp': 'inf', 'points': [1.5, 'nan']}
    """
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(v) for v in value]
    return value


def _plot_files(sh: Sheet, plot_dir: str | None, plot_formats: Sequence[str], kind: str = "plot") -> Any:
    if isinstance(_drawings(sh, kind), Unknown):
        return to_jsonable(_drawings(sh, kind))
    names = {fmt: _plot_name(sh, plot_dir, fmt, kind) for fmt in plot_formats}
    return {fmt: path for fmt, path in names.items() if path} or None


def _phase_json(sh: Sheet, plot_dir: str | None, plot_formats: Sequence[str]) -> Any:
    """The phase diagram as data: each point's edge-of-chaos record, why sigma_b = 0 is left out, the
    drawing's files; ``{"unknown": reason}``, or ``None`` when the sheet was built without it."""
    if sh.phase is None or isinstance(sh.phase, Unknown):
        return to_jsonable(sh.phase)
    return {
        "points": [record.to_dict() for record in sh.phase.records],
        "left_out": sh.phase.left_out or None,
        "plots": _plot_files(sh, plot_dir, plot_formats, "phase"),
    }


def to_json(
    sheets: Sequence[Sheet],
    plot_dir: str | None = None,
    plot_formats: Sequence[str] = ("svg", "pdf"),
    conformance: Sequence[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The report as JSON-ready data: exact values as strings (``sympy.sympify`` reads them back),
    ``{"unknown": reason}`` for undecided cells, ``null`` for "does not exist". ``"plots"`` maps
    each plot format to its file, relative to the report (``plot_dir/NAME.svg``, as Markdown and
    LaTeX refer to them), for the ``plot_formats`` written next to it; ``null`` when none is.
    ``"constants"`` holds the named constants (SELU's ``alpha`` and ``lambda``) that the
    ``"latex"`` formulas use, exactly. ``"gaussian"`` and ``"edge_of_chaos"`` are the records of the
    Gaussian-input section (z ~ N(0, 1); sigma_b = 0) with the fields ``symact init --format json`` prints;
    ``null`` when the sheet has none. ``"phase_diagram"`` holds the edge-of-chaos record of each point of
    the critical curve (sigma_b > 0 included), ``null`` unless the sheets were built with ``phase=True``.
    ``"conformance"`` holds the activation's rows of ``conformance``
    (:func:`symact.validation.frameworks.conformance_table`: each framework record measured against the
    installed framework, with the ULP errors of the framework and of symact's code); ``null`` without it."""
    from symact.core.version import __version__
    from symact.report.layout import CONVENTIONS

    plain = Fmt()
    rows = []
    for sh in sheets:
        p = sh.properties
        rows.append(
            dict(
                zip(
                    SUMMARY_COLUMNS,
                    to_jsonable(
                        [
                            sh.act.name,
                            sh.act.expr,
                            sh.derivatives[0],
                            p.range,
                            p.continuity,
                            p.monotonic,
                            p.derivative_monotonic,
                            p.identity_near_origin,
                        ]
                    ),
                )
            )
        )
    acts = []
    for sh in sheets:
        proof: Any = (
            to_jsonable(sh.proof)
            if isinstance(sh.proof, Unknown)
            else {**sh.proof.to_dict(), "markdown": sh.proof.markdown()}
        )
        validation: Any = None
        if isinstance(sh.validation, Unknown):
            validation = to_jsonable(sh.validation)
        elif sh.validation is not None:
            validation = {
                "inputs": sh.validation_size,
                "summary": sh.validation.summary(),
                "ok": sh.validation.ok,
                "results": to_jsonable(list(sh.validation.results)),
            }
        joints = (
            to_jsonable(sh.joints)
            if isinstance(sh.joints, Unknown)
            else [
                {
                    "at": str(j.at),
                    "value": str(j.value),
                    "limits": to_jsonable(j.limits),
                    "status": list(j.status),
                    "kind": j.kind,
                }
                for j in sh.joints
            ]
        )
        acts.append(
            {
                "name": sh.act.name,
                "aliases": list(sh.act.aliases),
                "summary": sh.act.summary,
                "parameters": {k: str(v) for k, v in sh.act.values},
                "constants": {k: str(v) for k, v in sh.act.constants},
                "formula": str(sh.act.expr),
                "derivatives": to_jsonable(list(sh.derivatives)),
                "latex": [tex for _, _, tex in formula_latex(sh)],
                "properties": to_jsonable(sh.properties),
                "property_text": {k: value(plain, v, k) for k, v in sh.properties.as_dict().items() if k != "name"},
                "breakpoints": joints,
                "asymptotes": to_jsonable(sh.asymptotes)
                if isinstance(sh.asymptotes, Unknown)
                else [{"side": a.side, "slope": str(a.slope), "intercept": str(a.intercept)} for a in sh.asymptotes],
                "linearity": proof,
                "validation": validation,
                "frameworks": to_jsonable(list(sh.act.frameworks)),
                "plots": _plot_files(sh, plot_dir, plot_formats),
                "gaussian": _record_json(sh.gaussian),
                "edge_of_chaos": _record_json(sh.edge_of_chaos),
                "phase_diagram": _phase_json(sh, plot_dir, plot_formats),
                "conformance": None
                if conformance is None
                else [_strict_json(row) for row in conformance if row["entry"] == sh.act.name],
            }
        )
    return {"symact": __version__, "conventions": list(CONVENTIONS), "summary": rows, "activations": acts}


def _target(path: Path, fmt: str, many: bool) -> Path:
    return path.with_suffix(FORMATS[fmt][0]) if many or not path.suffix else path


def write(
    sheets: Sequence[Sheet],
    formats: Sequence[str],
    path: str | os.PathLike[str],
    conformance: Sequence[dict[str, Any]] | None = None,
) -> list[Path]:
    """Write the report in each format next to ``path`` (its suffix replaced when several formats
    are asked for), plot files into ``<stem>_plots/``; returns the files written. ``conformance``
    goes into the JSON (see :func:`render`)."""
    path = Path(path)
    written: list[Path] = []
    plot_dir = path.with_name(path.stem + "_plots")
    wants = sorted({plot for f in formats if f in ("markdown", "latex") and (plot := FORMATS[f][1]) is not None})
    for fmt_plot in wants:
        for sh in sheets:
            for kind in FIGURES:
                drawn = _drawings(sh, kind)
                if isinstance(drawn, dict) and fmt_plot in drawn:
                    target = plot_dir / _plot_file(sh, fmt_plot, kind)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(drawn[fmt_plot])
                    written.append(target)
    for fmt in formats:
        target = _target(path, fmt, len(formats) > 1)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(sheets, fmt, plot_dir.name, wants, conformance), encoding="utf-8")
        written.append(target)
    return written


# ----------------------------------------------------------------------------------------
# Jupyter displays
# ----------------------------------------------------------------------------------------


def _kind(obj: Any) -> str:
    from symact.analysis.properties import Properties

    if isinstance(obj, Activation):
        return "activation"
    if isinstance(obj, Properties):
        return "properties"
    if type(obj).__name__ == "ProofResult" and hasattr(obj, "markdown"):
        return "proof"
    gaussian = sys.modules.get("symact.analysis.gaussian")  # not imported: obj cannot be one of its records
    if gaussian is not None and isinstance(obj, gaussian.Gaussian):
        return "gaussian"
    if gaussian is not None and isinstance(obj, gaussian.EdgeOfChaos):
        return "edge"
    return ""


def repr_latex(obj: Any) -> str | None:
    """``_repr_latex_`` for an :class:`~symact.Activation` (its definition); ``None`` for other objects."""
    if _kind(obj) == "activation":
        return f"$\\displaystyle {obj.latex()}$"
    return None


def _property_rows(fmt: Any, props: Any) -> list[list[str]]:
    return [[fmt.text(k.replace("_", " ")), value(fmt, v, k)] for k, v in props.as_dict().items() if k != "name"]


def repr_html(obj: Any) -> str | None:
    """``_repr_html_`` for an activation (formula and derivative in MathML), a property record
    (a table), a proof result (its write-up) and a Gaussian-input record (:func:`symact.gaussian`'s,
    :func:`symact.edge_of_chaos`'s: a table as in the sheet); ``None`` for other objects."""
    from symact.report.html import Html, markdown_to_html, mathml

    kind, h = _kind(obj), Html()
    if kind == "activation":
        lines = [f"<p><strong>{h.text(obj.name)}</strong>: {h.text(obj.summary)}</p>"]
        for n, e in ((0, obj.expr), (1, obj.derivative(1))):
            lhs = h.text(obj.name + "′" * n + "(x) =")
            lines.append(f"<div>{lhs} {mathml(e)}</div>")
        return "\n".join(lines)
    if kind == "properties":
        return f"<p><strong>{h.text(obj.name)}</strong></p>" + h.table(["property", "value"], _property_rows(h, obj))
    if kind == "proof":
        return markdown_to_html(obj.markdown())
    if kind in ("gaussian", "edge"):
        return f"<p><strong>{h.text(_record_title(obj))}</strong></p>" + _record_body(h, obj)
    return None


def repr_markdown(obj: Any) -> str | None:
    """``_repr_markdown_`` for an activation, a property record, a proof result and a Gaussian-input
    record; ``None`` otherwise.

    Examples:
        >>> import symact
        >>> print(repr_markdown(symact.edge_of_chaos(symact.get("relu"))))
        **relu: the edge of chaos at σ\\_b = 0**
        <BLANKLINE>
        | quantity | value | how it is known |
        |---|---|---|
        | edge of chaos at σ\\_b = 0: σ\\_w | `sqrt(2)` = `1.414213562373095…` | f is positively homogeneous: chi\\_1 = ... |
        | fixed point q\\* at σ\\_b = 0 | `0` | – |
    """
    kind, md = _kind(obj), Markdown()
    if kind == "activation":
        return f"**{md.text(obj.name)}**: {md.text(obj.summary)}\n\n$$ {obj.latex()} $$\n\n$$ {obj.latex(1)} $$"
    if kind == "properties":
        return f"**{md.text(obj.name)}**\n\n" + md.table(["property", "value"], _property_rows(md, obj))
    if kind == "proof":
        return obj.markdown()
    if kind in ("gaussian", "edge"):
        return f"**{md.text(_record_title(obj))}**\n\n" + _record_body(md, obj)
    return None


def _record_title(obj: Any) -> str:
    """The heading of a Gaussian-input record's display."""
    if _kind(obj) == "edge":
        return f"{obj.activation}: the edge of chaos at σ_b = {obj.sigma_b}"
    return f"{obj.activation}(z) for z drawn from N({obj.mu}, {obj.sigma**2})"


def _record_body(fmt: Fmt, obj: Any) -> str:
    """The table of a Gaussian (moments, gains, PyTorch's gain) or edge-of-chaos record, then its notes,
    laid out as in the activation sheet's Gaussian-input section."""
    rows = edge_rows(fmt, obj) if _kind(obj) == "edge" else gaussian_rows(fmt, obj)
    notes = [fmt.para(fmt.text("Note: " + n)) for n in getattr(obj, "notes", ())]
    return "\n\n".join([fmt.table(GAUSSIAN_COLUMNS, rows), *notes])
