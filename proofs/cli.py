"""Command-line handlers for the proofs: ``prove``, ``collapse`` and ``perceptron``.

:func:`run` takes the arguments after the program name and returns the exit
code: 0 when a verdict (PROVED or DISPROVED) is reached, 1 when it is UNKNOWN,
2 for usage errors (one line on stderr).

Examples:
    >>> run(["prove", "relu", "--format", "json"]) == 0  # doctest: +ELLIPSIS
    {
      "name": "relu",
    ...
    True
    >>> run(["collapse", "2", "3", "1"])  # doctest: +ELLIPSIS
    Theorem. Let N(x) = W_2 s(W_1 x + b_1) + b_2 ...
    0
    >>> run(["perceptron", "--weights", "4", "2", "2", "--threshold", "3"])  # doctest: +ELLIPSIS
    Theorem. The step neuron with weights 4, 2, 2 and threshold 3 computes ...
    0
    >>> run(["perceptron", "--weights", "1", "1", "--threshold", "2"])
    x1 x2 | sum | step(sum - 2)
     0  0 |   0 | 0
     0  1 |   1 | 0
     1  0 |   1 | 0
     1  1 |   2 | 1
    0
    >>> run(["prove"])
    2
    >>> run(["prove", "rleu"])
    2
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import NoReturn

from proofs.verdict import Verdict

__all__ = ["run"]

FORMATS = ("text", "markdown", "latex", "json")


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _Usage(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:  # --help
        if message:
            print(message, file=sys.stderr)
        raise SystemExit(status)


def _parser(prog: str = "symact") -> argparse.ArgumentParser:
    parser = _Parser(prog=prog, description="Proofs with checkable certificates.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    prove = sub.add_parser("prove", help="prove or disprove additivity, homogeneity or linearity")
    prove.add_argument("name", help="catalog name or alias")
    prove.add_argument("--property", choices=("additivity", "homogeneity", "linearity"), default="linearity")
    prove.add_argument("--format", choices=FORMATS, default="text")
    collapse = sub.add_parser("collapse", help="the collapse theorem for dense layers of the given widths")
    collapse.add_argument("dims", nargs="+", type=int, help="layer widths n_0 n_1 ... n_k")
    collapse.add_argument("--activation", default="identity", help="catalog name (default: identity)")
    collapse.add_argument("--format", choices=FORMATS, default="text")
    perceptron = sub.add_parser("perceptron", help="the truth table of a step neuron (default: x1 OR (x2 AND x3))")
    perceptron.add_argument("--weights", nargs="+", default=["4", "2", "2"])
    perceptron.add_argument("--threshold", default="3")
    perceptron.add_argument("--format", choices=FORMATS, default="text")
    return parser


def _emit(result: object, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(result.to_dict(), indent=2))  # type: ignore[attr-defined]
    elif fmt == "latex":
        latex = result.latex  # type: ignore[attr-defined]
        try:
            print(latex(standalone=True))
        except TypeError:
            print(latex())
    else:
        print(getattr(result, fmt)())


def run(argv: Sequence[str] | None = None, prog: str = "symact") -> int:
    """Run one proofs command; returns the exit code (0 verdict, 1 UNKNOWN, 2 usage error)."""
    import symact
    from proofs import collapse, or_of_and, prove, truth_table

    try:
        args = _parser(prog).parse_args(list(sys.argv[1:] if argv is None else argv))
        if args.command == "prove":
            result = prove(symact.get(args.name), args.property)
            _emit(result, args.format)
            return 1 if result.verdict is Verdict.UNKNOWN else 0
        if args.command == "collapse":
            activation = None if args.activation == "identity" else symact.get(args.activation)
            proof = collapse(args.dims, activation)
            _emit(proof, args.format)
            return 1 if proof.verdict is Verdict.UNKNOWN else 0
        weights, threshold = args.weights, args.threshold
        if list(weights) == ["4", "2", "2"] and threshold == "3":
            _emit(or_of_and(), args.format)
            return 0
        rows = truth_table(weights, threshold)  # any other neuron: its exhaustive truth table
        if args.format == "json":
            print(json.dumps([{"inputs": list(i), "sum": str(s), "output": o} for i, s, o in rows], indent=2))
        else:
            heads = " ".join(f"x{i}" for i in range(1, len(weights) + 1))
            print(f"{heads} | sum | step(sum - {threshold})")
            for inputs, total, out in rows:
                print(
                    " ".join(str(v).rjust(len(f"x{i + 1}")) for i, v in enumerate(inputs))
                    + f" | {str(total).rjust(3)} | {out}"
                )
        return 0
    except _Usage as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except (KeyError, ValueError) as exc:  # unknown names, bad numbers or shapes
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
