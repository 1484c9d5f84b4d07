"""The scalar catalog: the named activations of one real variable, as data.

Design rules (tests enforce them):

* This module is the only list of scalar activations (the vector ones are in
  :mod:`symact.definition.vector`). :mod:`symact.definition.registry` looks names
  up in it; the API (:func:`symact.get`, :func:`symact.names`), the CLI, the
  report and the parametrized tests all read it through the registry.
* Every definition is exact: rationals and exact constants, never floats.
  SELU's constants are the 32-digit decimals PyTorch prints, as Rationals.
* An entry holds the definition and descriptive metadata only. No derived fact
  (range, limit, derivative, verdict) is written here; symact computes them.
* Defaults follow PyTorch where frameworks disagree; the ``frameworks`` records
  say what the others do, as data: the framework's defaults in its own spelling, the
  arguments an entry needs, and the derivative its autograd returns at every breakpoint
  (measured, and asserted against the installed frameworks by ``tests/test_frameworks.py``).
* :data:`FRAMEWORK_FORMS` holds the forms a framework computes that differ from an entry by a
  parameter of the framework's own (torch Softplus' threshold shortcut).
"""

from __future__ import annotations

from typing import Any

import sympy
from sympy import Abs, Heaviside, Max, Min, Piecewise, Rational, atan, erf, exp, log, pi, sin, sinc, sqrt, tanh

from symact.definition.activation import Activation, Framework, Parameter, x

__all__ = ["ENTRIES", "FRAMEWORK_FORMS"]

_R = Rational


def _sym(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def _torch(api: str, defaults: Any = (), note: str = "", **more: Any) -> Framework:
    return Framework("pytorch", api, defaults, note, **more)


def _jax(api: str, defaults: Any = (), note: str = "", **more: Any) -> Framework:
    return Framework("jax", api, defaults, note, **more)


def _keras(api: str, defaults: Any = (), note: str = "", **more: Any) -> Framework:
    return Framework("keras", api, defaults, note, **more)


def _all(kinks: Any, torch: str | None, jax: str | None, keras: str | None) -> tuple[Framework, ...]:
    """The records of an entry that every framework ships without parameters, with one kink convention."""
    out = []
    if torch:
        out.append(_torch(torch, kinks=kinks))
    if jax:
        out.append(_jax(jax, kinks=kinks))
    if keras:
        out.append(_keras(keras, kinks=kinks))
    return tuple(out)


_sigmoid = 1 / (1 + exp(-x))
_slope, _alpha, _beta, _lambd, _lo, _hi = map(_sym, ["negative_slope", "alpha", "beta", "lambd", "min_val", "max_val"])
_threshold, _weight, _lower, _upper = map(_sym, ["threshold", "weight", "lower", "upper"])
_SELU_ALPHA = _R("1.6732632423543772848170429916717")
_SELU_SCALE = _R("1.0507009873554804934193349852946")

#: The scalar activations, in catalog order (the order of ``symact list``).
ENTRIES: tuple[Activation, ...] = (
    Activation(
        "identity",
        x,
        aliases=("linear",),
        summary="The identity map; the only linear activation.",
        frameworks=(_torch("torch.nn.Identity"), _jax("jax.nn.identity"), _keras("keras.activations.linear")),
        display="id",
    ),
    Activation(
        "binary_step",
        Heaviside(x, 1),
        aliases=("step", "heaviside", "unit_step"),
        summary="The Heaviside step with H(0) = 1: the perceptron's threshold unit.",
        display="step",
    ),
    Activation(
        "sigmoid",
        _sigmoid,
        aliases=("logistic", "expit"),
        summary="The logistic function 1/(1 + e^-x).",
        frameworks=(_torch("torch.nn.Sigmoid"), _jax("jax.nn.sigmoid"), _keras("keras.activations.sigmoid")),
        display="\\sigma",
    ),
    Activation(
        "tanh",
        tanh(x),
        summary="The hyperbolic tangent.",
        frameworks=_all((), "torch.nn.Tanh", "jax.nn.tanh", "keras.activations.tanh"),
        display="\\tanh",
    ),
    Activation(
        "hard_sigmoid",
        Min(1, Max(0, x / 6 + _R(1, 2))),
        summary="The sigmoid's piecewise-linear stand-in: x/6 + 1/2 clipped to [0, 1].",
        frameworks=(
            _torch("torch.nn.Hardsigmoid", kinks={-3: 0, 3: 0}),
            _jax("jax.nn.hard_sigmoid", note="relu6(x + 3)/6", kinks={-3: 0, 3: 0}),
            _keras(
                "keras.activations.hard_sigmoid",
                note="Keras 2 used 0.2x + 0.5; Keras 3 uses x/6 + 1/2",
                kinks={-3: 0, 3: 0},
            ),
        ),
        display="HardSigmoid",
    ),
    Activation(
        "sparse_sigmoid",
        Min(1, Max(0, (x + 1) / 2)),
        summary="(x + 1)/2 clipped to [0, 1] (sparsemax of [x, 0]).",
        frameworks=_all({-1: _R(1, 4), 1: _R(1, 4)}, None, "jax.nn.sparse_sigmoid", "keras.activations.sparse_sigmoid"),
        display="SparseSigmoid",
    ),
    Activation(
        "log_sigmoid",
        -log(1 + exp(-x)),
        summary="log(sigmoid(x)) = -softplus(-x).",
        frameworks=(_torch("torch.nn.LogSigmoid"), _jax("jax.nn.log_sigmoid"), _keras("keras.activations.log_sigmoid")),
        display="LogSigmoid",
    ),
    Activation(
        "softsign",
        x / (1 + Abs(x)),
        summary="x/(1 + |x|): a rational sigmoid-shaped function.",
        frameworks=_all({0: 1}, "torch.nn.Softsign", "jax.nn.soft_sign", "keras.activations.softsign"),
        display="softsign",
    ),
    Activation(
        "arctan",
        atan(x),
        aliases=("atan",),
        summary="The inverse tangent.",
        display="\\arctan",
    ),
    Activation(
        "isru",
        x / sqrt(1 + _alpha * x**2),
        params=(Parameter("alpha", _R(1), "scale of x^2 under the root", positive=True),),
        summary="Inverse square root unit x/sqrt(1 + alpha x^2).",
        display="ISRU",
    ),
    Activation(
        "relu",
        Max(0, x),
        aliases=("rectifier",),
        summary="The rectified linear unit max(0, x).",
        frameworks=(
            _torch("torch.nn.ReLU", kinks={0: 0}),
            _jax("jax.nn.relu", note="a custom JVP fixes the gradient at 0", kinks={0: 0}),
            _keras(
                "keras.activations.relu",
                {"negative_slope": 0, "max_value": None, "threshold": 0},
                "the parameters make it leaky, capped or shifted; at their defaults it is ReLU",
                kinks={0: 0},
            ),
        ),
        display="ReLU",
    ),
    Activation(
        "relu6",
        Min(6, Max(0, x)),
        summary="ReLU capped at 6.",
        frameworks=_all({0: 0, 6: 0}, "torch.nn.ReLU6", "jax.nn.relu6", "keras.activations.relu6"),
        display="ReLU6",
    ),
    Activation(
        "leaky_relu",
        Piecewise((x, x >= 0), (_slope * x, True)),
        aliases=("lrelu",),
        params=(Parameter("negative_slope", _R(1, 100), "slope for x < 0"),),
        summary="ReLU with a small slope for negative inputs.",
        frameworks=(
            _torch("torch.nn.LeakyReLU", {"negative_slope": _R(1, 100)}, kinks={0: _slope}),
            _jax("jax.nn.leaky_relu", {"negative_slope": _R(1, 100)}, kinks={0: 1}),
            _keras("keras.activations.leaky_relu", {"negative_slope": _R(1, 5)}, kinks={0: 1}),
        ),
        display="LeakyReLU",
    ),
    Activation(
        "prelu",
        Max(0, x) + _sym("weight") * Min(0, x),
        params=(Parameter("weight", _R(1, 4), "the learned negative slope (PyTorch's initial value)"),),
        summary="Parametric ReLU: leaky ReLU whose slope is learned (here at its initial value).",
        frameworks=(
            _torch(
                "torch.nn.PReLU",
                {"num_parameters": 1, "init": _R(1, 4)},
                "the weight is a learned float32 parameter; init is its initial value",
                kinks={0: _weight},
            ),
        ),
        display="PReLU",
    ),
    Activation(
        "rrelu",
        Piecewise((x, x >= 0), ((_sym("lower") + _sym("upper")) / 2 * x, True)),
        params=(
            Parameter("lower", _R(1, 8), "lower bound of the random slope"),
            Parameter("upper", _R(1, 3), "upper bound of the random slope"),
        ),
        summary="Randomized leaky ReLU in evaluation mode: the slope is (lower + upper)/2.",
        frameworks=(
            _torch(
                "torch.nn.RReLU",
                {"lower": _R(1, 8), "upper": _R(1, 3)},
                "training mode samples a slope uniformly from [lower, upper] per element; call .eval() for this entry",
                kinks={0: (_lower + _upper) / 2},
                mode="training",
            ),
        ),
        display="RReLU",
    ),
    Activation(
        "elu",
        Piecewise((x, x > 0), (_alpha * (exp(x) - 1), True)),
        params=(Parameter("alpha", _R(1), "saturation value -alpha for x -> -oo"),),
        summary="Exponential linear unit.",
        frameworks=(
            _torch("torch.nn.ELU", {"alpha": 1}, kinks={0: _alpha}),
            _jax("jax.nn.elu", {"alpha": 1}, kinks={0: _alpha}),
            _keras("keras.activations.elu", {"alpha": 1}, kinks={0: _alpha}),
        ),
        display="ELU",
    ),
    Activation(
        "selu",
        _SELU_SCALE * Piecewise((x, x > 0), (_SELU_ALPHA * (exp(x) - 1), True)),
        summary="Scaled ELU with the self-normalizing constants (32-digit, as PyTorch prints them).",
        frameworks=_all({0: _SELU_SCALE * _SELU_ALPHA}, "torch.nn.SELU", "jax.nn.selu", "keras.activations.selu"),
        display="SELU",
        constants=(("alpha", _SELU_ALPHA), ("lambda", _SELU_SCALE)),
    ),
    Activation(
        "celu",
        Max(0, x) + Min(0, _alpha * (exp(x / _alpha) - 1)),
        params=(Parameter("alpha", _R(1), "saturation value -alpha", positive=True),),
        summary="Continuously differentiable ELU: max(0, x) + min(0, alpha (e^(x/alpha) - 1)).",
        frameworks=(
            _torch("torch.nn.CELU", {"alpha": 1}, kinks={0: 1}),
            _jax("jax.nn.celu", {"alpha": 1}, kinks={0: 1}),
            _keras("keras.activations.celu", {"alpha": 1}, kinks={0: 1}),
        ),
        display="CELU",
    ),
    Activation(
        "gelu",
        x / 2 * (1 + erf(x / sqrt(2))),
        aliases=("gelu_erf",),
        summary="Gaussian error linear unit x Phi(x), exact (erf) form.",
        frameworks=(
            _torch("torch.nn.GELU", {"approximate": "none"}),
            _jax(
                "jax.nn.gelu",
                {"approximate": True},
                "the default is the tanh form (gelu_tanh)",
                args={"approximate": False},
            ),
            _keras("keras.activations.gelu", {"approximate": False}, "keras.ops.gelu defaults to the tanh form"),
        ),
        display="GELU",
    ),
    Activation(
        "gelu_tanh",
        x / 2 * (1 + tanh(sqrt(2 / pi) * (x + _R("0.044715") * x**3))),
        aliases=("gelu_approx",),
        summary="GELU's tanh approximation, with the constant 0.044715 exact.",
        frameworks=(
            _torch("torch.nn.GELU", {"approximate": "none"}, args={"approximate": "tanh"}),
            _jax("jax.nn.gelu", {"approximate": True}),
            _keras("keras.activations.gelu", {"approximate": False}, args={"approximate": True}),
        ),
        display="GELU_{\\tanh}",
    ),
    Activation(
        "silu",
        x / (1 + exp(-x)),
        aliases=("swish", "swish1"),
        summary="Sigmoid linear unit x sigmoid(x).",
        frameworks=(
            _torch("torch.nn.SiLU"),
            _jax("jax.nn.silu", note="jax.nn.swish is the same function"),
            _keras("keras.activations.silu", note="also keras.activations.swish"),
        ),
        display="SiLU",
    ),
    Activation(
        "mish",
        x * tanh(log(1 + exp(x))),
        summary="x tanh(softplus(x)).",
        frameworks=(_torch("torch.nn.Mish"), _jax("jax.nn.mish"), _keras("keras.activations.mish")),
        display="Mish",
    ),
    Activation(
        "hard_silu",
        x * Min(1, Max(0, x / 6 + _R(1, 2))),
        aliases=("hard_swish",),
        summary="x times the hard sigmoid.",
        frameworks=(
            _torch("torch.nn.Hardswish", kinks={-3: 0, 3: 1}),
            _jax("jax.nn.hard_silu", note="jax.nn.hard_swish is the same function", kinks={-3: 0, 3: 1}),
            _keras("keras.activations.hard_silu", note="also keras.activations.hard_swish", kinks={-3: 0, 3: 1}),
        ),
        display="HardSiLU",
    ),
    Activation(
        "softplus",
        log(1 + exp(_beta * x)) / _beta,
        params=(Parameter("beta", _R(1), "sharpness", positive=True),),
        summary="log(1 + e^(beta x))/beta, a smooth ReLU.",
        frameworks=(
            _torch(
                "torch.nn.Softplus",
                {"beta": 1, "threshold": 20},
                "returns x where beta*x > threshold, a jump of about 2e-9 at x = 20",
                kinks={_threshold / _beta: exp(_threshold) / (1 + exp(_threshold))},
            ),
            _jax("jax.nn.softplus"),
            _keras("keras.activations.softplus"),
        ),
        display="softplus",
    ),
    Activation(
        "sparse_plus",
        Piecewise((0, x <= -1), ((x + 1) ** 2 / 4, x < 1), (x, True)),
        summary="0 below -1, (x + 1)^2/4 on (-1, 1), x above 1.",
        frameworks=_all({-1: 0, 1: 1}, None, "jax.nn.sparse_plus", "keras.activations.sparse_plus"),
        display="SparsePlus",
    ),
    Activation(
        "squareplus",
        (x + sqrt(x**2 + _sym("b"))) / 2,
        params=(Parameter("b", _R(4), "curvature near 0", positive=True),),
        summary="(x + sqrt(x^2 + b))/2, an algebraic smooth ReLU.",
        frameworks=(_jax("jax.nn.squareplus", {"b": 4}), _keras("keras.activations.squareplus", {"b": 4})),
        display="squareplus",
    ),
    Activation(
        "exponential",
        exp(x),
        aliases=("exp",),
        summary="The exponential function.",
        frameworks=(_keras("keras.activations.exponential"),),
        display="\\exp",
    ),
    Activation(
        "hard_tanh",
        Min(_hi, Max(_lo, x)),
        params=(Parameter("min_val", _R(-1), "lower clip"), Parameter("max_val", _R(1), "upper clip")),
        summary="x clipped to [min_val, max_val].",
        frameworks=(
            _torch("torch.nn.Hardtanh", {"min_val": -1, "max_val": 1}, kinks={_lo: 0, _hi: 0}),
            _jax("jax.nn.hard_tanh", kinks={-1: 1, 1: 1}),
            _keras("keras.activations.hard_tanh", kinks={-1: 1, 1: 1}),
        ),
        display="HardTanh",
    ),
    Activation(
        "soft_shrink",
        Piecewise((x - _lambd, x > _lambd), (x + _lambd, x < -_lambd), (0, True)),
        params=(Parameter("lambd", _R(1, 2), "half-width of the dead zone", positive=True),),
        summary="Soft thresholding: shrink x towards 0 by lambd.",
        frameworks=(
            _torch("torch.nn.Softshrink", {"lambd": _R(1, 2)}, kinks={-_lambd: 0, _lambd: 0}),
            _keras("keras.activations.soft_shrink", {"threshold": _R(1, 2)}, kinks={-_lambd: 0, _lambd: 0}),
        ),
        display="SoftShrink",
    ),
    Activation(
        "hard_shrink",
        Piecewise((x, x > _lambd), (x, x < -_lambd), (0, True)),
        params=(Parameter("lambd", _R(1, 2), "half-width of the dead zone", positive=True),),
        summary="Hard thresholding: x where |x| > lambd, else 0.",
        frameworks=(
            _torch("torch.nn.Hardshrink", {"lambd": _R(1, 2)}, kinks={-_lambd: 0, _lambd: 0}),
            _keras("keras.activations.hard_shrink", {"threshold": _R(1, 2)}, kinks={-_lambd: 0, _lambd: 0}),
        ),
        display="HardShrink",
    ),
    Activation(
        "tanh_shrink",
        x - tanh(x),
        summary="x - tanh(x).",
        frameworks=(_torch("torch.nn.Tanhshrink"), _keras("keras.activations.tanh_shrink")),
        display="TanhShrink",
    ),
    Activation(
        "threshold",
        Piecewise((x, x > _sym("threshold")), (_sym("value"), True)),
        params=(
            Parameter("threshold", _R(1), "inputs above it pass"),
            Parameter("value", _R(0), "output at and below the threshold"),
        ),
        summary="x above the threshold, a constant value at or below it.",
        frameworks=(
            _torch(
                "torch.nn.Threshold",
                note="threshold and value are required; symact's defaults are 1 and 0",
                args={"threshold": 1, "value": 0},
                kinks={_threshold: 0},
            ),
            _keras(
                "keras.activations.threshold",
                note="threshold and default_value are required",
                args={"threshold": 1, "default_value": 0},
                kinks={_threshold: 0},
            ),
        ),
        display="Threshold",
    ),
    Activation("gaussian", exp(-(x**2)), summary="The Gaussian bump e^(-x^2).", display="gaussian"),
    Activation("sinusoid", sin(x), aliases=("sin", "sine"), summary="The sine function.", display="\\sin"),
    Activation(
        "sinc", sinc(x), summary="sin(x)/x, with sinc(0) = 1 (unnormalized, unlike numpy.sinc).", display="sinc"
    ),
    Activation(
        "bent_identity",
        (sqrt(x**2 + 1) - 1) / 2 + x,
        summary="x + (sqrt(x^2 + 1) - 1)/2.",
        display="BentId",
    ),
    Activation(
        "isrlu",
        Piecewise((x, x >= 0), (x / sqrt(1 + _alpha * x**2), True)),
        params=(Parameter("alpha", _R(1), "scale of x^2 under the root", positive=True),),
        summary="Inverse square root linear unit: x for x >= 0, ISRU below.",
        display="ISRLU",
    ),
    Activation(
        "elish",
        Piecewise((x * _sigmoid, x >= 0), ((exp(x) - 1) * _sigmoid, True)),
        summary="Exponential linear sigmoid squashing: SiLU for x >= 0, (e^x - 1) sigmoid(x) below.",
        display="ELiSH",
    ),
)


#: Forms a framework computes that differ from an entry by a parameter of its own: (entry,
#: parameter) -> the form, whose parameters are the entry's and that one. ``symact.get`` returns
#: it when the parameter is given (``symact.get("softplus", threshold=20)`` is what
#: ``torch.nn.Softplus()`` computes).
FRAMEWORK_FORMS: dict[tuple[str, str], Activation] = {
    ("softplus", "threshold"): Activation(
        "softplus",
        Piecewise((x, _beta * x > _threshold), (log(1 + exp(_beta * x)) / _beta, True)),
        params=(
            Parameter("beta", _R(1), "sharpness", positive=True),
            Parameter("threshold", _R(20), "beta*x above it returns x (PyTorch's shortcut)"),
        ),
        summary="softplus as torch.nn.Softplus computes it: x where beta*x > threshold.",
        display="softplus",
    ),
}
