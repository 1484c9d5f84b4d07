"""Everything human-facing: LaTeX, plain data and JSON, plots, and the activation sheet in Markdown,
LaTeX, HTML and JSON, with the Jupyter displays.

Its modules load on first use, as attributes too: ``symact.report.display`` (the target of the
records' Jupyter hooks, reached through the facade) is imported when a record is first displayed.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType


def __getattr__(name: str) -> ModuleType:
    """A module of this package, imported on first access (PEP 562)."""
    if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
