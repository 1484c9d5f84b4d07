r"""The HTML activation sheet: one self-contained file, math as MathML, plots inline.

No script, no stylesheet or font from the network: the CSS is inline, every
formula is presentation MathML (browsers render it natively), and the plots
are SVG embedded as ``data:`` URIs. Proofs sit in ``<details>`` elements, which
open without script.

:func:`mathml` is SymPy's presentation printer with the one thing it lacks for
activations: ``Piecewise`` prints as a brace and a table of cases (SymPy prints
it as the text ``piecewise(...)``), and ``Heaviside``/``sign`` print through the
canonical piecewise form, like the LaTeX output.

Examples:
    >>> import symact
    >>> print(mathml(symact.get("relu").derivative()))  # doctest: +NORMALIZE_WHITESPACE
    <math xmlns="http://www.w3.org/1998/Math/MathML"><mrow><mo>{</mo><mtable><mtr><mtd><mn>0</mn></mtd><mtd><mtext>for&#160;</mtext><mrow><mi>x</mi><mo>&#x2264;</mo><mn>0</mn></mrow></mtd></mtr><mtr><mtd><mn>1</mn></mtd><mtd><mtext>otherwise</mtext></mtd></mtr></mtable></mrow></math>
    >>> Html().text("a < b & c")
    'a &lt; b &amp; c'
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from typing import Any

import sympy
from sympy.printing.mathml import MathMLPresentationPrinter

from symact.core.unknown import Unknown
from symact.report.data import Sheet
from symact.report.latex import PRINT_SETTINGS, printable
from symact.report.layout import FIGURES, Fmt, cut_numbers, display_width, formula_lines

#: The widest formula (em, by :func:`~symact.report.layout.display_width`) shown in a summary cell;
#: a wider one is left to the activation's section.
CELL_EM = 22.0
#: How wide (em, by :func:`~symact.report.layout.display_width`) a line of a displayed formula may be.
DISPLAY_EM = 34.0

__all__ = ["CELL_EM", "CSS", "DISPLAY_EM", "Html", "markdown_to_html", "mathml"]

_NS = "http://www.w3.org/1998/Math/MathML"


class _Printer(MathMLPresentationPrinter):
    """SymPy's presentation MathML, with ``Piecewise`` as cases."""

    def _print_Piecewise(self, expr: sympy.Piecewise) -> Any:
        row = self.dom.createElement("mrow")
        brace = self.dom.createElement("mo")
        brace.appendChild(self.dom.createTextNode("{"))
        row.appendChild(brace)
        table = self.dom.createElement("mtable")
        for e, c in expr.args:
            tr = self.dom.createElement("mtr")
            first = self.dom.createElement("mtd")
            first.appendChild(self._print(e))
            second = self.dom.createElement("mtd")
            word = self.dom.createElement("mtext")
            if c == sympy.true:
                word.appendChild(self.dom.createTextNode("otherwise"))
                second.appendChild(word)
            else:
                word.appendChild(self.dom.createTextNode("for\u00a0"))
                second.appendChild(word)
                second.appendChild(self._print(c))
            tr.appendChild(first)
            tr.appendChild(second)
            table.appendChild(tr)
        row.appendChild(table)
        return row


def mathml(expr: Any, display: bool = False, order: str | None = None) -> str:
    """A ``<math>`` element for a SymPy value (``display=True`` for a block; ``order="none"``
    keeps the terms of a sum in their given order)."""
    e = sympy.sympify(expr, strict=True)
    if isinstance(e, sympy.Expr):
        e = printable(e)
    settings = {**PRINT_SETTINGS, "order": order} if order else PRINT_SETTINGS
    body = _Printer(settings).doprint(e)
    body = body.replace("&#xA0;", "&#160;").replace("\u00a0", "&#160;")
    body = body.replace("<mo>-</mo>", "<mo>&#x2212;</mo>").replace("<mn>-", "<mn>&#x2212;")
    body = body.replace("<mo><</mo>", "<mo>&lt;</mo>").replace("<mo>></mo>", "<mo>&gt;</mo>")  # SymPy leaves them raw
    attr = ' display="block"' if display else ""
    return f'<math xmlns="{_NS}"{attr}>{body}</math>'


_SLUG = re.compile(r"[^a-z0-9_-]+")


def _anchor(s: str) -> str:
    return _SLUG.sub("-", s.lower())


def markdown_to_html(text: str) -> str:
    """The little Markdown a proof write-up uses (``**bold**``, code spans, ``- `` lists, ``#`` headings) as HTML.

    Examples:
        >>> markdown_to_html("**Proof.** Take `a = 1`:\\n- `f(1) = 1`")
        '<p><strong>Proof.</strong> Take <code>a = 1</code>:</p>\\n<ul><li><code>f(1) = 1</code></li></ul>'
    """
    out: list[str] = []
    items: list[str] = []
    para: list[str] = []

    def inline(s: str) -> str:
        s = html.escape(s, quote=False)
        s = re.sub(r"`([^`]*)`", r"<code>\1</code>", s)
        return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", s)

    def flush() -> None:
        if para:
            out.append("<p>" + " ".join(para) + "</p>")
            para.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        if line.startswith("- "):
            if para:
                out.append("<p>" + " ".join(para) + "</p>")
                para.clear()
            items.append(inline(line[2:]))
        elif line.startswith("#"):
            flush()
            level = min(len(line) - len(line.lstrip("#")), 6)
            out.append(f"<h{level}>{inline(line.lstrip('#').strip())}</h{level}>")
        elif not line.strip():
            flush()
        else:
            if items:
                flush()
            para.append(inline(line))
    flush()
    return "\n".join(out)


class Html(Fmt):
    """HTML5 with MathML; see the module docstring."""

    name = "html"
    suffix = ".html"
    cut_long = True

    def text(self, s: str) -> str:
        return html.escape(s, quote=False)

    def fill(self, out: str, name: str, text: str) -> str:
        return out.replace(f"<mi>{name}</mi>", f"<mn>{html.escape(text)}</mn>").replace(name, html.escape(text))

    def exact_hint(self, shown: str, expr: Any) -> str:
        """The math with long numbers cut, the exact value in its tooltip (``title``), which
        the sheet's exact formulas and its JSON twin also hold."""
        exact = Fmt()._math(expr)
        return f'<span class="exact" title="exact: {html.escape(exact, quote=True)}">{shown}</span>'

    def _math(self, expr: Any) -> str:
        return mathml(expr)

    def formula_cell(self, expr: Any, anchor: str) -> str:
        if display_width(expr) > CELL_EM:
            return f'<a href="#{_anchor(anchor)}">too long: see its section</a>'
        return self.math(expr)

    def sup(self, base: str, exponent: str) -> str:
        return f"{html.escape(base)}<sup>{html.escape(exponent)}</sup>"

    def strong(self, s: str) -> str:
        return f"<strong>{s}</strong>"

    def heading(self, level: int, s: str, anchor: str | None = None) -> str:
        ident = f' id="{_anchor(anchor)}"' if anchor else ""
        return f"<h{level}{ident}>{s}</h{level}>"

    def para(self, s: str) -> str:
        return f"<p>{s}</p>"

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], wide: bool = False) -> str:
        head = "".join(f"<th>{self.text(h)}</th>" for h in header)
        wrap = (
            (lambda c: f'<div class="cell">{c}</div>') if wide else (lambda c: c)
        )  # a summary cell holds a formula narrow enough for it (Html.formula_cell)
        body = "\n".join("<tr>" + "".join(f"<td>{wrap(c)}</td>" for c in r) + "</tr>" for r in rows)
        cls = "wide" if wide else "facts"
        return f'<div class="scroll"><table class="{cls}">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table></div>'

    def formulas(self, lines: Sequence[tuple[str, Any, str]]) -> str:
        from symact.report.layout import value

        rows = []
        for left, e, _ in lines:
            name = _plain_name(html.escape(left.replace("''", "″").replace("'", "′")))
            if isinstance(e, Unknown) or not isinstance(e, sympy.Expr):
                rows.append(f'<div class="formula"><span class="lhs">{name}&#8201;=</span>{value(self, e)}</div>')
                continue
            for i, line in enumerate(formula_lines(printable(e), DISPLAY_EM)):
                lhs = f"{name}&#8201;=" if i == 0 else ("" if _negative(line) else "+")
                rows.append(f'<div class="formula"><span class="lhs">{lhs}</span>{self._display(line)}</div>')
        return '<div class="formulas">' + "\n".join(rows) + "</div>"

    def _display(self, line: sympy.Expr) -> str:
        """One displayed line: long numbers cut, the exact line in its tooltip."""
        subs = cut_numbers(line, "…", rationals=True)
        if not subs:
            return mathml(line, display=True, order="none")
        out = mathml(line.xreplace({n: rep for n, (rep, _, _) in subs.items()}), display=True, order="none")
        for _, name, text in subs.values():
            out = self.fill(out, name, text)
        exact = html.escape(sympy.sstr(line), quote=True)
        return f'<span class="exact" title="exact: {exact}">{out}</span>'

    def figure(self, sh: Sheet, kind: str = "plot") -> str:
        drawn = sh.plots if kind == "plot" else sh.phase_plots
        if isinstance(drawn, Unknown):
            return self.para("Plot: " + self.text(str(drawn)))
        svg = drawn.get("svg") if drawn else None
        if svg is None:
            return ""
        data = base64.b64encode(svg).decode("ascii")
        what = ", with breakpoints, asymptotes and range bounds marked" if kind == "plot" else ""
        alt = html.escape(f"{sh.act.name}{FIGURES[kind]}{what}")
        return f'<figure><img src="data:image/svg+xml;base64,{data}" alt="{alt}"></figure>'

    def proof(self, sh: Sheet) -> str:
        if isinstance(sh.proof, Unknown):
            return self.para(self.text(str(sh.proof)))
        body = sh.proof.markdown().split("\n", 1)[-1]  # the heading is the section's
        claim = html.escape(str(sh.proof))
        return f"<details><summary>{claim}</summary>\n{markdown_to_html(body)}\n</details>"

    def link(self, s: str, anchor: str) -> str:
        return f'<a href="#{_anchor(anchor)}">{s}</a>'

    def notes(self, items: Sequence[str], prefix: str | None = None) -> str:
        ids = [f' id="{prefix}-{i}"' if prefix else "" for i in range(1, len(items) + 1)]
        return "<ol>" + "".join(f"<li{ident}>{n}</li>" for ident, n in zip(ids, items)) + "</ol>"

    def unknown_ref(self, n: int) -> str:
        return f'unknown&#8239;<a href="#why-{n}" class="note">[{n}]</a>'

    def document(self, title: str, blocks: Sequence[str]) -> str:
        body = "\n".join(blocks)
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
        )


def _negative(line: sympy.Expr) -> bool:
    """Whether a line of a split sum prints with a leading minus sign."""
    first = line.args[0] if isinstance(line, sympy.Add) else line
    return bool(first.could_extract_minus_sign())


def _plain_name(name: str) -> str:
    """``\\operatorname{ReLU}'(x)`` -> ``ReLU′(x)``, ``\\sigma(x)`` -> ``σ(x)`` for the left-hand sides."""
    name = re.sub(r"\\operatorname\{([^}]*)\}", r"\1", name)
    name = re.sub(r"_\{\\tanh\}", "<sub>tanh</sub>", name)
    greek = {"\\sigma": "σ", "\\tanh": "tanh", "\\arctan": "arctan", "\\exp": "exp", "\\sin": "sin"}
    for k, v in greek.items():
        name = name.replace(k, v)
    return name.replace("\\_", "_")


CSS = """
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #d9dee7; --band: #f4f6fa; --accent: #1f5fa8; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 20px 24px 64px; }
h1 { font-size: 1.9em; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.45em; margin: 2.2em 0 0.4em; padding-top: 0.6em; border-top: 2px solid var(--line); }
h3 { font-size: 1.1em; margin: 1.4em 0 0.4em; color: var(--muted); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code { font: 0.92em/1.4 ui-monospace, "DejaVu Sans Mono", monospace; background: var(--band); padding: 0 3px; border-radius: 3px; }
.scroll { overflow-x: auto; margin: 0.6em 0 1em; }
table { border-collapse: collapse; font-size: 0.92em; }
th, td { border: 1px solid var(--line); padding: 5px 9px; text-align: left; vertical-align: middle; }
thead th { background: #e9edf4; font-weight: 600; position: sticky; top: 0; }
tbody tr:nth-child(even) td { background: var(--band); }
table.wide { font-size: 0.84em; }
table.wide th, table.wide td { padding: 4px 7px; }
table.wide .cell { max-width: 22em; }
table.wide td:first-child { white-space: nowrap; font-weight: 600; }
table.facts td:first-child { white-space: nowrap; color: var(--muted); }
.formulas { margin: 0.8em 0; padding: 10px 16px; background: var(--band); border-left: 4px solid var(--accent); border-radius: 4px; overflow-x: auto; }
.formula { display: flex; align-items: center; gap: 0.6em; margin: 4px 0; }
.formula .lhs { white-space: nowrap; min-width: 9em; text-align: right; font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", serif; font-size: 1.1em; }
.formula math[display="block"] { margin: 0; display: inline-block; }
math { font-size: 1.18em; }
td math { math-style: normal; }
.formulas math { font-size: 1.3em; }
mtd { text-align: left; padding: 1px 6px; }
figure { margin: 0.8em 0; }
figure img { width: 100%; max-width: 1040px; height: auto; border: 1px solid var(--line); border-radius: 4px; }
details { margin: 0.5em 0 1em; padding: 6px 12px; border: 1px solid var(--line); border-radius: 4px; background: #fbfcfe; overflow-wrap: anywhere; }
table.facts td, p { overflow-wrap: anywhere; }
details summary { cursor: pointer; font-weight: 600; }
a.note { font-size: 0.85em; }
.exact { text-decoration: underline dotted var(--muted); text-underline-offset: 3px; cursor: help; }
"""
