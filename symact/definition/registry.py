"""The registry: one lookup of activations by name, over the scalar and the vector catalog.

The catalogs are data (:mod:`symact.definition.catalog` holds the functions of one
real variable, :mod:`symact.definition.vector` the functions of a vector); this
module resolves a name or alias of either kind. Both kinds satisfy
:class:`ActivationLike`, the protocol the command line and the report consume.

Examples:
    >>> get("Swish").name, get("LSE").name
    ('silu', 'logsumexp')
    >>> get("softmax", n=3).n
    3
    >>> is_vector("softmax"), is_vector("relu")
    (True, False)
"""

from __future__ import annotations

import difflib
from typing import Any, Protocol

import sympy

from symact.core.errors import DefinitionError, SymactError, UnknownActivationError
from symact.definition.activation import Activation, Framework
from symact.definition.catalog import ENTRIES as _SCALAR_ENTRIES
from symact.definition.catalog import FRAMEWORK_FORMS
from symact.definition.vector import ENTRIES as _VECTOR_ENTRIES
from symact.definition.vector import VectorActivation

__all__ = [
    "PARAM_ALIASES",
    "SELECTORS",
    "ActivationLike",
    "AnyActivation",
    "DuplicateNameError",
    "accepted_parameters",
    "all_activations",
    "all_vector_activations",
    "get",
    "get_scalar",
    "get_vector",
    "is_vector",
    "names",
    "register",
    "suggest",
    "vector_names",
]

#: What :func:`get` returns: a scalar or a vector activation.
AnyActivation = Activation | VectorActivation


class ActivationLike(Protocol):
    """What every activation offers, scalar or vector.

    The exact definition (``expr``) and its metadata are data; ``latex``, ``numpy``,
    ``validate``, ``output_range`` and ``properties`` derive the rest, the same way
    for both kinds.
    """

    name: str
    aliases: tuple[str, ...]
    summary: str
    frameworks: tuple[Framework, ...]
    display: str

    @property
    def expr(self) -> sympy.Basic:
        """The exact definition."""

    def latex(self) -> str:
        """LaTeX of the definition."""

    def numpy(self) -> Any:
        """A NumPy function generated from the definition."""

    def validate(self) -> Any:
        """The generated code measured against the correctly rounded truth (a report with ``ok``)."""

    def output_range(self, *, seconds: float | None = None) -> Any:
        """The exact set of output values (of each component, for a vector activation)."""

    def properties(self, *, seconds: float | None = None) -> Any:
        """The derived facts, as one record."""


class DuplicateNameError(SymactError, ValueError):
    """An activation name or alias is already taken.

    Attributes:
        name: the name (or alias) that clashes.
        owner: the canonical name of the activation that has it.
        new: the canonical name of the activation being registered.
    """

    def __init__(self, name: str, owner: str, new: str) -> None:
        self.name = name
        self.owner = owner
        self.new = new
        super().__init__(name, owner, new)

    def __str__(self) -> str:
        return f"cannot register {self.new!r}: {self.name!r} already names {self.owner!r}"


def _key(name: str) -> str:
    return name.strip().lower().replace("-", "").replace("_", "").replace(" ", "")


_SCALAR: dict[str, Activation] = {}
_VECTOR: dict[str, VectorActivation] = {}
_LOOKUP: dict[str, str] = {}  # key of a name or alias -> canonical name, over both kinds


def register(act: AnyActivation) -> AnyActivation:
    """Add an activation (scalar or vector) to the registry; its name and aliases must be new.

    Raises:
        DuplicateNameError: (a ``ValueError``) the name or an alias is already taken.

    Examples:
        >>> register(get("relu"))
        Traceback (most recent call last):
        ...
        symact.definition.registry.DuplicateNameError: cannot register 'relu': 'relu' already names 'relu'
    """
    if not isinstance(act, (Activation, VectorActivation)):
        raise TypeError(f"register takes an Activation or a VectorActivation, got {type(act).__name__}")
    keys = [_key(act.name), *(_key(a) for a in act.aliases)]
    for label, k in zip((act.name, *act.aliases), keys):
        if k in _LOOKUP:
            raise DuplicateNameError(label, _LOOKUP[k], act.name)
    if isinstance(act, VectorActivation):
        _VECTOR[act.name] = act
    else:
        _SCALAR[act.name] = act
    for k in keys:
        _LOOKUP[k] = act.name
    return act


for _entries in (_SCALAR_ENTRIES, _VECTOR_ENTRIES):
    for _act in _entries:
        register(_act)


def names() -> tuple[str, ...]:
    """The canonical names of the scalar activations, in catalog order.

    Examples:
        >>> "relu" in names(), "swish" in names(), "softmax" in names()
        (True, False, False)
    """
    return tuple(_SCALAR)


def vector_names() -> tuple[str, ...]:
    """The canonical names of the vector activations, in catalog order.

    Examples:
        >>> vector_names()
        ('softmax', 'log_softmax', 'softmin', 'glu', 'sparsemax', 'logsumexp')
    """
    return tuple(_VECTOR)


def all_activations() -> tuple[Activation, ...]:
    """Every scalar activation, with default parameters, in catalog order."""
    return tuple(_SCALAR.values())


def all_vector_activations() -> tuple[VectorActivation, ...]:
    """Every vector activation, with symbolic length, in catalog order."""
    return tuple(_VECTOR.values())


def is_vector(name: Any) -> bool:
    """Whether ``name`` names a vector activation (a record of that kind counts too).

    Examples:
        >>> is_vector("LSE"), is_vector("relu"), is_vector("nonsense")
        (True, False, False)
    """
    if isinstance(name, VectorActivation):
        return True
    return isinstance(name, str) and _LOOKUP.get(_key(name)) in _VECTOR


def suggest(name: str, limit: int = 3) -> tuple[str, ...]:
    """Registered names (canonical or alias, of either kind) closest to ``name``, best first,
    one per activation (its closest name).

    Examples:
        >>> suggest("rleu")
        ('relu', 'rrelu', 'relu6')
        >>> suggest("logsoftmx")
        ('log_softmax', 'softmax', 'logsumexp')
    """
    by_key: dict[str, str] = {}
    acts: list[AnyActivation] = [*_SCALAR.values(), *_VECTOR.values()]
    for act in acts:
        for label in (act.name, *act.aliases):
            by_key.setdefault(_key(label), label)
    close = difflib.get_close_matches(_key(name), list(by_key), n=len(by_key), cutoff=0.6)
    first: dict[str, str] = {}  # canonical name -> its closest label
    for k in close:
        first.setdefault(_LOOKUP[k], by_key[k])
    return tuple(first.values())[:limit]


def get(name: str | AnyActivation, **params: Any) -> AnyActivation:
    """Look up an activation by name or alias, optionally overriding parameters.

    Matching forgives case, ``-`` and ``_`` (``"LeakyReLU"``, ``"leaky-relu"``).
    Parameter values are converted exactly (see :func:`symact.exact_number`); a
    vector activation's only parameter is its length ``n``. The frameworks' spellings
    are accepted too (:data:`PARAM_ALIASES`: Keras' ``threshold=`` of the shrinks,
    ``default_value=``, PReLU's ``init=``; :data:`SELECTORS`: GELU's ``approximate=``;
    torch Softplus' ``threshold=``, see :data:`symact.definition.catalog.FRAMEWORK_FORMS`).

    Raises:
        UnknownActivationError: (a ``KeyError``) no such name; carries suggestions.
        DefinitionError: (a ``ValueError``) a parameter is unknown or invalid.

    Examples:
        >>> get("Swish").name
        'silu'
        >>> get("leaky-relu", negative_slope=0.2).expr
        Piecewise((x, x >= 0), (x/5, True))
        >>> get("gelu", approximate="tanh").name, get("soft_shrink", threshold=0.25).parameters
        ('gelu_tanh', {'lambd': 1/4})
        >>> get("rleu")
        Traceback (most recent call last):
        ...
        symact.core.errors.UnknownActivationError: unknown activation 'rleu'; did you mean 'relu', 'rrelu' or 'relu6'?
    """
    if not isinstance(name, (str, Activation, VectorActivation)):
        raise TypeError(f"get takes a name (or an activation), got {type(name).__name__} {name!r:.60}")
    if isinstance(name, VectorActivation) or (isinstance(name, str) and is_vector(name)):
        unknown = set(params) - {"n"}
        if unknown:
            raise DefinitionError(f"{name} has no parameter {min(unknown)!r}; its only option is the length n")
        return get_vector(name, params.get("n"))
    if isinstance(name, str) and _key(name) not in _LOOKUP:
        raise UnknownActivationError(name, suggest(name))  # the closest names of either kind
    return get_scalar(name, **params)


#: The frameworks' spellings of parameters that :func:`get` accepts: entry -> {spelling: symact's name}.
PARAM_ALIASES: dict[str, dict[str, str]] = {
    "soft_shrink": {"threshold": "lambd"},  # keras.activations.soft_shrink
    "hard_shrink": {"threshold": "lambd"},  # keras.activations.hard_shrink
    "threshold": {"default_value": "value"},  # keras.activations.threshold
    "prelu": {"init": "weight"},  # torch.nn.PReLU
}

#: Framework parameters that select another entry: entry -> (parameter, {value: entry}).
SELECTORS: dict[str, tuple[str, dict[Any, str]]] = {
    name: ("approximate", {False: "gelu", "none": "gelu", True: "gelu_tanh", "tanh": "gelu_tanh"})  # GELU
    for name in ("gelu", "gelu_tanh")
}


def accepted_parameters(name: str) -> frozenset[str]:
    """The parameter names :func:`get` accepts for a scalar entry: its own and the frameworks' spellings.

    Examples:
        >>> sorted(accepted_parameters("soft_shrink")), sorted(accepted_parameters("softplus"))
        (['lambd', 'threshold'], ['beta', 'threshold'])
    """
    act = get_scalar(name)
    own = {p.name for p in act.params}
    own |= set(PARAM_ALIASES.get(act.name, {}))
    own |= {SELECTORS[act.name][0]} if act.name in SELECTORS else set()
    own |= {p for (entry, p) in FRAMEWORK_FORMS if entry == act.name}
    return frozenset(own)


def _spelled(act: Activation, params: dict[str, Any]) -> tuple[Activation, dict[str, Any]]:
    """The entry and symact's parameters for parameters given in a framework's spelling."""
    if act.name in SELECTORS and SELECTORS[act.name][0] in params:
        params = dict(params)
        key, choices = SELECTORS[act.name]
        value = params.pop(key)
        if not isinstance(value, (bool, str)) or value not in choices:
            raise DefinitionError(
                f"{key} of {act.name} must be one of {', '.join(map(repr, choices))}, got {value!r:.60}"
            )
        act = _SCALAR[choices[value]]
    aliases = PARAM_ALIASES.get(act.name, {})
    out: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for key, value in params.items():
        own = aliases.get(key, key)
        if own in out:
            raise DefinitionError(f"{act.name}: {spelled[own]!r} and {key!r} name the same parameter; give one")
        out[own], spelled[own] = value, key
    for (entry, key), form in FRAMEWORK_FORMS.items():
        if entry == act.name and key in out:
            act = form
    return act, out


def get_scalar(name: str | Activation, **params: Any) -> Activation:
    """Look up an activation of one real variable (see :func:`get`).

    Raises:
        UnknownActivationError: (a ``KeyError``) no scalar activation of that name.
        DefinitionError: a parameter is unknown or invalid.

    Examples:
        >>> get_scalar("softmax")
        Traceback (most recent call last):
        ...
        symact.core.errors.UnknownActivationError: unknown activation 'softmax'; run 'symact list' to see the catalog
    """
    if isinstance(name, Activation):
        return name.with_params(**params) if params else name
    if not isinstance(name, str):
        raise TypeError(f"get takes a name (or an activation), got {type(name).__name__} {name!r:.60}")
    canonical = _LOOKUP.get(_key(name))
    if canonical not in _SCALAR:
        raise UnknownActivationError(name, tuple(s for s in suggest(name, limit=6) if not is_vector(s))[:3])
    act, params = _spelled(_SCALAR[canonical], params)
    return act.with_params(**params) if params else act


def get_vector(name: str | VectorActivation, n: int | None = None) -> VectorActivation:
    """Look up a vector activation, at a concrete length ``n`` or (None) the symbolic one.

    Raises:
        UnknownActivationError: (a ``KeyError``) no vector activation of that name.
        DefinitionError: ``n`` is not a valid length.

    Examples:
        >>> get_vector("LogSoftmax").name, get_vector("lse").kind, get_vector("softmax", 4).n
        ('log_softmax', 'reduce', 4)
        >>> get_vector("softmaks")
        Traceback (most recent call last):
        ...
        symact.core.errors.UnknownActivationError: unknown activation 'softmaks'; did you mean 'softmax', 'softmin' or 'log_softmax'?
    """
    if isinstance(name, VectorActivation):
        act = name
    elif isinstance(name, str) and is_vector(name):
        act = _VECTOR[_LOOKUP[_key(name)]]
    elif isinstance(name, str):
        raise UnknownActivationError(name, tuple(s for s in suggest(name, limit=6) if is_vector(s))[:3])
    else:
        raise TypeError(f"get_vector takes the name of a vector activation, got {type(name).__name__} {name!r:.60}")
    return act.with_n(n) if n is not None else act
