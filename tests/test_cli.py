"""The command line: in-process through main(argv), plus one subprocess smoke test."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import symact
from symact.cli import main


def test_list_prints_every_catalog_entry(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    first_words = [line.split()[0] for line in out.splitlines()]
    assert first_words == list(symact.names())


def test_show_text(capsys):
    assert main(["show", "relu"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("relu(x) = Max(0, x)")
    assert "range: [0, oo)" in out
    assert "continuity: C0" in out


def test_show_json_is_parseable_and_complete(capsys):
    assert main(["show", "sigmoid", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["name"] == "sigmoid"
    assert record["properties"]["range"] == "Interval.open(0, 1)"
    assert record["properties"]["monotonic"] == "increasing"
    assert set(record["properties"]) >= {"limit_neg_inf", "continuity", "parity", "saturates"}


def test_latex_with_derivative(capsys):
    assert main(["latex", "leaky-relu", "--derivative", "1"]) == 0
    assert capsys.readouterr().out.startswith(r"\operatorname{LeakyReLU}'(x) = \begin{cases}")


def _exit_code(argv):
    """main()'s return value, or the code argparse exits with."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["show", "rleu"], "did you mean 'relu'"),
        (["latex", "relu", "--derivative", "-1"], "non-negative integer"),
        (["frobnicate"], "invalid choice"),
        (["show"], "give an activation NAME or --expr TEXT"),
        (["latex", "relu", "--derivative", "one"], "invalid int value"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(argv, fragment, capsys):
    assert _exit_code(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert len(err.strip().splitlines()) == 1, err


def test_python_dash_m_smoke():
    run = subprocess.run(
        [sys.executable, "-m", "symact", "--version"], capture_output=True, text=True, check=False, timeout=60
    )
    assert run.returncode == 0
    assert run.stdout.strip() == f"symact {symact.__version__}"


def test_expr_defines_an_activation_from_text(capsys):
    assert main(["latex", "--expr", "Max(0, x)", "--derivative", "1"]) == 0
    assert r"\begin{cases} 0 & \text{for}\: x \leq 0" in capsys.readouterr().out
    assert main(["show", "mine", "--expr", "x*tanh(log(1 + exp(x)))", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["name"] == "mine"
    assert record["properties"]["parity"] == "neither"


@pytest.mark.parametrize("text", ["__import__('os').getpid()", "x.__class__", "exp(x", "x ^ 2", "ｅｘｐ(x)"])
def test_bad_expr_is_a_one_line_error(text, capsys):
    assert _exit_code(["show", "--expr", text]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symact: error: ")
    assert len(err.strip().splitlines()) == 1, err


def test_code_prints_generated_numpy_source(capsys):
    assert main(["code", "softplus"]) == 0
    src = capsys.readouterr().out
    assert src.startswith("def softplus(x):")
    assert "logaddexp" in src


def test_check_validates_and_reports(capsys):
    assert main(["check", "relu", "--quick"]) == 0
    assert "| relu | f |" in capsys.readouterr().out
    assert _exit_code(["check"]) == 2


def test_help_lists_every_command(capsys):
    assert _exit_code(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("list", "show", "latex", "prove", "code", "check", "report", "plot", "collapse", "perceptron"):
        assert f"    {command} " in out or f"    {command}\n" in out, command


def test_vector_names_work_in_every_command(capsys):
    assert main(["latex", "softmax"]) == 0
    assert capsys.readouterr().out.startswith(r"\operatorname{softmax}(x)_{i} = ")
    assert main(["code", "softmax"]) == 0
    assert capsys.readouterr().out.startswith("def softmax(x, axis=-1):")
    assert _exit_code(["plot", "softmax", "-o", "never.svg"]) == 2
    assert "vector activation" in capsys.readouterr().err
