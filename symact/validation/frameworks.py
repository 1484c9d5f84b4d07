"""The frameworks' activations measured against the catalog: PyTorch, JAX and Keras.

The catalog's :class:`~symact.definition.activation.Framework` records say which framework ships
an entry, under which name, with which defaults and which derivative at each kink. This module
calls the installed frameworks to check those records and to measure the frameworks' own
accuracy against the correctly rounded truth (:func:`symact.numeric.truth.truth`):

* :func:`form` is symact's definition at the framework's settings (``symact.get`` with the
  record's defaults and arguments, in the framework's spelling);
* :func:`framework_function` and :func:`framework_derivative` call the framework (float32 and
  float64 in, the same dtype out; JAX with 64-bit types enabled in a local context; Keras with
  the backend of :data:`KERAS_BACKEND`);
* :func:`measure` gives the framework's ULP error and symact's generated code's on the same inputs;
* :func:`conformance_table` gathers names, defaults, conventions and measured errors as plain
  dicts, ready for JSON.

The frameworks are optional: nothing is imported until a function needs it, and
:func:`unavailable` says why a framework cannot be used.

Examples:
    >>> from symact.definition.registry import get
    >>> relu = get("leaky_relu")
    >>> [f.api for f in relu.frameworks]
    ['torch.nn.LeakyReLU', 'jax.nn.leaky_relu', 'keras.activations.leaky_relu']
    >>> form(relu, relu.frameworks[2]).parameters        # Keras' default slope
    {'negative_slope': 1/5}
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import os
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any

import numpy as np
import sympy

from symact.analysis.pieces import breakpoints
from symact.codegen.numpy import to_numpy
from symact.definition.activation import FRAMEWORKS, Activation, Framework
from symact.definition.catalog import FRAMEWORK_FORMS
from symact.definition.registry import accepted_parameters, all_activations, all_vector_activations, get_scalar
from symact.definition.vector import VectorActivation
from symact.numeric.rounding import ulp_error
from symact.numeric.truth import truth
from symact.validation.scalar import EXP_LOG_FAMILY, _check

__all__ = [
    "CORE",
    "KERAS_BACKEND",
    "MODULES",
    "agrees",
    "conformance_table",
    "conforms",
    "entry_form",
    "form",
    "framework_derivative",
    "framework_function",
    "grid",
    "measure",
    "native",
    "prepare",
    "resolve",
    "signature_defaults",
    "unavailable",
]

#: The Keras backend the records are measured with (used when Keras is not imported yet).
KERAS_BACKEND = "jax"

#: The module each framework is imported as.
MODULES = {"pytorch": "torch", "jax": "jax", "keras": "keras"}


def unavailable(framework: str) -> str | None:
    """``None`` when ``framework`` imports, else the reason it cannot be used.

    Raises:
        ValueError: ``framework`` is not one of ``FRAMEWORKS``.
    """
    if framework not in FRAMEWORKS:
        raise ValueError(f"framework must be one of {FRAMEWORKS}, got {framework!r}")
    if framework == "keras":
        os.environ.setdefault("KERAS_BACKEND", KERAS_BACKEND)
        reason = unavailable("jax") if os.environ["KERAS_BACKEND"] == "jax" else None
        if reason:
            return f"keras needs its backend: {reason}"
    try:
        importlib.import_module(MODULES[framework])
    except ImportError as err:
        return f"{MODULES[framework]} is not installed ({err})"
    return None


def resolve(api: str) -> Any:
    """The object a dotted name names, importing its module (``ImportError``/``AttributeError`` if absent)."""
    module, _, attr = api.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def native(value: Any) -> Any:
    """A recorded setting as the framework takes it: an integer as ``int``, another number as ``float``."""
    if isinstance(value, sympy.Integer):
        return int(value)
    if isinstance(value, sympy.Basic):
        return float(value)
    return value


def form(act: Activation | VectorActivation, fw: Framework) -> Any:
    """symact's definition at the framework's settings: the record's defaults, then its arguments.

    A setting symact has no parameter for (``inplace``, Keras relu's ``max_value=None``) leaves
    the definition as it is; the rest go through ``symact.get`` in the framework's spelling.
    """
    if isinstance(act, VectorActivation):
        return act
    settings = dict(fw.defaults)
    settings.update(fw.args)
    accepted = accepted_parameters(act.name)
    return get_scalar(act.name, **{k: v for k, v in settings.items() if k in accepted})


def entry_form(act: Activation, fw: Framework) -> Activation:
    """The catalog entry at the framework's settings of its own parameters (Keras' leaky slope
    1/5), without a form of the framework's own (torch Softplus' threshold shortcut): the
    function users expect the framework to compute."""
    settings = dict(fw.defaults)
    settings.update(fw.args)
    accepted = accepted_parameters(act.name) - {p for (entry, p) in FRAMEWORK_FORMS if entry == act.name}
    return get_scalar(act.name, **{k: v for k, v in settings.items() if k in accepted})


def signature_defaults(fw: Framework) -> dict[str, Any]:
    """The defaults of the framework's own signature (a class's constructor, or the function), by name."""
    obj = resolve(fw.api)
    sig = inspect.signature(obj)
    return {
        name: p.default
        for name, p in sig.parameters.items()
        if p.default is not inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    }


def _module(name: str) -> Any:
    """An optional framework's module (imported by name: the frameworks are not dependencies)."""
    return importlib.import_module(name)


@contextlib.contextmanager
def _precision(fw: Framework, dtype: Any) -> Iterator[None]:
    """JAX with 64-bit types; Keras computing in ``dtype`` (its floatx, float32 unless set,
    is what it computes float64 input in); both restored afterwards."""
    if fw.framework == "pytorch":
        yield
        return
    jax = _module("jax")

    with jax.enable_x64(True):
        if fw.framework != "keras":
            yield
            return
        keras = _module("keras")

        old = keras.config.floatx()
        keras.config.set_floatx(np.dtype(dtype).name)
        try:
            yield
        finally:
            keras.config.set_floatx(old)


def _torch_callable(fw: Framework, dtype: Any, training: bool = False) -> Callable[[Any], Any]:
    torch = _module("torch")

    obj = resolve(fw.api)
    args = {k: native(v) for k, v in fw.args}
    if isinstance(obj, type):
        module = obj(**args).to(torch.float64 if dtype == np.float64 else torch.float32)
        module.train(training)
        return module
    return lambda t: obj(t, **args)


def _jax_callable(fw: Framework) -> Callable[[Any], Any]:
    obj = resolve(fw.api)
    args = {k: native(v) for k, v in fw.args}
    return lambda u: obj(u, **args)


def framework_function(fw: Framework, *, training: bool = False) -> Callable[[np.ndarray], np.ndarray]:
    """The framework's function as a NumPy function (float32 or float64 in, the same dtype out).

    A module with a mode is called in evaluation mode unless ``training``. For a vector
    activation the framework works along ``fw.axis``; the NumPy function takes rows along -1.
    """
    if unavailable(fw.framework):
        raise ImportError(unavailable(fw.framework))

    def call(xs: np.ndarray) -> np.ndarray:
        xs = np.asarray(xs)
        extra = -1 - fw.axis  # trailing axes of length 1 put the rows' axis where the framework works
        moved = xs.reshape(xs.shape + (1,) * extra)
        if fw.framework == "pytorch":
            torch = _module("torch")

            with torch.no_grad():
                out = _torch_callable(fw, xs.dtype, training)(torch.from_numpy(np.ascontiguousarray(moved))).numpy()
        else:
            jnp = _module("jax.numpy")

            with _precision(fw, xs.dtype):
                out = np.asarray(_jax_callable(fw)(jnp.asarray(moved)))
        out = out.reshape(out.shape[: out.ndim - extra])
        return out.astype(xs.dtype, copy=False)

    return call


def framework_derivative(fw: Framework, points: Sequence[float]) -> np.ndarray:
    """The derivative the framework's autograd returns at each point, in float64 (evaluation mode)."""
    xs = np.asarray(points, dtype=np.float64)
    if unavailable(fw.framework):
        raise ImportError(unavailable(fw.framework))
    if fw.framework == "pytorch":
        torch = _module("torch")

        t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
        _torch_callable(fw, np.float64)(t).sum().backward()
        return np.asarray(t.grad, dtype=np.float64)
    jax = _module("jax")
    jnp = _module("jax.numpy")

    with _precision(fw, np.float64):
        f = _jax_callable(fw)
        return np.asarray(jax.vmap(jax.grad(lambda u: f(u)))(jnp.asarray(xs)))


def agrees(got: np.ndarray, want: np.ndarray, size: Any = 0.0) -> np.ndarray:
    """Per point: whether the framework computes the same function as the definition (not how well).

    Same class (nan, ±inf, finite) and ``|got - want| <= tol (1 + |want| + size)``, with ``size``
    the magnitude of the input (``|x|``, or a row's largest ``|x_j|``) and tol = 2**-40 in float64,
    2**-16 in float32: far above the rounding error of any formula that computes f (one that
    cancels, as squareplus' (x + sqrt(x^2 + b))/2 at x = -1e12, loses about eps |x|), far below
    the difference of another formula or constant on the dense part of the grid (GELU's tanh
    form is 5e-4 off the erf form).
    """
    got = np.asarray(got)
    want = np.asarray(want, dtype=got.dtype)
    tol = 2.0**-40 if got.dtype == np.float64 else 2.0**-16
    g, w = got.astype(np.float64), want.astype(np.float64)
    scale = 1 + np.abs(w) + np.abs(np.asarray(size, dtype=np.float64))
    same_class = (np.isnan(g) == np.isnan(w)) & (np.isinf(g) == np.isinf(w))
    with np.errstate(invalid="ignore"):
        close = np.where(np.isfinite(w), np.abs(g - w) <= tol * scale, (g == w) | np.isnan(w))
    return np.asarray(same_class & close)


#: Beyond this |x|, an overflow (inf or nan where f is finite) is an accuracy failure the
#: report records, not a sign of another function: squareplus' x^2 overflows float32 at 1.8e19.
CORE = 12.0


def conforms(target: Activation, xs: np.ndarray, got: np.ndarray, points: Sequence[sympy.Expr]) -> np.ndarray:
    """Per input: :func:`agrees` with the truth of ``target`` at x; or, within 4 ULP of one of
    its breakpoints ``points``, with the truth at a neighbour of x 1 ULP away (a framework
    decides the branch in floating point: torch's Softplus tests beta*x > threshold after
    rounding beta*x); or, for |x| > :data:`CORE`, an overflow to inf or nan."""
    want = truth(target.expr, xs)
    ok = agrees(got, want, xs)
    ok |= (np.abs(xs) > CORE) & ~np.isfinite(got) & np.isfinite(want)
    near = np.zeros(xs.shape, dtype=bool)
    for p in points:
        b = xs.dtype.type(float(p))
        near |= np.abs(xs - b) <= 4 * np.spacing(b)
    if near.any() and not ok[near].all():
        sub = xs[near]
        for side in (np.inf, -np.inf):
            nb = np.nextafter(sub, xs.dtype.type(side))
            ok[near] |= agrees(got[near], truth(target.expr, nb), nb)
    return ok


def grid(points: Sequence[Any] = (), size: int = 401, dtype: Any = np.float64) -> np.ndarray:
    """The sorted distinct inputs: ``size`` evenly spaced on [-12, 12], 0, ±10**k for even k from
    -30 to 30 (what overflows ``dtype`` dropped; ±inf are not compared), and each given point
    with its neighbours at 1, 2 and 2**20 ULP, in ``dtype``.

    Examples:
        >>> g = grid([sympy.Integer(1)], size=5)       # 5 + 62 + 7, with 0 and 1 twice
        >>> len(g), bool(np.all(np.diff(g) > 0)), 1.0 in g, float(np.nextafter(1.0, 2.0)) in g
        (73, True, True, True)
    """
    dt = np.dtype(dtype)
    dense = np.linspace(-12.0, 12.0, size)
    logs = 10.0 ** np.arange(-30.0, 31.0, 2.0)
    pts: list[float] = []
    for p in points:
        v = dt.type(float(p))
        up1, down1 = np.nextafter(v, dt.type(np.inf)), np.nextafter(v, dt.type(-np.inf))
        up2, down2 = np.nextafter(up1, dt.type(np.inf)), np.nextafter(down1, dt.type(-np.inf))
        far = np.spacing(v) * dt.type(2**20)
        pts += [float(t) for t in (v, up1, down1, up2, down2, v + far, v - far)]
    with np.errstate(over="ignore"):
        xs = np.concatenate([dense, logs, -logs, np.array(pts), [0.0]]).astype(dt)
    return np.unique(xs[np.isfinite(xs)])


def _kink_points(target: Activation) -> tuple[sympy.Expr, ...]:
    return tuple(b for b in breakpoints(target.expr) if b.is_real)


def prepare(act: Activation, fw: Framework) -> tuple[Activation, tuple[sympy.Expr, ...]]:
    """symact's side of a measurement: the form at the framework's settings, its breakpoints
    and its generated code (kept by the code generator). Run before the frameworks are imported,
    so symact's budget workers start from a process without the frameworks' threads."""
    target = form(act, fw)
    points = _kink_points(target)
    to_numpy(target)
    return target, points


def measure(act: Activation, fw: Framework, dtype: Any = np.float64, size: int = 401) -> dict[str, Any]:
    """The framework and symact's generated code on :func:`grid` of the form's breakpoints.

    Returns a dict: ``points``; ``agree`` (every point passes :func:`agrees` against the truth of
    the form at the framework's settings); ``worst`` (the input where it fails most, or ``None``);
    ``framework_max_ulp`` (against that form) and ``framework_max_ulp_entry`` (against
    :func:`entry_form`, what users expect: torch's Softplus against softplus without its
    shortcut), both over points of the same class, with ``wrong`` class counts, and
    ``framework_max_ulp_entry_normal`` where input and value are not subnormal (XLA on the CPU
    flushes subnormals to 0, a 2**20 ULP error at 2**20 times the smallest subnormal); ``symact_max_ulp`` and ``symact_bar_met`` for the generated code of the form.
    """
    dt = np.dtype(dtype)
    target = form(act, fw)
    xs = grid(_kink_points(target), size, dt)
    got = framework_function(fw)(xs)
    want = truth(target.expr, xs)
    ok = conforms(target, xs, got, _kink_points(target))
    err, wrong = ulp_error(got, want)
    entry = entry_form(act, fw)
    want_entry = want if target.expr == entry.expr else truth(entry.expr, xs)
    err_entry, wrong_entry = ulp_error(got, want_entry)
    tiny = float(np.finfo(dt).smallest_normal)
    normal = (np.abs(xs) >= tiny) | (xs == 0)
    normal &= (np.abs(want_entry.astype(np.float64)) >= tiny) | (want_entry == 0)
    family = "exp/log" if target.name in EXP_LOG_FAMILY else "other"
    own = _check(to_numpy(target), target.expr, xs, dt.name, 0, family)
    bad = int(np.argmax(~ok)) if not ok.all() else None
    return {
        "points": int(xs.size),
        "agree": bool(ok.all()),
        "worst": None if bad is None else {"x": float(xs[bad]), "got": float(got[bad]), "truth": float(want[bad])},
        "framework_max_ulp": float(err.max()),
        "framework_wrong": int(wrong.sum()),
        "framework_worst_x": float(xs[int(np.argmax(err))]),
        "framework_max_ulp_entry": float(err_entry.max()),
        "framework_max_ulp_entry_normal": float(err_entry[normal].max()) if normal.any() else 0.0,
        "framework_wrong_entry": int(wrong_entry.sum()),
        "symact_max_ulp": own.max_ulp,
        "symact_bar": own.bound,
        "symact_bar_met": own.bound_met,
    }


def _setting_text(value: Any) -> Any:
    return str(value) if isinstance(value, sympy.Basic) else value


def conformance_table(
    frameworks: Sequence[str] = FRAMEWORKS,
    dtypes: Sequence[str] = ("float64", "float32"),
    size: int = 401,
    names: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """One row per catalog record of an installed framework: name, defaults, arguments, kink
    conventions (exact, as text, at the framework's settings), mode, and for scalar entries the
    measured ULP errors of the framework and of symact's code per dtype (see :func:`measure`).
    Frameworks that are not installed give rows with ``"unavailable"`` set and nothing measured.
    ``names`` keeps the catalog entries of those names only (all of them if None).
    """
    rows: list[dict[str, Any]] = []
    acts: list[Activation | VectorActivation] = [*all_activations(), *all_vector_activations()]
    if names is not None:
        acts = [act for act in acts if act.name in names]
    records = [(act, fw) for act in acts for fw in act.frameworks if fw.framework in frameworks]
    for act, fw in records:  # symact's side first, before any framework is imported
        if isinstance(act, Activation):
            prepare(act, fw)
    for act, fw in records:
        row: dict[str, Any] = {
            "entry": act.name,
            "framework": fw.framework,
            "api": fw.api,
            "defaults": {k: _setting_text(v) for k, v in fw.defaults},
            "args": {k: _setting_text(v) for k, v in fw.args},
            "mode": fw.mode,
            "note": fw.note,
            "unavailable": unavailable(fw.framework),
        }
        if isinstance(act, Activation):
            target = form(act, fw)
            row["form"] = target.name if target.expr == act.expr or target.name != act.name else str(target.expr)
            row["kinks"] = {str(p): str(d) for p, d in fw.kinks_at(target.parameters)}
        rows.append(row)
    for row, (act, fw) in zip(rows, records):
        if isinstance(act, Activation) and row["unavailable"] is None:
            row["accuracy"] = {dt: measure(act, fw, dt, size) for dt in dtypes}
    return rows
