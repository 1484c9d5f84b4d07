"""The README's promises: two set-up commands first, and CI runs the same test command."""

from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _setup_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.DOTALL)
    assert block is not None and text.index(block.group(0)) < text.index("\n\n", text.index("\n") + 1) + 200
    return [line.split("  #")[0].strip() for line in block.group(1).strip().splitlines()]


def test_readme_starts_with_exactly_two_setup_commands():
    commands = _setup_commands()
    assert len(commands) == 2
    assert commands[0].startswith("pip install . && symact ")
    assert "pytest" in commands[1] and "[test]" in commands[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert _setup_commands()[1] in [line.strip() for line in ci]


def _console_examples() -> list[tuple[str, str]]:
    """(command, shown output) for every ``$ symact ...`` line of the README that shows output."""
    text = (ROOT / "README.md").read_text()
    out = []
    for block in re.findall(r"```console\n(.*?)```", text, re.DOTALL):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if not line.startswith("$ symact "):
                continue
            shown = []
            for following in lines[i + 1 :]:
                if following.startswith("$ "):
                    break
                shown.append(following)
            if shown:
                out.append((line[2:], "\n".join(shown) + "\n"))
    return out


@pytest.mark.parametrize(("command", "shown"), _console_examples(), ids=lambda v: v if v.startswith("symact") else "")
def test_readme_console_output_is_real(command: str, shown: str, capsys: pytest.CaptureFixture[str]) -> None:
    from symact.cli import main

    assert main(shlex.split(command)[1:]) == 0
    got = capsys.readouterr().out
    checker = doctest.OutputChecker()
    assert checker.check_output(shown, got, doctest.ELLIPSIS), f"README shows:\n{shown}\nthe command prints:\n{got}"


def test_readme_console_examples_are_found() -> None:
    assert {c.split()[1] for c, _ in _console_examples()} >= {"show", "prove", "latex", "init"}
