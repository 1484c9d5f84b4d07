"""``Unknown``: the honest answer when a property cannot be decided."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Unknown"]


@dataclass(frozen=True)
class Unknown:
    """A property symact could not decide, with the reason why.

    ``Unknown`` is falsy, so ``if props.bounded:`` never mistakes "undecided"
    for "yes"; compare with ``is True`` / ``is False`` or test
    ``isinstance(value, Unknown)`` to tell "no" from "undecided".

    Attributes:
        reason: a short explanation, e.g. ``"timeout"``.

    Examples:
        >>> u = Unknown("timeout")
        >>> bool(u), u.reason
        (False, 'timeout')
        >>> u
        Unknown('timeout')
    """

    reason: str

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"

    def __str__(self) -> str:
        return f"unknown ({self.reason})"
