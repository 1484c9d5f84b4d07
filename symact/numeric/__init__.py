"""Certified numbers: interval enclosures, the SymPy-to-mpmath evaluator, the correctly rounded
truth and rounding to a float format. Shared by analysis, proofs, code generation and validation."""
