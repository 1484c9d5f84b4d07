"""The ``symact`` command line (also ``python -m symact``).

Exit codes: 0 success; 1 a check failed or a proof ended UNKNOWN; 2 usage
errors, unknown names and invalid definitions (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import sympy

from symact.definition import catalog
from symact.definition.activation import Activation
from symact.core.errors import SymactError
from symact.report.serialize import describe, to_jsonable

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"symact: error: {message} (see 'symact --help')\n")


def _add_target(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("name", nargs=None if required else "?", help="catalog name or alias (see 'symact list')")
    p.add_argument(
        "--expr", metavar="TEXT", help="define the activation from text instead, e.g. 'x*tanh(log(1 + exp(x)))'"
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="symact", description="The mathematics of neural-network activation functions, derived and checked."
    )
    parser.add_argument("--version", action="version", version=f"symact {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("list", help="list the catalog")

    show = sub.add_parser("show", help="formula, derivative, limits, range and properties")
    _add_target(show, required=False)
    show.add_argument("--json", action="store_true", help="print JSON")

    latex = sub.add_parser("latex", help="LaTeX of the formula or a derivative")
    _add_target(latex, required=False)
    latex.add_argument("--derivative", type=int, default=0, metavar="N", help="print the N-th derivative instead")

    prove = sub.add_parser("prove", help="prove or disprove linearity")
    _add_target(prove, required=False)
    prove.add_argument(
        "--property", choices=("additivity", "homogeneity", "linearity", *_VECTOR_CLAIMS), default="linearity"
    )
    prove.add_argument("--format", choices=("text", "markdown", "latex", "json"), default="text")

    code = sub.add_parser("code", help="print the generated NumPy source")
    _add_target(code, required=False)
    code.add_argument("--derivative", type=int, default=0, metavar="N", help="the N-th derivative instead (0 or 1)")

    check = sub.add_parser("check", help="validate the generated NumPy code against mpmath (exit 1 on failure)")
    check.add_argument("names", nargs="*", metavar="NAME", help="catalog names (default: none; see --all)")
    check.add_argument("--all", action="store_true", help="validate every catalog entry")
    check.add_argument("--expr", metavar="TEXT", help="validate an activation defined from text")
    check.add_argument("--quick", action="store_true", help="about 1k inputs per dtype instead of about 20k")

    from symact.report.sheet import add_plot_arguments, add_report_arguments

    add_report_arguments(
        sub.add_parser("report", help="the activation sheet: Markdown, LaTeX, HTML or JSON, with plots")
    )
    add_plot_arguments(sub.add_parser("plot", help="plot f, f' and f'' to FILE.png, FILE.svg or FILE.pdf"))
    return parser


def _version() -> str:
    from symact import __version__

    return __version__


#: Claims only vector activations have (see proofs.vector.CLAIMS); "all" proves every applicable one.
_VECTOR_CLAIMS = ("sum_to_one", "shift_invariance", "two_class", "log_softmax_identity", "softmin_identity", "all")


def _vector_name(args: argparse.Namespace) -> str | None:
    """The name, when it names a vector activation (symact.definition.vector) rather than a scalar one."""
    from symact.definition import vector

    if getattr(args, "expr", None) is None and getattr(args, "name", None) and vector.is_vector(args.name):
        return str(args.name)
    return None


def _target(args: argparse.Namespace) -> Activation:
    if getattr(args, "expr", None) is not None:
        from symact.definition.parse import define

        return define(args.expr, name=args.name or "custom")
    if not args.name:
        raise SymactError("give an activation NAME or --expr TEXT")
    return catalog.get(args.name)


def _cmd_list(_: argparse.Namespace) -> int:
    width = max(len(n) for n in catalog.names())
    for act in catalog.all_activations():
        aliases = f" (also {', '.join(act.aliases)})" if act.aliases else ""
        print(f"{act.name:<{width}}  {act.summary}{aliases}")
    return 0


def _show_record(act: Activation) -> dict[str, Any]:
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
    if (vname := _vector_name(args)) is not None:
        from symact.definition import vector

        return vector.cli_show(vname, as_json=args.json)
    act = _target(args)
    if args.json:
        print(json.dumps(_show_record(act), indent=2))
        return 0
    props = act.properties()
    params = ", ".join(f"{k}={v}" for k, v in act.values)
    print(f"{act.name}(x) = {act.expr}" + (f"    [{params}]" if params else ""))
    if act.summary:
        print(f"  {act.summary}")
    print(f"{act.name}'(x) = {act.derivative(1)}")
    print(f"limits: x -> -oo: {describe(props.limit_neg_inf)};  x -> +oo: {describe(props.limit_pos_inf)}")
    print(f"range: {describe(props.range)}")
    for key, value in props.as_dict().items():
        if key in ("name", "range", "limit_neg_inf", "limit_pos_inf"):
            continue
        print(f"  {key.replace('_', ' ')}: {describe(value)}")
    return 0


def _cmd_latex(args: argparse.Namespace) -> int:
    if (vname := _vector_name(args)) is not None:
        from symact.definition import vector

        if args.derivative:
            raise SymactError(f"{vname} is a vector activation; its Jacobian is in 'symact show {vname}'")
        return vector.cli_latex(vname)
    act = _target(args)
    print(act.latex(derivative=args.derivative))
    return 0


def _cmd_prove(args: argparse.Namespace) -> int:
    import proofs

    if (vname := _vector_name(args)) is not None:
        from symact.definition import vector

        return vector.cli_prove(vname, args.property, args.format)
    if args.property in _VECTOR_CLAIMS:
        raise SymactError(f"--property {args.property} is a claim about vector activations (softmax, ...)")
    act = _target(args)
    prover = {
        "additivity": proofs.prove_additive,
        "homogeneity": proofs.prove_homogeneous,
        "linearity": proofs.prove_linear,
    }[args.property]
    result = prover(act)
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
    elif args.format == "latex":
        print(result.latex(standalone=True))
    else:
        print(getattr(result, args.format)())
    return 1 if result.verdict is proofs.Verdict.UNKNOWN else 0


def _cmd_code(args: argparse.Namespace) -> int:
    if (vname := _vector_name(args)) is not None:
        from symact.definition import vector

        if args.derivative:
            raise SymactError(f"{vname} is a vector activation; symact generates its value only")
        return vector.cli_code(vname)
    from symact.codegen.numpy import source

    print(source(_target(args), derivative=args.derivative))
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from symact.validation import scalar as validation
    from symact.definition import vector

    vector_names = [n for n in args.names if vector.is_vector(n)]
    vector_codes = [
        vector.cli_check(n, count=20 if args.quick else 100, length=100 if args.quick else 1000) for n in vector_names
    ]
    if vector_names and len(vector_names) == len(args.names) and args.expr is None and not args.all:
        return max(vector_codes)
    acts = [catalog.get(n) for n in args.names if n not in vector_names]
    if args.expr is not None:
        from symact.definition.parse import define

        acts.append(define(args.expr, name="custom"))
    if args.all:
        acts = list(catalog.all_activations())
    if not acts:
        raise SymactError("give activation NAMEs, --expr TEXT or --all")
    reports = [validation.validate(a, size="quick" if args.quick else "full") for a in acts]
    print(validation.table(reports))
    for rep in reports:
        if not rep.ok:
            print(rep)
    return 0 if all(rep.ok for rep in reports) and not any(vector_codes) else 1


def _cmd_report(args: argparse.Namespace) -> int:
    from symact.report.sheet import cmd_report

    return cmd_report(args)


def _cmd_plot(args: argparse.Namespace) -> int:
    from symact.report.sheet import cmd_plot

    return cmd_plot(args)


_COMMANDS = {
    "list": _cmd_list,
    "show": _cmd_show,
    "latex": _cmd_latex,
    "prove": _cmd_prove,
    "code": _cmd_code,
    "check": _cmd_check,
    "report": _cmd_report,
    "plot": _cmd_plot,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Examples:
        >>> main(["latex", "relu"])
        \\operatorname{ReLU}(x) = \\max\\left(0, x\\right)
        0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("collapse", "perceptron"):
        from proofs.cli import run

        return run(argv)
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except SymactError as exc:
        print(f"symact: error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # e.g. a negative --derivative
        print(f"symact: error: {exc}", file=sys.stderr)
        return 2
    except sympy.SympifyError as exc:  # pragma: no cover - defensive: never from user text
        print(f"symact: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
