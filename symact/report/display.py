"""The targets of the Jupyter display hooks (``_repr_html_``, ``_repr_markdown_``, ``_repr_latex_``).

Records of the lower layers (an activation, a property record, a proof result) show
themselves in a notebook by calling these functions lazily from their ``_repr_*_``
methods: that is the one sanctioned upward import, and this module is its only target.
Each function returns ``None`` for an object it does not know how to show.
"""

from __future__ import annotations

from symact.report.sheet import repr_html, repr_latex, repr_markdown

__all__ = ["repr_html", "repr_latex", "repr_markdown"]
