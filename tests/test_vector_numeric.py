"""Vector numerics: stability on hard rows, axes and dtypes, no Python loops, accuracy against mpmath."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.special

from symact.codegen import kernels
from symact.codegen import vector as vn
from symact.definition import vector as V
from symact.numeric.rounding import ulp_error
from symact.validation import vector as vv

NAMES = tuple(a.name for a in V.ENTRIES)
PROB = ("softmax", "softmin", "log_softmax", "logsumexp")


@pytest.mark.parametrize("name", NAMES)
def test_generated_source_has_no_python_loops(name):
    src = vn.source(name)
    assert src.startswith(f"def {name}(x, axis=-1")
    code = src.split('"""')[2]  # after the docstring
    assert "for " not in code and "while " not in code
    assert not re.search(r"(?<![\w.])sum\(", src)  # no builtins.sum: reductions are np.sum


@pytest.mark.parametrize("row", vv.SPECIAL_ROWS, ids=str)
@pytest.mark.parametrize("name", PROB)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_special_rows_are_correct_to_one_ulp(name, row, dtype):
    with np.errstate(over="ignore"):
        data = np.asarray([row], dtype=dtype)
    got = vn.to_numpy(name)(data)
    want = vv.truth(name, data)
    err, wrong = ulp_error(got, want)
    assert not wrong.any(), (got, want)
    assert err.max() <= 1
    assert got.dtype == data.dtype


def test_the_rows_of_the_issue():
    sm, ls = vn.to_numpy("softmax"), vn.to_numpy("log_softmax")
    np.testing.assert_array_equal(sm(np.array([1000.0, 1001.0])), sm(np.array([0.0, 1.0])))
    np.testing.assert_array_equal(sm(np.array([-1e308, 0.0])), [0.0, 1.0])
    assert ls(np.array([-1e308, 0.0]))[0] == -1e308
    # one dominant entry: the textbook max-shift form returns exactly 0 here
    row = np.array([0.0, -100.0, -101.0])
    assert ls(row)[0] == vv.truth("log_softmax", row[None])[0, 0] != 0.0
    naive = row - row.max() - np.log(np.sum(np.exp(row - row.max())))
    assert naive[0] == 0.0


@pytest.mark.parametrize("name", ["softmax", "softmin", "log_softmax", "sparsemax"])
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2])
def test_axis(name, axis):
    rng = np.random.default_rng(1)
    a = rng.normal(0, 3, (3, 4, 5))
    f = vn.to_numpy(name)
    got = f(a, axis=axis)
    ref = np.moveaxis(f(np.moveaxis(a, axis, -1)), -1, axis)
    np.testing.assert_array_equal(got, ref)
    assert got.shape == a.shape


def test_logsumexp_axis_and_keepdims():
    rng = np.random.default_rng(2)
    a = rng.normal(0, 3, (3, 4))
    f = vn.to_numpy("logsumexp")
    np.testing.assert_allclose(f(a, axis=0), scipy.special.logsumexp(a, axis=0), rtol=1e-15)
    assert f(a, axis=0, keepdims=True).shape == (1, 4)
    assert f(np.zeros((2, 0))).tolist() == [-np.inf, -np.inf]


@pytest.mark.parametrize(
    ("dtype", "out"),
    [(np.float32, np.float32), (np.float16, np.float16), (np.float64, np.float64), (np.int64, np.float64)],
)
@pytest.mark.parametrize("name", NAMES)
def test_dtypes(name, dtype, out):
    a = np.array([[1, 2, 3, 4], [0, 0, 0, 0]], dtype=dtype)
    assert vn.to_numpy(name)(a).dtype == out


def test_bad_inputs():
    with pytest.raises(ValueError, match="even"):
        vn.to_numpy("glu")(np.zeros(3))
    with pytest.raises(ValueError, match="out of bounds"):
        vn.to_numpy("softmax")(np.zeros(3), axis=1)
    with pytest.raises(ValueError, match="0-d"):
        vn.to_numpy("softmax")(1.0)
    with pytest.raises(TypeError):
        vn.to_numpy("softmax")(np.zeros(2, dtype=complex))


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_agrees_with_scipy_on_tame_rows(name):
    a = np.random.default_rng(3).normal(0, 1, (50, 30))
    ref = {
        "softmax": scipy.special.softmax(a, axis=-1),
        "log_softmax": scipy.special.log_softmax(a, axis=-1),
        "softmin": scipy.special.softmax(-a, axis=-1),
    }[name]
    np.testing.assert_allclose(vn.to_numpy(name)(a), ref, rtol=1e-14)


def test_sparsemax_is_a_projection_onto_the_simplex():
    a = np.random.default_rng(4).normal(0, 2, (200, 17))
    p = vn.to_numpy("sparsemax")(a)
    assert (p >= 0).all() and (p == 0).any()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=0, atol=1e-14)
    # the projection is the closest point: p - a is constant on the support
    resid = np.where(p > 0, a - p, np.nan)
    assert np.nanmax(np.nanmax(resid, axis=-1) - np.nanmin(resid, axis=-1)) < 1e-13
    np.testing.assert_array_equal(vn.to_numpy("sparsemax")(np.array([1e308, -1e308])), [1.0, 0.0])


def test_softmax_outputs_sum_to_one_and_stay_in_the_simplex():
    data = vv.rows("float64", count=20, length=100)
    data = data[~np.isnan(data).any(axis=1)]
    s = vn.to_numpy("softmax")(data)
    assert ((s >= 0) & (s <= 1)).all()
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=0, atol=1e-13)
    ls = vn.to_numpy("log_softmax")(data)
    assert (ls <= 0).all()


@pytest.mark.parametrize("name", NAMES)
def test_validation_on_small_rows_meets_the_bars(name):
    rep = vv.validate(name, count=20, length=100)
    assert rep.ok, str(rep)
    for r in rep.results:
        assert r.wrong == 0 and r.warnings == 0
        if r.bar is not None:
            assert r.max_ulp <= r.bar and r.max_ulp_special <= r.bar


def test_truth_is_stable_at_higher_precision():
    data = vv.rows("float64", count=10, length=40)
    for name in ("softmax", "log_softmax", "logsumexp"):
        vv.truth(name, data, verify=True)  # raises when 240 and 330 bits round differently


def test_validation_reports_a_bad_function_instead_of_raising(monkeypatch):
    import symact.validation.vector as mod

    def textbook(x, axis=-1):
        return x - np.log(np.sum(np.exp(x), axis=axis, keepdims=True))

    monkeypatch.setattr(mod, "to_numpy", lambda name: textbook)
    rep = mod.validate("log_softmax", count=10, length=50)
    assert not rep.ok
    assert rep.get("float64").wrong > 0 or rep.get("float64").max_ulp > 2


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_issue_bars_on_100_rows_of_length_1000(name, request):
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("100 rows of 1000 take ~1 min: run with -m slow (benchmarks/vector.py prints the same figures)")
    rep = vv.validate(name)
    assert rep.ok, str(rep)
    for r in rep.results:
        assert r.rows >= 100 and r.wrong == 0


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_dominant_rows_with_many_subnormal_terms(name):
    # seed 104 has a row dominated by 745.2 over N(0, 5^2): the other exps are subnormal, and
    # rounding each of them to the subnormal grid cost 8 units before they were scaled by e**64
    data = vv.rows("float64", count=100, length=200, seed=104)
    err, wrong = ulp_error(vn.to_numpy(name)(data), vv.truth(name, data))
    assert not wrong.any()
    assert err.max() <= vv.BARS[(name, "float64")]
    assert err[70:80].max() <= 1  # the dominant-entry family


def test_logsumexp_where_the_max_cancels_against_log1p():
    # constant rows c*1 with c near -log(n): lse = c + log(n) cancels; a rounded log1p(n - 1)
    # cost 68 ULP here (row 97 of the issue rows), log1p in double-double gives 0
    n = np.array([2, 3, 10, 1000, 4096])
    c = -np.log(n.astype(np.float64)) + np.array([1e-3, -2e-5, 3e-7, 0.02, -1e-9])
    data = np.repeat(c[:, None], 4096, axis=1)
    data[np.arange(4096)[None, :] >= n[:, None]] = -np.inf  # row r has n[r] live entries
    err, wrong = ulp_error(vn.to_numpy("logsumexp")(data), vv.truth("logsumexp", data))
    assert not wrong.any()
    assert err.max() <= 1
    issue = vv.rows("float64")[90:100]
    err, _ = ulp_error(vn.to_numpy("logsumexp")(issue), vv.truth("logsumexp", issue))
    assert err.max() <= vv.BARS[("logsumexp", "float64")]


def test_log1p_dd2_is_accurate_far_beyond_a_double():
    import mpmath

    s = np.array([0.0, 1e-300, 1e-5, 0.3, 1.0, 999.0, 5e15])
    hi, lo = kernels.log1p_series_pair(s, np.zeros_like(s))
    with mpmath.workprec(300):
        for v, h, lw in zip(s, hi, lo):
            want = mpmath.log1p(mpmath.mpf(v))
            got = mpmath.mpf(h) + mpmath.mpf(lw)
            assert abs(got - want) <= abs(want) * mpmath.mpf(2) ** -95


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sparsemax_is_correctly_rounded_on_hard_rows(dtype):
    # exact rational truth; ties, exact zeros, tiny spreads around a large offset (where the
    # float64 prefix sums lost 57 ULP of the small outputs x_i - tau)
    rng = np.random.default_rng(66)
    blocks = [
        rng.integers(-3, 4, (40, 9)) / 4.0,
        rng.normal(0, 1e-3, (40, 30)) + 0.37,
        rng.uniform(699, 719, (40, 200)),
        rng.uniform(-10, 10, (40, 200)),
        np.round(rng.normal(0, 1, (40, 12)), 2),
    ]
    f = vn.to_numpy("sparsemax")
    for b in blocks:
        data = b.astype(dtype)
        got = f(data)
        err, wrong = ulp_error(got, vv.truth("sparsemax", data))
        assert not wrong.any()
        assert err.max() <= vv.BARS[("sparsemax", dtype)]
        assert (got >= 0).all()


def test_sparsemax_limits_and_undefined_rows():
    f = vn.to_numpy("sparsemax")
    np.testing.assert_array_equal(f(np.array([0.0, -np.inf, 0.0])), [0.5, 0.0, 0.5])
    assert np.isnan(f(np.array([np.inf, 0.0]))).all()
    assert np.isnan(f(np.array([np.nan, 0.0]))).all()
    np.testing.assert_array_equal(f(np.array([5.0])), [1.0])


def test_logsumexp_near_zero_redoes_the_exps_in_double_double():
    # random rows shifted so that logsumexp is 1e-12..1e-1: m + log1p(s) cancels, and a rounded
    # exp(x_i - m) alone cost up to 2e12 ULP there; the cancelling rows are redone in double-double
    rng = np.random.default_rng(61)
    a = rng.normal(0, 2, (60, 40))
    a[:, 5] = -1e308  # huge negative entries and -inf stay harmless (their exp is 0)
    a[:, 6] = -np.inf
    lse = scipy.special.logsumexp(a, axis=-1, keepdims=True)
    a = a - lse + rng.choice([-1.0, 1.0], (60, 1)) * 10.0 ** rng.uniform(-12, -1, (60, 1))
    got = vn.to_numpy("logsumexp")(a)
    want = vv.truth("logsumexp", a)
    err, wrong = ulp_error(got, want)
    assert not wrong.any()
    assert err.max() <= 1
    assert np.abs(want).max() < 0.2  # the rows really are in the cancelling regime


def test_exp_dd2_is_accurate_far_beyond_a_double():
    import mpmath

    # (below about -660 the low part is subnormal: fine for logsumexp, where such terms are negligible)
    d = np.array([0.0, -1e-20, -0.3, -1.0, -17.25, -300.5, -600.0])
    e = np.array([0.0, 1e-37, -1e-17, 3e-17, 0.0, 1e-14, -2e-14])
    hi, lo = kernels.exp_series_pair(d, e)
    with mpmath.workprec(300):
        for dv, ev, h, lw in zip(d, e, hi, lo):
            want = mpmath.exp(mpmath.mpf(dv) + mpmath.mpf(ev))
            assert abs(mpmath.mpf(h) + mpmath.mpf(lw) - want) <= want * mpmath.mpf(2) ** -98
