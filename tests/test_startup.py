"""Start-up and generated piecewise-linear code (issue 14, items 3 and 4).

* Lazy imports: ``import symact`` loads the core only; ``symact --help``, ``--version`` and ``list``
  load none of the layers (and libraries) they do not need; the facade's table of lazy names agrees
  with ``__all__`` and with its ``TYPE_CHECKING`` imports. Asserted on the modules a fresh
  interpreter has loaded (``python -X importtime``, ``sys.modules``), never on seconds
  (``benchmarks/startup.py`` prints those).
* Piecewise-linear pieces printed as ``np.maximum``/``np.minimum``/``np.clip`` are the same function as
  the ``np.where`` form they replace: random piecewise-linear activations (exact rational constants,
  some of them floats and some not) are built both ways and compared bit for bit on -0.0, +0.0,
  ±inf, nan, subnormals, the breakpoints and their neighbours and random bit patterns, in float64
  and float32, and against the correctly rounded truth.
"""

from __future__ import annotations

import ast
import pathlib
import random
import subprocess
import sys

import numpy as np
import pytest
import sympy
from sympy import Max, Min, Piecewise, Rational

import symact
from symact.codegen import numpy as cn
from symact.definition.activation import x
from symact.numeric.rounding import ulp_error
from symact.numeric.truth import truth

ROOT = pathlib.Path(__file__).resolve().parent.parent

#: Layers and libraries no light command needs.
HEAVY = (
    "scipy",
    "matplotlib",
    "proofs",
    "symact.numeric",
    "symact.analysis",
    "symact.codegen",
    "symact.validation",
    "symact.report.sheet",
    "symact.report.latex",
    "symact.report.plot",
)
#: What ``--help`` and ``--version`` need not load either: SymPy and everything below it.
NO_SYMPY = (*HEAVY, "sympy", "mpmath", "numpy", "symact.definition")


def _loaded(*args: str) -> set[str]:
    """The modules a fresh ``python -X importtime ARGS`` imports (from its import-time report)."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", *args], check=False, capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
    names = set()
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "symact" in names, run.stderr[-2000:]
    return names


def _hits(names: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden))


@pytest.mark.parametrize(
    ("args", "forbidden"),
    [
        (("-c", "import symact"), NO_SYMPY),
        (("-m", "symact", "--help"), NO_SYMPY),
        (("-m", "symact", "--version"), NO_SYMPY),
        (("-m", "symact", "list"), HEAVY),
        (("-c", "import symact; symact.get('gelu').expr; symact.names(); symact.x"), HEAVY),
        pytest.param(
            ("-c", "import symact; symact.to_numpy(symact.get('relu'))(1.0)"),
            ("scipy", "matplotlib", "proofs"),
            marks=pytest.mark.slow,
        ),
    ],
    ids=["import", "help", "version", "list", "get", "to_numpy"],
)
def test_light_entry_points_load_only_what_they_use(args, forbidden):
    assert _hits(_loaded(*args), forbidden) == []


def test_generated_code_binds_scipy_special_only_when_it_calls_it():
    plain = cn._compile("def f(x):\n    return np.maximum(x, 0.0)", "f")
    assert "special" not in plain.__globals__
    assert "scipy" not in cn.standalone(plain)
    erf = cn._compile("def f(x):\n    return special.erf(x)", "f")
    assert erf.__globals__["special"] is sys.modules["scipy.special"]
    assert erf(np.array([0.0, np.inf])).tolist() == [0.0, 1.0]
    assert "import scipy.special as special" in cn.standalone(erf)


def test_the_measurement_sees_a_heavy_import():
    """The module check can fail: asking for a derived fact loads the analysis layer."""
    names = _loaded("-c", "import symact; symact.derivative")
    assert _hits(names, ("symact.analysis",)) != []


def _type_checking_imports() -> dict[str, tuple[str, str]]:
    tree = ast.parse((ROOT / "symact" / "__init__.py").read_text())
    out = {}
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module is not None
                for alias in imp.names:
                    out[alias.asname or alias.name] = (imp.module, alias.name)
    return out


def test_the_lazy_table_agrees_with_all_and_the_type_checking_imports():
    lazy = symact._LAZY
    assert _type_checking_imports() == lazy
    eager = {n for n in symact.__all__ if n not in lazy}
    assert eager == {"DefinitionError", "SymactError", "Unknown", "UnknownActivationError"}
    assert set(lazy) <= set(symact.__all__)
    for name, (module, attr) in lazy.items():
        assert getattr(symact, name) is getattr(sys.modules[module], attr), name


def test_dir_star_import_and_missing_names():
    assert set(symact.__all__) <= set(dir(symact))
    ns: dict[str, object] = {}
    exec("from symact import *", ns)  # noqa: S102 - a fixed statement
    assert set(symact.__all__) <= set(ns)
    assert ns["get"] is symact.get
    with pytest.raises(AttributeError, match="no attribute 'gett'"):
        symact.gett  # noqa: B018 - the attribute access is the test


@pytest.mark.slow
def test_layers_and_the_display_hooks_load_on_use():
    """In a fresh interpreter: ``symact.report.display`` (the records' Jupyter hooks) is reached even
    when another module of ``symact.report`` was loaded first; a layer attribute brings the modules
    of its public names."""
    code = (
        "import sys, symact; symact.to_latex(symact.get('relu'));"
        "assert 'symact.report.display' not in sys.modules;"
        "html = symact.get('relu')._repr_html_(); assert html and '<strong>relu</strong>' in html;"
        "assert symact.analysis.calculus.derivative is symact.derivative"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]


def test_report_modules_are_attributes_on_use():
    import symact.report

    assert symact.report.display.repr_html is sys.modules["symact.report.sheet"].repr_html
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        symact.report.nonexistent  # noqa: B018 - the attribute access is the test


# ---------------------------------------------------------------------------------------
# Piecewise-linear pieces: maximum / minimum / clip against np.where
# ---------------------------------------------------------------------------------------
def _rational(rng: random.Random, float_exact: bool) -> Rational:
    if float_exact:
        return Rational(rng.randint(-40, 40), 2 ** rng.randint(0, 4))
    while True:
        q = rng.choice([3, 5, 7, 10, 11, 48, 100])
        r = Rational(rng.randint(-60, 60), q)
        if r.q != 1:
            return r


def _random_activation(seed: int) -> tuple[sympy.Expr, bool]:
    """A random piecewise-linear activation and whether its code must use no ``np.where``."""
    rng = random.Random(seed)
    shape = seed % 6
    exact = rng.random() < 0.6
    c = Rational(0) if rng.random() < 0.4 else _rational(rng, exact)
    if shape == 0:
        return Max(c, x), True
    if shape == 1:
        return Min(c, x), True
    if shape == 2:
        lo, hi = sorted({c, c + abs(_rational(rng, exact)) + 1})
        return Min(hi, Max(lo, x)), True
    if shape == 3:  # an affine map of a clamp (hard sigmoid-like): a clamp form only when it rounds the same
        a = _rational(rng, exact)
        return a * Min(1, Max(-1, x)) + _rational(rng, exact), False
    k1, k2 = _rational(rng, exact), _rational(rng, exact)
    while k2 == k1 or 0 in (k1, k2):
        k1, k2 = _rational(rng, exact), _rational(rng, exact)
    if shape == 4:  # leaky-relu-like, any signs (abs-like when k1 < 0 < k2)
        return Piecewise((k1 * x, x < 0), (k2 * x, True)), True
    return (Max(k1 * x, k2 * x) if rng.random() < 0.5 else Min(k1 * x, k2 * x)), True


def _inputs(expr: sympy.Expr, dtype: type, seed: int) -> np.ndarray:
    """Signed zeros, ±inf, nan, subnormals, the extremes, each breakpoint and its neighbours (in
    ``dtype``), and random bit patterns."""
    info = np.finfo(dtype)
    pts = [0.0, -0.0, np.inf, -np.inf, np.nan, info.max, -info.max, info.tiny, -info.tiny, 1.0, -1.0]
    pts += [s * float(info.smallest_subnormal) * k for s in (1, -1) for k in (1, 2, 3, 1000)]
    stab = cn.rw.stabilize(expr)
    for p in stab.pieces:
        for b in (p.lo, p.hi):
            if b.is_finite:
                v = dtype(float(b))
                pts += [v, -v, np.nextafter(v, dtype(np.inf)), np.nextafter(v, dtype(-np.inf))]
    bits = np.random.default_rng(seed).integers(0, 2 ** (8 * info.bits // 8), size=400, dtype=np.uint64)
    rand = bits.astype(np.uint32 if dtype == np.float32 else np.uint64).view(dtype)
    rand[np.isnan(rand)] = np.nan  # quiet nans: a signalling nan warns in NumPy's float32 -> float64 cast
    near = np.random.default_rng(seed + 1).uniform(-8, 8, 400).astype(dtype)
    return np.concatenate([np.array(pts, dtype=dtype), rand, near])


def _where_form(expr: sympy.Expr) -> str:
    """The source built as before the rule (its ``np.where`` kernel), by the same pipeline."""
    saved = cn._clamp_forms
    cn._clamp_forms = lambda stab, precise, indent="        ": []
    try:
        return cn._build(expr, "f")[0]
    finally:
        cn._clamp_forms = saved


def _check_same_function(expr: sympy.Expr, seed: int) -> str:
    src, _, fn = cn._build(expr, "f")
    ref_src = _where_form(expr)
    ref = cn._compile(ref_src, "f")
    for dtype in (np.float64, np.float32):
        xs = _inputs(expr, dtype, seed)
        got, want = fn(xs), ref(xs)
        assert got.dtype == want.dtype == dtype
        nan = np.isnan(want)
        assert np.array_equal(np.isnan(got), nan), (src, xs[np.isnan(got) != nan])
        bad = got[~nan].view(np.uint32 if dtype == np.float32 else np.uint64) != want[~nan].view(
            np.uint32 if dtype == np.float32 else np.uint64
        )
        assert not bad.any(), (src, ref_src, xs[~nan][bad], got[~nan][bad], want[~nan][bad])
        for v in xs[:20]:  # 0-d inputs take NumPy's scalar loops
            assert np.array_equal(np.array(fn(v)), np.array(ref(v)), equal_nan=True)
            assert np.signbit(fn(v)) == np.signbit(ref(v)) or np.isnan(v)
        # the truth, correctly rounded: within the bars of the validation, never the wrong class
        finite = xs[np.isfinite(xs)][::4]
        err, wrong = ulp_error(fn(finite), truth(expr, finite))
        assert not wrong.any() and err.max() <= (1 if dtype == np.float32 else 2), (src, finite[err.argmax()])
    return src


@pytest.mark.parametrize("seed", range(6))
def test_random_piecewise_linear_code_is_the_where_form(seed):
    expr, clamped = _random_activation(seed)
    src = _check_same_function(expr, seed)
    if clamped:
        assert "np.where" not in src and ("np.maximum" in src or "np.minimum" in src or "np.clip" in src), src


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6, 60))
def test_more_random_piecewise_linear_code_is_the_where_form(seed):
    expr, clamped = _random_activation(seed)
    src = _check_same_function(expr, seed)
    if clamped:
        assert "np.where" not in src, src


def _piecewise_linear(expr: sympy.Expr) -> bool:
    """Built from x, rationals, +, *, Max, Min and Piecewise, with x to the first power only."""
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, (sympy.Pow, sympy.Function)) and not isinstance(node, (Max, Min, Piecewise)):
            return False
        if node.is_number and not node.is_Rational:
            return False
        if isinstance(node, sympy.Mul) and sum(a.has(x) for a in node.args) > 1:
            return False
    return True


CATALOG_PWL = [n for n in symact.names() if _piecewise_linear(symact.get(n).expr)]


def test_the_catalog_has_piecewise_linear_entries():
    assert {"relu", "relu6", "hard_tanh", "hard_sigmoid", "leaky_relu", "prelu"} <= set(CATALOG_PWL)


@pytest.mark.slow
@pytest.mark.parametrize("name", CATALOG_PWL)
def test_catalog_piecewise_linear_code_is_the_where_form(name):
    src = _check_same_function(symact.get(name).expr, 14)
    if name in ("relu", "relu6", "hard_tanh", "hard_sigmoid", "leaky_relu", "prelu"):
        assert "np.where" not in src, src
