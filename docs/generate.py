"""The generated pages of the documentation site: one page per activation, and the command line.

``conf.py`` runs :func:`main` when a Sphinx build starts; it writes into ``docs/_generated/``
(never edited by hand, not under version control):

* ``activations/index.md``: the conventions and the summary table of the activation sheet, and
  ``activations/NAME.md``, one page per catalog entry, laid out by the report layer
  (:func:`symact.report.layout.section`, the same sections as ``symact report --format markdown``):
  formulas, plot, limits, range, breakpoints, properties, the linearity proof, the numeric
  validation on the quick input set, the frameworks, and the generated NumPy code;
* ``vector.md``: the vector activations, their definitions;
* ``cli.md``: the ``--help`` text of ``symact`` and of each of its commands.

Nothing here is typed per activation: the list of pages is the catalog (:func:`symact.names`).
Run it alone with ``python docs/generate.py [all|none|NAME,NAME,...]``.
"""

from __future__ import annotations

import argparse
import html
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from symact.definition import registry
from symact.report import layout, plot
from symact.report.data import DEFAULT_VALIDATION, Sheet
from symact.report.sheet import build

#: The width of the ``--help`` texts on the command-line page (argparse reads it from COLUMNS).
HELP_COLUMNS = 100


class Page(layout.Markdown):
    """The report's Markdown, as MyST pages: one page per activation (its name the page's title),
    formulas as ``math`` directives (MathJax), the summary linking to the pages."""

    name = "myst"
    #: Long certified decimals and rationals are cut to 16 digits in running text and tables, with the
    #: exact value in a tooltip (as the HTML sheet does); the formulas keep every digit.
    cut_long = True

    def exact_hint(self, shown: str, expr: Any) -> str:
        exact = html.escape(layout.Fmt()._math(expr), quote=True).replace("|", "&#124;")
        return f'<span title="exact: {exact}">{shown}</span>'

    def heading(self, level: int, s: str, anchor: str | None = None) -> str:
        return "#" * max(1, level - 1) + " " + s  # the sheet's level-2 sections are pages here

    def formulas(self, lines: Sequence[tuple[str, Any, str]]) -> str:
        body = " \\\\\n".join(f"{left} &= {tex}" for left, _, tex in lines)
        return "```{math}\n:nowrap:\n\n\\[\\begin{aligned}\n" + body + "\n\\end{aligned}\\]\n```"

    def link(self, s: str, anchor: str) -> str:
        return f"[{s}]({anchor}.md)"

    def proof(self, sh: Sheet) -> str:
        return super().proof(sh).replace("\n#### ", "\n### ")


def _write(path: Path, text: str | bytes) -> None:
    """Write ``path`` only when its content changes (Sphinx then rebuilds only what changed)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def selection(which: str) -> tuple[str, ...]:
    """The activations that get a page: ``"all"`` (the catalog), ``"none"``, or names separated by commas.

    Raises:
        UnknownActivationError: a name is not in the scalar catalog.
    """
    if which.strip() == "all":
        return registry.names()
    if which.strip() in ("", "none"):
        return ()
    return tuple(registry.get_scalar(n.strip()).name for n in which.split(",") if n.strip())


def _code(sh: Sheet, fmt: Page) -> str:
    from symact.codegen.numpy import source

    blocks = [fmt.heading(3, "Generated code")]
    blocks.append(
        f"The NumPy code that `symact code {sh.act.name}` generates (printed there as a self-contained module, "
        "with the helpers it calls; `--bare` prints what is shown here). Helpers whose names begin with `_` "
        "are in `symact.codegen.kernels`."
    )
    blocks += ["```python\n" + source(sh.act, n).rstrip() + "\n```" for n in (0, 1)]
    return "\n\n".join(blocks)


def activation_page(sh: Sheet) -> str:
    """One activation's page: the report's section, with the generated code before the validation."""
    fmt = Page(
        lambda s, kind: (
            f"{s.act.name}.svg" if kind == "plot" and isinstance(s.plots, dict) and "svg" in s.plots else None
        )
    )
    blocks = [b for b in layout.section(fmt, sh) if b]
    at = blocks.index(fmt.heading(3, fmt.text("Numeric validation")))
    blocks.insert(at, _code(sh, fmt))
    return "\n\n".join(blocks) + "\n"


def index_page(sheets: Sequence[Sheet]) -> str:
    """The activations' index: the conventions, the summary table (linking to the pages), the page list."""
    fmt = Page()
    blocks = [
        "# Activations",
        (
            f"One page per catalog entry ({len(sheets)} here), generated from the catalog when the site is built, "
            "by the same code as `symact report`. Conventions:"
        ),
        fmt.notes([fmt.text(c) for c in layout.CONVENTIONS]),
    ]
    if sheets:
        rows, notes = layout.summary_rows(fmt, sheets)
        blocks.append(fmt.table(layout.SUMMARY_COLUMNS, rows, wide=True))
        if notes:
            blocks.append(fmt.para(fmt.text("Why the unknown cells are unknown:")))
            blocks.append(fmt.notes([fmt.text(n) for n in notes]))
    else:
        blocks.append("This build has no activation pages (`SYMACT_DOCS_ACTIVATIONS=none`).")
    blocks.append("```{toctree}\n:hidden:\n\n" + "\n".join(sh.act.name for sh in sheets) + "\n```")
    return "\n\n".join(blocks) + "\n"


def vector_page() -> str:
    """The vector activations: each one's summary and definition (``symact show NAME`` derives the rest)."""
    fmt = Page()
    blocks = [
        "# Vector activations",
        (
            "Activations of a whole vector, such as softmax, live in their own catalog; `symact.get` finds them "
            "like any other, `symact show NAME` gives the proved output set and the Jacobian, and "
            "`symact code NAME` the stable NumPy code."
        ),
    ]
    for act in registry.all_vector_activations():
        blocks.append(f"## {act.name}")
        blocks.append(fmt.para(fmt.text(act.summary)))
        blocks.append("```{math}\n" + act.latex() + "\n```")
    return "\n\n".join(blocks) + "\n"


def cli_page() -> str:
    """The ``--help`` text of ``symact`` and of each command, as argparse prints it."""
    from symact import cli

    parser = cli._parser()
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(HELP_COLUMNS)
    try:
        helps = [("symact", parser.format_help())]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps += [(f"symact {name}", sub.format_help()) for name, sub in action.choices.items()]
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before
    blocks = [
        "# Command line",
        (
            "The `symact` command (installed with the package; `python -m symact` does the same). "
            "Exit codes: 0 success, 1 an UNKNOWN proof or a failed check, 2 usage errors and unknown names."
        ),
    ]
    for title, text in helps:
        blocks.append(f"## `{title}`")
        blocks.append("```text\n" + text.rstrip() + "\n```")
    return "\n\n".join(blocks) + "\n"


def main(srcdir: Path, which: str = "all") -> list[Sheet]:
    """Write the generated pages under ``srcdir/_generated`` (see the module's docstring)."""
    out = Path(srcdir) / "_generated"
    names = selection(which)
    start = time.perf_counter()
    plots = ("svg",) if plot.have_matplotlib() else ()
    sheets = build(names, plots=plots, validation=DEFAULT_VALIDATION) if names else []
    pages = out / "activations"
    keep = {"index.md"}
    for sh in sheets:
        _write(pages / f"{sh.act.name}.md", activation_page(sh))
        keep.add(f"{sh.act.name}.md")
        if isinstance(sh.plots, dict) and "svg" in sh.plots:
            _write(pages / f"{sh.act.name}.svg", sh.plots["svg"])
            keep.add(f"{sh.act.name}.svg")
    _write(pages / "index.md", index_page(sheets))
    for old in pages.iterdir():  # pages of a previous build with another selection
        if old.name not in keep:
            old.unlink()
    _write(out / "vector.md", vector_page())
    _write(out / "cli.md", cli_page())
    print(f"symact docs: {len(sheets)} activation pages generated in {time.perf_counter() - start:.1f} s")
    return sheets


if __name__ == "__main__":
    main(Path(__file__).resolve().parent, sys.argv[1] if len(sys.argv) > 1 else "all")
