"""The proofs command-line handlers (wired into ``symact`` by the CLI owner)."""

from __future__ import annotations

import json

import pytest

from proofs.cli import run


def test_prove_exit_codes_and_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["prove", "identity"]) == 0
    assert "Theorem. identity is linear." in capsys.readouterr().out
    assert run(["prove", "relu", "--property", "homogeneity", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "disproved" and data["counterexample"]["values"] == {"c": "-1", "a": "1"}
    assert run(["prove", "tanh", "--format", "latex"]) == 0
    assert capsys.readouterr().out.startswith("\\documentclass{article}")
    assert run(["prove", "gelu", "--format", "markdown"]) == 0
    assert capsys.readouterr().out.startswith("### gelu: linearity disproved")


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["prove"]) == 2
    assert run(["prove", "rleu"]) == 2
    assert "did you mean 'relu'" in capsys.readouterr().err
    assert run(["prove", "relu", "--property", "convexity"]) == 2
    assert run(["collapse", "3"]) == 2
    assert run(["frobnicate"]) == 2


def test_collapse_and_perceptron(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["collapse", "2", "3", "1", "--activation", "relu", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "disproved"
    assert run(["perceptron"]) == 0
    out = capsys.readouterr().out
    assert "x1 OR (x2 AND x3)" in out and out.strip().endswith("QED")


def test_symact_does_not_import_proofs() -> None:
    import subprocess
    import sys

    code = "import sys, symact, symact.analysis.pieces, symact.definition.catalog; assert 'proofs' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120).returncode == 0
