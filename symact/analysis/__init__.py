"""Facts derived from the definition: the canonical piecewise form, limits, derivatives, sign
charts, the exact range and the property record."""
