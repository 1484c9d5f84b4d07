"""Write a :class:`~proofs.collapse.CollapseProof` up like a textbook theorem and proof.

:func:`render_collapse` is what ``CollapseProof.text()``, ``.markdown()`` and
``.latex()`` call. It sits *below* :mod:`proofs.collapse`, so the record can
call it without an import cycle: at run time it imports only the data below it
(the verdict, the network records, the typography of :mod:`proofs.typeset`); the
record is imported for the type checker only.

Examples:
    >>> import proofs
    >>> print(render_collapse(proofs.collapse((1, 1))))
    Theorem. Let N(x) = W_1 x + b_1 be a dense network of shape 1 -> 1 with activation s(t) = t (identity) applied entrywise, and arbitrary real weights W_1 (1 x 1), b_1 (1). Then N(x) = W x + b for every input x, with W = W_1 and b = b_1: the network collapses to one affine map.
    <BLANKLINE>
    Definition. A map N is affine when N(x) = W x + b for a fixed matrix W and vector b.
    <BLANKLINE>
    Proof. Give every weight, bias and input entry its own real symbol. A single layer applies no activation. Computing N(x) exactly and expanding the products gives
        N(x)_1 = b1_1 + w1_11*x_1
     Each entry is a polynomial of degree at most 1 in the inputs. Collecting the coefficients of the inputs gives W (the Jacobian of N) and b = N(0):
        W = [[w1_11]]
        b = (b1_1)
     and N(x) - (W x + b) expands to the zero vector, a polynomial identity in all the weights and inputs. Moreover W - W_1 and b - (b_1) expand to zero, which is the closed form. Hence N is affine whatever its weights. QED
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy

from proofs.evidence import Verdict
from proofs.typeset import Fmt, latex_document

if TYPE_CHECKING:  # for the annotations only: at run time the record imports this module
    from proofs.collapse import CollapseProof as Collapse

__all__ = ["render_collapse"]


#: Expanded entries longer than this are summarized rather than printed.
MAX_PRINTED = 1500


def _mat(fm: Fmt, m: sympy.Matrix) -> str:
    """A matrix without math delimiters."""
    if fm.kind == "latex":
        return sympy.latex(sympy.Matrix(m))
    return str(sympy.Matrix(m).tolist())


def _vec(fm: Fmt, m: sympy.Matrix) -> str:
    """A column vector, written as a tuple in text."""
    if fm.kind == "latex":
        return sympy.latex(sympy.Matrix(m))
    return "(" + ", ".join(sympy.sstr(e) for e in m) + ")"


def _network(fm: Fmt, k: int) -> str:
    inner = "x"
    for i in range(1, k + 1):
        inner = f"W_{i} {inner} + b_{i}" if i == 1 else f"W_{i} s({inner}) + b_{i}"
    return f"N(x) = {inner}"


def _shape(fm: Fmt, dims: tuple[int, ...]) -> str:
    arrow = r" \to " if fm.kind == "latex" else " -> "
    return (
        fm.f(arrow.join(str(d) for d in dims)) if fm.kind != "latex" else "$" + arrow.join(str(d) for d in dims) + "$"
    )


def _dims_text(fm: Fmt, dims: tuple[int, ...]) -> str:
    parts = []
    for i in range(1, len(dims)):
        times = r"\times" if fm.kind == "latex" else "x"
        w = (
            f"W_{i} ({dims[i]} {times} {dims[i - 1]})"
            if fm.kind != "latex"
            else f"$W_{i}$ (${dims[i]} {times} {dims[i - 1]}$)"
        )
        b = f"b_{i} ({dims[i]})" if fm.kind != "latex" else f"$b_{i}$ (${dims[i]}$)"
        parts.append(f"{w}, {b}" if fm.kind == "latex" else fm.f(w) + ", " + fm.f(b))
    return ", ".join(parts)


def _activation(fm: Fmt, proof: Collapse) -> str:
    formula = fm.eq("s(t)", proof.activation.subs(sympy.Symbol("x", real=True), sympy.Symbol("t", real=True)))
    return formula if proof.name == "f" else f"{formula} ({fm.t(proof.name)})"


def _proved(proof: Collapse, fm: Fmt) -> list[str]:
    out, W, b, m, q = proof.output, proof.W, proof.b, proof.slope, proof.offset
    if out is None or W is None or b is None or m is None or q is None:
        raise ValueError("a PROVED collapse result carries its slope, offset, output and map")
    closed = (proof.W_formula, proof.b_formula) if proof.W_formula and proof.b_formula else None
    k = len(proof.dims) - 1
    blocks = []
    if closed:
        formula = f"{fm.f('W = ' + closed[0].replace('*', ' '))} and {fm.f('b = ' + closed[1].replace('*', ' '))}"
    else:
        formula = f"{fm.f('W')} and {fm.f('b')} given below"
    blocks.append(
        f"{fm.label('Theorem')} Let {fm.f(_network(fm, k))} be a dense network of shape {_shape(fm, proof.dims)} with activation "
        f"{_activation(fm, proof)} applied entrywise, and arbitrary real weights {_dims_text(fm, proof.dims)}. "
        f"Then {fm.f('N(x) = W x + b')} for every input {fm.f('x')}, with {formula}: the network collapses to one affine map."
    )
    blocks.append(
        f"{fm.label('Definition')} A map {fm.f('N')} is affine when {fm.f('N(x) = W x + b')} for a fixed matrix {fm.f('W')} and vector {fm.f('b')}."
    )
    steps = [f"{fm.label('Proof')} Give every weight, bias and input entry its own real symbol."]
    if k > 1:
        if m == 1 and q == 0 and proof.activation == sympy.Symbol("x", real=True):
            steps.append(f"The activation is the identity, {fm.f('s(t) = t')}.")
        else:
            steps.append(
                f"The activation is affine: {fm.f('s(t) - s(0)')} is linear (proved piece by piece, {fm.f('m = ' + fm.raw(m))}), "
                f"so {fm.f('s(t) = m t + s(0)')} = {fm.m(m * sympy.Symbol('t') + q)} for every real {fm.f('t')}."
            )
    else:
        steps.append("A single layer applies no activation.")
    printed = sum(len(str(e)) for e in out)
    if printed <= MAX_PRINTED:
        rows = [[f"N(x)_{i + 1}" if fm.kind != "latex" else f"N(x)_{{{i + 1}}}", fm.raw(e)] for i, e in enumerate(out)]
        steps.append(f"Computing {fm.f('N(x)')} exactly and expanding the products gives\n" + fm.rows(rows) + "\n")
    else:
        steps.append(
            f"Computing {fm.f('N(x)')} exactly and expanding the products gives {out.rows} polynomial entries ({printed} characters; omitted here)."
        )
    collected = ""
    if len(str(W)) + len(str(b)) <= MAX_PRINTED:
        collected = ":\n" + fm.rows([["W", _mat(fm, W)], ["b", _vec(fm, b)]]) + "\n"
    steps.append(
        f"Each entry is a polynomial of degree at most 1 in the inputs. Collecting the coefficients of the inputs gives {fm.f('W')} "
        f"(the Jacobian of {fm.f('N')}) and {fm.f('b = N(0)')}{collected or ','} and {fm.f('N(x) - (W x + b)')} expands to the zero vector, a polynomial "
        f"identity in all the weights and inputs."
    )
    if closed:
        steps.append(
            f"Moreover {fm.f('W - ' + closed[0].replace('*', ' '))} and {fm.f('b - (' + closed[1].replace('*', ' ') + ')')} "
            f"expand to zero, which is the closed form."
        )
    steps.append(f"Hence {fm.f('N')} is affine whatever its weights. {fm.qed()}")
    blocks.append(" ".join(steps))
    return blocks


def _disproved(proof: Collapse, fm: Fmt) -> list[str]:
    ce = proof.counterexample
    if ce is None:
        raise ValueError("a DISPROVED collapse result carries its counterexample network")
    k = len(proof.dims) - 1
    blocks = [
        (
            f"{fm.label('Theorem')} With the activation {_activation(fm, proof)}, not every dense network {fm.f(_network(fm, k))} "
            f"of shape {_shape(fm, proof.dims)} is an affine map: depth does not collapse."
        )
    ]
    blocks.append(
        f"{fm.label('Definition')} A map {fm.f('N')} is affine when {fm.f('N(x) = W x + b')} for a fixed matrix {fm.f('W')} and vector "
        f"{fm.f('b')}. Every affine map satisfies {fm.f('N(u + v) - N(u) - N(v) + N(0) = 0')} for all inputs {fm.f('u, v')}, since "
        f"{fm.f('W(u + v) + b - (W u + b) - (W v + b) + b = 0')}."
    )
    layers = []
    for i, (w, b) in enumerate(zip(ce.weights, ce.biases), start=1):
        if fm.kind == "latex":
            layers.append(f"$W_{i} = {_mat(fm, w)}$, $b_{i} = {_vec(fm, b)}$")
        else:
            layers.append(f"{fm.f(f'W_{i} = {_mat(fm, w)}')}, {fm.f(f'b_{i} = {_vec(fm, b)}')}")
    if fm.kind == "latex":
        inputs = f"$u = {_vec(fm, ce.u)}$ and $v = {_vec(fm, ce.v)}$"
    else:
        inputs = f"{fm.f(f'u = {_vec(fm, ce.u)}')} and {fm.f(f'v = {_vec(fm, ce.v)}')}"
    rows = []
    for label, out in ce.outputs:
        rows.append([f"N({label})", _vec(fm, out)])
    j = ce.component
    entries = [dict(ce.outputs)[key][j] for key in ("u + v", "u", "v", "0")]
    combo = " - ".join(fm.paren(e) for e in entries[:3]) + " + " + fm.paren(entries[3])
    if ce.enclosure is None:
        why = "exact rational arithmetic"
    else:
        lo, hi, bits = ce.enclosure
        why = f"{bits}-bit interval arithmetic encloses it in {fm.box(lo, hi)}, which excludes 0"
    entry = f"N(\\cdot)_{{{j + 1}}}" if fm.kind == "latex" else f"entry {j + 1}"
    diff = fm.f(f"{combo} = {fm.raw(ce.difference)} != 0")
    blocks.append(
        f"{fm.label('Proof')} Take the network {'; '.join(layers)}, and the inputs {inputs}. Computing exactly "
        f"(the activation applied entrywise after every layer but the last):\n{fm.rows(rows)}\n"
        f"In {fm.f(entry) if fm.kind != 'latex' else '$' + entry + '$'}, {fm.f('N(u + v) - N(u) - N(v) + N(0)')} is {diff} ({why}). "
        f"So this network is not affine. {fm.qed()}"
    )
    return blocks


def render_collapse(proof: Collapse, kind: str = "text", standalone: bool = False) -> str:
    """The write-up in ``"text"``, ``"markdown"`` or ``"latex"``."""
    fm = Fmt(kind)  # raises ValueError for an unknown format
    if proof.verdict is Verdict.PROVED:
        blocks = _proved(proof, fm)
    elif proof.verdict is Verdict.DISPROVED:
        blocks = _disproved(proof, fm)
    else:
        blocks = [
            f"{fm.label('Status')} Undecided for shape {_shape(fm, proof.dims)} with {_activation(fm, proof)}: {fm.t(proof.reason or '')}."
        ]
    if kind == "markdown":
        blocks.insert(
            0, f"### collapse, {proof.name}, shape {' -> '.join(map(str, proof.dims))}: {proof.verdict.value}"
        )
    body = "\n\n".join(blocks)
    return latex_document(body) if kind == "latex" and standalone else body
