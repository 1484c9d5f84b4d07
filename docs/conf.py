"""Sphinx configuration of symact's documentation site.

Build it with ``sphinx-build -W --keep-going docs docs/_build/html`` (``pip install -e '.[docs]'``).
The activation pages and the command-line reference are written into ``docs/_generated/``
by :mod:`generate` when the build starts; ``SYMACT_DOCS_ACTIVATIONS`` says which activations get a
page (``all``, the default; a comma-separated list of names; or ``none``).
"""

from __future__ import annotations

import ast
import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # generate.py, and symact itself when it is not installed

import generate  # docs/generate.py, found through the path set just above

from symact.core.version import __version__

project = "symact"
author = "the symact developers"
copyright = "the symact developers, MIT License"
release = version = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "myst_parser",
    "sphinx-mathjax-offline",  # MathJax 3 served from _static/mathjax: the site works offline
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "README.md"]
myst_enable_extensions = ["dollarmath"]  # $...$ and $$...$$ in the tutorials
myst_heading_anchors = 3
# An undefined TeX macro is an error box (which tests/test_docs.py finds), not red text.
mathjax3_config = {"tex": {"packages": {"[-]": ["noundefined"]}}}

autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "description"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

html_theme = "alabaster"
html_theme_options = {"page_width": "1240px", "body_max_width": "none", "sidebar_width": "220px", "show_relbars": True}
html_title = f"symact {release}"
html_show_sourcelink = False
html_copy_source = False
html_static_path = ["_static"]  # custom.css


def _reexports(module: str) -> dict[str, tuple[str, str]]:
    """``name -> (module, name)`` for each ``from module import name as name`` of ``module`` (those
    under ``if TYPE_CHECKING:`` too, where a facade whose names load lazily declares them)."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return {}
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    return {
        alias.asname or alias.name: (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


def _doc_comment_of_reexport(app, what, name, obj, options, lines):
    """A re-exported constant (``symact.x``) is documented by the ``#:`` comment where it is defined
    (autodoc would show the docstring of its class, ``sympy.Symbol``)."""
    if what != "data":
        return
    from sphinx.pycode import ModuleAnalyzer

    module, _, attr = name.rpartition(".")
    origin = _reexports(module).get(attr)
    doc = ModuleAnalyzer.for_module(origin[0]).find_attr_docs().get(("", origin[1])) if origin else None
    if doc:
        lines[:] = list(doc)


def setup(app):
    def _generate(app):
        generate.main(Path(app.srcdir), os.environ.get("SYMACT_DOCS_ACTIVATIONS", "all"))

    app.connect("builder-inited", _generate)
    app.connect("autodoc-process-docstring", _doc_comment_of_reexport)
