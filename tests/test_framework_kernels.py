"""The kernel table of the framework backends (:mod:`symact.codegen.framework_kernels`).

Run with ``np`` bound to NumPy itself (the ``"numpy-check"`` namespace), every kernel the generated
code can call gives the same bits as :mod:`symact.codegen.kernels`: the rebound kernels are that
module's code, and the rewritten ones (exp by Tang's table through ``ldexp``, sin/cos, the ``mul_*``
products, the Taylor regimes, erfc of a double-double) do the same arithmetic without NumPy-only
features.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from symact.codegen import framework_kernels, kernels, printer
from symact.codegen import numpy as npc

USED = sorted({*printer.KERNELS, *(f[1:] for f in npc.FUNCTIONS.values() if f.startswith("_")), "taylor_regime"})

RNG = np.random.default_rng(7)
U = np.concatenate(
    [
        RNG.uniform(-40.0, 40.0, 4000),
        RNG.uniform(-800.0, 800.0, 400),
        np.geomspace(1e-300, 1e300, 200),
        -np.geomspace(1e-300, 1e300, 200),
        [0.0, -0.0, np.inf, -np.inf, np.nan, 0.84375, 1.25, 27.3, 700.5, -700.5, 2.0**20],
    ]
)


def _args(name: str) -> tuple[object, ...]:
    if name == "taylor_regime":
        return (U * 0.5, U, -1.0, 1.0, 0.0, 3, (0.0, 1.0, 0.5, 1 / 6), (0.0, 0.0, 0.0))
    n = len(inspect.signature(getattr(kernels, name)).parameters)
    if name in ("add_hypot", "hypot_m1"):
        return (U, 1.5)
    if name == "sin_cos_pair":
        return (np.clip(U, -(2.0**20), 2.0**20), U * 1e-17)
    pool = [U, U * 1e-17, np.flip(U) * 0.5, np.flip(U) * 1e-17]
    if name.startswith("mul_"):
        pool = [np.flip(U) * 0.5, U, U * 1e-17, np.flip(U) * 1e-17]
    if name == "div_pair":
        pool = [U, U * 1e-17, np.abs(np.flip(U)) + 1.0, np.flip(U) * 1e-17]
    return tuple(pool[:n])


@pytest.mark.parametrize("name", USED)
def test_rebound_kernels_are_the_numpy_kernels(name: str) -> None:
    ns = framework_kernels.namespace("numpy-check")
    args = _args(name)
    with np.errstate(all="ignore"):
        want = getattr(kernels, name)(*args)
        got = ns[name](*args)
    for g, w in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
        g, w = np.broadcast_arrays(np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64))
        same = (g == w) | (np.isnan(g) & np.isnan(w))
        assert same.all(), f"{name} differs at {U[~same][:5]}: {g[~same][:5]} vs {w[~same][:5]}"


def test_unknown_backend() -> None:
    with pytest.raises(ValueError, match="backend must be one of"):
        framework_kernels.namespace("tensorflow")
