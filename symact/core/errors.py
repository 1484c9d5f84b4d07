"""The exceptions symact raises for misuse.

Mathematical outcomes are never exceptions: an undecided property is an
:class:`~symact.Unknown` value, a failed proof is a verdict. Exceptions are for
bad input only, and each one subclasses the builtin a caller would expect to
catch (as attrs does), and carries the offending data as attributes.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["ConventionError", "DefinitionError", "SymactError", "UnknownActivationError"]


class SymactError(Exception):
    """Base class of every error symact raises on purpose."""


class UnknownActivationError(SymactError, KeyError):
    """No activation of that name (or alias) is in the catalog.

    Attributes:
        name: the name the caller asked for.
        suggestions: the closest catalog names, best first (possibly empty).

    Examples:
        >>> err = UnknownActivationError("rleu", ("relu", "relu6"))
        >>> print(err)
        unknown activation 'rleu'; did you mean 'relu' or 'relu6'?
        >>> isinstance(err, KeyError)
        True
    """

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        self.name = name
        self.suggestions = tuple(suggestions)
        super().__init__(name, self.suggestions)

    def __str__(self) -> str:
        msg = f"unknown activation {self.name!r}"
        if self.suggestions:
            quoted = [repr(s) for s in self.suggestions]
            tail = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
            msg += f"; did you mean {tail}?"
        else:
            msg += "; run 'symact list' to see the catalog"
        return msg


class DefinitionError(SymactError, ValueError):
    """An activation definition (text, expression or parameter) is not acceptable.

    Attributes:
        message: what is wrong.
        source: the user's text, when the definition came from text.
        token: the offending token, when one can be named.
        column: 1-based column of ``token`` in ``source``, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        token: str | None = None,
        column: int | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.token = token
        self.column = column
        super().__init__(message)

    def __str__(self) -> str:
        where = ""
        if self.token is not None:
            where += f" at {self.token!r}"
        if self.column is not None:
            where += f" (column {self.column})"
        return self.message + where


class ConventionError(SymactError, ValueError):
    """A derivative convention at kinks that cannot be used for this activation.

    Either the name is not a convention (``"symact"`` or one of the frameworks), or the
    framework does not ship the activation, so no kink values of its autograd are recorded.

    Attributes:
        convention: the convention the caller asked for.
        name: the activation's name.
        known: the conventions this activation has.

    Examples:
        >>> err = ConventionError("tf", "relu", ("symact", "pytorch", "jax", "keras"))
        >>> print(err)
        unknown derivative convention 'tf' for relu; use one of 'symact', 'pytorch', 'jax', 'keras'
        >>> isinstance(err, ValueError)
        True
    """

    def __init__(self, convention: object, name: str, known: Sequence[str], unknown: bool = True) -> None:
        self.convention = convention
        self.name = name
        self.known = tuple(known)
        self.unknown = unknown
        super().__init__(convention, name, self.known)

    def __str__(self) -> str:
        options = ", ".join(repr(k) for k in self.known)
        if self.unknown:
            return f"unknown derivative convention {self.convention!r} for {self.name}; use one of {options}"
        return (
            f"{self.convention} does not ship {self.name}, so it has no recorded derivative at the kinks; "
            f"use one of {options}"
        )
