"""Stable code from the symbols: the rewrite stage, certified Taylor regimes, the runtime kernels,
the backend-neutral printer and the NumPy backend (scalar and vector)."""
