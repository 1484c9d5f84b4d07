r"""The layout of the activation sheet, written once for every output format.

A report is a sequence of blocks (headings, paragraphs, tables, formulas,
figures, collapsible proofs). :func:`document` lays the sheets out with the
primitives of a :class:`Fmt`; :class:`Markdown` here, ``symact.report.html.Html``
and ``symact.report.latex_sheet.Latex`` implement them. Every cell is computed from a
:class:`~symact.report.data.Sheet` by :func:`value` and friends; nothing is
typed per activation. The conventions are: ``None`` prints "does not exist", an
:class:`~symact.Unknown` prints "unknown (reason)", ``True``/``False`` print
"yes"/"no".

Examples:
    >>> import sympy
    >>> md = Markdown()
    >>> value(md, None), value(md, True), value(md, sympy.Interval.open(0, 1))
    ('does not exist', 'yes', '`(0, 1)`')
    >>> value(md, Unknown("timeout")), value(md, "Cinf", "continuity")
    ('unknown (timeout)', 'C^∞')
    >>> value(md, sympy.Float("-0.16997120747990366169386847098243392283285", 40), short=True)
    '`-0.169971207479903…`'
    >>> value(md, sympy.Interval(sympy.Float("-0.16997120747990366169386847098243392283285", 40), sympy.oo), short=True)
    '`[-0.169971207479903…, ∞)`'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import sympy

from symact.analysis.properties import Extremum
from symact.core.unknown import Unknown
from symact.core.version import __version__
from symact.definition.activation import Framework
from symact.report.data import Sheet
from symact.report.latex import (
    LONG_DIGITS,
    PRINT_SETTINGS,
    constant_symbol,
    exact_text,
    function_name,
    is_long,
    named,
    printable,
)

if TYPE_CHECKING:
    from symact.analysis.gaussian import EdgeOfChaos, Gaussian, Quantity


__all__ = [
    "CONVENTIONS",
    "FIGURES",
    "GAUSSIAN_COLUMNS",
    "GAUSSIAN_INTRO",
    "GAUSSIAN_ROWS",
    "PHASE_COLUMNS",
    "PHASE_INTRO",
    "SUMMARY_COLUMNS",
    "TEX_SPECIALS",
    "Fmt",
    "Markdown",
    "constants_text",
    "cut_numbers",
    "decimal_prefix",
    "display_width",
    "document",
    "edge_rows",
    "formula_latex",
    "formula_lines",
    "gaussian_rows",
    "plain",
    "quantity_value",
    "section",
    "set_text",
    "shorten_numbers",
    "summary_rows",
    "value",
]

#: The summary table's columns (Wikipedia's activation table, plus the name).
SUMMARY_COLUMNS = (
    "Name",
    "Function f(x)",
    "Derivative f′(x)",
    "Range",
    "Order of continuity",
    "Monotonic",
    "Monotonic derivative",
    "Approximates identity near the origin",
)

CONVENTIONS = (
    "Every cell is derived from the activation's exact SymPy definition; none is typed in.",
    (
        '"does not exist" is a proved fact (no limit, no derivative, no minimum); '
        '"unknown (reason)" means symact could not decide, and says why.'
    ),
    (
        "Ranges are exact sets: a bracket is closed exactly where the bound is attained. "
        "A decimal without a closed form is certified: interval arithmetic proves its printed digits."
    ),
    (
        "At a kink, the formula of f′ takes the value between the two one-sided slopes that is closest to 0 "
        "(what PyTorch and JAX use for ReLU); the property record says where f′ really exists."
    ),
    "Order of continuity: the largest k with f in C^k(R); C^∞ is smooth.",
)


class Fmt:
    """The typographic primitives of one output format (this base class is plain text)."""

    name = "text"
    suffix = ".txt"

    def __init__(self, plot_path: Callable[[Sheet, str], str | None] | None = None) -> None:
        #: Where an activation's drawing of a kind (:data:`FIGURES`) is, as a file (None: the sheet has
        #: no such file).
        self.plot_path = plot_path

    def text(self, s: str) -> str:
        """Running text, escaped."""
        return s

    #: What marks a decimal cut short.
    ellipsis = "…"
    #: Whether inline math always cuts long numbers (certified decimals and rationals with long
    #: numerators or denominators), keeping the exact value in :meth:`exact_hint`: HTML does.
    cut_long = False

    def math(self, expr: Any, short: bool = False) -> str:
        """Inline math for a SymPy value; ``short`` (or :attr:`cut_long`) cuts long certified
        decimals to 15 digits and "…" (:attr:`cut_long` also long rationals, see :func:`cut_numbers`)."""
        if not (short or self.cut_long) or not isinstance(expr, sympy.Basic):
            return self.box(self._math(expr))
        subs = cut_numbers(expr, self.ellipsis, rationals=self.cut_long)
        if not subs:
            return self.box(self._math(expr))
        out = self._math(expr.xreplace({n: rep for n, (rep, _, _) in subs.items()}))
        for _, name, text in subs.values():
            out = self.fill(out, name, text)
        return self.exact_hint(self.box(out), expr) if self.cut_long else self.box(out)

    def box(self, math: str) -> str:
        """Inline math as placed in the text (LaTeX scales a formula wider than the line down)."""
        return math

    def fill(self, out: str, name: str, text: str) -> str:
        """Put a cut number's text where its placeholder symbol ``name`` was printed."""
        return out.replace(name, text)

    def exact_hint(self, shown: str, expr: Any) -> str:
        """``shown`` (math with numbers cut short), with the exact value of ``expr`` available."""
        return shown

    def _math(self, expr: Any) -> str:
        if isinstance(expr, sympy.Equality):
            return f"{sympy.sstr(expr.lhs)} = {sympy.sstr(expr.rhs)}"
        text = set_text(expr) if isinstance(expr, sympy.Set) else None
        return text or sympy.sstr(expr)

    def formula_cell(self, expr: Any, anchor: str) -> str:
        """A formula in the summary table (formats that cannot fit a long one there link to
        ``anchor``, the activation's section, instead)."""
        return self.math(expr)

    def sup(self, base: str, exponent: str) -> str:
        """``base`` with a superscript, e.g. C^∞."""
        return f"{base}^{exponent}"

    def strong(self, s: str) -> str:
        return s

    def heading(self, level: int, s: str, anchor: str | None = None) -> str:
        return s

    def para(self, s: str) -> str:
        return s

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], wide: bool = False) -> str:
        """A table; ``header`` is plain text (escaped here), ``rows`` hold formatted cells."""
        lines = [" | ".join(header), *(" | ".join(r) for r in rows)]
        return "\n".join(lines)

    def formulas(self, lines: Sequence[tuple[str, Any, str]]) -> str:
        """Displayed ``name(x) = expr`` lines: ``(latex of the left side, expr, latex of expr)``."""
        return "\n".join(f"{left} = {sympy.sstr(e)}" for left, e, _ in lines)

    def figure(self, sh: Sheet, kind: str = "plot") -> str:
        """A drawing of the activation (``kind``, one of :data:`FIGURES`): the format's :meth:`include` of
        its file, if it has one."""
        path = self.plot_path(sh, kind) if self.plot_path else None
        return "" if path is None else self.include(sh, path, kind)

    def include(self, sh: Sheet, path: str, kind: str = "plot") -> str:
        """A drawing's file shown in the document (plain text shows none)."""
        return ""

    def proof(self, sh: Sheet) -> str:
        return sh.proof.text() if not isinstance(sh.proof, Unknown) else str(sh.proof)

    def link(self, s: str, anchor: str) -> str:
        return s

    def notes(self, items: Sequence[str], prefix: str | None = None) -> str:
        """A numbered list (``prefix`` names anchors ``prefix-1``, ... where the format has them)."""
        return "\n".join(f"[{i}] {n}" for i, n in enumerate(items, 1))

    def unknown_ref(self, n: int) -> str:
        return f"unknown [{n}]"

    def document(self, title: str, blocks: Sequence[str]) -> str:
        return "\n\n".join(blocks) + "\n"


class Markdown(Fmt):
    """GitHub-flavoured Markdown: ``math`` blocks for formulas, code spans for values in tables."""

    name = "markdown"
    suffix = ".md"

    def text(self, s: str) -> str:
        for ch in ("\\", "*", "_", "|", "<", ">", "[", "]", "`"):
            s = s.replace(ch, "\\" + ch)
        return s

    def _math(self, expr: Any) -> str:
        return "`" + super()._math(expr).replace("|", "\\|") + "`"

    def strong(self, s: str) -> str:
        return f"**{s}**"

    def heading(self, level: int, s: str, anchor: str | None = None) -> str:
        return "#" * level + " " + s

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], wide: bool = False) -> str:
        lines = ["| " + " | ".join(self.text(h) for h in header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(c.replace("\n", " ") for c in r) + " |" for r in rows]
        return "\n".join(lines)

    def formulas(self, lines: Sequence[tuple[str, Any, str]]) -> str:
        body = " \\\\\n".join(f"{left} &= {tex}" for left, _, tex in lines)
        return "```math\n\\begin{aligned}\n" + body + "\n\\end{aligned}\n```"

    def include(self, sh: Sheet, path: str, kind: str = "plot") -> str:
        return f"![{sh.act.name}{FIGURES[kind]}]({path})"

    def proof(self, sh: Sheet) -> str:
        if isinstance(sh.proof, Unknown):
            return value(self, sh.proof)
        return sh.proof.markdown().replace("\n### ", "\n#### ").removeprefix("### ").split("\n", 1)[-1].strip()

    def link(self, s: str, anchor: str) -> str:
        return f"[{s}](#{anchor})"

    def notes(self, items: Sequence[str], prefix: str | None = None) -> str:
        return "\n".join(f"{i}. {n}" for i, n in enumerate(items, 1))

    def unknown_ref(self, n: int) -> str:
        return f"unknown [{n}]"


# ----------------------------------------------------------------------------------------
# Cells
# ----------------------------------------------------------------------------------------


def _end(v: Any) -> str:
    return {sympy.oo: "∞", -sympy.oo: "-∞"}.get(v, sympy.sstr(v))


def _inf(s: sympy.Set) -> float:
    try:
        return float(sympy.N(s.inf))
    except (TypeError, ValueError):
        return 0.0


def decimal_prefix(r: sympy.Rational, digits: int = 16, ellipsis: str = "…") -> str:
    """The first ``digits`` significant digits of the exact decimal expansion of ``r``
    (truncated, never rounded), with ``ellipsis`` where digits are left out.

    Examples:
        >>> decimal_prefix(sympy.Rational(-87904967042368842997010876040615967103012290445610415488549141, 5 * 10**61))
        '-1.758099340847376…'
        >>> decimal_prefix(sympy.Rational(1, 3 * 10**8)), decimal_prefix(sympy.Rational(5, 4)), decimal_prefix(sympy.Rational(10**20 + 1, 3))
        ('3.333333333333333…e-9', '1.25', '3.333333333333333…e19')
    """
    p, q = abs(int(r.p)), int(r.q)
    sign = "-" if p and r < 0 else ""
    if p == 0:
        return "0"
    k = len(str(p)) - len(str(q))  # floor(log10 |r|) is k or k - 1
    if p * 10 ** max(0, -k) < q * 10 ** max(0, k):
        k -= 1
    shift = digits - 1 - k  # m = floor(|r| * 10**shift) has `digits` digits
    m, rest = divmod(p * 10 ** max(0, shift), q * 10 ** max(0, -shift))
    ds = str(m)
    cut = ellipsis if rest else ""
    if -5 <= k < digits:
        head, tail = (ds[: k + 1], ds[k + 1 :]) if k >= 0 else ("0", "0" * (-k - 1) + ds)
        tail = tail.rstrip("0") if not rest else tail
        return sign + head + ("." + tail if tail else "") + cut
    tail = ds[1:].rstrip("0") if not rest else ds[1:]
    return sign + ds[0] + ("." + tail if tail else "") + cut + f"e{k}"


_FRACTION = re.compile(r"(?<![\w.*/^])(-?)(\d+)/(\d+)(?![\w.(*^])")


def shorten_numbers(text: str, digits: int = 16) -> str:
    """``text`` (SymPy's plain printing) with each long rational ``p/q`` (more than
    :data:`~symact.report.latex.LONG_DIGITS` digits in ``p`` or ``q``) replaced by the first
    ``digits`` significant digits of its decimal expansion (see :func:`decimal_prefix`).
    A fraction next to a product, quotient or power is left whole (replacing it would change
    how the text reads).

    Examples:
        >>> shorten_numbers("(-87904967042368842997010876040615967103012290445610415488549141/5" + "0" * 61 + ", oo)")
        '(-1.758099340847376…, oo)'
        >>> shorten_numbers("x/2 + 1/3"), shorten_numbers("2/100000000000000000000000000001*x")
        ('x/2 + 1/3', '2/100000000000000000000000000001*x')
    """

    def one(m: re.Match[str]) -> str:
        sign, p, q = m.groups()
        if max(len(p), len(q)) <= LONG_DIGITS:
            return m.group(0)
        return decimal_prefix(sympy.Rational(int(sign + p), int(q)), digits)

    return _FRACTION.sub(one, text)


def plain(expr: Any, constants: Sequence[tuple[str, sympy.Expr]] = (), exact: bool = False) -> str:
    """``expr`` as plain text for reading: the named constants by name, each long rational as
    its first 16 significant digits and "…" (``exact=True``: SymPy's exact printing).

    Examples:
        >>> x = sympy.Symbol("x")
        >>> plain(sympy.Rational(10**20 + 1, 10**20) * x), plain(sympy.Rational(10**20 + 1, 10**20) * x, exact=True)
        ('1.000000000000000…*x', '100000000000000000001*x/100000000000000000000')
    """
    if exact or not isinstance(expr, sympy.Basic):
        return sympy.sstr(expr)
    shown = named(expr, tuple(constants))
    subs = cut_numbers(shown, rationals=True)
    out = sympy.sstr(shown.xreplace({n: rep for n, (rep, _, _) in subs.items()}))
    for _, name, text in subs.values():
        out = out.replace(name, text)
    return shorten_numbers(out)


def cut_numbers(expr: sympy.Basic, ellipsis: str = "…", rationals: bool = False) -> dict[Any, tuple[Any, str, str]]:
    """The numbers of ``expr`` too long to read in a cell: ``number -> (replacement, name, text)``,
    the replacement holding a placeholder symbol called ``name`` that prints as ``text``. Certified
    decimals over 18 characters keep 15 digits; with ``rationals``, rationals over 20 characters
    keep the first 16 significant digits of their exact expansion.

    Examples:
        >>> alpha = sympy.Rational(16732632423543772848170429916717, 10**31)
        >>> [text for _, _, text in cut_numbers(alpha * sympy.exp(sympy.Symbol("x")) - alpha, rationals=True).values()]
        ['1.673263242354377…', '1.673263242354377…']
        >>> [text for _, _, text in cut_numbers(sympy.Float("-1.20148414578170386940225680990e-32", 30)).values()]
        ['-1.201484145781703…e-32']
        >>> print(*(text for _, _, text in cut_numbers(sympy.Float("-1.2014841457817038694022568e-32", 26), chr(92) + "ldots").values()))
        -1.201484145781703\\ldots{}e-32
    """
    subs: dict[Any, tuple[Any, str, str]] = {}

    def name() -> str:
        i = len(subs)
        return "Qshortnum" + "".join(chr(97 + (i // 26**k) % 26) for k in (2, 1, 0))

    for f in sorted(expr.atoms(sympy.Float), key=str):
        text = str(f)
        if len(text.lstrip("-")) > 18:
            n = name()
            mantissa, e, exponent = text.partition("e")  # a power of ten stays whole
            subs[f] = (sympy.Symbol(n), n, mantissa[: 17 + text.startswith("-")] + ellipsis + e + exponent)
    if rationals:
        for r in sorted(expr.atoms(sympy.Rational), key=str):
            if not r.is_Integer and len(str(abs(r))) > 20:
                n = name()
                sym = sympy.Symbol(n, positive=True)
                subs[r] = (-sym if r < 0 else sym, n, decimal_prefix(abs(r), 16, ellipsis))
    if ellipsis.startswith("\\"):  # a control word (LaTeX's \ldots) must not run into the exponent's "e"
        subs = {k: (rep, n, text.replace(ellipsis + "e", ellipsis + "{}e")) for k, (rep, n, text) in subs.items()}
    return subs


def set_text(s: sympy.Set) -> str | None:
    """A set in the usual notation, endpoints exact: ``[0, ∞)``, ``(-∞, -1/2) ∪ {0} ∪ (1/2, ∞)``.

    ``None`` for sets it does not know (the caller prints SymPy's form).

    Examples:
        >>> set_text(sympy.Union(sympy.FiniteSet(0), sympy.Interval.open(sympy.Rational(1, 2), sympy.oo)))
        '{0} ∪ (1/2, ∞)'
        >>> set_text(sympy.Interval.Lopen(0, 1)), set_text(sympy.S.EmptySet)
        ('(0, 1]', '∅')
    """
    if isinstance(s, sympy.Interval):
        left = "(" if s.left_open or s.start == -sympy.oo else "["
        right = ")" if s.right_open or s.end == sympy.oo else "]"
        return f"{left}{_end(s.start)}, {_end(s.end)}{right}"
    if isinstance(s, sympy.FiniteSet):
        return "{" + ", ".join(_end(e) for e in s.args) + "}"
    if s == sympy.S.EmptySet:
        return "∅"
    if s == sympy.S.Reals:
        return "(-∞, ∞)"
    if isinstance(s, sympy.Union):
        parts = [set_text(a) for a in sorted(s.args, key=_inf)]
        return None if None in parts else " ∪ ".join(p for p in parts if p)
    return None


def _continuity(fmt: Fmt, v: str) -> str:
    if v.startswith("C") and (v[1:].isdigit() or v == "Cinf"):
        return fmt.sup("C", "∞" if v == "Cinf" else v[1:])
    return fmt.text(v)


def value(fmt: Fmt, v: Any, field: str = "", short: bool = False) -> str:
    """One cell: a property value in the format's markup (``short``: long decimals cut, see :meth:`Fmt.math`)."""
    if v is None:
        return fmt.text("does not exist")
    if isinstance(v, Unknown):
        return fmt.text(str(v))
    if isinstance(v, bool):
        return fmt.text("yes" if v else "no")
    if isinstance(v, str):
        return _continuity(fmt, v) if field == "continuity" else fmt.text(v)
    if field == "saturates" and isinstance(v, tuple) and len(v) == 2:
        return fmt.text("at -∞: ") + value(fmt, v[0]) + fmt.text(", at +∞: ") + value(fmt, v[1])
    if isinstance(v, tuple):
        return fmt.text("(") + fmt.text(", ").join(value(fmt, e) for e in v) + fmt.text(")")
    if isinstance(v, Extremum):
        out = fmt.math(v.value)
        if v.attained:
            out += fmt.text(", attained at ") + fmt.math(v.at)
        else:
            out += fmt.text(" (not attained)")
        if v.enclosure is not None:
            out += fmt.text("; digits certified by interval arithmetic")
        return out
    if isinstance(v, sympy.Basic):
        return fmt.math(v, short=short)
    return fmt.text(str(v))


def formula_latex(sh: Sheet) -> list[tuple[str, Any, str]]:
    """``(left side, expression, LaTeX)`` for f, f' and f'' (Unknown where not derived), the
    expressions written with the activation's named constants (:func:`~symact.report.latex.named`)."""
    name = function_name(sh.act)
    out = []
    for n, e in enumerate((sh.act.expr, *sh.derivatives)):
        left = f"{name}{('', chr(39), chr(39) * 2)[n]}(x)"
        if isinstance(e, Unknown):
            out.append((left, e, "\\text{" + _tex_text(str(e)) + "}"))
        else:
            shown = named(e, sh.act.constants)
            out.append((left, shown, sympy.latex(printable(shown), **PRINT_SETTINGS)))
    return out


def display_width(expr: Any) -> float:
    """An estimate, in em, of the width of ``expr`` typeset as a formula (fractions stacked,
    cases one per line); meant to be generous, so that what it calls narrow is.

    Examples:
        >>> x = sympy.Symbol("x")
        >>> display_width(x), display_width(x**2 / 2) < display_width(x**2 + 2)
        (0.6, True)
    """
    e = printable(expr) if isinstance(expr, sympy.Expr) else expr
    if isinstance(e, sympy.Piecewise):
        return 1.0 + max(display_width(v) + display_width(c) + 3.0 for v, c in e.args)
    if isinstance(e, sympy.Rational) and not e.is_Integer:
        return 0.6 * max(len(str(abs(e.p))), len(str(e.q))) + (0.8 if e < 0 else 0.0)
    if isinstance(e, (sympy.Number, sympy.Symbol)) or not isinstance(e, sympy.Basic) or not e.args:
        text = sympy.sstr(e)
        return 0.6 * len(text) if len(text) > 1 else 0.6
    if isinstance(e, sympy.Add):
        return sum(display_width(a) for a in e.args) + 1.4 * (len(e.args) - 1)
    if isinstance(e, sympy.Mul):
        num, den = sympy.fraction(e)
        if den != 1:
            return max(display_width(num), display_width(den)) + 0.6
        return sum(display_width(a) + (1.0 if isinstance(a, sympy.Add) else 0.2) for a in e.args)
    if isinstance(e, sympy.Pow):
        if e.exp == sympy.Rational(1, 2):
            return display_width(e.base) + 1.2
        return display_width(e.base) + 0.7 * display_width(e.exp) + (1.0 if e.base.is_Add or e.base.is_Mul else 0)
    if isinstance(e, sympy.Function):
        name = type(e).__name__
        return 0.55 * len(name) + sum(display_width(a) for a in e.args) + 1.2 + 0.6 * (len(e.args) - 1)
    if isinstance(e, sympy.core.relational.Relational):
        return display_width(e.lhs) + display_width(e.rhs) + 1.6
    return 0.6 * len(sympy.sstr(e))


def formula_lines(expr: Any, width: float) -> list[sympy.Expr]:
    """``expr`` cut into lines no wider than ``width`` em (by :func:`display_width`): a sum is
    split between its terms, in the printed order (a product is multiplied out first, one level);
    each line is an unevaluated sum (print it with ``order="none"``). A formula that fits, a term
    wider than a line and a formula that is not a sum stay whole.

    Examples:
        >>> x = sympy.Symbol("x")
        >>> formula_lines(x + 1, 40)
        [x + 1]
        >>> [str(line) for line in formula_lines(sympy.exp(x) + sympy.tanh(x) + x**3, 8)]
        ['x**3 + exp(x)', 'tanh(x)']
    """
    if display_width(expr) <= width:
        return [expr]
    if isinstance(expr, sympy.Mul):  # a product: its top-level sums multiplied out (an identity)
        expr = sympy.expand(expr, deep=False, power_base=False, power_exp=False, log=False, multinomial=False)
    if not isinstance(expr, sympy.Add):
        return [expr]
    lines: list[list[sympy.Expr]] = [[]]
    used = 0.0
    for term in expr.as_ordered_terms():
        w = display_width(term) + 1.4
        if lines[-1] and used + w > width:
            lines.append([])
            used = 0.0
        lines[-1].append(term)
        used += w
    return [sympy.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0] for terms in lines]


def constants_text(fmt: Fmt, constants: Sequence[tuple[str, sympy.Expr]]) -> str:
    """The named constants of an activation, each given once: its exact value (as the format
    prints a number; HTML and LaTeX cut a long one, its exact form in a tooltip or footnote),
    then its decimal expansion (all of it when it terminates, else 20 digits and "…")."""
    parts = []
    for k, v in constants:
        decimal = exact_text(v)
        if decimal == sympy.sstr(v) and isinstance(v, sympy.Rational) and not v.is_Integer:
            decimal = decimal_prefix(v, 20)
        elif not isinstance(v, sympy.Rational):
            decimal = sympy.sstr(sympy.N(v, 20)) + "…"
        said = fmt.math(constant_symbol(k, v)) + fmt.text(" = ") + fmt.math(v)
        parts.append(said + fmt.text(f" (decimal: {decimal})"))
    return fmt.para(fmt.text("The formulas name the constants of the definition: ") + fmt.text("; ").join(parts) + ".")


#: LaTeX's special characters in text, each with its escape (applied character by character, so
#: that an escape is never escaped again).
TEX_SPECIALS: tuple[tuple[str, str], ...] = (
    ("\\", r"\textbackslash{}"),
    ("{", r"\{"),
    ("}", r"\}"),
    ("_", r"\_"),
    ("%", r"\%"),
    ("&", r"\&"),
    ("#", r"\#"),
    ("$", r"\$"),
    ("^", r"\^{}"),
    ("~", r"\~{}"),
)


_TEX_ESCAPE = dict(TEX_SPECIALS)


def _tex_text(s: str) -> str:
    return "".join(_TEX_ESCAPE.get(ch, ch) for ch in s)


def summary_rows(fmt: Fmt, sheets: Sequence[Sheet]) -> tuple[list[list[str]], list[str]]:
    """The summary table's rows and the footnotes explaining its unknown cells."""
    notes: list[str] = []
    rows = []

    def cell(v: Any, field: str = "", short: bool = False) -> str:
        if isinstance(v, Unknown):
            notes.append(v.reason)
            return fmt.unknown_ref(len(notes))
        return value(fmt, v, field, short=short)

    def formula(v: Any, sh: Sheet) -> str:
        if isinstance(v, Unknown):
            return cell(v)
        return fmt.formula_cell(named(v, sh.act.constants), sh.act.name)

    for sh in sheets:
        p = sh.properties
        rows.append(
            [
                fmt.link(fmt.text(sh.act.name), sh.act.name),
                formula(sh.act.expr, sh),
                formula(sh.derivatives[0], sh),
                cell(p.range, short=True),
                cell(p.continuity, "continuity"),
                cell(p.monotonic),
                cell(p.derivative_monotonic),
                cell(p.identity_near_origin),
            ]
        )
    return rows, notes


# ----------------------------------------------------------------------------------------
# One activation
# ----------------------------------------------------------------------------------------


def _joints(fmt: Fmt, sh: Sheet) -> str:
    if isinstance(sh.joints, Unknown):
        return fmt.para(fmt.text("Breakpoints: ") + value(fmt, sh.joints))
    if not sh.joints:
        return fmt.para(fmt.text("No breakpoints: one formula holds on the whole real line."))
    header = ["x", "f(x)", "f(x−)", "f(x+)", "f′(x−)", "f′(x+)", "what happens"]
    rows = [
        [
            fmt.math(j.at),
            fmt.math(j.value),
            value(fmt, j.limits[0][0]),
            value(fmt, j.limits[0][1]),
            value(fmt, j.limits[1][0]) if len(j.limits) > 1 else "",
            value(fmt, j.limits[1][1]) if len(j.limits) > 1 else "",
            fmt.text(j.kind),
        ]
        for j in sh.joints
    ]
    return fmt.para(fmt.text("Breakpoints (one-sided limits computed exactly):")) + "\n\n" + fmt.table(header, rows)


def _asymptotes(fmt: Fmt, sh: Sheet) -> str:
    if isinstance(sh.asymptotes, Unknown):
        return fmt.text("Asymptotes: ") + value(fmt, sh.asymptotes)
    if not sh.asymptotes:
        return fmt.text("Asymptotes: none (f has no finite limit and does not grow linearly at either end).")
    parts = [
        fmt.math(sympy.Eq(sympy.Symbol("y"), a.line, evaluate=False))
        + fmt.text(" as x → " + ("−∞" if a.side == "-oo" else "+∞"))
        for a in sh.asymptotes
    ]
    return fmt.text("Asymptotes: ") + fmt.text("; ").join(parts) + fmt.text(".")


def _validation(fmt: Fmt, sh: Sheet) -> str:
    v = sh.validation
    if v is None:
        return fmt.para(fmt.text("Not run: this report was built without it (symact report --no-validate)."))
    if isinstance(v, Unknown):
        return fmt.para(value(fmt, v))
    header = [
        "dtype",
        "function",
        "points",
        "max ULP",
        "max ULP on [-10, 10]",
        "max ULP, normal outputs",
        "wrong class",
        "warnings",
        "bar",
        "met",
    ]
    rows = [
        [
            fmt.text(r.dtype),
            fmt.text("f" + "′" * r.derivative),
            fmt.text(str(r.points)),
            fmt.text(f"{r.max_ulp:.3g}"),
            fmt.text(f"{r.max_ulp_core:.3g}"),
            fmt.text(f"{r.max_ulp_normal:.3g}"),
            fmt.text(str(r.wrong)),
            fmt.text(str(r.warnings)),
            fmt.text(r.bound),
            fmt.text("yes" if r.bound_met else "no"),
        ]
        for r in v.results
    ]
    intro = (
        f"The generated NumPy code (symact.codegen.numpy.to_numpy) against correctly rounded mpmath truth, "
        f"on the {sh.validation_size} input set: {v.summary()}."
    )
    return fmt.para(fmt.text(intro)) + "\n\n" + fmt.table(header, rows)


def _frameworks(fmt: Fmt, sh: Sheet) -> str:
    if not sh.act.frameworks:
        return fmt.para(fmt.text("No framework ships it under its own name."))
    rows = [
        [
            fmt.text(f.framework),
            fmt.text(f.api),
            fmt.text(f.defaults_text or "–"),
            _framework_note(fmt, f, dict(sh.act.values)),
        ]
        for f in sh.act.frameworks
    ]
    return fmt.table(["framework", "API", "defaults", "note"], rows)


def _framework_note(fmt: Fmt, f: Framework, values: dict[str, Any]) -> str:
    """The framework's autograd value at each kink at the sheet's parameter ``values`` (measured by the
    conformance suite), then its note."""
    parts = [
        fmt.text("gradient ") + fmt.math(d, short=True) + fmt.text(" at x = ") + fmt.math(p, short=True)
        for p, d in f.kinks_at(values)
    ]
    parts += [fmt.text(f.note)] if f.note else []
    return fmt.text("; ").join(parts) or fmt.text("–")


#: The Gaussian-input table's columns.
GAUSSIAN_COLUMNS = ("quantity", "value", "how it is known")
#: What the Gaussian-input section says before its table.
GAUSSIAN_INTRO = (
    "For z drawn from N(0, 1); f′ is the almost-everywhere derivative (what autodiff computes; a jump adds "
    "no Dirac mass). A closed form is given only where it agrees with certified quadrature; otherwise the "
    "decimal is certified. The forward gain keeps the second moment of a layer's pre-activations "
    "(weights of variance gain²/fan_in), the backward gain that of its gradients; σ_w at σ_b = 0 is the "
    "edge of chaos (Poole et al. 2016), where chi_1 = σ_w² E[f′(√q* z)²] = 1 at the fixed point q*."
)
#: The phase diagram table's columns.
PHASE_COLUMNS = ("σ_b", "critical σ_w (chi_1 = 1)", "fixed point q*")
#: What the phase diagram section says before its table.
PHASE_INTRO = (
    "The critical curve of the mean-field theory of deep networks (Poole et al. 2016; Schoenholz et al. "
    "2017): at each bias scale σ_b, the weight scale σ_w at which chi_1 = σ_w² E[f′(√q* z)²] = 1 at the "
    "fixed point q* = σ_w² E[f(√q* z)²] + σ_b² of the variance map. Each point is exact or certified (a "
    "proved sign change brackets q*, uniqueness of the fixed point is not claimed); the drawing joins the "
    "points with straight segments, which are not claimed."
)
#: The drawings a sheet can have, by kind, with what follows the activation's name in their caption.
FIGURES = {"plot": ", its first and second derivative", "phase": ": the phase diagram (chi_1 = 1)"}
#: The moments and gains of a :class:`~symact.analysis.gaussian.Gaussian` record the table shows, with labels.
GAUSSIAN_ROWS = (
    ("mean", "E[f(z)]"),
    ("second_moment", "E[f(z)²]"),
    ("variance", "Var f(z)"),
    ("second_slope", "E[f′(z)²]"),
    ("forward_gain", "forward gain 1/√E[f(z)²]"),
    ("backward_gain", "backward gain 1/√E[f′(z)²]"),
)


def quantity_value(fmt: Fmt, q: Quantity) -> str:
    """A :class:`~symact.analysis.gaussian.Quantity` in a cell: its exact value (long numbers cut as in
    every cell), followed by its certified decimal when the exact value is irrational; the certified
    decimal alone without a closed form, or where a closed form of long numbers would not fit a cell
    (HTML and LaTeX: the exact form is then in the tooltip or footnote); "unknown (reason)" without either.

    Examples:
        >>> from symact.analysis.gaussian import Quantity
        >>> quantity_value(Markdown(), Quantity("g", exact=sympy.sqrt(2)))
        '`sqrt(2)`'
        >>> quantity_value(Markdown(), Quantity("g", unknown=Unknown("no closed form")))
        'unknown (no closed form)'
    """
    decimal = None
    if q.enclosure is not None and (q.exact is None or not q.exact.is_Rational):
        enc = q.enclosure
        if enc.digits > 0:
            decimal = fmt.math(sympy.Float(enc.decimal(), enc.digits), short=True)
        else:  # an enclosure of 0 (a value this close to 0 has no certified digit)
            low, high = enc.bounds(6)
            decimal = fmt.text(f"between {low} and {high}")
    if q.exact is None:
        return decimal or value(fmt, q.unknown if q.unknown is not None else Unknown("not computed"))
    if decimal is not None and fmt.cut_long and any(is_long(r) for r in q.exact.atoms(sympy.Rational)):
        # a closed form made of long numbers (SELU's 31-digit constants): the certified decimal in the
        # cell, the exact form where the format keeps cut values (HTML's tooltip, LaTeX's footnote)
        return fmt.exact_hint(decimal, q.exact)
    exact = fmt.math(q.exact, short=True)
    return exact if decimal is None else exact + fmt.text(" = ") + decimal


def gaussian_rows(fmt: Fmt, record: Gaussian | Unknown) -> list[list[str]]:
    """The rows (quantity, value, how) of the moments and gains of a
    :class:`~symact.analysis.gaussian.Gaussian` record, with PyTorch's ``calculate_gain`` where it
    has one (the difference explained); one row saying why when the record is an ``Unknown``.

    Examples:
        >>> import symact
        >>> for row in gaussian_rows(Fmt(), symact.gaussian(symact.get("relu")))[1:5:3]:
        ...     print(" | ".join(row))
        E[f(z)²] | 1/2 | exact integral, piece by piece; agrees with certified quadrature
        forward gain 1/√E[f(z)²] | sqrt(2) = 1.414213562373095… | 1/sqrt(E[f(z)^2])
    """
    if isinstance(record, Unknown):
        return [[fmt.text("moments and gains"), value(fmt, record), fmt.text("–")]]
    rows = [
        [fmt.text(label), quantity_value(fmt, getattr(record, name)), fmt.text(getattr(record, name).note or "–")]
        for name, label in GAUSSIAN_ROWS
    ]
    if record.pytorch is not None:
        torch = record.pytorch
        rows.append(
            [
                fmt.text(f"PyTorch calculate_gain('{torch.nonlinearity}')"),
                fmt.math(torch.gain, short=True),
                fmt.text(torch.explanation),
            ]
        )
    return rows


def edge_rows(fmt: Fmt, edge: EdgeOfChaos | Unknown) -> list[list[str]]:
    """The rows (quantity, value, how) of an :class:`~symact.analysis.gaussian.EdgeOfChaos`:
    the critical sigma_w and the fixed point q* there (one row saying why for an ``Unknown``).

    Examples:
        >>> import symact
        >>> for row in edge_rows(Fmt(), symact.edge_of_chaos(symact.get("tanh"))):
        ...     print(" | ".join(row)[:60])
        edge of chaos at σ_b = 0: σ_w | 1 | f(0) = 0 and |f'| <= |f'
        fixed point q* at σ_b = 0 | 0 | f(0) = 0
    """
    if isinstance(edge, Unknown):
        return [[fmt.text("edge of chaos"), value(fmt, edge), fmt.text("–")]]
    at = f"at σ_b = {sympy.sstr(edge.sigma_b)}"
    how = edge.note or edge.sigma_w.note or "–"
    return [
        [fmt.text(f"edge of chaos {at}: σ_w"), quantity_value(fmt, edge.sigma_w), fmt.text(how)],
        [fmt.text(f"fixed point q* {at}"), quantity_value(fmt, edge.q_star), fmt.text(edge.q_star.note or "–")],
    ]


def _gaussian(fmt: Fmt, sh: Sheet) -> list[str]:
    """The Gaussian-input section: the moments and gains, PyTorch's gain, the edge of chaos at sigma_b = 0
    (nothing for a sheet without them: a vector activation, or a sheet built without them)."""
    if sh.gaussian is None and sh.edge_of_chaos is None:
        return []
    rows = gaussian_rows(fmt, sh.gaussian) if sh.gaussian is not None else []
    if sh.edge_of_chaos is not None:
        rows += edge_rows(fmt, sh.edge_of_chaos)
    blocks = [fmt.heading(3, fmt.text("Gaussian input")), fmt.para(fmt.text(GAUSSIAN_INTRO))]
    blocks.append(fmt.table(GAUSSIAN_COLUMNS, rows))
    notes = () if isinstance(sh.gaussian, Unknown) or sh.gaussian is None else sh.gaussian.notes
    blocks += [fmt.para(fmt.text("Note: " + n)) for n in notes]
    return blocks


def _phase(fmt: Fmt, sh: Sheet) -> list[str]:
    """The phase diagram: the certified points of the critical curve as a table, and its drawing (nothing
    for a sheet built without it)."""
    if sh.phase is None:
        return []
    blocks = [fmt.heading(3, fmt.text("Phase diagram")), fmt.para(fmt.text(PHASE_INTRO))]
    if isinstance(sh.phase, Unknown):
        return [*blocks, fmt.para(fmt.text("Not drawn: ") + value(fmt, sh.phase))]
    rows = [
        [fmt.math(r.sigma_b), quantity_value(fmt, r.sigma_w), quantity_value(fmt, r.q_star)] for r in sh.phase.records
    ]
    blocks.append(fmt.table(PHASE_COLUMNS, rows))
    if sh.phase.left_out:
        blocks.append(fmt.para(fmt.text("σ_b = 0 is not on the curve: " + sh.phase.left_out)))
    if isinstance(sh.phase_plots, Unknown):
        blocks.append(fmt.para(fmt.text("Plot: " + str(sh.phase_plots))))
    else:
        blocks.append(fmt.figure(sh, "phase"))
    return blocks


def section(fmt: Fmt, sh: Sheet) -> list[str]:
    """The blocks of one activation's section."""
    act, p = sh.act, sh.properties
    blocks = [fmt.heading(2, fmt.text(act.name), anchor=act.name)]
    intro = fmt.text(act.summary)
    if act.aliases:
        intro += fmt.text(" Also called " + ", ".join(act.aliases) + ".")
    blocks.append(fmt.para(intro))
    if act.params:
        rows = [
            [fmt.text(par.name), fmt.math(v), fmt.text(par.description)] for par, (_, v) in zip(act.params, act.values)
        ]
        blocks.append(fmt.table(["parameter", "value", "meaning"], rows))
    blocks.append(fmt.formulas(formula_latex(sh)))
    if act.constants:
        blocks.append(constants_text(fmt, act.constants))
    fig = fmt.figure(sh)
    if fig:
        blocks.append(fig)
    limits = (
        fmt.text("Limits: x → −∞: ")
        + value(fmt, p.limit_neg_inf)
        + fmt.text("; x → +∞: ")
        + value(fmt, p.limit_pos_inf)
        + fmt.text(". Range: ")
        + value(fmt, p.range)
        + fmt.text(".")
    )
    blocks.append(fmt.para(limits))
    blocks.append(fmt.para(_asymptotes(fmt, sh)))
    blocks.append(_joints(fmt, sh))
    blocks.append(fmt.heading(3, fmt.text("Properties")))
    fields = [(k, v) for k, v in p.as_dict().items() if k != "name"]
    blocks.append(
        fmt.table(["property", "value"], [[fmt.text(k.replace("_", " ")), value(fmt, v, k)] for k, v in fields])
    )
    verdict = sh.proof.verdict.value if not isinstance(sh.proof, Unknown) else "unknown"
    blocks.append(fmt.heading(3, fmt.text(f"Linearity: {verdict}")))
    blocks.append(fmt.proof(sh))
    blocks.append(fmt.heading(3, fmt.text("Numeric validation")))
    blocks.append(_validation(fmt, sh))
    blocks.append(fmt.heading(3, fmt.text("Frameworks")))
    blocks.append(_frameworks(fmt, sh))
    blocks += _gaussian(fmt, sh)
    blocks += _phase(fmt, sh)
    return blocks


def document(fmt: Fmt, sheets: Sequence[Sheet], title: str = "The activation sheet") -> str:
    """The whole report: conventions, the summary table, then one section per activation."""
    blocks = [fmt.heading(1, fmt.text(title))]
    blocks.append(
        fmt.para(
            fmt.text(
                f"Generated by symact {__version__} for {len(sheets)} activation{'s' * (len(sheets) != 1)}. Conventions:"
            )
        )
    )
    blocks.append(fmt.notes([fmt.text(c) for c in CONVENTIONS]))
    blocks.append(fmt.heading(2, fmt.text("Summary"), anchor="summary"))
    rows, notes = summary_rows(fmt, sheets)
    blocks.append(fmt.table(SUMMARY_COLUMNS, rows, wide=True))
    named_in = [sh for sh in sheets if sh.act.constants]
    if named_in:
        parts = [
            fmt.text(f"{sh.act.name}: ")
            + fmt.text(", ").join(
                fmt.math(constant_symbol(k, v)) + fmt.text(" = ") + fmt.math(v) for k, v in sh.act.constants
            )
            for sh in named_in
        ]
        blocks.append(fmt.para(fmt.text("Named constants in the formulas: ") + fmt.text("; ").join(parts) + "."))
    if notes:
        blocks.append(fmt.para(fmt.text("Why the unknown cells are unknown:")))
        blocks.append(fmt.notes([fmt.text(n) for n in notes], prefix="why"))
    for sh in sheets:
        blocks.extend(b for b in section(fmt, sh) if b)
    return fmt.document(fmt.text(title), blocks)
