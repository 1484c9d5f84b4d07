"""The activation sheet: every format built from derived facts, checked by the tools that read it.

The sheets of three activations with different shapes (a kink, a smooth function
whose minimum has no closed form, a jump) are built once per module, in the
budget workers the CLI uses, and rendered in every format. LaTeX is compiled
with pdflatex; the HTML is opened in headless Chromium. Both tools are installed
by ``.ci/run``: a missing tool skips the test locally and fails it on CI.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.entities import html5
from pathlib import Path

import pytest
import sympy
from sympy import Rational, sqrt

import proofs
import symact
from symact import cli
from symact.core.unknown import Unknown
from symact.report import plot
from symact.report import sheet as report
from symact.report.data import Progress, collect
from symact.report.layout import SUMMARY_COLUMNS, Markdown

NAMES = ("relu", "gelu", "binary_step")
ON_CI = bool(os.environ.get("CI"))
HAVE_MPL = plot.have_matplotlib()
CHROMIUM = next((shutil.which(c) for c in ("chromium", "chromium-browser", "google-chrome") if shutil.which(c)), None)
PDFLATEX = shutil.which("pdflatex")


def _need(tool: object, what: str) -> None:
    if tool:
        return
    if ON_CI:
        pytest.fail(f"{what} is missing on CI: .ci/run must install it")
    pytest.skip(f"{what} is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def sheets():
    plots = ("svg", "pdf") if HAVE_MPL else ()
    # validated by default, on the quick input set (GELU's certified truth: ~1.5 s of CPU with a cold cache)
    return collect([symact.get(n) for n in NAMES], plots=plots, jobs=2)


@pytest.fixture(scope="module")
def out(sheets, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "sheet"
    written = report.write(sheets, list(report.FORMATS), path)
    return path, written


def by_name(sheets, name):
    return next(s for s in sheets if s.act.name == name)


# ---------------------------------------------------------------------------------------
# The sheets: derived facts, not typed ones
# ---------------------------------------------------------------------------------------


def test_sheets_hold_the_derived_facts(sheets):
    assert [s.act.name for s in sheets] == list(NAMES)
    for s in sheets:
        assert s.proof.verdict is proofs.Verdict.DISPROVED and s.proof.check()
    for s in (by_name(sheets, "relu"), by_name(sheets, "binary_step")):  # cheap to recompute here
        assert s.properties == s.act.properties()  # the same record as the API's
        assert s.derivatives == (s.act.derivative(1), s.act.derivative(2))
    for s in sheets:  # the numeric validation is in every sheet by default
        assert not isinstance(s.validation, Unknown), s.validation
        assert s.validation.name == s.act.name and s.validation_size == "quick"
        assert {(r.dtype, r.derivative) for r in s.validation.results} == {
            (d, n) for d in ("float32", "float64") for n in (0, 1)
        }
        assert all(r.points > 900 and r.wrong == 0 for r in s.validation.results)
    assert by_name(sheets, "relu").validation.ok and by_name(sheets, "binary_step").validation.ok
    gelu = by_name(sheets, "gelu")
    assert gelu.properties.minimum.attained is True
    assert gelu.validation.get("float32").max_ulp <= 1  # float32 through float64: within 1 ULP
    relu, step = by_name(sheets, "relu"), by_name(sheets, "binary_step")
    [kink] = relu.joints
    assert (kink.at, kink.value, kink.limits[0], kink.limits[1], kink.kind) == (0, 0, (0, 0), (0, 1), "kink")
    [jump] = step.joints
    assert (jump.value, jump.limits[0], jump.status[:2], jump.kind) == (1, (0, 1), ("jump", "undefined"), "jump")
    assert by_name(sheets, "gelu").joints == ()
    lines = {name: [(a.side, a.line) for a in by_name(sheets, name).asymptotes] for name in NAMES}
    assert lines == {
        "relu": [("-oo", 0), ("+oo", symact.x)],
        "gelu": [("-oo", 0), ("+oo", symact.x)],
        "binary_step": [("-oo", 0), ("+oo", 1)],
    }


# ---------------------------------------------------------------------------------------
# Gaussian input
# ---------------------------------------------------------------------------------------


def test_sheets_hold_the_gaussian_records(sheets):
    relu, gelu, step = (by_name(sheets, n) for n in NAMES)
    for s in (relu, step):  # cheap to recompute here: the same records as the API's
        assert s.gaussian == symact.gaussian(s.act) and s.edge_of_chaos == symact.edge_of_chaos(s.act)
    # ReLU: E[f^2] = E[f'^2] = 1/2, both gains sqrt(2) exactly, PyTorch's gain derived; critical sigma_w = sqrt(2)
    assert (relu.gaussian.second_moment.exact, relu.gaussian.forward_gain.exact) == (Rational(1, 2), sqrt(2))
    assert relu.gaussian.backward_gain.exact == sqrt(2) and relu.gaussian.pytorch.agrees is True
    assert relu.edge_of_chaos.sigma_w.exact == sqrt(2) and relu.edge_of_chaos.q_star.exact == 0
    # GELU: certified digits; at sigma_b = 0 no claim without a proof that q* = 0 attracts
    assert gelu.gaussian.forward_gain.enclosure.decimal(5) == "1.5335" and gelu.gaussian.pytorch is None
    assert (
        isinstance(gelu.edge_of_chaos.sigma_w.value, Unknown)
        and "not proved" in gelu.edge_of_chaos.sigma_w.unknown.reason
    )
    # the binary step: f' = 0 almost everywhere, so no backward gain, and the jump is noted
    assert isinstance(step.gaussian.backward_gain.value, Unknown) and step.gaussian.notes


def _gaussian_section(text: str, name: str) -> str:
    start = text.index(f"## {name}")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end >= 0 else len(text)]
    return section[section.index("### Gaussian input") :]


def _row(section: str, label: str) -> list[str]:
    line = next(line for line in section.splitlines() if line.startswith(f"| {label} |"))
    return [c.strip() for c in line.strip("|").split(" | ")]


@pytest.mark.parametrize(
    ("name", "label", "shown"),
    [
        ("relu", "E\\[f(z)²\\]", "`1/2`"),
        ("relu", "forward gain 1/√E\\[f(z)²\\]", "`sqrt(2)` = `1.414213562373095…`"),
        ("relu", "PyTorch calculate\\_gain('relu')", "`sqrt(2)`"),
        ("relu", "edge of chaos at σ\\_b = 0: σ\\_w", "`sqrt(2)` = `1.414213562373095…`"),
        ("gelu", "forward gain 1/√E\\[f(z)²\\]", "`1.533530441195535…`"),
        ("binary\\_step", "E\\[f′(z)²\\]", "`0`"),
        ("binary\\_step", "backward gain 1/√E\\[f′(z)²\\]", "unknown (E\\[f'(z)^2\\] is 0: no gain makes it 1)"),
        ("gelu", "edge of chaos at σ\\_b = 0: σ\\_w", "unknown (f(0) = 0 makes q\\* = 0 a fixed point"),
    ],
)
def test_markdown_gaussian_section(sheets, name, label, shown):
    text = report.render(sheets, "markdown")
    section = _gaussian_section(text, name)
    assert section.count("| quantity | value | how it is known |") == 1
    assert _row(section, label)[1].startswith(shown)


def test_gaussian_section_in_every_format(out, sheets):
    path, _ = out
    for suffix in (".md", ".html", ".tex"):
        text = path.with_suffix(suffix).read_text(encoding="utf-8")
        assert text.count("Gaussian input") == len(NAMES)  # one section per activation
        assert "how it is known" in text and "Poole et al. 2016" in text
    html = path.with_suffix(".html").read_text(encoding="utf-8")
    assert "PyTorch calculate_gain(&#x27;relu&#x27;)" in html or "PyTorch calculate_gain('relu')" in html
    md = path.with_suffix(".md").read_text(encoding="utf-8")
    step = by_name(sheets, "binary_step").gaussian
    assert step.notes and all(f"Note: {n}" in md.replace("\\", "") for n in step.notes)


def test_gaussian_json_is_the_init_record(sheets, capsys):
    data = json.loads(report.render(sheets, "json"))
    for entry, s in zip(data["activations"], sheets):
        assert entry["gaussian"] == s.gaussian.to_dict() and entry["edge_of_chaos"] == s.edge_of_chaos.to_dict()
    relu = data["activations"][0]
    assert cli.main(["init", "relu", "--format", "json"]) == 0  # the same fields as symact init prints
    init = json.loads(capsys.readouterr().out)
    assert {k: v for k, v in init.items() if k != "edge_of_chaos"} == relu["gaussian"]
    assert init["edge_of_chaos"] == relu["edge_of_chaos"]
    assert sympy.sympify(relu["gaussian"]["forward_gain"]["exact"]) == sqrt(2)  # exact, read back
    gelu = data["activations"][1]
    assert (
        gelu["gaussian"]["forward_gain"]["exact"] is None
        and gelu["gaussian"]["forward_gain"]["enclosure"]["digits"] >= 30
    )
    assert gelu["edge_of_chaos"]["sigma_w"]["unknown"]


@pytest.mark.parametrize("which", ["gaussian", "edge_of_chaos", "both"])
def test_an_unknown_gaussian_cell_says_why_and_the_sheet_stands(sheets, which):
    relu = by_name(sheets, "relu")
    why = Unknown("a reason from the analysis")
    changes = {"gaussian": why, "edge_of_chaos": why} if which == "both" else {which: why}
    fake = dataclasses.replace(relu, **changes)
    md = report.render([fake], "markdown")
    section = _gaussian_section(md, "relu")
    label = "moments and gains" if which != "edge_of_chaos" else "edge of chaos"
    assert _row(section, label)[1] == "unknown (a reason from the analysis)"
    assert "### Frameworks" in md and "**Theorem.** relu is not linear." in md  # the rest of the sheet is there
    data = report.to_json([fake])["activations"][0]
    for key in changes:
        assert data[key] == {"unknown": "a reason from the analysis"}


def test_a_sheet_without_gaussian_records_has_no_such_section(sheets):
    bare = dataclasses.replace(by_name(sheets, "relu"), gaussian=None, edge_of_chaos=None)
    for fmt in ("markdown", "html", "latex"):
        assert "Gaussian input" not in report.render([bare], fmt)
    data = report.to_json([bare])["activations"][0]
    assert data["gaussian"] is None and data["edge_of_chaos"] is None


@pytest.mark.parametrize("failure", ["error", "timeout"])
def test_a_failing_gaussian_analysis_becomes_an_unknown(monkeypatch, failure):
    from symact.analysis import gaussian as analysis
    from symact.report import data

    monkeypatch.setenv("SYMACT_CACHE", "0")  # derive, do not read an earlier run's answer
    act = symact.define(sympy.tanh(symact.x) + symact.x / 3, name=f"gauss_{failure}")
    if failure == "error":

        def broken(*args, **kwargs):
            raise RuntimeError("an analysis bug")

        monkeypatch.setattr(analysis, "gaussian", broken)
        monkeypatch.setattr(analysis, "edge_of_chaos", broken)
    else:
        monkeypatch.setattr(data, "GAUSSIAN_SECONDS", 0.01)  # each cell's own budget
    record, edge = data._gaussian_input(act)
    for got, what in ((record, "Gaussian moments"), (edge, "edge of chaos")):
        assert isinstance(got, Unknown)
        if failure == "error":
            assert got.reason == f"{what} failed: RuntimeError: an analysis bug"
        else:
            assert got.reason == f"timeout ({what})"


# ---------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------


def test_markdown_summary_row_and_sections(sheets):
    text = report.render(sheets, "markdown", plot_dir="sheet_plots")
    header = next(line for line in text.splitlines() if line.startswith("| Name"))
    assert header == "| " + " | ".join(SUMMARY_COLUMNS) + " |"
    row = next(line for line in text.splitlines() if line.startswith("| [binary\\_step]"))
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    step = symact.get("binary_step")
    assert cells[1] == f"`{step.expr}`" and cells[3] == "`{0, 1}`"
    assert cells[4:] == ["discontinuous", "non-decreasing", "constant", "no"]
    gelu_row = next(line for line in text.splitlines() if line.startswith("| [gelu]"))
    assert "`[-0.169971207479903…, ∞)`" in gelu_row  # a certified prefix, marked as cut
    relu = text[text.index("## relu") : text.index("## gelu")]
    assert "```math\n\\begin{aligned}\n\\operatorname{ReLU}(x) &= \\max\\left(0, x\\right)" in relu
    assert "\\operatorname{ReLU}'(x) &= " + symact.get("relu").latex(1).split(" = ", 1)[1] in relu
    assert "![relu, its first and second derivative](sheet_plots/relu.svg)" in relu or not HAVE_MPL
    assert "| derivative at zero | does not exist |" in relu
    assert "| one sided derivatives at zero | (`0`, `1`) |" in relu
    assert "| `0` | `0` | `0` | `0` | `0` | `1` | kink |" in relu
    assert "**Theorem.** relu is not linear." in relu
    assert "| pytorch | torch.nn.ReLU | – | gradient `0` at x = `0` |" in relu
    assert "Limits: x → −∞: `0`; x → +∞: `oo`. Range: `[0, ∞)`." in relu
    assert "Asymptotes: `y = 0` as x → −∞; `y = x` as x → +∞." in relu
    gelu = text[text.index("## gelu") :]
    assert "-0.169971207479903661693868470982433922833" in gelu  # the full certified digits in the section


def test_unknown_cells_say_unknown_and_why(sheets):
    relu = by_name(sheets, "relu")
    props = dataclasses.replace(
        relu.properties, range=Unknown("a reason from the analysis"), bounded=Unknown("another")
    )
    fake = dataclasses.replace(relu, properties=props, validation=Unknown("timeout (validation)"))
    md = report.render([fake], "markdown")
    row = next(line for line in md.splitlines() if line.startswith("| [relu]"))
    assert "unknown [1]" in row
    assert "1. a reason from the analysis" in md
    assert "| range | unknown (a reason from the analysis) |" in md and "| bounded | unknown (another) |" in md
    assert "unknown (timeout (validation))" in md
    html = report.render([fake], "html")
    assert (
        'unknown&#8239;<a href="#why-1" class="note">[1]</a>' in html
        and '<li id="why-1">a reason from the analysis</li>' in html
    )
    data = report.to_json([fake])
    assert data["activations"][0]["properties"]["range"] == {"unknown": "a reason from the analysis"}
    assert data["summary"][0]["Range"] == {"unknown": "a reason from the analysis"}


def test_validation_not_run_is_said(sheets):
    md = report.render(
        [dataclasses.replace(by_name(sheets, "relu"), validation=None, validation_size=None)], "markdown"
    )
    assert "Not run: this report was built without it (symact report --no-validate)." in md


def test_validation_summary_in_every_format(out, sheets):
    path, _ = out
    gelu = by_name(sheets, "gelu").validation
    for suffix in (".md", ".html", ".tex"):
        text = path.with_suffix(suffix).read_text(encoding="utf-8")
        assert "against correctly rounded mpmath truth" in text and "Not run" not in text
        assert text.count("max ULP, normal outputs") == len(NAMES)  # one validation table per activation
    md = path.with_suffix(".md").read_text(encoding="utf-8")
    assert f"on the quick input set: {gelu.summary()}." in md
    r = gelu.get("float64", 1)
    assert f"| float64 | f′ | {r.points} | {r.max_ulp:.3g} | {r.max_ulp_core:.3g} |" in md


# ---------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------


def test_json_reads_back_exactly(sheets):
    data = json.loads(report.render(sheets, "json"))
    assert [a["name"] for a in data["activations"]] == list(NAMES)
    for entry, s in zip(data["activations"], sheets):
        assert sympy.sympify(entry["formula"], locals={"x": symact.x}) == s.act.expr
        assert [sympy.sympify(d, locals={"x": symact.x}) for d in entry["derivatives"]] == list(s.derivatives)
        assert entry["linearity"]["verdict"] == "disproved"
        assert entry["validation"]["summary"] == s.validation.summary() and entry["validation"]["inputs"] == "quick"
        assert entry["plots"] is None  # rendered alone: no plot file next to it
        assert entry["properties"]["continuity"] == s.properties.continuity
    assert data["activations"][0]["asymptotes"] == [
        {"side": "-oo", "slope": "0", "intercept": "0"},
        {"side": "+oo", "slope": "1", "intercept": "0"},
    ]
    step = data["activations"][2]
    assert step["breakpoints"] == [
        {
            "at": "0",
            "value": "1",
            "limits": [["0", "1"], ["0", "0"], ["0", "0"]],
            "status": ["jump", "undefined", "undefined"],
            "kind": "jump",
        }
    ]
    assert (
        step["properties"]["derivative_at_zero"] is None
        and step["property_text"]["derivative_at_zero"] == "does not exist"
    )
    assert step["properties"]["range"] == "{0, 1}" and data["activations"][0]["property_text"]["range"] == "[0, ∞)"
    assert data["summary"][0]["Order of continuity"] == "C0"


# ---------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------


def _xml_entities(fragment: str) -> str:
    keep = {"lt", "gt", "amp", "quot", "apos"}
    return re.sub(r"&([A-Za-z]+);", lambda m: m.group(0) if m.group(1) in keep else html5[m.group(1) + ";"], fragment)


def test_html_is_self_contained_mathml(out):
    path, _ = out
    text = path.with_suffix(".html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<script" not in text.lower()
    assert not re.search(r"""(src|href)=["'](?!data:|#)""", text), "every resource must be inline"
    assert not re.search(r"https?://(?!www\.w3\.org/1998/Math/MathML)", text), (
        "no network address but the MathML namespace"
    )
    maths = re.findall(r"<math\b.*?</math>", text, flags=re.DOTALL)
    assert len(maths) > 60
    for m in maths:  # each formula is well-formed MathML
        root = ET.fromstring(_xml_entities(m))
        assert root.tag == "{http://www.w3.org/1998/Math/MathML}math"
    assert "piecewise" not in text and "mfenced" not in text  # cases print as a brace and a table
    images = re.findall(r'<img src="data:image/svg\+xml;base64,', text)
    assert len(images) == (len(NAMES) if HAVE_MPL else 0)
    assert text.count("<details>") == len(NAMES)


def _open_in_chromium(report_html: Path, tmp_path: Path) -> None:
    """Load the report in headless Chromium: no console error, every <math> laid out as MathML, every image decoded."""
    _need(CHROMIUM, "chromium")
    html = report_html.read_text(encoding="utf-8")
    probe = (
        '<script>addEventListener("load", () => { const m = [...document.querySelectorAll("math")];'
        ' document.body.dataset.mathml = String(m.length > 0 && m.every(e => e.namespaceURI === "http://www.w3.org/1998/Math/MathML"'
        " && e.getBoundingClientRect().width > 0));"
        " document.body.dataset.images = String([...document.images].every(i => i.complete && i.naturalWidth > 0));"
        " document.body.dataset.count = String(m.length); });</script>"
    )
    page = tmp_path / "probe.html"  # the report plus a probe script (the report itself has none)
    page.write_text(html.replace("</body>", probe + "</body>"), encoding="utf-8")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    run = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, check=False, timeout=180
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "CONSOLE" not in run.stderr, run.stderr[-2000:]  # no script error, no failed resource
    body = re.search(r"<body[^>]*>", run.stdout).group(0)
    assert 'data-mathml="true"' in body, body  # every <math> is a laid-out MathML element
    assert 'data-images="true"' in body, body
    assert int(re.search(r'data-count="(\d+)"', body).group(1)) == len(re.findall(r"<math\b", html))
    shot = tmp_path / "sheet.png"
    run = subprocess.run(
        [CHROMIUM, *flags, "--window-size=1280,2000", f"--screenshot={shot}", report_html.as_uri()],
        capture_output=True,
        check=False,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0 and shot.stat().st_size > 50_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_opens_in_headless_chromium(out, tmp_path):
    path, _ = out
    _open_in_chromium(path.with_suffix(".html"), tmp_path)


def test_json_names_the_plot_files_it_was_written_with(out, sheets):
    path, written = out
    data = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    md = path.with_suffix(".md").read_text(encoding="utf-8")
    tex = path.with_suffix(".tex").read_text(encoding="utf-8")
    for entry in data["activations"]:
        name = entry["name"]
        if not HAVE_MPL:
            assert entry["plots"] is None
            continue
        assert entry["plots"] == {"pdf": f"sheet_plots/{name}.pdf", "svg": f"sheet_plots/{name}.svg"}
        assert f"({entry['plots']['svg']})" in md and f"{{{entry['plots']['pdf']}}}" in tex  # the same files
        for rel in entry["plots"].values():  # relative to the report, and written
            assert (path.parent / rel) in written and (path.parent / rel).stat().st_size > 1000


def test_json_alone_writes_and_names_no_plots(sheets, tmp_path):
    written = report.write(sheets[:1], ["json"], tmp_path / "only.json")
    assert written == [tmp_path / "only.json"]
    assert json.loads(written[0].read_text(encoding="utf-8"))["activations"][0]["plots"] is None
    failed = dataclasses.replace(sheets[0], plots=Unknown("Matplotlib is not installed"))
    assert report.to_json([failed], "p")["activations"][0]["plots"] == {"unknown": "Matplotlib is not installed"}


@pytest.fixture(scope="module")
def selu_sheet():
    [sh] = collect([symact.get("selu")], plots=(), validation=None)
    return sh


def test_html_cells_cut_long_exact_values_and_keep_them(selu_sheet):
    # SELU's constants are exact 31-digit decimals: its range, limits and slopes are rationals
    # with 62-digit numerators, which used to scroll inside their table cells
    html = report.render([selu_sheet], "html")
    low = selu_sheet.properties.range.start
    assert isinstance(low, sympy.Rational) and len(str(low)) > 100
    untitled = re.sub(r'title="[^"]*"', "", html)
    cells = re.findall(r"<td>(.*?)</td>", untitled, flags=re.DOTALL)
    assert len(cells) > 20 and not any(re.search(r"\d{20}", c) for c in cells)  # no long digit run in any cell
    # the range cell: the first 16 digits of the exact value, cut (never rounded), and the exact value in its tooltip
    range_row = next(r for r in re.findall(r"<tr>(.*?)</tr>", html, flags=re.DOTALL) if r.startswith("<td>range</td>"))
    exact, shown = re.search(
        r'<span class="exact" title="exact: ([^"]*)">(.*?)</span>', range_row, flags=re.DOTALL
    ).groups()
    assert "<mo>&#x2212;</mo><mn>1.758099340847376…</mn>" in shown and shown.count("<math") == 1
    assert exact == f"({low}, ∞)" and sympy.Rational(exact[1:].split(",")[0]) == low
    for exact, shown in re.findall(r'<span class="exact" title="exact: ([^"]*)">(.*?)</span>', html, flags=re.DOTALL):
        assert "…" in shown and re.search(r"\d{25}", exact)  # every cut value carries its long exact form
    # the displayed definition stays exact, and so do the other formats
    alpha = "16732632423543772848170429916717"
    assert alpha in untitled[untitled.index('<div class="formulas">') :]
    assert f"| range | `({low}, ∞)` |" in report.render([selu_sheet], "markdown")
    # exact values in running text (a proof's claim, a reason) wrap instead of widening the page
    assert re.search(r"details \{[^}]*overflow-wrap: anywhere", html) and re.search(
        r"table.facts td, p \{ overflow-wrap: anywhere", html
    )
    assert str(low.p) in untitled[untitled.index("<details>") :]  # the proof keeps its exact values
    # short values are printed as they are, without a tooltip
    relu_html = report.render([dataclasses.replace(selu_sheet, act=symact.get("relu"))], "html")
    assert relu_html.count('class="exact"') < html.count('class="exact"')


# ---------------------------------------------------------------------------------------
# LaTeX
# ---------------------------------------------------------------------------------------


def test_latex_compiles_with_pdflatex(out):
    _need(PDFLATEX, "pdflatex")
    path, _ = out
    tex = path.with_suffix(".tex")
    source = tex.read_text(encoding="utf-8")
    assert source.startswith("\\documentclass") and source.rstrip().endswith("\\end{document}")
    assert all(ord(ch) < 128 for ch in source), "pdflatex needs ASCII (Unicode is mapped to LaTeX)"
    if HAVE_MPL:
        assert "\\includegraphics[width=0.8\\linewidth]{sheet_plots/relu.pdf}" in source
        assert (path.parent / "sheet_plots" / "relu.pdf").read_bytes()[:5] == b"%PDF-"
    _pdflatex(tex)


def _pdflatex(tex: Path) -> None:
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
        cwd=tex.parent,
        capture_output=True,
        check=False,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert tex.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"


# ---------------------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------------------


def test_plot_data_marks_kinks_jumps_and_guides():
    data = plot.plot_data(symact.get("relu"))
    f, d1, d2 = data.panels
    assert f.notes == ((0.0, "kink"),) and f.marks == ()
    assert sorted((m.y, m.kind) for m in d1.marks) == [(0.0, "hole"), (1.0, "hole")]
    assert [(m.y, m.kind) for m in d2.marks] == [(0.0, "hole")]
    assert [g.label for g in f.guides] == ["y = 0 (x → -∞); minimum 0", "y = x (x → +∞)"]
    for xs, ys in f.segments:  # the sampled curve is the function
        assert (xs != 0).all() and (abs(ys - xs.clip(min=0)) < 1e-15).all()


def test_oblique_asymptotes_are_derived_and_drawn():
    act = symact.get("bent_identity")  # x + (sqrt(x^2 + 1) - 1)/2: slopes 1/2 and 3/2
    found = plot.asymptotes(act)
    assert [(a.side, a.slope, a.intercept) for a in found] == [
        ("-oo", sympy.Rational(1, 2), sympy.Rational(-1, 2)),
        ("+oo", sympy.Rational(3, 2), sympy.Rational(-1, 2)),
    ]
    for a in found:  # f - line -> 0 at that end (checked numerically far out)
        far = -1e6 if a.side == "-oo" else 1e6
        assert abs(float((act.expr - a.line).subs(symact.x, sympy.Float(far, 50)))) < 1e-5
    guides = plot.plot_data(act).panels[0].guides
    assert [(g.slope, g.y, g.label) for g in guides if g.slope] == [
        (0.5, -0.5, "y = 0.5 x - 0.5 (x → -∞)"),
        (1.5, -0.5, "y = 1.5 x - 0.5 (x → +∞)"),
    ]


@pytest.mark.parametrize("name", ["tanh", "hard_tanh"])
def test_phase_diagram_draws_the_certified_critical_curve(name):
    act = symact.get(name)
    grid = [0, Rational(1, 2), 1, 2]
    data = plot.phase_data(act, grid)
    assert data.left_out == "" and [b for b, _ in data.points] == [0.0, 0.5, 1.0, 2.0]
    assert data.points[0] == (0.0, 1.0)  # f(0) = 0, f'(0) = 1 and |f'| <= 1: sigma_w = 1 exactly
    for (b, w), point in zip(data.points[1:], symact.critical_curve(act, grid[1:])):
        enc = point.sigma_w.enclosure  # each drawn point is the middle of a certified enclosure
        assert enc.digits >= 30 and w == float(enc.midpoint) and point.sigma_b == Rational(b)
    ws = [w for _, w in data.points]
    assert ws == sorted(ws) and len(set(ws)) == len(ws)  # the critical sigma_w grows with sigma_b


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("relu", "the critical curve of relu is not certified at sigma_b = 1: "),  # chi_1 = sigma_w^2/2, no q*
        ("soft_shrink", "the critical curve of soft_shrink is not certified at sigma_b = 1: no certified critical"),
    ],
)
def test_phase_diagram_only_where_the_curve_is_certified(name, why):
    got = plot.phase_data(symact.get(name), [0, 1])
    assert isinstance(got, Unknown) and got.reason.startswith(why)


def test_a_failing_critical_point_is_an_unknown_in_the_phase_diagram(monkeypatch):
    from symact.analysis import gaussian as analysis

    def broken(*args, **kwargs):
        raise RuntimeError("an analysis bug")

    monkeypatch.setattr(analysis, "edge_of_chaos", broken)
    got = plot.phase_data(symact.get("tanh"), [0, 1])
    assert got == Unknown("the critical point of tanh at sigma_b = 0 failed: RuntimeError: an analysis bug")


def test_phase_diagram_files(tmp_path, capsys):
    _need(HAVE_MPL, "matplotlib (the symact[plot] extra)")
    target = tmp_path / "tanh_phase.svg"
    assert cli.main(["plot", "tanh", "--phase", "-o", str(target)]) == 0
    svg = target.read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "tanh: the critical curve (edge of chaos)" in svg
    assert cli.main(["plot", "relu", "--phase", "-o", str(tmp_path / "relu_phase.svg")]) == 1
    assert "no phase diagram of relu: the critical curve of relu is not certified" in capsys.readouterr().err
    assert not (tmp_path / "relu_phase.svg").exists()


@pytest.fixture(scope="module")
def phase_sheets():
    """tanh (a certified curve) and relu (none for sigma_b > 0: chi_1 does not depend on q) with their phase
    diagrams, without validation."""
    plots = ("svg", "pdf") if HAVE_MPL else ()
    return collect([symact.get("tanh"), symact.get("relu")], plots=plots, validation=None, jobs=2, phase=True)


def test_a_report_with_phase_diagrams_holds_the_certified_curve(phase_sheets):
    tanh, relu = phase_sheets
    records = tanh.phase.records
    assert [r.sigma_b for r in records] == list(plot.PHASE_SIGMA_B) and tanh.phase.left_out == ""
    assert records[0].sigma_w.exact == 1  # f(0) = 0, f'(0) = 1, |f'| <= 1
    for r, again in zip(records[1:3], symact.critical_curve(symact.get("tanh"), plot.PHASE_SIGMA_B[1:3])):
        assert r.sigma_w.enclosure == again.sigma_w.enclosure and r.sigma_w.enclosure.digits >= 30
    drawn = [
        float(r.sigma_w.exact) if r.sigma_w.exact is not None else float(r.sigma_w.enclosure.midpoint) for r in records
    ]
    assert tanh.phase.points == tuple(zip(map(float, plot.PHASE_SIGMA_B), drawn))
    assert isinstance(relu.phase, Unknown)
    assert relu.phase.reason.startswith("the critical curve of relu is not certified at sigma_b = 1/4")
    if HAVE_MPL:
        assert set(tanh.phase_plots) == {"svg", "pdf"} and tanh.phase_plots["svg"].startswith(b"<?xml")
        assert relu.phase_plots == {}


def test_phase_diagrams_in_every_format(phase_sheets, tmp_path):
    written = report.write(phase_sheets, list(report.FORMATS), tmp_path / "sheet")
    md = (tmp_path / "sheet.md").read_text(encoding="utf-8")
    tanh_md = md.split("## tanh", 1)[1].split("## relu", 1)[0]
    assert "### Phase diagram" in tanh_md
    rows = [line for line in tanh_md.splitlines() if line.startswith("| `1/4` |")]
    assert len(rows) == 1, tanh_md
    relu_md = md.split("## relu", 1)[1]
    assert "Not drawn: unknown (the critical curve of relu is not certified at sigma\\_b = 1/4" in relu_md
    data = json.loads((tmp_path / "sheet.json").read_text(encoding="utf-8"))
    tanh_json, relu_json = data["activations"]
    points = tanh_json["phase_diagram"]["points"]
    assert [p["sigma_b"] for p in points] == [str(b) for b in plot.PHASE_SIGMA_B]
    assert points == [r.to_dict() for r in phase_sheets[0].phase.records]
    assert relu_json["phase_diagram"]["unknown"].startswith("the critical curve of relu is not certified")
    html = (tmp_path / "sheet.html").read_text(encoding="utf-8")
    assert "<h3" in html and "Phase diagram" in html
    if HAVE_MPL:
        assert "![tanh: the phase diagram (chi_1 = 1)](sheet_plots/phase/tanh.svg)" in tanh_md
        assert tanh_json["phase_diagram"]["plots"] == {
            "pdf": "sheet_plots/phase/tanh.pdf",
            "svg": "sheet_plots/phase/tanh.svg",
        }
        for suffix, magic in (("svg", b"<?xml"), ("pdf", b"%PDF-")):
            drawn = tmp_path / "sheet_plots" / "phase" / f"tanh.{suffix}"
            assert drawn in written and drawn.read_bytes().startswith(magic)
        assert not (tmp_path / "sheet_plots" / "phase" / "relu.svg").exists()
        assert 'alt="tanh: the phase diagram (chi_1 = 1)"' in html
        source = (tmp_path / "sheet.tex").read_text(encoding="utf-8")
        assert "\\includegraphics[width=0.55\\linewidth]{sheet_plots/phase/tanh.pdf}" in source
        if PDFLATEX:
            _pdflatex(tmp_path / "sheet.tex")
        if CHROMIUM:  # the phase diagram's inline SVG decodes, the math renders, no console error
            _open_in_chromium(tmp_path / "sheet.html", tmp_path)


def test_a_report_without_phase_diagrams_has_none(sheets):
    text = report.render(sheets, "markdown")
    assert "Phase diagram" not in text and all(sh.phase is None for sh in sheets)
    assert all(a["phase_diagram"] is None for a in report.to_json(sheets)["activations"])


def test_cli_report_phase(capsys):
    assert cli.main(["report", "hard_tanh", "--phase", "--no-validate", "--no-plots", "--format", "json"]) == 0
    got = json.loads(capsys.readouterr().out)["activations"][0]["phase_diagram"]
    again = symact.critical_curve(symact.get("hard_tanh"), plot.PHASE_SIGMA_B)
    assert got["points"] == [r.to_dict() for r in again] and got["plots"] is None


def test_plot_files(tmp_path):
    _need(HAVE_MPL, "matplotlib (the symact[plot] extra)")
    for suffix, magic in ((".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF-")):
        target = tmp_path / f"step{suffix}"
        assert cli.main(["plot", "binary_step", "-o", str(target)]) == 0
        assert target.read_bytes().startswith(magic)
    assert cli.main(["plot", "binary_step", "-o", str(tmp_path / "step.gif")]) == 2


# ---------------------------------------------------------------------------------------
# Command line, progress, Jupyter
# ---------------------------------------------------------------------------------------


def test_cli_json_to_stdout_and_errors(capsys):
    assert cli.main(["report", "relu", "--format", "json", "--no-plots", "--no-progress"]) == 0
    data = json.loads(capsys.readouterr().out)
    relu = data["activations"][0]
    assert relu["name"] == "relu" and relu["validation"]["inputs"] == "quick" and relu["validation"]["ok"] is True
    assert relu["validation"]["summary"].startswith("relu ok: f32 f max 0 ULP")
    assert cli.main(["report", "relu", "--format", "json", "--no-plots", "--no-progress", "--no-validate"]) == 0
    assert json.loads(capsys.readouterr().out)["activations"][0]["validation"] is None
    assert cli.main(["report", "rleu"]) == 2
    assert "did you mean 'relu'" in capsys.readouterr().err
    assert cli.main(["report", "relu", "--format", "html,json"]) == 2
    assert "several formats need -o" in capsys.readouterr().err
    assert cli.main(["report", "relu", "--format", "pdf"]) == 2


def test_cli_validation_options():
    import argparse

    p = argparse.ArgumentParser()
    cli.add_report_arguments(p)
    assert cli.validation_of(p.parse_args([])) == "quick"  # on by default
    assert cli.validation_of(p.parse_args(["--validate"])) == "quick"
    assert cli.validation_of(p.parse_args(["--validate", "full"])) == "full"
    assert cli.validation_of(p.parse_args(["--no-validate"])) is None
    with pytest.raises(SystemExit) as exc:  # one or the other
        cli.main(["report", "relu", "--validate", "--no-validate"])
    assert exc.value.code == 2


def test_cli_writes_every_format(tmp_path, capsys):
    target = tmp_path / "r" / "sheet"
    assert cli.main(["report", "binary_step", "--format", "all", "-o", str(target), "--no-progress", "--progress"]) == 0
    err = capsys.readouterr().err
    assert "symact report: [1/1] binary_step" in err
    for suffix in (".md", ".tex", ".html", ".json"):
        assert target.with_suffix(suffix).stat().st_size > 1000
    assert (target.parent / "sheet_plots" / "binary_step.svg").exists() == HAVE_MPL


def test_progress_counter():
    stream = io.StringIO()
    p = Progress(2, stream=stream, enabled=True)
    p.step("relu")
    p.step("gelu")
    p.close()
    lines = stream.getvalue().splitlines()
    assert [line.split(" (")[0] for line in lines] == ["symact report: [1/2] relu", "symact report: [2/2] gelu"]
    quiet = io.StringIO()
    Progress(1, stream=quiet).step("relu")  # not a terminal, not asked for: silent
    assert quiet.getvalue() == ""


def test_jupyter_reprs(sheets):
    relu = symact.get("relu")
    assert report.repr_latex(relu) == f"$\\displaystyle {relu.latex()}$"
    html = report.repr_html(relu)
    assert html.count("<math") == 2 and "<mtable>" in html  # f and its piecewise derivative
    props = by_name(sheets, "relu").properties
    table = report.repr_html(props)
    assert "<table" in table and "<td>does not exist</td>" in table
    assert "| derivative at zero | does not exist |" in report.repr_markdown(props)
    proof = by_name(sheets, "relu").proof
    assert report.repr_markdown(proof) == proof.markdown()
    assert "<strong>Theorem.</strong> relu is not linear." in report.repr_html(proof)
    assert report.repr_html(object()) is None and report.repr_latex(props) is None


@pytest.mark.parametrize("name", ["relu", "binary_step"])
def test_jupyter_reprs_of_the_gaussian_records(name):
    act = symact.get(name)
    record, edge = symact.gaussian(act), symact.edge_of_chaos(act)
    for obj in (record, edge):
        md, html = obj._repr_markdown_(), obj._repr_html_()  # the hooks reach symact.report.display
        assert md == report.repr_markdown(obj) and html == report.repr_html(obj)
        assert "| quantity | value | how it is known |" in md
        assert "<table" in html and html.count("<tr>") == md.count("\n| ")  # the same rows, header included
        assert report.repr_latex(obj) is None
    md = record._repr_markdown_()
    escaped = name.replace("_", "\\_")
    assert md.startswith(f"**{escaped}(z) for z drawn from N(0, 1)**")
    assert _row(md, "forward gain 1/√E\\[f(z)²\\]")[1] == "`sqrt(2)` = `1.414213562373095…`"  # both: 1/sqrt(1/2)
    if name == "relu":
        assert _row(md, "PyTorch calculate\\_gain('relu')")[2].startswith("PyTorch's sqrt(2) is the one-layer")
        assert "<msqrt><mn>2</mn></msqrt>" in record._repr_html_()
    else:
        assert _row(md, "backward gain 1/√E\\[f′(z)²\\]")[1].startswith("unknown (")
        assert all(f"Note: {n}" in md.replace("\\", "") for n in record.notes) and record.notes
    assert _row(edge._repr_markdown_(), "edge of chaos at σ\\_b = 0: σ\\_w")[1] == value_of(edge.sigma_w)


def value_of(q) -> str:
    """The Markdown cell of a Quantity, written out: exact, then its certified decimal cut to 15 digits."""
    if q.exact is None:
        return Markdown().text(f"unknown ({q.unknown.reason})")
    if q.enclosure is None or q.exact.is_Rational:
        return f"`{q.exact}`"
    return f"`{q.exact}` = `{q.enclosure.decimal()[:17]}…`"


# ---------------------------------------------------------------------------------------
# The whole catalog (slow)
# ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_whole_catalog_in_every_format_under_two_minutes(tmp_path, request):
    import importlib.util

    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("the whole-catalog build runs with -m slow (or python benchmarks/report.py)")
    spec = importlib.util.spec_from_file_location(
        "bench_report", Path(__file__).resolve().parents[1] / "benchmarks" / "report.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    seconds, written = bench.run(tmp_path / "sheet")
    assert len([p for p in written if p.suffix in (".md", ".tex", ".html", ".json")]) == 4
    assert seconds < bench.LIMIT_SECONDS
    data = json.loads((tmp_path / "sheet.json").read_text(encoding="utf-8"))
    assert [a["name"] for a in data["activations"]] == list(symact.names())
    # the numeric validation is in (cold truth cache: bench.run uses a fresh one), and the plots are named
    assert all(
        a["validation"]["inputs"] == "quick" and len(a["validation"]["results"]) == 4 for a in data["activations"]
    )
    assert all(a["plots"] is None or (tmp_path / a["plots"]["pdf"]).exists() for a in data["activations"])
    _need(PDFLATEX, "pdflatex")
    _pdflatex(tmp_path / "sheet.tex")
    _open_in_chromium(tmp_path / "sheet.html", tmp_path)
