"""The ground layer: errors, :class:`Unknown` and time budgets. Imports nothing else from symact."""
