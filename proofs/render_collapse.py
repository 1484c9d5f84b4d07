"""Write a :class:`~proofs.collapse.CollapseProof` up like a textbook theorem and proof."""

from __future__ import annotations

import sympy

from proofs.collapse import CollapseProof
from proofs.render import _Fmt
from proofs.verdict import Verdict

__all__ = ["render_collapse"]

#: Expanded entries longer than this are summarized rather than printed.
MAX_PRINTED = 1500


def _mat(fm: _Fmt, m: sympy.Matrix) -> str:
    """A matrix without math delimiters."""
    if fm.kind == "latex":
        return sympy.latex(sympy.Matrix(m))
    return str(sympy.Matrix(m).tolist())


def _vec(fm: _Fmt, m: sympy.Matrix) -> str:
    """A column vector, written as a tuple in text."""
    if fm.kind == "latex":
        return sympy.latex(sympy.Matrix(m))
    return "(" + ", ".join(sympy.sstr(e) for e in m) + ")"


def _network(fm: _Fmt, k: int) -> str:
    inner = "x"
    for i in range(1, k + 1):
        inner = f"W_{i} {inner} + b_{i}" if i == 1 else f"W_{i} s({inner}) + b_{i}"
    return f"N(x) = {inner}"


def _shape(fm: _Fmt, dims: tuple[int, ...]) -> str:
    arrow = r" \to " if fm.kind == "latex" else " -> "
    return (
        fm.f(arrow.join(str(d) for d in dims)) if fm.kind != "latex" else "$" + arrow.join(str(d) for d in dims) + "$"
    )


def _dims_text(fm: _Fmt, dims: tuple[int, ...]) -> str:
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


def _activation(fm: _Fmt, proof: CollapseProof) -> str:
    formula = fm.eq("s(t)", proof.activation.subs(sympy.Symbol("x", real=True), sympy.Symbol("t", real=True)))
    return formula if proof.name == "f" else f"{formula} ({fm.t(proof.name)})"


def _proved(proof: CollapseProof, fm: _Fmt) -> list[str]:
    k = len(proof.dims) - 1
    blocks = []
    if proof.W_formula:
        formula = (
            f"{fm.f('W = ' + proof.W_formula.replace('*', ' '))} and {fm.f('b = ' + proof.b_formula.replace('*', ' '))}"
        )
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
        act = proof.activation_result
        if proof.slope == 1 and proof.offset == 0 and proof.activation == sympy.Symbol("x", real=True):
            steps.append(f"The activation is the identity, {fm.f('s(t) = t')}.")
        else:
            steps.append(
                f"The activation is affine: {fm.f('s(t) - s(0)')} is linear (proved piece by piece, {fm.f('m = ' + fm.raw(proof.slope))}), "
                f"so {fm.f('s(t) = m t + s(0)')} = {fm.m(proof.slope * sympy.Symbol('t') + proof.offset)} for every real {fm.f('t')}."
            )
            if act is None:  # pragma: no cover - always set for k > 1
                pass
    else:
        steps.append("A single layer applies no activation.")
    out = proof.output
    printed = sum(len(str(e)) for e in out)
    if printed <= MAX_PRINTED:
        rows = [[f"N(x)_{i + 1}" if fm.kind != "latex" else f"N(x)_{{{i + 1}}}", fm.raw(e)] for i, e in enumerate(out)]
        steps.append(f"Computing {fm.f('N(x)')} exactly and expanding the products gives\n" + fm.rows(rows) + "\n")
    else:
        steps.append(
            f"Computing {fm.f('N(x)')} exactly and expanding the products gives {out.rows} polynomial entries ({printed} characters; omitted here)."
        )
    collected = ""
    if len(str(proof.W)) + len(str(proof.b)) <= MAX_PRINTED:
        collected = ":\n" + fm.rows([["W", _mat(fm, proof.W)], ["b", _vec(fm, proof.b)]]) + "\n"
    steps.append(
        f"Each entry is a polynomial of degree at most 1 in the inputs. Collecting the coefficients of the inputs gives {fm.f('W')} "
        f"(the Jacobian of {fm.f('N')}) and {fm.f('b = N(0)')}{collected or ','} and {fm.f('N(x) - (W x + b)')} expands to the zero vector, a polynomial "
        f"identity in all the weights and inputs."
    )
    if proof.W_formula:
        steps.append(
            f"Moreover {fm.f('W - ' + proof.W_formula.replace('*', ' '))} and {fm.f('b - (' + proof.b_formula.replace('*', ' ') + ')')} "
            f"expand to zero, which is the closed form."
        )
    steps.append(f"Hence {fm.f('N')} is affine whatever its weights. {fm.qed()}")
    blocks.append(" ".join(steps))
    return blocks


def _disproved(proof: CollapseProof, fm: _Fmt) -> list[str]:
    ce = proof.counterexample
    k = len(proof.dims) - 1
    blocks = [
        f"{fm.label('Theorem')} With the activation {_activation(fm, proof)}, not every dense network {fm.f(_network(fm, k))} "
        f"of shape {_shape(fm, proof.dims)} is an affine map: depth does not collapse."
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
    combo = " - ".join(_paren_text(fm, e) for e in entries[:3]) + " + " + _paren_text(fm, entries[3])
    if ce.enclosure is None:
        why = "exact rational arithmetic"
    else:
        lo, hi, bits = ce.enclosure
        box = f"$[{lo}, {hi}]$" if fm.kind == "latex" else fm.f(f"[{lo}, {hi}]")
        why = f"{bits}-bit interval arithmetic encloses it in {box}, which excludes 0"
    entry = f"N(\\cdot)_{{{j + 1}}}" if fm.kind == "latex" else f"entry {j + 1}"
    diff = fm.f(f"{combo} = {fm.raw(ce.difference)} != 0")
    blocks.append(
        f"{fm.label('Proof')} Take the network {'; '.join(layers)}, and the inputs {inputs}. Computing exactly "
        f"(the activation applied entrywise after every layer but the last):\n{fm.rows(rows)}\n"
        f"In {fm.f(entry) if fm.kind != 'latex' else '$' + entry + '$'}, {fm.f('N(u + v) - N(u) - N(v) + N(0)')} is {diff} ({why}). "
        f"So this network is not affine. {fm.qed()}"
    )
    return blocks


def _paren_text(fm: _Fmt, e: sympy.Expr) -> str:
    text = fm.raw(e)
    if e.is_Add or (e.is_Rational and e < 0) or e.could_extract_minus_sign():
        return rf"\left({text}\right)" if fm.kind == "latex" else f"({text})"
    return text


def render_collapse(proof: CollapseProof, kind: str = "text", standalone: bool = False) -> str:
    """The write-up in ``"text"``, ``"markdown"`` or ``"latex"``."""
    if kind not in ("text", "markdown", "latex"):
        raise ValueError(f"unknown format {kind!r}")
    fm = _Fmt(kind)
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
    if kind == "latex" and standalone:
        return (
            "\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{amssymb}\n\\begin{document}\n\\sloppy\n"
            + body
            + "\n\\end{document}\n"
        )
    return body
