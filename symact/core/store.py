"""The persistent store: derived results kept between runs, in the user's cache directory, never trusted blindly.

What is kept: property records, proofs, generated source, correctly rounded truths: anything costly
that a later run would derive again. An entry is found by a :class:`Key`: the kind of result, the
exact inputs (SymPy expressions as ``sympy.srepr``, numbers exactly, arrays by a SHA-256 of their
bytes, dtype and shape), a per-kind format version, symact's ``__version__`` with a SHA-256 of its
own source files (a changed checkout is another build), and the versions of SymPy and mpmath.

Where (:func:`location`): ``SYMACT_CACHE_DIR`` if set; else the platform's user cache directory:
``$XDG_CACHE_HOME/symact`` or ``~/.cache/symact`` on Linux and other POSIX systems,
``~/Library/Caches/symact`` on macOS, ``%LOCALAPPDATA%\\symact\\Cache`` on Windows.
``SYMACT_CACHE=0`` (or ``off``, ``false``, ``no``) turns the store off.

What it guarantees:

* **Only what it can check is returned.** A file holds one header line (JSON: the full key text,
  symact's version, the payload's format and SHA-256) and the payload. A file that cannot be read or
  parsed, whose checksum does not match, whose key text is not the one asked for (a hash collision
  or a planted file) or whose version is another symact's is a miss: the caller recomputes and the
  new entry replaces it.
* **No code runs on reading.** Records are JSON; SymPy values are stored as ``sympy.srepr`` text and
  read back by :func:`read_srepr`, an AST walk that only builds SymPy classes and singletons from
  literal arguments (no ``eval``, no ``sympify`` of text), and is accepted only when the object it
  builds prints back to the same text. Arrays are ``.npy`` read with ``allow_pickle=False``. Nothing is
  pickled. Generated *source* (kind ``"numpy-source"``) is executed by its caller after reading, so
  the directory must be the user's own: it is created ``0700``, and a directory owned by someone
  else or writable by others is not used at all (:func:`info` says why).
* **Writes are atomic and safe with concurrent writers**: each writer writes its own temporary
  file in the entry's directory and renames it over the entry (``os.replace``), so a reader sees
  the old file, the new one, or none, never part of one. Any failure to write (a read-only home, a
  full disk) loses only the cache entry, quietly.
* **Only complete answers are stored** (:func:`complete`, :func:`counted`): never a value holding an
  :class:`~symact.core.unknown.Unknown` whose reason is a timeout or a budget, never the result of a
  computation during which any budget ran out (:func:`symact.core.budget.overruns` changed).

Examples:
    >>> import sympy
    >>> k = key("example", sympy.Rational(1, 3) * sympy.Symbol("x"), {"digits": 10})
    >>> save(k, {"value": sympy.Rational(1, 3), "ok": True})
    True
    >>> load(k)
    {'value': 1/3, 'ok': True}
    >>> load(key("example", sympy.Symbol("y"))) is MISS
    True
"""

from __future__ import annotations

import ast
import base64
import dataclasses
import enum
import hashlib
import json
import os
import re
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from fractions import Fraction
from pathlib import Path
from typing import Any

from symact.core import budget
from symact.core.unknown import Unknown
from symact.core.version import __version__

__all__ = [
    "ENV_DIR",
    "ENV_SWITCH",
    "MISS",
    "Counted",
    "Info",
    "Key",
    "clear",
    "complete",
    "counted",
    "enabled",
    "info",
    "key",
    "load",
    "load_array",
    "location",
    "read_srepr",
    "save",
    "save_array",
]

#: The environment variable that moves the store.
ENV_DIR = "SYMACT_CACHE_DIR"
#: The environment variable that turns the store off (``0``, ``off``, ``false``, ``no``).
ENV_SWITCH = "SYMACT_CACHE"

#: The first bytes of every entry.
_MAGIC = "symact-store-1"
#: Entries larger than this are not read (nor written).
_MAX_BYTES = 512 * 2**20
#: A stored ``srepr`` longer than this is not parsed.
_MAX_SREPR = 4 * 2**20
_KIND = re.compile(r"[a-z0-9][a-z0-9-]{0,40}\Z")


class _Miss:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISS"


#: What :func:`load` returns when there is no trustworthy entry.
MISS: Any = _Miss()


# ---------------------------------------------------------------------------------------
# Where
# ---------------------------------------------------------------------------------------


def _platform_dir() -> Path:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "symact" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "symact"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative path is invalid and ignored
        return Path(xdg) / "symact"
    return Path.home() / ".cache" / "symact"


def location() -> Path | None:
    """The store's directory (it may not exist yet), or ``None`` when there is no home to put it in.

    Examples:
        >>> import os
        >>> location() == Path(os.environ["SYMACT_CACHE_DIR"]) if "SYMACT_CACHE_DIR" in os.environ else True
        True
    """
    moved = os.environ.get(ENV_DIR, "")
    if moved:
        return Path(moved).expanduser()
    try:
        return _platform_dir()
    except (RuntimeError, KeyError, OSError):  # no home directory
        return None


def enabled() -> bool:
    """Whether the store is on (``SYMACT_CACHE`` is not ``0``/``off``/``false``/``no``)."""
    return os.environ.get(ENV_SWITCH, "").strip().lower() not in ("0", "off", "false", "no")


def _unsafe(path: Path) -> str | None:
    """Why the existing directory ``path`` must not be trusted, or None."""
    try:
        st = os.stat(path)  # a symlink is judged by the directory it points to
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    if not stat.S_ISDIR(st.st_mode):
        return f"{path} is not a directory"
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return f"{path} belongs to another user"
    if hasattr(os, "getuid") and st.st_mode & 0o022:
        return f"{path} is writable by other users"
    return None


def _root(create: bool) -> Path | None:
    """The store's directory if it is on and safe to use (created, 0700, when ``create``), else None."""
    if not enabled():
        return None
    root = location()
    if root is None:
        return None
    if create:
        try:
            root.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError:
            return None  # a read-only home: no store, quietly
    elif not root.is_dir():
        return None
    return None if _unsafe(root) else root


# ---------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Key:
    """Where one result is stored: its kind and the exact text of everything it depends on.

    Attributes:
        kind: the kind of result (a short name: ``"properties"``, ``"truth"``, ...).
        text: the full key text (stored in the entry and compared on every read).
    """

    kind: str
    text: str

    @property
    def digest(self) -> str:
        """The SHA-256 of :attr:`text`: the entry's file name."""
        return hashlib.sha256(self.text.encode()).hexdigest()


def _part(value: Any) -> Any:
    """The exact, canonical text of one part of a key."""
    import sympy

    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return {"float": value.hex()}
    if isinstance(value, sympy.Basic):
        return {"srepr": sympy.srepr(value)}
    if isinstance(value, (tuple, list)):
        return [_part(v) for v in value]
    if isinstance(value, dict):
        return {"dict": [[_part(k), _part(v)] for k, v in sorted(value.items(), key=lambda kv: repr(kv[0]))]}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"sha256": hashlib.sha256(bytes(value)).hexdigest(), "bytes": len(bytes(value))}
    if type(value).__module__ == "numpy" and hasattr(value, "dtype"):  # an array or a NumPy scalar
        import numpy as np

        a = np.ascontiguousarray(value)
        return {"array": str(a.dtype), "shape": list(a.shape), "sha256": hashlib.sha256(a.tobytes()).hexdigest()}
    raise TypeError(f"a store key cannot hold a {type(value).__name__}: {value!r}"[:200])


def key(kind: str, *parts: Any, version: int = 1) -> Key:
    """The key of a result of ``kind`` that depends exactly on ``parts``.

    Args:
        kind: the kind of result (lower case letters, digits and ``-``).
        *parts: everything the result depends on: SymPy objects (by ``srepr``), ``None``, bools,
            ints, strings, floats (by ``float.hex``), bytes and NumPy arrays (by dtype, shape and
            SHA-256), and tuples, lists and dicts of these.
        version: the format version of this kind: bump it when the computation or the stored
            form of the result changes.

    Raises:
        TypeError: a part of another type (or ``kind`` not a string).
        ValueError: ``kind`` is not a short lower-case name.

    Examples:
        >>> import sympy
        >>> key("limit", sympy.exp(sympy.Symbol("x")), "+").text.startswith('["limit", 1, "symact ')
        True
    """
    if not isinstance(kind, str):
        raise TypeError(f"kind must be a string, got {type(kind).__name__}")
    if not _KIND.match(kind):
        raise ValueError(f"kind must be a short lower-case name (letters, digits, '-'), got {kind!r}")
    return Key(kind, json.dumps([kind, version, _build_id(), [_part(p) for p in parts]]))


_BUILD_ID: str | None = None


def _build_id() -> str:
    """symact's version, a SHA-256 of its own source (``symact`` and ``proofs``: a changed checkout
    at the same version is another build) and the versions of SymPy and mpmath, which derive the results."""
    global _BUILD_ID
    if _BUILD_ID is None:
        import mpmath
        import sympy

        h = hashlib.sha256()
        top = Path(__file__).resolve().parents[2]
        for package in ("symact", "proofs"):
            for f in sorted((top / package).rglob("*.py")):
                h.update(f.relative_to(top).as_posix().encode() + b"\0")
                try:
                    h.update(f.read_bytes())
                except OSError:
                    h.update(b"unreadable")
        _BUILD_ID = (
            f"symact {__version__} ({h.hexdigest()[:16]}), sympy {sympy.__version__}, mpmath {mpmath.__version__}"
        )
    return _BUILD_ID


# ---------------------------------------------------------------------------------------
# Values: JSON with SymPy objects as srepr, records by their declared types
# ---------------------------------------------------------------------------------------


class _Unstorable(TypeError):
    """A value the store cannot write (it is then not stored)."""


def _encode(value: Any) -> Any:
    import sympy

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return {"int": str(value)} if abs(value) > 2**53 else value
    if isinstance(value, float):
        return {"float": value.hex()}
    if isinstance(value, Fraction):  # the exact ends of a certified enclosure
        return {"fraction": [str(value.numerator), str(value.denominator)]}
    if isinstance(value, Unknown):
        return {"unknown": value.reason}
    if isinstance(value, sympy.Basic):
        try:
            return {"sympy": sympy.srepr(value)}
        except (ValueError, RecursionError) as exc:  # an integer beyond Python's digit limit, a deep tree
            raise _Unstorable(f"cannot print {type(value).__name__}: {exc}") from None
    if isinstance(value, enum.Enum):
        return {"enum": type(value).__qualname__, "name": value.name}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if any(not f.init for f in dataclasses.fields(value)):
            raise _Unstorable(f"{type(value).__qualname__} has fields outside its constructor")
        return {
            "record": type(value).__qualname__,
            "fields": {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    if isinstance(value, tuple):
        return {"tuple": [_encode(v) for v in value]}
    if isinstance(value, list):
        return {"list": [_encode(v) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: _encode(v) for k, v in value.items()}}
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode()}
    if type(value).__name__ == "ndarray" and getattr(value, "dtype", None) is not None:
        import numpy as np

        if value.dtype.str not in _ARRAY_DTYPES:
            raise _Unstorable(f"cannot store an array of {value.dtype}")
        data = np.ascontiguousarray(value)
        return {"ndarray": [data.dtype.str, list(data.shape), base64.b64encode(data.tobytes()).decode()]}
    raise _Unstorable(f"cannot store a {type(value).__name__}")


#: The array types a record may hold (plain numbers, no objects), by NumPy's dtype string.
_ARRAY_DTYPES = frozenset({"<f8", "<f4", "<i8", "<i4", "|b1"})


class _Corrupt(ValueError):
    """A stored value that does not decode."""


def _decode(data: Any, types: dict[str, type]) -> Any:
    if data is None or isinstance(data, (bool, str, int)):
        return data
    if isinstance(data, list):
        raise _Corrupt("a bare list")
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise _Corrupt(f"unexpected {type(data).__name__}")
    if "int" in data:
        return int(data["int"])
    if "float" in data:
        return float.fromhex(data["float"])
    if "fraction" in data:
        num, den = (int(str(v)) for v in data["fraction"])
        if den <= 0:
            raise _Corrupt("a fraction's denominator must be positive")
        return Fraction(num, den)
    if "unknown" in data:
        return Unknown(str(data["unknown"]))
    if "sympy" in data:
        return read_srepr(data["sympy"])
    if "tuple" in data:
        return tuple(_decode(v, types) for v in data["tuple"])
    if "list" in data:
        return [_decode(v, types) for v in data["list"]]
    if "dict" in data:
        return {str(k): _decode(v, types) for k, v in data["dict"].items()}
    if "bytes" in data:
        return base64.b64decode(data["bytes"], validate=True)
    if "ndarray" in data:
        import numpy as np

        dtype, shape, raw = data["ndarray"]
        if dtype not in _ARRAY_DTYPES or not all(isinstance(n, int) and n >= 0 for n in shape):
            raise _Corrupt("not a plain numeric array")
        return np.frombuffer(base64.b64decode(raw, validate=True), dtype=np.dtype(dtype)).reshape(shape).copy()
    if "enum" in data:
        cls = types.get(data["enum"])
        if cls is None or not issubclass(cls, enum.Enum):
            raise _Corrupt(f"enum {data['enum']!r} is not one of the types allowed here")
        return cls[data["name"]]
    if "record" in data:
        cls = types.get(data["record"])
        if cls is None or not dataclasses.is_dataclass(cls):
            raise _Corrupt(f"record {data['record']!r} is not one of the types allowed here")
        fields = data["fields"]
        if set(fields) != {f.name for f in dataclasses.fields(cls)}:
            raise _Corrupt(f"the fields of {data['record']} changed")
        return cls(**{k: _decode(v, types) for k, v in fields.items()})
    raise _Corrupt(f"unknown tag {sorted(data)}")


# The srepr reader --------------------------------------------------------------------------

#: Classes whose string arguments are names or decimal digits, never parsed as expressions.
_STRING_CLASSES = frozenset({"Symbol", "Dummy", "Float"})
_FLOAT_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z|[+-]?inf\Z|nan\Z")
_NAMES: dict[str, Any] | None = None


def _names() -> dict[str, Any]:
    """The SymPy classes and singletons ``srepr`` prints, by the name it prints."""
    global _NAMES
    if _NAMES is None:
        import sympy
        from sympy.calculus.accumulationbounds import AccumulationBounds
        from sympy.functions.elementary.piecewise import ExprCondPair

        table: dict[str, Any] = {}
        for name in dir(sympy):
            obj = getattr(sympy, name)
            if isinstance(obj, type) and issubclass(obj, sympy.Basic):
                table[obj.__name__] = obj
            elif isinstance(obj, sympy.Basic) and name.isidentifier():
                table[name] = obj
        for cls in (ExprCondPair, AccumulationBounds):
            table[cls.__name__] = cls
        for name in ("oo", "zoo", "nan", "pi", "E", "I", "true", "false", "EmptySet", "Reals", "Integers"):
            table[name] = getattr(sympy, name)
        for name in ("Function", "Lambda", "UndefinedFunction", "Subs", "Derivative", "Integral", "Sum", "Product"):
            table.pop(name, None)  # nothing symact stores, and each takes callables or evaluates on demand
        _NAMES = table
    return _NAMES


class _Untrusted(ValueError):
    """A text :func:`read_srepr` does not accept."""


def read_srepr(text: str) -> Any:
    """The SymPy object whose ``sympy.srepr`` is ``text``, built without ``eval``.

    Only calls of SymPy classes and SymPy's named singletons, with integer, boolean and SymPy
    arguments, are read; strings only as the name of a ``Symbol``/``Dummy`` or the digits of a
    ``Float``. The result must print back to exactly ``text``.

    Raises:
        ValueError: anything else (the text is then not trusted).

    Examples:
        >>> read_srepr("Piecewise(ExprCondPair(Symbol('x'), GreaterThan(Symbol('x'), Integer(0))), "
        ...            "ExprCondPair(Mul(Rational(1, 5), Symbol('x')), true))")
        Piecewise((x, x >= 0), (x/5, True))
        >>> read_srepr("erf(Symbol('x'))"), read_srepr("-oo")
        (erf(x), -oo)
        >>> read_srepr("erf(__import__('os').getcwd())")
        Traceback (most recent call last):
        ...
        ValueError: srepr text: Call of Attribute is not allowed
    """
    try:
        return _parse_srepr(text)
    except _Untrusted as exc:
        raise ValueError(str(exc)) from None


def _parse_srepr(text: str) -> Any:
    import sympy

    if not isinstance(text, str) or len(text) > _MAX_SREPR:
        raise _Untrusted("srepr text: not a string of a sensible length")
    try:
        tree = ast.parse(text, mode="eval")
        value = _build(tree.body, _names())
    except _Untrusted:
        raise
    except (SyntaxError, RecursionError, MemoryError, TypeError, AttributeError, KeyError, ValueError) as exc:
        raise _Untrusted(f"srepr text: {type(exc).__name__}: {exc}"[:300]) from None
    if not isinstance(value, sympy.Basic):
        raise _Untrusted("srepr text: not a SymPy object")
    try:
        again = sympy.srepr(value)
    except (ValueError, RecursionError) as exc:
        raise _Untrusted(f"srepr text: {exc}"[:300]) from None
    if again != text:
        raise _Untrusted("srepr text: the object it builds prints differently")
    return value


def _build(node: ast.AST, names: dict[str, Any]) -> Any:
    import sympy

    if isinstance(node, ast.Constant) and isinstance(node.value, (bool, int)):
        return node.value
    if isinstance(node, ast.Name):
        obj = names.get(node.id)
        if not isinstance(obj, sympy.Basic):
            raise _Untrusted(f"srepr text: the name {node.id!r} is not allowed")
        return obj
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        operand = _build(node.operand, names)
        return -operand
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise _Untrusted(f"srepr text: Call of {type(node.func).__name__} is not allowed")
        cls = names.get(node.func.id)
        if not (isinstance(cls, type) and issubclass(cls, sympy.Basic)):
            raise _Untrusted(f"srepr text: {node.func.id!r} is not a SymPy class")
        if node.func.id in _STRING_CLASSES:
            return _build_named(node, cls)
        if node.keywords:
            raise _Untrusted(f"srepr text: keywords of {node.func.id} are not allowed")
        args = [_build(a, names) for a in node.args]
        return cls(*args)
    raise _Untrusted(f"srepr text: {type(node).__name__} is not allowed")


def _build_named(node: ast.Call, cls: type) -> Any:
    """``Symbol('x', real=True)``, ``Dummy('t', dummy_index=3)``, ``Float('0.5', precision=53)``."""
    if len(node.args) != 1 or not isinstance(node.args[0], ast.Constant) or not isinstance(node.args[0].value, str):
        raise _Untrusted(f"srepr text: {cls.__name__} takes one string")
    text = node.args[0].value
    kwargs: dict[str, Any] = {}
    for kw in node.keywords:
        if kw.arg is None or not isinstance(kw.value, ast.Constant) or not isinstance(kw.value.value, (bool, int)):
            raise _Untrusted(f"srepr text: a keyword of {cls.__name__} is not a literal")
        kwargs[kw.arg] = kw.value.value
    if cls.__name__ == "Float":
        if not _FLOAT_TEXT.match(text) or set(kwargs) - {"precision"}:
            raise _Untrusted("srepr text: not a Float")
    elif not text.isidentifier() or any(not isinstance(v, bool) for k, v in kwargs.items() if k != "dummy_index"):
        raise _Untrusted(f"srepr text: not a {cls.__name__}")
    return cls(text, **kwargs)


# ---------------------------------------------------------------------------------------
# Completeness
# ---------------------------------------------------------------------------------------

_INCOMPLETE = re.compile(r"timeout|time budget|budget", re.IGNORECASE)


def complete(value: Any) -> bool:
    """Whether ``value`` holds no :class:`~symact.core.unknown.Unknown` whose reason is a timeout or a budget.

    Examples:
        >>> complete((1, Unknown("no closed form"))), complete({"a": [Unknown("timeout (limit at oo)")]})
        (True, False)
    """
    if isinstance(value, Unknown):
        return not _INCOMPLETE.search(value.reason)
    if isinstance(value, (list, tuple)):
        return all(complete(v) for v in value)
    if isinstance(value, dict):
        return all(complete(v) for v in value.values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        reason = getattr(value, "reason", None)  # a proof's UNKNOWN verdict "timeout (...)"
        if isinstance(reason, str) and _INCOMPLETE.search(reason):
            return False
        return all(complete(getattr(value, f.name)) for f in dataclasses.fields(value))
    return True


@dataclasses.dataclass(frozen=True)
class Counted:
    """A result and whether it was computed with no budget running out on the way (:func:`counted`)."""

    value: Any
    complete: bool


def counted(fn: Callable[..., Any], /, *args: Any) -> Counted:
    """``fn(*args)``, and whether no :class:`~symact.core.budget.BudgetExceeded` was created meanwhile.

    Run it *inside* the budgeted call (``budget.call(counted, fn, ...)``), where the steps run.

    Examples:
        >>> counted(sum, [1, 2])
        Counted(value=3, complete=True)
    """
    before = budget.overruns()
    value = fn(*args)
    return Counted(value, budget.overruns() == before and complete(value))


# ---------------------------------------------------------------------------------------
# Reading and writing entries
# ---------------------------------------------------------------------------------------


def _path(root: Path, k: Key, suffix: str) -> Path:
    return root / k.kind / f"{k.digest}{suffix}"


def _read(k: Key, fmt: str) -> bytes | None:
    """The checked payload of ``k``'s entry, or None (no entry, or one that is not trustworthy)."""
    if not isinstance(k, Key):
        raise TypeError(f"expected a store Key, got {type(k).__name__}")
    root = _root(create=False)
    if root is None:
        return None
    try:
        with open(_path(root, k, ".entry"), "rb") as fh:
            blob = fh.read(_MAX_BYTES + 1)
    except OSError:
        return None
    if len(blob) > _MAX_BYTES:
        return None
    head, sep, payload = blob.partition(b"\n")
    if not sep:
        return None
    try:
        header = json.loads(head)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(header, dict):
        return None
    expected = {"magic": _MAGIC, "version": __version__, "format": fmt, "key": k.text}
    if any(header.get(name) != want for name, want in expected.items()):
        return None
    if header.get("sha256") != hashlib.sha256(payload).hexdigest() or header.get("bytes") != len(payload):
        return None
    return payload


def _write(k: Key, fmt: str, payload: bytes) -> bool:
    """Write ``k``'s entry atomically; False (quietly) when the store is off or cannot be written."""
    if len(payload) > _MAX_BYTES:
        return False
    root = _root(create=True)
    if root is None:
        return False
    header = {
        "magic": _MAGIC,
        "version": __version__,
        "format": fmt,
        "key": k.text,
        "bytes": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
    }
    target = _path(root, k, ".entry")
    tmp = None
    try:
        target.parent.mkdir(mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".entry")
        with os.fdopen(fd, "wb") as fh:
            fh.write(json.dumps(header, separators=(",", ":")).encode() + b"\n")
            fh.write(payload)
        os.replace(tmp, target)
        return True
    except OSError:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False


def load(k: Key, types: Iterable[type] = ()) -> Any:
    """The value stored under ``k``, or :data:`MISS` (nothing stored, or nothing that checks out).

    Args:
        k: the key (:func:`key`).
        types: the record (dataclass) and enum types the value may contain; anything else in
            the entry makes it a miss.
    """
    if not isinstance(k, Key):
        raise TypeError(f"expected a store Key, got {type(k).__name__}")
    allowed = {t.__qualname__: t for t in types}
    root = _root(create=False)
    if root is None:
        return MISS
    path = _path(root, k, ".entry")
    try:
        st = os.stat(path)
    except OSError:
        return MISS
    memo_key = (str(path), k.text, tuple(sorted(allowed)))
    signature = (st.st_ino, st.st_size, st.st_mtime_ns)
    with _MEMO_LOCK:
        hit = _MEMO.get(memo_key)
    if hit is not None and hit[0] == signature:  # read and checked before, and the file is unchanged
        return hit[1]
    payload = _read(k, "json")
    if payload is None:
        return MISS
    try:
        value = _decode(json.loads(payload), allowed)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, MemoryError):
        return MISS
    with _MEMO_LOCK:
        _MEMO[memo_key] = (signature, value)
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
    return value


#: Values :func:`load` read and checked, by file, key and allowed types, with the file's
#: (inode, size, mtime): a repeated load of an unchanged entry costs one ``stat``.
_MEMO: dict[tuple[str, str, tuple[str, ...]], tuple[tuple[int, int, int], Any]] = {}
_MEMO_SIZE = 512
_MEMO_LOCK = threading.Lock()


def save(k: Key, value: Any) -> bool:
    """Store ``value`` under ``k`` if it is complete (:func:`complete`) and storable; whether it was written.

    A value the store cannot represent, or a store that cannot be written, is no error: the
    value is just not kept.
    """
    if not isinstance(k, Key):
        raise TypeError(f"expected a store Key, got {type(k).__name__}")
    if not enabled() or not complete(value):
        return False
    try:
        payload = json.dumps(_encode(value), separators=(",", ":")).encode()
    except (_Unstorable, ValueError, RecursionError):
        return False
    return _write(k, "json", payload)


def load_array(k: Key) -> Any:
    """The NumPy array stored under ``k`` (read with ``allow_pickle=False``), or ``None``."""
    import io

    import numpy as np

    payload = _read(k, "npy")
    if payload is None:
        return None
    try:
        return np.load(io.BytesIO(payload), allow_pickle=False)
    except (ValueError, OSError, EOFError):
        return None


def save_array(k: Key, array: Any) -> bool:
    """Store a NumPy array (no object dtype) under ``k``; whether it was written."""
    import io

    import numpy as np

    if not isinstance(k, Key):
        raise TypeError(f"expected a store Key, got {type(k).__name__}")
    array = np.asarray(array)
    if not enabled() or array.dtype.hasobject:
        return False
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return _write(k, "npy", buf.getvalue())


# ---------------------------------------------------------------------------------------
# Inspecting and clearing
# ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Info:
    """What :func:`info` reports.

    Attributes:
        location: the directory (``None`` without a home directory).
        enabled: whether the store is in use.
        reason: why it is not, or ``""``.
        kinds: kind -> (number of entries, bytes).
    """

    location: Path | None
    enabled: bool
    reason: str
    kinds: dict[str, tuple[int, int]]

    @property
    def entries(self) -> int:
        """The number of entries."""
        return sum(n for n, _ in self.kinds.values())

    @property
    def size(self) -> int:
        """The bytes of all entries."""
        return sum(b for _, b in self.kinds.values())


def info() -> Info:
    """Where the store is, whether it is used, and its entries (count and bytes) by kind.

    Examples:
        >>> i = info()
        >>> i.entries >= 0 and i.size >= 0
        True
    """
    root = location()
    reason = ""
    if not enabled():
        reason = f"turned off by {ENV_SWITCH}={os.environ.get(ENV_SWITCH)}"
    elif root is None:
        reason = "no home directory"
    elif root.exists():
        reason = _unsafe(root) or ""
    kinds: dict[str, tuple[int, int]] = {}
    if root is not None and root.is_dir() and not (root.exists() and _unsafe(root)):
        for sub in sorted(root.iterdir()):
            if not sub.is_dir() or not _KIND.match(sub.name):
                continue
            n = size = 0
            for f in sub.glob("*.entry"):
                if f.name.startswith("."):
                    continue
                try:
                    size += f.stat().st_size
                except OSError:
                    continue
                n += 1
            kinds[sub.name] = (n, size)
    return Info(root, enabled() and root is not None and not reason, reason, kinds)


def clear() -> int:
    """Delete every entry (and temporary file) of the store; the number of entries deleted.

    Only files the store writes (``*.entry`` in a kind's directory) are deleted, and empty kind
    directories removed; nothing else in the directory is touched.
    """
    root = location()
    removed = 0
    if root is None or not root.is_dir() or _unsafe(root):
        return 0
    for sub in root.iterdir():
        if not sub.is_dir() or sub.is_symlink() or not _KIND.match(sub.name):
            continue
        for f in sub.glob("*.entry"):
            try:
                f.unlink()
            except OSError:
                continue
            removed += not f.name.startswith(".")
        try:
            sub.rmdir()
        except OSError:
            pass
    return removed
