"""proofs: linearity proofs and disproofs with checkable certificates, the collapse theorem, the perceptron.

Built on :mod:`symact` (which never imports this package). Every verdict is
three-valued (:class:`Verdict`): PROVED with a symbolic argument, DISPROVED
with an exact counterexample whose :meth:`~Counterexample.check` re-verifies it
from the function's expression alone, or UNKNOWN with a reason.

Examples:
    >>> import symact, proofs
    >>> result = proofs.prove_linear(symact.get("tanh"))
    >>> result.verdict, result.failed, result.counterexample.witness
    (<Verdict.DISPROVED: 'disproved'>, 'additivity', {'a': 1, 'b': 1})
    >>> result.counterexample.check()
    True
"""

from __future__ import annotations

from proofs.linearity import prove as prove
from proofs.linearity import prove_additive as prove_additive
from proofs.linearity import prove_homogeneous as prove_homogeneous
from proofs.linearity import prove_linear as prove_linear
from proofs.verdict import Counterexample as Counterexample
from proofs.verdict import LinearityArgument as LinearityArgument
from proofs.verdict import ProofResult as ProofResult
from proofs.verdict import Verdict as Verdict

#: The result record, also under the name the issue uses.
Proof = ProofResult

__all__ = [
    "Counterexample",
    "LinearityArgument",
    "Proof",
    "ProofResult",
    "Verdict",
    "prove",
    "prove_additive",
    "prove_homogeneous",
    "prove_linear",
]
