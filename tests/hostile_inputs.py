"""A corpus of hostile activation definitions, as data (used by tests/test_parse.py).

Every entry must be rejected by ``symact.define`` / ``symact.definition.parse.parse_expr_safely``
with a ``DefinitionError`` in well under a second, with bounded memory, and
without executing anything. The corpus covers code through names, attributes
and dunders, lambdas and comprehensions, f-strings, strings and bytes, keyword
and starred arguments, the walrus, Unicode look-alikes, fullwidth and
zero-width characters, huge numbers and exponent chains, deep nesting and
megabyte strings.
"""

from __future__ import annotations

#: (test id, text). Texts are built here, so the megabyte ones cost nothing to import.
HOSTILE: list[tuple[str, str]] = [
    # code through names (builtins are not in the table)
    ("import-os-system", "__import__('os').system('echo pwned')"),
    ("import-os-getpid", '__import__("os").getpid()'),
    ("bare-dunder-import", "__import__"),
    ("eval", "eval(1)"),
    ("exec", "exec(x)"),
    ("compile", "compile(x, x, x)"),
    ("globals", "globals()"),
    ("locals", "locals()"),
    ("vars", "vars()"),
    ("open", "open(x)"),
    ("getattr", "getattr(x, x)"),
    ("setattr", "setattr(x, x, 1)"),
    ("builtins", "__builtins__"),
    ("breakpoint", "breakpoint()"),
    ("input", "input()"),
    ("print", "print(x)"),
    ("exit", "exit()"),
    ("type", "type(x)"),
    ("dir", "dir()"),
    ("chr-bytes-decode", "bytes((111, 115)).decode()"),
    # attributes and dunders
    ("attr-class", "x.__class__"),
    ("tuple-class-subclasses", "().__class__.__bases__[0].__subclasses__()"),
    ("mro", "x.__class__.__mro__"),
    ("int-class", "(1).__class__"),
    ("func-globals", "exp.__globals__"),
    ("attr-func", "x.func"),
    ("attr-real", "x.real"),
    ("module-attr", "os.system"),
    ("sympy-attr", "sympy.sympify"),
    ("dunder-name", "__class__"),
    ("dunder-dict", "x.__dict__"),
    ("object-subclasses", "object.__subclasses__()"),
    # lambdas, comprehensions, generators
    ("lambda", "lambda: 1"),
    ("lambda-call", "(lambda x: x)(x)"),
    ("listcomp", "[x for x in range(10)]"),
    ("setcomp", "{x for x in x}"),
    ("dictcomp", "{x: 1 for x in x}"),
    ("genexp", "(x for x in x)"),
    ("sum-genexp", "sum(i for i in range(10**9))"),
    # f-strings, strings, bytes
    ("fstring", "f'{x}'"),
    ("string", "'x'"),
    ("bytes", "b'x'"),
    ("quoted-definition", '"exp(x)"'),
    ("backslash-continuation", "x + \\\n 1"),
    # keyword and starred arguments, walrus
    ("keyword-arg", "max(x, 0, key=abs)"),
    ("keyword-only", "exp(x=1)"),
    ("starred", "exp(*[x])"),
    ("double-starred", "Max(**{})"),
    ("walrus", "(y := x)"),
    # containers and subscripts
    ("subscript", "x[0]"),
    ("slice", "x[::-1]"),
    ("list", "[x]"),
    ("tuple", "(x, x)"),
    ("set", "{x}"),
    ("dict", "{}"),
    ("ellipsis", "..."),
    ("none", "None"),
    # Unicode look-alikes, fullwidth and invisible characters
    ("fullwidth-exp", "\uff45\uff58\uff50(x)"),
    ("fullwidth-x", "\uff58"),
    ("cyrillic-ha-in-exp", "e\u0445p(x)"),
    ("cyrillic-x", "\u0445"),
    ("math-bold-x", "\U0001d431"),
    ("double-struck-e", "\u2147xp(x)"),
    ("zero-width-space", "x\u200b"),
    ("zero-width-joiner-in-name", "ex\u200dp(x)"),
    ("nbsp", "x\u00a0+ 1"),
    ("rtl-override", "x\u202e + 1"),
    ("nul-byte", "x\x00"),
    ("unicode-minus", "\u2212x"),
    # huge numbers and exponent chains
    ("tower-10", "10**10**10"),
    ("tower-9", "9**9**9**9"),
    ("qwed-chain", "((9**9)**9999)**9999"),
    ("tower-2", "2**2**2**2**2**2"),
    ("x-pow-googol", "x**(10**100)"),
    ("float-overflow", "1e99999"),
    ("float-underflow", "1e-99999"),
    ("long-integer", "9" * 60),
    ("long-decimal", "0." + "1" * 60),
    ("exp-log-power", "exp(10**40*log(2))"),
    ("E-pow-log-power", "E**(10**40*log(2))"),
    ("exp-sum-log-power", "exp(x + 10**40*log(3))"),
    ("root-of-huge", "(2**4000)**(1/2)"),
    ("sqrt2-tower", "sqrt(2)**10**6"),
    ("x-tower", "x**64**64"),
    ("x-pow-pow", "(x**64)**64"),
    ("product-of-roots", "*".join(f"sqrt({10**36 + 2 * i + 1})" for i in range(30))),
    ("mul-of-big", "*".join(["9" * 50] * 30)),
    ("division-by-zero", "1/0"),
    ("zero-negative-power", "0**-1"),
    ("log-zero", "log(0)"),
    ("sqrt-negative", "sqrt(-1)"),
    ("cube-root-negative", "(-8)**(1/3)"),
    ("imaginary-literal", "1j"),
    ("imaginary-I", "I"),
    ("infinity", "oo"),
    ("nan", "nan"),
    ("hex", "0x1F"),
    # constants SymPy would evaluate slowly (float shadows reject them)
    ("softplus-of-huge", "softplus(2**4000)"),
    ("E-tower", "E**(9**9)"),
    ("half-pow-E-tower", "0.5**E**(9**9)"),
    ("sin-double-exp", "sin(exp(exp(7)))"),
    ("near-equal-max", "Max(log(8), 3*log(2))"),
    ("near-equal-condition", "where(log(8) < 3*log(2), x, 0)"),
    ("many-near-equal-max", "+".join(f"Max(log({k**3}),3*log({k}))" for k in range(2, 45))),
    ("disguised-zero-sign", "sign(log(8) - 3*log(2))"),
    ("exp-of-huge", "exp(2**4000)"),
    # deep nesting and huge texts
    ("parens-100k", "(" * 100_000),
    ("nested-exp-10k", "exp(" * 10_000 + "x" + ")" * 10_000),
    ("unary-100k", "-" * 100_000 + "x"),
    ("megabyte-sum", "x+" * 500_000 + "x"),
    ("megabyte-x", "x" * 1_000_000),
    ("parens-41", "(" * 41 + "x" + ")" * 41),
    ("unary-1999", "-" * 1999 + "x"),
    ("not-chain", "not " * 450 + "x"),
    ("many-terms", "+".join(["x"] * 600)),
    ("pow-chain-long", "2**" * 600 + "2"),
    # other syntax
    ("ifexp", "x if x > 0 else 0"),
    ("not", "not x"),
    ("or", "x or 1"),
    ("top-level-condition", "x < 1"),
    ("xor-as-power", "x ^ 2"),
    ("floordiv", "x // 2"),
    ("mod", "x % 2"),
    ("matmul", "x @ x"),
    ("shift", "x << 1"),
    ("invert", "~x"),
    ("await", "await x"),
    ("yield", "(yield x)"),
    ("statement", "x; import os"),
    ("import", "import os"),
    ("assignment", "x = 1"),
    ("newline-second-expr", "x\n__import__"),
    ("empty", ""),
    ("whitespace", "   \n\t "),
    ("lowercase-e", "e**x"),
    ("unknown-name", "y"),
    ("arity", "exp(x, x)"),
    ("piecewise-not-pair", "Piecewise(x)"),
    ("piecewise-no-condition", "Piecewise((x, x))"),
    ("heaviside-symbolic-h0", "Heaviside(x, x)"),
    ("is", "x is x"),
    ("in", "x in x"),
    ("uncalled-function", "exp"),
    ("call-variable", "x()"),
    ("call-literal", "(1)(2)"),
    ("call-call", "exp(x)(x)"),
]


#: (test id, text, a fragment of the error): definitions the parser accepts but that are not real
#: on all of R, so ``symact.define`` rejects them, saying where (each failing point is checked exactly).
#: The sets are derived by hand: x**64 - 1 < 0 exactly on (-1, 1), x**63 + 1 < 0 for x < -1,
#: exp(-x**2) < 1/2 for |x| > sqrt(log 2), cos < 0 on (pi/2, 3 pi/2), ...
OUTSIDE_R: list[tuple[str, str, str]] = [
    ("root-of-even-power", "sqrt(x**64 - 1)", "is not real for -1 < x < 1"),
    ("root-of-odd-power", "sqrt(x**63 + 1)", "is not real for x < -1"),
    ("nested-logs", "log(log(log(x)))", "is not real"),
    ("root-of-gaussian", "sqrt(exp(-x**2) - 1/2)", "x < -sqrt(log(2)) or x > sqrt(log(2))"),
    ("irrational-poles", "(x**2 - 2)**(-1)", "is undefined for x = sqrt(2) or x = -sqrt(2)"),
    ("log-touching-zero", "log(sin(x) + 1)", "log(sin(x) + 1) is not real for x = 3*pi/2"),
    ("root-of-max", "sqrt(Max(x, 0) - 1)", "is not real for x < 1"),
    ("later-piece", "Piecewise((log(x), x > 1e-3), (sqrt(x), True))", "sqrt(x) is not real for x < 0"),
    ("rational-pole", "1/(x - 1/3)", "is undefined for x = 1/3"),
    ("deep-root", "x**(1/64)", "is not real for x < 0"),
    ("log1p", "log1p(x)", "log(x + 1) is not real for x <= -1"),
    ("root-of-erf", "sqrt(erf(x))", "sqrt(erf(x)) is not real at x = -1/2"),
    ("log-of-tanh", "log(tanh(x))", "is not real for x <= 0"),
    ("root-of-cos", "sqrt(cos(x))", "is not real for pi/2 < x < 3*pi/2"),
    ("high-pole", "x**(-64)", "is undefined for x = 0"),
    ("else-branch", "where(x > 0, x, log(x))", "log(x) is not real for x <= 0"),
    ("second-branch", "where(x < 0, sqrt(-x), sqrt(x - 1))", "sqrt(x - 1) is not real for 0 <= x < 1"),
    ("odd-power-of-root", "sqrt(1 - x**2)**3", "is not real for x < -1 or x > 1"),
    ("log-of-expm1", "log(exp(x) - 1)", "is not real for x <= 0"),
    ("root-of-sigmoid", "sqrt(sigmoid(x) - 1/2)", "is not real for x < 0"),
    ("tiny-gap", "sqrt(x**2 - 10**-30)", "is not real for -1/1000000000000000"),
    ("power-in-x", "(1 + x)**x", "is not real for x <= -1"),
]


def marker_payloads(path: str) -> list[tuple[str, str]]:
    """Payloads that create the file ``path`` if anything ever evaluates them.

    Some spell the path without quotes (as a tuple of byte values), so they get
    past a character filter and reach the syntax tree.
    """
    codes = ",".join(str(b) for b in path.encode())
    spelled = f"bytes(({codes},)).decode()"
    w = "chr(119)"
    pathlib = "bytes((112,97,116,104,108,105,98)).decode()"
    return [
        ("quoted-pathlib-touch", f"__import__('pathlib').Path({path!r}).touch()"),
        ("open-spelled", f"open({spelled},{w}).close()"),
        ("import-spelled-pathlib", f"__import__({pathlib}).Path({spelled}).touch()"),
        ("in-arithmetic", f"x + open({spelled},{w}).close()"),
        ("in-piecewise", f"Piecewise((open({spelled},{w}).close(), x > 0), (0, True))"),
        ("in-keyword", f"exp(x, key=open({spelled},{w}).close())"),
        ("in-lambda", f"(lambda: open({spelled},{w}).close())()"),
        ("in-comprehension", f"[open({spelled},{w}).close() for _ in (1,)]"),
        ("in-walrus", f"(y := open({spelled},{w}).close())"),
        ("in-exponent", f"x**open({spelled},{w}).close()"),
    ]
