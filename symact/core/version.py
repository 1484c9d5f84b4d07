"""The version of symact, defined once: ``pyproject.toml`` reads it, ``symact.__version__`` re-exports it."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
