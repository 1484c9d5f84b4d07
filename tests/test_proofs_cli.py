"""The proofs on the command line: prove, collapse and perceptron, all in ``symact --help``."""

from __future__ import annotations

import json

import pytest

from symact.cli import main


def _exit_code(argv: list[str]) -> int:
    """main()'s return value, or the code argparse exits with."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_prove_exit_codes_and_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prove", "identity"]) == 0
    assert "Theorem. identity is linear." in capsys.readouterr().out
    assert main(["prove", "relu", "--property", "homogeneity", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "disproved" and data["counterexample"]["values"] == {"c": "-1", "a": "1"}
    assert main(["prove", "tanh", "--format", "latex"]) == 0
    assert capsys.readouterr().out.startswith("\\documentclass{article}")
    assert main(["prove", "gelu", "--format", "markdown"]) == 0
    assert capsys.readouterr().out.startswith("### gelu: linearity disproved")


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["prove"]) == 2
    assert _exit_code(["prove", "rleu"]) == 2
    assert "did you mean 'relu'" in capsys.readouterr().err
    assert _exit_code(["prove", "relu", "--property", "convexity"]) == 2
    assert _exit_code(["collapse", "3"]) == 2
    assert _exit_code(["collapse", "2", "3", "--activation", "rleu"]) == 2
    assert _exit_code(["frobnicate"]) == 2
    capsys.readouterr()
    for argv in (["prove", "relu", "--property", "convexity"], ["collapse", "3"], ["frobnicate"]):
        _exit_code(argv)
        err = capsys.readouterr().err
        assert err.startswith("symact: error: ") and len(err.strip().splitlines()) == 1, err


def test_collapse_and_perceptron(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["collapse", "2", "3", "1", "--activation", "relu", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "disproved"
    assert main(["collapse", "2", "3", "1"]) == 0
    assert capsys.readouterr().out.startswith("Theorem. Let N(x) = W_2 s(W_1 x + b_1) + b_2")
    assert main(["perceptron"]) == 0
    out = capsys.readouterr().out
    assert "x1 OR (x2 AND x3)" in out and out.strip().endswith("QED")
    assert main(["perceptron", "--weights", "4", "2", "2", "--threshold", "3", "--format", "latex"]) == 0
    assert capsys.readouterr().out.strip()
    assert main(["perceptron", "--weights", "1", "1", "--threshold", "2", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["output"] for r in rows] == [0, 0, 0, 1]


def test_symact_does_not_import_proofs() -> None:
    import subprocess
    import sys

    code = (
        "import sys, symact, symact.analysis.pieces, symact.analysis.vector, symact.definition.registry; "
        "symact.get('sparsemax').properties(); assert 'proofs' not in sys.modules"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, check=False, timeout=120).returncode == 0
