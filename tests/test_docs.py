"""The documentation site: its tutorials run as doctests, and the built site is opened in a browser.

* Every tutorial (``docs/tutorials/*.md``) is a doctest: a tutorial whose output changes fails here.
* The site is built with Sphinx, warnings as errors (``-W --keep-going``): the default suite builds it
  without the per-activation pages (the API reference, the command line, the tutorials); ``-m slow``
  builds the whole catalog; and when ``.ci/run`` has built the whole site it names the folder in
  ``SYMACT_DOCS_BUILD`` and the default suite checks that build too.
* A check of a built site serves it on 127.0.0.1 and opens every page that has mathematics in
  headless Chromium, in one probe page: MathJax (served from the site, no network) must have typeset
  every formula with no error and a laid-out box. Every link and resource of every page is crawled:
  a missing file or ``#anchor`` fails, and so does any request the browser makes that the site
  cannot answer, and any script, style or image that is not part of the site.

Sphinx, MyST and MathJax come with ``pip install -e '.[docs]'`` and Chromium from Debian; both are
installed by ``.ci/run``: a missing tool skips the test locally and fails it on CI.
"""

from __future__ import annotations

import doctest
import functools
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TUTORIALS = sorted((DOCS / "tutorials").glob("*.md"))
ON_CI = bool(os.environ.get("CI"))
CHROMIUM = next((shutil.which(c) for c in ("chromium", "chromium-browser", "google-chrome") if shutil.which(c)), None)
#: Seconds for one Sphinx build: the fast one takes about 15 s, the whole catalog a few minutes.
BUILD_SECONDS = 1800


def _need(ok: object, what: str) -> None:
    if ok:
        return
    if ON_CI:
        pytest.fail(f"{what} is missing on CI: .ci/run must install it")
    pytest.skip(f"{what} is not installed (.ci/run installs it)")


def _need_sphinx() -> None:
    for module, package in (("sphinx", "sphinx"), ("myst_parser", "myst-parser")):
        try:
            __import__(module)
        except ImportError:
            _need(False, f"{package} (pip install -e '.[docs]')")


# ----------------------------------------------------------------------------------------
# The tutorials, as doctests
# ----------------------------------------------------------------------------------------


def test_there_are_tutorials_and_each_is_in_the_site():
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    assert {p.stem for p in TUTORIALS} >= {"define", "prove", "code"}
    for p in TUTORIALS:
        assert f"tutorials/{p.stem}\n" in index, f"{p.name} is not in the site's table of contents"


@pytest.mark.parametrize("path", TUTORIALS, ids=lambda p: p.stem)
def test_tutorial_output_is_what_it_shows(path):
    text = path.read_text(encoding="utf-8")
    test = doctest.DocTestParser().get_doctest(text, {}, path.stem, str(path), 0)
    # every Python block of a tutorial is a doctest: no code whose output nobody checks
    blocks = re.findall(r"^```(\w+)\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)
    for lang, body in blocks:
        if lang in ("python", "pycon"):
            assert body.startswith(">>> "), f"a {lang} block of {path.name} is not a doctest: {body[:80]!r}"
            assert body.endswith("\n\n"), f"a doctest block of {path.name} must end in a blank line: {body[-80:]!r}"
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test, out=report.append)
    assert len(test.examples) >= 5
    assert runner.failures == 0, "".join(report)


# ----------------------------------------------------------------------------------------
# Building the site
# ----------------------------------------------------------------------------------------


def build(out: Path, activations: str) -> Path:
    """Build the site from a copy of ``docs/`` into ``out/html``; ``activations`` as in docs/conf.py."""
    _need_sphinx()
    src = out / "src"
    shutil.copytree(DOCS, src, ignore=shutil.ignore_patterns("_build", "_generated", "__pycache__"))
    site = out / "html"
    env = {**os.environ, "SYMACT_DOCS_ACTIVATIONS": activations, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(src), str(site)]
    run = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=out, timeout=BUILD_SECONDS, check=False)
    assert run.returncode == 0, f"sphinx-build failed (warnings are errors):\n{run.stderr[-4000:]}"
    assert "WARNING" not in run.stderr and "ERROR" not in run.stderr, run.stderr[-4000:]
    return site


# ----------------------------------------------------------------------------------------
# Checking a built site
# ----------------------------------------------------------------------------------------


class _Page(HTMLParser):
    """The ids, links and resources of one page, and how many formulas it has."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (tag, url)
        self.math = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key) and (key == "id" or tag == "a"):
                self.ids.add(str(a[key]))
        if "math" in (a.get("class") or "").split():
            self.math += 1
        for key in ("href", "src"):
            if a.get(key):
                self.links.append((tag, str(a[key])))


def _pages(site: Path) -> dict[Path, _Page]:
    pages = {}
    for path in sorted(site.rglob("*.html")):
        if "_static" in path.relative_to(site).parts:  # MathJax's and the theme's own files
            continue
        parser = _Page()
        parser.feed(path.read_text(encoding="utf-8"))
        pages[path] = parser
    return pages


def broken_links(site: Path) -> list[str]:
    """Every link or resource of every page that points nowhere: ``page: url (why)``."""
    pages = _pages(site)
    bad = []
    for path, page in pages.items():
        for tag, url in page.links:
            parts = urlsplit(url)
            where = f"{path.relative_to(site)}: {url}"
            if parts.scheme or url.startswith("//"):
                if tag != "a":  # a script, style or image from elsewhere: the site would not work offline
                    bad.append(f"{where} (not part of the site)")
                elif parts.scheme not in ("http", "https", "mailto"):
                    bad.append(f"{where} (unexpected scheme)")
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                bad.append(f"{where} (no such file)")
            elif parts.fragment and target in pages and unquote(parts.fragment) not in pages[target].ids:
                bad.append(f"{where} (no such anchor)")
    return bad


_PROBE = """<!doctype html><meta charset="utf-8"><title>probe</title><body><script>
(async () => {
  const results = {};
  for (const url of %s) {
    const frame = document.createElement("iframe");
    frame.style.width = "1200px"; frame.style.height = "900px";
    const loaded = new Promise(ok => frame.addEventListener("load", ok));
    frame.src = url; document.body.append(frame);
    await loaded;
    const w = frame.contentWindow, d = frame.contentDocument;
    const r = {mathjax: !!(w.MathJax && w.MathJax.startup)};
    if (r.mathjax) { await w.MathJax.startup.promise; }
    const math = [...d.querySelectorAll(".math")];
    r.formulas = math.length;
    r.typeset = math.filter(m => m.querySelector("mjx-container")).length;
    r.errors = math.filter(m => m.querySelector("mjx-merror, [data-mjx-error]")).length;
    r.empty = [...d.querySelectorAll("mjx-container")].filter(c => !(c.getBoundingClientRect().width > 0)).length;
    results[url] = r;
    frame.remove();
  }
  const out = document.createElement("pre"); out.id = "results";
  out.textContent = JSON.stringify(results); document.body.append(out);
})();
</script></body>"""


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the site (and the probe page) and records every request it cannot answer."""

    missing: list[str]
    probe: bytes

    def do_GET(self) -> None:
        if self.path == "/__probe__.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(self.probe)))
            self.end_headers()
            self.wfile.write(self.probe)
            return
        super().do_GET()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if self.path != "/favicon.ico":  # asked for by the browser itself, not by a page
            self.missing.append(f"{code} {self.path}")
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: object) -> None:
        pass


def math_in_chromium(site: Path, tmp_path: Path) -> tuple[dict[str, dict[str, int]], list[str]]:
    """Open every page that has formulas in headless Chromium (served from 127.0.0.1), wait for
    MathJax, and count per page: formulas, those typeset, MathJax errors, empty boxes. Returns
    the counts and the requests the site could not answer."""
    _need(CHROMIUM, "chromium")
    pages = {p: page for p, page in _pages(site).items() if page.math}
    urls = ["/" + p.relative_to(site).as_posix() for p in pages]
    missing: list[str] = []
    handler = type("Handler", (_Handler,), {"missing": missing, "probe": (_PROBE % json.dumps(urls)).encode("utf-8")})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        flags = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            f"--virtual-time-budget={60_000 + 5_000 * len(urls)}",
        ]
        url = f"http://127.0.0.1:{server.server_address[1]}/__probe__.html"
        run = subprocess.run(
            [CHROMIUM, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=600, check=False
        )
    finally:
        server.shutdown()
        server.server_close()
    assert run.returncode == 0, run.stderr[-2000:]
    found = re.search(r'<pre id="results">(.*?)</pre>', run.stdout, flags=re.DOTALL)
    assert found, f"the probe did not finish: {run.stdout[-2000:]}"
    return json.loads(html.unescape(found.group(1))), missing


def _api_names(site: Path, module: str) -> set[str]:
    text = (site / "api" / f"{module}.html").read_text(encoding="utf-8")
    return set(re.findall(rf'<dt class="[^"]*" id="{module}\.(\w+)">', text))


def check_site(site: Path, tmp_path: Path, activations: tuple[str, ...]) -> None:
    """The checks every built site passes (see the module's docstring)."""
    import proofs
    import symact

    for page in ("index.html", "api/symact.html", "api/proofs.html", "_generated/cli.html", "tutorials/define.html"):
        assert (site / page).is_file(), page
    assert _api_names(site, "symact") >= set(symact.__all__) - {"__version__"}  # the whole public API
    assert _api_names(site, "proofs") >= set(proofs.__all__)
    cli = (site / "_generated" / "cli.html").read_text(encoding="utf-8")
    for command in ("list", "show", "latex", "prove", "code", "check", "report", "plot", "collapse"):
        assert f"symact {command}" in cli, command
    for name in activations:
        assert (site / "_generated" / "activations" / f"{name}.html").is_file(), name
    assert (site / "_static" / "mathjax" / "tex-chtml.js").is_file()  # MathJax is served by the site itself
    assert broken_links(site) == []
    results, missing = math_in_chromium(site, tmp_path)
    assert missing == []
    must_have_math = ["/index.html", "/tutorials/define.html", "/tutorials/code.html"]
    must_have_math += [f"/_generated/activations/{name}.html" for name in activations]
    assert set(must_have_math) <= set(results)
    for url, r in results.items():
        assert r["mathjax"] and r["formulas"] > 0, (url, r)
        assert r["typeset"] == r["formulas"] and r["errors"] == 0 and r["empty"] == 0, (url, r)


@pytest.mark.skipif(
    bool(os.environ.get("SYMACT_DOCS_BUILD")), reason="the whole site that .ci/run built is checked instead"
)
def test_fast_site_builds_without_warnings_and_renders(tmp_path):
    """The API reference, the command line and the tutorials, with no per-activation page."""
    site = build(tmp_path, "none")
    check_site(site, tmp_path, ())


@pytest.mark.skipif(
    not os.environ.get("SYMACT_DOCS_BUILD"), reason="SYMACT_DOCS_BUILD is set by .ci/run after its build"
)
def test_ci_site_renders_and_has_no_broken_link(tmp_path):
    """The whole site, as ``.ci/run`` built it (warnings were errors there)."""
    import symact

    site = Path(os.environ["SYMACT_DOCS_BUILD"])
    check_site(site, tmp_path, symact.names())


@pytest.mark.slow
def test_whole_site_builds_without_warnings_and_renders(tmp_path):
    """The whole site, one page per catalog entry (minutes: every sheet, its code and its validation)."""
    import symact

    site = build(tmp_path, "all")
    check_site(site, tmp_path, symact.names())


# ----------------------------------------------------------------------------------------
# The checks themselves catch what they are for
# ----------------------------------------------------------------------------------------


def test_broken_links_finds_missing_files_anchors_and_outside_resources(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text(
        '<p id="top"><a href="sub/page.html#here">ok</a> <a href="#top">ok</a> <a href="https://example.org/">ok</a>'
        ' <a href="sub/page.html#gone">anchor</a> <a href="missing.html">file</a>'
        ' <img src="_static/none.png"> <script src="https://cdn.example.org/mathjax.js"></script></p>',
        encoding="utf-8",
    )
    (tmp_path / "sub" / "page.html").write_text('<h1 id="here">x</h1><a href="../index.html#top">up</a>', "utf-8")
    assert broken_links(tmp_path) == [
        "index.html: sub/page.html#gone (no such anchor)",
        "index.html: missing.html (no such file)",
        "index.html: _static/none.png (no such file)",
        "index.html: https://cdn.example.org/mathjax.js (not part of the site)",
    ]


def test_math_check_counts_formulas_mathjax_could_not_typeset(tmp_path):
    """A page with one good formula, one that MathJax cannot parse: the probe tells them apart."""
    import importlib.util

    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    _need(spec and spec.origin, "sphinx-mathjax-offline (pip install -e '.[docs]')")
    mathjax = Path(spec.origin).parent / "static" / "mathjax"
    site = tmp_path / "site"
    shutil.copytree(mathjax, site / "mathjax")
    page = '<script defer src="mathjax/tex-chtml.js"></script><div class="math">\\[{}\\]</div>'
    (site / "good.html").write_text(page.format(r"\frac{1}{2}"), encoding="utf-8")
    (site / "bad.html").write_text(page.format(r"\frac{1}"), encoding="utf-8")
    results, missing = math_in_chromium(site, tmp_path)
    assert missing == []
    assert results["/good.html"] == {"mathjax": True, "formulas": 1, "typeset": 1, "errors": 0, "empty": 0}
    assert results["/bad.html"]["errors"] == 1
