"""proofs: linearity proofs and disproofs with checkable certificates, the collapse theorem, the perceptron.

Built on the definition, numeric and analysis layers of :mod:`symact`; symact
imports this package only in its command line and its reports. Every verdict is
three-valued (:class:`Verdict`): PROVED with a symbolic argument, DISPROVED
with an exact counterexample whose :meth:`~Counterexample.check` re-verifies it
from the function's expression alone, or UNKNOWN with a reason.

The modules, bottom to top (each imports only those before it):
:mod:`~proofs.typeset` and :mod:`~proofs.evidence` (the verdict and the
evidence records), :mod:`~proofs.argument` (the linearity argument, built and
re-checked), :mod:`~proofs.render` (write-ups), :mod:`~proofs.verdict` (the
result record :class:`ProofResult`), :mod:`~proofs.search` (witnesses),
:mod:`~proofs.linearity` (:func:`prove`), :mod:`~proofs.network`,
:mod:`~proofs.render_collapse`, :mod:`~proofs.collapse`,
:mod:`~proofs.perceptron` and :mod:`~proofs.vector`.

Examples:
    >>> import symact, proofs
    >>> result = proofs.prove_linear(symact.get("tanh"))
    >>> result.verdict, result.failed, result.counterexample.witness
    (<Verdict.DISPROVED: 'disproved'>, 'additivity', {'a': 1, 'b': 1})
    >>> result.counterexample.check()
    True

The collapse theorem and the perceptron:

    >>> proofs.collapse((2, 3, 1)).W_formula
    'W_2*W_1'
    >>> proofs.collapse((2, 3, 1), "relu").verdict
    <Verdict.DISPROVED: 'disproved'>
    >>> proofs.or_of_and().verdict
    <Verdict.PROVED: 'proved'>
"""

from __future__ import annotations

from proofs.collapse import CollapseProof as CollapseProof
from proofs.collapse import NetworkCounterexample as NetworkCounterexample
from proofs.collapse import collapse as collapse
from proofs.linearity import prove as prove
from proofs.linearity import prove_additive as prove_additive
from proofs.linearity import prove_homogeneous as prove_homogeneous
from proofs.linearity import prove_linear as prove_linear
from proofs.perceptron import NeuronTable as NeuronTable
from proofs.perceptron import or_of_and as or_of_and
from proofs.perceptron import step_neuron as step_neuron
from proofs.perceptron import truth_table as truth_table
from proofs.perceptron import verify_neuron as verify_neuron
from proofs.verdict import Counterexample as Counterexample
from proofs.verdict import LinearityArgument as LinearityArgument
from proofs.verdict import ProofResult as ProofResult
from proofs.verdict import Verdict as Verdict

#: Another name for :class:`ProofResult`, kept for compatibility (new code says ``ProofResult``).
Proof = ProofResult

__all__ = [
    "CollapseProof",
    "Counterexample",
    "LinearityArgument",
    "NetworkCounterexample",
    "NeuronTable",
    "Proof",
    "ProofResult",
    "Verdict",
    "collapse",
    "or_of_and",
    "prove",
    "prove_additive",
    "prove_homogeneous",
    "prove_linear",
    "step_neuron",
    "truth_table",
    "verify_neuron",
]
