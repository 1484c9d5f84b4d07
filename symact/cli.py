"""The ``symact`` command line (also ``python -m symact``): every command, in one argument tree.

Commands: ``list``, ``show``, ``latex``, ``prove``, ``code``, ``check``, ``report``,
``plot``, ``collapse`` and ``perceptron`` (``symact --help`` lists them). A NAME is
looked up in the registry (:mod:`symact.definition.registry`), so every command that
takes one accepts scalar and vector activations alike.

Exit codes: 0 success; 1 a check failed or a proof ended UNKNOWN; 2 usage
errors, unknown names and invalid definitions (one line on stderr, no traceback).

Examples:
    >>> main(["latex", "relu"])
    \\operatorname{ReLU}(x) = \\max\\left(0, x\\right)
    0
    >>> main(["latex", "logsumexp"])
    \\operatorname{LSE}(x) = \\log{\\left(\\sum_{j=0}^{n - 1} e^{{x}_{j}} \\right)}
    0
    >>> main(["perceptron", "--weights", "1", "1", "--threshold", "2"])
    x1 x2 | sum | step(sum - 2)
     0  0 |   0 | 0
     0  1 |   1 | 0
     1  0 |   1 | 0
     1  1 |   2 | 1
    0
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

from symact.core.errors import DefinitionError, SymactError

if TYPE_CHECKING:
    import sympy

    from symact.analysis.vector import Fact
    from symact.definition.activation import Activation
    from symact.definition.vector import VectorActivation

# The layers a command needs are imported by the command, so that 'symact --help' and '--version'
# load no SymPy and 'symact list' only the definition layer (tests/test_startup.py checks this).

__all__ = ["add_plot_arguments", "add_report_arguments", "main", "validation_of", "vector_prover"]

#: The output formats of the proofs.
PROOF_FORMATS = ("text", "markdown", "latex", "json")

#: Claims only vector activations have (see proofs.vector.CLAIMS); "all" proves every applicable one.
_VECTOR_CLAIMS = ("sum_to_one", "shift_invariance", "two_class", "log_softmax_identity", "softmin_identity", "all")

#: Report formats by file suffix (the default format of ``symact report -o FILE``).
_SUFFIXES = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".tex": "latex",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"symact: error: {message} (see 'symact --help')\n")


class _Meter:
    """Progress of a long command on stderr, never on stdout: on a terminal a counter line that is
    rewritten in place (``symact check: [3/38] gelu (12.1 s)``) and cleared at the end; elsewhere one
    summary line at the end (``symact check: 38 activations in 61.2 s``). ``enabled=False``: silent.

    Examples:
        >>> import io
        >>> meter = _Meter("check", 2, stream=io.StringIO())
        >>> meter.step("relu"); meter.step("elu"); meter.close("2 activations")
        >>> meter.stream.getvalue().startswith("symact check: 2 activations in ")
        True
    """

    def __init__(self, command: str, total: int, enabled: bool | None = None, stream: IO[str] | None = None) -> None:
        self.command, self.total, self.done = command, total, 0
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled is not False
        self.start = time.perf_counter()

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (BrokenPipeError, ValueError):  # a closed stderr never stops the command
            self.enabled = False

    def show(self, label: str) -> None:
        """On a terminal: what is being done now."""
        if self.enabled and self.tty:
            elapsed = time.perf_counter() - self.start
            self._write(f"\r\033[Ksymact {self.command}: [{self.done + 1}/{self.total}] {label} ({elapsed:.1f} s)")

    def step(self, label: str) -> None:
        """One item done."""
        self.done += 1
        if self.done < self.total:
            self.show(label)

    def close(self, summary: str) -> None:
        """Clear the counter (terminal) or write ``summary`` and the time taken (elsewhere)."""
        if not self.enabled:
            return
        if self.tty:
            self._write("\r\033[K")
        else:
            self._write(f"symact {self.command}: {summary} in {time.perf_counter() - self.start:.1f} s\n")


# ----------------------------------------------------------------------------------------
# The argument tree
# ----------------------------------------------------------------------------------------


def _add_param(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter's value, exact (1/5, 0.2, sqrt(2)/2); for --expr it declares NAME (repeatable)",
    )


def _add_progress(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress on stderr (default: a counter on a terminal, else one summary line at the end)",
    )


def _add_target(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", help="catalog name or alias (see 'symact list')")
    p.add_argument(
        "--expr", metavar="TEXT", help="define the activation from text instead, e.g. 'x*tanh(log(1 + exp(x)))'"
    )
    _add_param(p)


def add_report_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``symact report``."""
    from symact.report.data import DEFAULT_VALIDATION

    p.add_argument("names", nargs="*", metavar="NAME", help="activations to include (default: the whole catalog)")
    p.add_argument(
        "--format",
        action="append",
        metavar="FORMAT",
        help="markdown, latex, html, json or all (repeat or comma-separate for several; default: from -o, else markdown)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="output file (several formats: its suffix is replaced per format); default stdout",
    )
    p.add_argument("--no-plots", action="store_true", help="leave the plots out (they need the symact[plot] extra)")
    check = p.add_mutually_exclusive_group()
    check.add_argument(
        "--validate",
        nargs="?",
        const="quick",
        default=None,
        choices=("quick", "full"),
        help="the input set of the numeric validation (ULP figures against certified mpmath truth): "
        f"quick (~1.5k points per dtype) or full (~20k); default: {DEFAULT_VALIDATION}",
    )
    check.add_argument("--no-validate", action="store_true", help="leave the numeric validation out")
    p.add_argument(
        "--jobs", type=int, default=None, metavar="N", help="activations built in parallel (default: cores, at most 2)"
    )
    p.add_argument(
        "--phase",
        action="store_true",
        help="add each activation's phase diagram: the critical curve chi_1 = 1 (sigma_w against sigma_b = 0, "
        "1/4, ..., 2), each point certified, as a table and a plot; about 6 s of CPU per activation, then cached",
    )
    p.add_argument(
        "--conformance",
        action="store_true",
        help="JSON only: measure each framework record against the installed PyTorch, JAX and Keras (their "
        "ULP errors next to symact's code, their defaults and kink conventions); slow, it imports the frameworks",
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress line on stderr (default: when stderr is a terminal)",
    )


def add_plot_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``symact plot``."""
    p.add_argument("name", nargs="?", help="catalog name or alias")
    p.add_argument("--expr", metavar="TEXT", help="define the activation from text instead")
    _add_param(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.png, FILE.svg or FILE.pdf")
    p.add_argument(
        "--phase",
        action="store_true",
        help="draw the phase diagram instead: the critical curve chi_1 = 1 (sigma_b across, sigma_w up), "
        "each point certified (exit 1, nothing written, where it is not)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="symact", description="The mathematics of neural-network activation functions, derived and checked."
    )
    parser.add_argument("--version", action="version", version=f"symact {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("list", help="list the catalog (element-wise, then vector activations)")

    show = sub.add_parser("show", help="formula, derivative, limits, range and properties")
    _add_target(show)
    show.add_argument("--json", action="store_true", help="print JSON")
    show.add_argument("--exact", action="store_true", help="print long numbers exactly, named constants as numbers")

    init = sub.add_parser("init", help="moments and initialization gains under Gaussian input, the edge of chaos")
    _add_target(init)
    init.add_argument("--format", choices=("text", "json"), default="text")

    latex = sub.add_parser("latex", help="LaTeX of the formula or a derivative")
    _add_target(latex)
    latex.add_argument("--derivative", type=int, default=0, metavar="N", help="print the N-th derivative instead")
    latex.add_argument("--exact", action="store_true", help="named constants as their exact numbers")

    prove = sub.add_parser("prove", help="prove or disprove linearity")
    _add_target(prove)
    prove.add_argument(
        "--property", choices=("additivity", "homogeneity", "linearity", *_VECTOR_CLAIMS), default="linearity"
    )
    prove.add_argument("--format", choices=PROOF_FORMATS, default="text")

    code = sub.add_parser("code", help="print the generated NumPy source (or PyTorch/JAX/Numba with --backend)")
    _add_target(code)
    code.add_argument("--derivative", type=int, default=0, metavar="N", help="the N-th derivative instead (0 or 1)")
    code.add_argument(
        "--backend",
        choices=("numpy", "torch", "jax", "numba"),
        default="numpy",
        help="numpy (default): a self-contained module; torch, jax: the exported code (symact.codegen.export), "
        "which runs with symact.codegen.framework_kernels; numba: the scalar code the compiled backend "
        "compiles into a parallel loop (symact.codegen.compiled)",
    )
    code.add_argument(
        "--convention",
        choices=("symact", "pytorch", "jax", "keras"),
        default=None,
        help="with --derivative 1: the derivative's values at kinks (default: the project's for numpy and numba, "
        "the framework's own for torch and jax where it ships the activation)",
    )
    code.add_argument(
        "--bare",
        action="store_true",
        help="the generated function alone, without the helpers it calls (symact.codegen.kernels)",
    )
    _add_progress(code)

    check = sub.add_parser("check", help="validate the generated NumPy code against mpmath (exit 1 on failure)")
    check.add_argument("names", nargs="*", metavar="NAME", help="catalog names (default: none; see --all)")
    check.add_argument("--all", action="store_true", help="validate every catalog entry")
    check.add_argument("--expr", metavar="TEXT", help="validate an activation defined from text")
    check.add_argument("--quick", action="store_true", help="about 1k inputs per dtype instead of about 20k")
    _add_param(check)
    _add_progress(check)

    add_report_arguments(
        sub.add_parser("report", help="the activation sheet: Markdown, LaTeX, HTML or JSON, with plots")
    )
    add_plot_arguments(sub.add_parser("plot", help="plot f, f' and f'' to FILE.png, FILE.svg or FILE.pdf"))

    collapse = sub.add_parser("collapse", help="the collapse theorem for dense layers of the given widths")
    collapse.add_argument("dims", nargs="+", type=int, help="layer widths n_0 n_1 ... n_k")
    collapse.add_argument("--activation", default="identity", help="catalog name (default: identity)")
    collapse.add_argument("--format", choices=PROOF_FORMATS, default="text")

    cache = sub.add_parser("cache", help="the persistent store of derived results: 'info' or 'clear'")
    cache.add_argument(
        "action", choices=("info", "clear"), help="info: location, entries and size by kind; clear: delete them"
    )

    perceptron = sub.add_parser("perceptron", help="the truth table of a step neuron (default: x1 OR (x2 AND x3))")
    perceptron.add_argument("--weights", nargs="+", default=["4", "2", "2"])
    perceptron.add_argument("--threshold", default="3")
    perceptron.add_argument("--format", choices=PROOF_FORMATS, default="text")
    return parser


def _version() -> str:
    from symact.core.version import __version__

    return __version__


def _params(args: argparse.Namespace) -> dict[str, sympy.Expr]:
    """The ``--param NAME=VALUE`` options, each value read exactly by the safe parser (never evaluated).

    Examples:
        >>> _params(argparse.Namespace(param=["negative_slope=1/5", "a=sqrt(2)/2"]))
        {'negative_slope': 1/5, 'a': sqrt(2)/2}
        >>> _params(argparse.Namespace(param=["a=x"]))
        Traceback (most recent call last):
        ...
        symact.core.errors.DefinitionError: --param 'a=x': the value must be a real number (such as 1/5, 0.2 or sqrt(2)/2), got x
    """
    from symact.definition.activation import exact_number
    from symact.definition.parse import parse_expr_safely

    out: dict[str, sympy.Expr] = {}
    for text in getattr(args, "param", None) or []:
        name, eq, value = text.partition("=")
        name, value = name.strip(), value.strip()
        if not eq or not name or not value:
            raise DefinitionError(f"--param {text!r}: expected NAME=VALUE, such as negative_slope=1/5")
        if name in out:
            raise DefinitionError(f"--param {text!r}: {name} is given twice")
        try:
            number = parse_expr_safely(value)
        except DefinitionError as exc:
            raise DefinitionError(f"--param {text!r}: the value {value!r} is not a number: {exc}") from None
        if number.free_symbols:
            raise DefinitionError(
                f"--param {text!r}: the value must be a real number (such as 1/5, 0.2 or sqrt(2)/2), got {number}"
            )
        out[name] = exact_number(number, name)
    return out


def _define(text: str, name: str | None, params: dict[str, sympy.Expr]) -> Activation:
    """``--expr TEXT`` with its ``--param`` declarations; an undeclared name is pointed to ``--param``."""
    from symact.definition.parse import define

    try:
        return define(text, name=name or "custom", params=params)
    except DefinitionError as exc:
        python_hint = "; declare parameters with params={...}"
        if not exc.message.endswith(python_hint):
            raise
        hint = f"; declare it with --param {exc.token or 'NAME'}=VALUE"
        raise DefinitionError(
            exc.message[: -len(python_hint)] + hint, source=exc.source, token=exc.token, column=exc.column
        ) from None


def _target(args: argparse.Namespace) -> Activation | VectorActivation:
    """The activation a command names: ``--expr TEXT``, else a registry name of either kind,
    with the values of ``--param``."""
    from symact.definition import registry

    params = _params(args)
    if getattr(args, "expr", None) is not None:
        return _define(args.expr, args.name, params)
    if not args.name:
        raise SymactError("give an activation NAME or --expr TEXT")
    if params and registry.is_vector(args.name):
        unknown = sorted(set(params) - {"n"})
        if unknown or not params["n"].is_Integer:
            raise DefinitionError(
                f"{args.name} has no parameter {unknown[0]!r}; its only option is the length n"
                if unknown
                else f"--param n: the length must be an integer, got {params['n']}"
            )
        return registry.get(args.name, n=int(params["n"]))
    return registry.get(args.name, **params)


# ----------------------------------------------------------------------------------------
# Vector activations: the facts the analysis leaves to proofs, and the text of 'show'
# ----------------------------------------------------------------------------------------


def vector_prover(act: VectorActivation, claim: str, statement: str) -> Fact:
    """The fact ``claim`` of ``act`` for every n from the structured, re-checked proofs of
    :mod:`proofs.vector` (the ``prover`` of :func:`symact.analysis.vector.output_set`).

    Examples:
        >>> from symact.analysis.vector import sum_to_one
        >>> print(sum_to_one("sparsemax", prover=vector_prover))  # doctest: +ELLIPSIS
        the components of sparsemax(x) sum to 1 [all n, tau from the sort-based rule]: proved by a structured proof, 22 steps ...
    """
    from proofs import vector as pv
    from symact.analysis.vector import Fact
    from symact.core.unknown import Unknown
    from symact.definition.vector import n

    if claim not in pv.claims_for(act.name):
        return Fact(statement, Unknown(f"{act.name} has no structured proof of {claim!r}"), n)
    r = pv.prove(act.name, claim, n)
    if r.proved and r.check():
        return Fact(
            statement,
            True,
            n,
            f"a structured proof, {len(r.steps)} steps each re-checked (proofs.vector; its sort-based tau "
            "is the concrete definition's Max over subsets for every n: the claim 'threshold')",
            r.lhs - r.rhs,
            ("x real", "tau from the sort-based rule"),
        )
    return Fact(
        statement,
        Unknown(f"{act.name} has no closed form for symbolic n and its structured proof did not check ({r.reason})"),
        n,
    )


def _vector_record(act: VectorActivation) -> dict[str, Any]:
    """The JSON-ready record ``symact show --json`` prints for a vector activation."""
    from symact.analysis.vector import output_set, softmax_jacobian_fact
    from symact.report.serialize import to_jsonable

    out = output_set(act, prover=vector_prover)
    jac = softmax_jacobian_fact() if act.name == "softmax" else None
    return {
        "name": act.name,
        "kind": act.kind,
        "aliases": list(act.aliases),
        "summary": act.summary,
        "formula": str(act),
        "latex": act.latex(),
        "example_n2": None if act.kind == "halve" else [str(c) for c in act.with_n(2).components()],
        "frameworks": to_jsonable(list(act.frameworks)),
        "output_set": {
            "description": out.description,
            "component": str(out.component),
            "total": None if out.total is None else str(out.total),
            "facts": [
                {
                    "statement": f.statement,
                    "holds": f.holds is True,
                    "reason": None if f.holds is True else str(f.holds),
                    "n": str(f.n),
                    "method": f.method,
                    "hypotheses": list(f.hypotheses),
                }
                for f in out.facts
            ],
        },
        "jacobian": None
        if jac is None
        else {"statement": jac.statement, "holds": jac.holds is True, "method": jac.method},
    }


def _show_vector(act: VectorActivation) -> None:
    from symact.analysis.vector import output_set, softmax_jacobian_fact

    print(str(act))
    if act.summary:
        print(f"  {act.summary}")
    size = 4 if act.kind == "halve" else 2
    print(f"n = {size}: {list(act.with_n(size).components())}")
    out = output_set(act, prover=vector_prover)
    print(f"output set: {out.description}")
    for fact in out.facts:
        print(f"  {fact}")
    if act.name == "softmax":
        print(f"jacobian: {softmax_jacobian_fact()}")
    for fw in act.frameworks:
        print(
            f"  {fw.framework}: {fw.api}"
            + (f" ({fw.defaults_text})" if fw.defaults_text else "")
            + (f"; {fw.note}" if fw.note else "")
        )


# ----------------------------------------------------------------------------------------
# Commands
# ----------------------------------------------------------------------------------------


def _cmd_list(_: argparse.Namespace) -> int:
    """The element-wise activations, then, after a blank line and a heading, the vector ones."""
    from symact.definition import registry

    width = max(len(name) for name in (*registry.names(), *registry.vector_names()))
    for act in registry.all_activations():
        aliases = f" (also {', '.join(act.aliases)})" if act.aliases else ""
        print(f"{act.name:<{width}}  {act.summary}{aliases}")
    print()
    print("vector activations (functions of a whole vector x, along an axis):")
    for vec in registry.all_vector_activations():
        aliases = f" (also {', '.join(vec.aliases)})" if vec.aliases else ""
        print(f"{vec.name:<{width}}  {vec.summary}{aliases}")
    return 0


def _show_record(act: Activation) -> dict[str, Any]:
    from symact.report.serialize import to_jsonable

    props = act.properties()
    return {
        "name": act.name,
        "aliases": list(act.aliases),
        "summary": act.summary,
        "parameters": {k: str(v) for k, v in act.values},
        "formula": str(act.expr),
        "latex": act.latex(),
        "derivative": str(act.derivative(1)),
        "derivative_latex": act.latex(1),
        "frameworks": to_jsonable(list(act.frameworks)),
        "properties": to_jsonable(props),
    }


def _cmd_show(args: argparse.Namespace) -> int:
    from symact.definition.vector import VectorActivation
    from symact.report.serialize import describe

    act = _target(args)
    if isinstance(act, VectorActivation):
        if args.json:
            print(json.dumps(_vector_record(act), indent=2))
        else:
            _show_vector(act)
        return 0
    if args.json:
        print(json.dumps(_show_record(act), indent=2))
        return 0
    from symact.report.latex import exact_text
    from symact.report.layout import plain, shorten_numbers

    def told(text: str) -> str:  # long numbers as decimals unless --exact
        return text if args.exact else shorten_numbers(text)

    def formula(expr: sympy.Expr) -> str:
        return plain(expr, act.constants, exact=args.exact)

    props = act.properties()
    params = ", ".join(f"{k}={v}" for k, v in act.values)
    print(f"{act.name}(x) = {formula(act.expr)}" + (f"    [{told(params)}]" if params else ""))
    if act.constants and not args.exact:
        print("  where " + ", ".join(f"{k} = {exact_text(v)}" for k, v in act.constants))
    if act.summary:
        print(f"  {act.summary}")
    print(f"{act.name}'(x) = {formula(act.derivative(1))}")
    print(f"limits: x -> -oo: {told(describe(props.limit_neg_inf))};  x -> +oo: {told(describe(props.limit_pos_inf))}")
    print(f"range: {told(describe(props.range))}")
    for key, value in props.as_dict().items():
        if key in ("name", "range", "limit_neg_inf", "limit_pos_inf"):
            continue
        print(f"  {key.replace('_', ' ')}: {told(describe(value))}")
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from symact.analysis.gaussian import edge_of_chaos, gaussian
    from symact.definition.vector import VectorActivation

    act = _target(args)
    if isinstance(act, VectorActivation):
        raise SymactError(f"init: {act.name} is a vector activation; Gaussian moments are for element-wise ones")
    record, edge = gaussian(act), edge_of_chaos(act)
    if args.format == "json":
        print(json.dumps({**record.to_dict(), "edge_of_chaos": edge.to_dict()}, indent=2))
        return 0
    print(record)
    print(f"  edge of chaos at sigma_b = 0: sigma_w = {edge.sigma_w}, q* = {edge.q_star}")
    return 0


def _cmd_latex(args: argparse.Namespace) -> int:
    from symact.definition.vector import VectorActivation

    act = _target(args)
    if isinstance(act, VectorActivation):
        if args.derivative:
            raise SymactError(f"{act.name} is a vector activation; its Jacobian is in 'symact show {act.name}'")
        print(act.latex())
        return 0
    from symact.report.latex import to_latex

    print(to_latex(act, derivative=args.derivative, exact=args.exact))
    return 0


def _print_proof(result: Any, fmt: str, standalone: bool = True) -> None:
    if fmt == "json":
        print(json.dumps(result.to_dict(), indent=2))
    elif fmt == "latex":
        print(result.latex(standalone=True) if standalone else result.latex())
    else:
        print(getattr(result, fmt)())


def _prove_vector(act: VectorActivation, prop: str, fmt: str) -> int:
    """Every applicable claim (the default ``linearity`` is one of them), or the one asked for."""
    from proofs import vector as pv

    props = pv.claims_for(act.name) if prop == "all" else (prop,)
    results = tuple(pv.prove(act.name, p) for p in props)
    if fmt == "json":
        print(pv.to_json(results if len(results) > 1 else results[0]))
    else:
        print("\n\n".join(getattr(r, fmt)() for r in results))
    return 1 if any(r.verdict.value == "unknown" for r in results) else 0


def _cmd_prove(args: argparse.Namespace) -> int:
    import proofs
    from symact.definition.vector import VectorActivation

    act = _target(args)
    if isinstance(act, VectorActivation):
        return _prove_vector(act, args.property, args.format)
    if args.property in _VECTOR_CLAIMS:
        raise SymactError(f"--property {args.property} is a claim about vector activations (softmax, ...)")
    prover = {
        "additivity": proofs.prove_additive,
        "homogeneity": proofs.prove_homogeneous,
        "linearity": proofs.prove_linear,
    }[args.property]
    result = prover(act)
    _print_proof(result, args.format)
    return 1 if result.verdict is proofs.Verdict.UNKNOWN else 0


def _cmd_code(args: argparse.Namespace) -> int:
    """The generated code with every helper it calls, as one self-contained module (``--bare``: the
    generated function alone, whose ``_name`` helpers are :mod:`symact.codegen.kernels`)."""
    from symact.codegen.numpy import source, standalone, to_numpy
    from symact.definition.vector import VectorActivation

    act = _target(args)
    if isinstance(act, VectorActivation):
        from symact.codegen import vector

        if args.derivative:
            raise SymactError(f"{act.name} is a vector activation; symact generates its value only")
        src = vector.source(act.name)
        title = f"{act.name}(x, axis=-1): NumPy code generated by 'symact code {act.name}'"
        print(src if args.bare else standalone(vector.to_numpy(act.name), src, title), end="")
        return 0
    if args.derivative < 0:
        raise ValueError(f"--derivative must be a non-negative integer, got {args.derivative}")
    if args.convention is not None and args.derivative != 1:
        raise ValueError("--convention chooses the derivative's values at kinks; pass --derivative 1")
    what = act.name + "'" * args.derivative if args.derivative < 4 else f"{act.name}^({args.derivative})"
    meter = _Meter("code", 1, enabled=args.progress if args.derivative else False)
    meter.show(f"deriving and generating {what}")
    if args.backend == "numba":
        from symact.codegen import compiled

        conv = None if args.convention == "symact" else args.convention
        src = compiled.source(act, args.derivative, convention=conv)
        meter.close(f"generated {what}")
        print(src)
        return 0
    if args.backend != "numpy":
        from symact.codegen import export

        if args.derivative > 1:
            raise ValueError(f"--backend {args.backend} exports f and f' only; got --derivative {args.derivative}")
        src = export.source(act, args.derivative, backend=args.backend, convention=args.convention)
        meter.close(f"generated {what}")
        print(src)
        return 0
    conv = None if args.convention == "symact" else args.convention
    fn = to_numpy(act, derivative=args.derivative, convention=conv)
    meter.close(f"generated {what}")
    title = f"{what}(x): NumPy code generated by symact from {act.expr}"
    print(
        source(act, args.derivative, convention=conv) if args.bare else standalone(fn, title=title),
        end="\n" if args.bare else "",
    )
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from symact.definition import registry
    from symact.validation import scalar as validation

    params = _params(args)
    vectors = [registry.get_vector(name) for name in args.names if registry.is_vector(name)]
    only_vectors = bool(vectors) and len(vectors) == len(args.names) and args.expr is None and not args.all
    acts = [registry.get_scalar(name) for name in args.names if not registry.is_vector(name)]
    if args.expr is not None:
        acts.append(_define(args.expr, None, params))
    elif params:
        acts = [registry.get_scalar(a, **params) for a in acts]  # --param applies to the named entries
    if args.all:
        acts = list(registry.all_activations())
    if not acts and not only_vectors:
        raise SymactError("give activation NAMEs, --expr TEXT or --all")
    meter = _Meter("check", len(vectors) + (0 if only_vectors else len(acts)), enabled=args.progress)
    vector_ok = []
    for vec in vectors:
        meter.show(vec.name)
        rep = vec.validate(count=20 if args.quick else 100, length=100 if args.quick else 1000)
        meter.step(vec.name)
        print(rep)
        vector_ok.append(rep.ok)
    if only_vectors:
        meter.close(f"{len(vectors)} checked")
        return 0 if all(vector_ok) else 1
    reports = []
    for a in acts:
        meter.show(a.name)
        reports.append(validation.validate(a, size="quick" if args.quick else "full"))
        meter.step(a.name)
    meter.close(f"{meter.total} checked")
    print(validation.table(reports))
    for rep in reports:
        if not rep.ok:
            print(rep)
    return 0 if all(rep.ok for rep in reports) and all(vector_ok) else 1


def _report_formats(args: argparse.Namespace) -> list[str]:
    from symact.report.sheet import FORMATS

    asked = [f.strip().lower() for group in (args.format or []) for f in group.split(",") if f.strip()]
    if not asked:
        suffix = Path(args.output).suffix.lower() if args.output else ""
        return [_SUFFIXES.get(suffix, "markdown")]
    if "all" in asked:
        return list(FORMATS)
    bad = [f for f in asked if f not in FORMATS]
    if bad:
        raise SymactError(f"unknown format {bad[0]!r}; use one of {', '.join(FORMATS)} or all")
    return list(dict.fromkeys(asked))


def validation_of(args: argparse.Namespace) -> str | None:
    """The validation input set that parsed ``symact report`` options ask for (None: skip it)."""
    from symact.report.data import DEFAULT_VALIDATION

    if getattr(args, "no_validate", False):
        return None
    return getattr(args, "validate", None) or DEFAULT_VALIDATION


def _cmd_report(args: argparse.Namespace) -> int:
    from symact.definition import registry
    from symact.report.data import Progress, collect
    from symact.report.sheet import FORMATS, render, write

    formats = _report_formats(args)
    if args.conformance and "json" not in formats:
        raise SymactError("--conformance adds the framework table to the JSON report: use --format json")
    if len(formats) > 1 and not args.output:
        raise SymactError("several formats need -o PATH (each is written with its own suffix)")
    names = args.names or None
    acts = [registry.get_scalar(name) for name in names] if names else list(registry.all_activations())  # fail fast
    plots: list[str] = []
    if not args.no_plots:
        plots = sorted({plot for f in formats if (plot := FORMATS[f][1]) and (args.output or f == "html")})
    progress = Progress(len(acts), enabled=args.progress)
    summary = _Meter("report", len(acts), enabled=args.progress is None and not progress.enabled)  # one line, not a tty
    sheets = collect(
        acts, plots=plots, validation=validation_of(args), jobs=args.jobs, progress=progress, phase=args.phase
    )
    summary.close(f"{len(acts)} activations")
    conformance = None
    if args.conformance:
        from symact.validation.frameworks import conformance_table

        conformance = conformance_table(names={act.name for act in acts})
    if args.output:
        for path in write(sheets, formats, args.output, conformance):
            if progress.enabled:
                print(f"symact report: wrote {path}", file=sys.stderr)
    else:
        sys.stdout.write(render(sheets, formats[0], conformance=conformance))
    return 0


def _cmd_plot(args: argparse.Namespace) -> int:
    from symact.core.unknown import Unknown
    from symact.definition.vector import VectorActivation
    from symact.report import plot

    act = _target(args)
    if isinstance(act, VectorActivation):
        raise SymactError(f"{act.name} is a vector activation; symact plots functions of one variable")
    if not plot.have_matplotlib():
        raise SymactError("plots need Matplotlib: pip install 'symact[plot]'")
    if args.phase:
        drawn = plot.save_phase(act, args.output)
        if isinstance(drawn, Unknown):
            print(f"symact plot: no phase diagram of {act.name}: {drawn.reason}", file=sys.stderr)
            return 1
        return 0
    plot.save(act, args.output)
    return 0


def _cmd_collapse(args: argparse.Namespace) -> int:
    from proofs import Verdict, collapse
    from symact.definition import registry

    activation = None if args.activation == "identity" else registry.get(args.activation)
    proof = collapse(args.dims, activation)
    _print_proof(proof, args.format)
    return 1 if proof.verdict is Verdict.UNKNOWN else 0


def _cmd_perceptron(args: argparse.Namespace) -> int:
    from proofs import or_of_and, truth_table

    weights, threshold = args.weights, args.threshold
    if list(weights) == ["4", "2", "2"] and threshold == "3":
        _print_proof(or_of_and(), args.format, standalone=False)
        return 0
    rows = truth_table(weights, threshold)  # any other neuron: its exhaustive truth table
    if args.format == "json":
        print(json.dumps([{"inputs": list(i), "sum": str(s), "output": o} for i, s, o in rows], indent=2))
        return 0
    heads = " ".join(f"x{i}" for i in range(1, len(weights) + 1))
    print(f"{heads} | sum | step(sum - {threshold})")
    for inputs, total, out in rows:
        print(
            " ".join(str(v).rjust(len(f"x{i + 1}")) for i, v in enumerate(inputs)) + f" | {str(total).rjust(3)} | {out}"
        )
    return 0


def _size(n: int) -> str:
    for k, unit in ((3, "GiB"), (2, "MiB"), (1, "KiB")):
        if n >= 1024**k:
            return f"{n / 1024**k:.1f} {unit}"
    return f"{n} B"


def _cmd_cache(args: argparse.Namespace) -> int:
    from symact.core import store

    if args.action == "clear":
        removed = store.clear()
        print(f"removed {removed} entries from {store.location()}")
        return 0
    info = store.info()
    print(f"location: {info.location if info.location is not None else '(none: no home directory)'}")
    print(f"status: {'on' if info.enabled else 'off (' + (info.reason or 'cannot be used') + ')'}")
    print(f"entries: {info.entries} ({_size(info.size)})")
    for kind, (count, size) in sorted(info.kinds.items()):
        print(f"  {kind:<16} {count:>6}  {_size(size):>10}")
    return 0


_COMMANDS = {
    "list": _cmd_list,
    "show": _cmd_show,
    "init": _cmd_init,
    "latex": _cmd_latex,
    "prove": _cmd_prove,
    "code": _cmd_code,
    "check": _cmd_check,
    "report": _cmd_report,
    "plot": _cmd_plot,
    "collapse": _cmd_collapse,
    "perceptron": _cmd_perceptron,
    "cache": _cmd_cache,
}


#: Commands that run no budgeted computation (they start no worker server).
_NO_BUDGETS = frozenset({"list", "cache"})


def _silence_stdout() -> None:
    """Point stdout at the null device, so the interpreter's final flush of a closed pipe is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file behind stdout (an in-process caller)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Examples:
        >>> main(["prove", "rleu"])
        2
    """
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.command not in _NO_BUDGETS:  # the worker server starts while the command imports its modules
        from symact.core import budget

        budget.start_workers(wait=False)
    try:
        code = _COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except BrokenPipeError:  # the reader went away ('symact list | head'): stop quietly
        _silence_stdout()
        return 141  # 128 + SIGPIPE, as a shell reports a command a closed pipe ended
    except SymactError as exc:
        print(f"symact: error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # e.g. a negative --derivative, a network with one layer
        print(f"symact: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
