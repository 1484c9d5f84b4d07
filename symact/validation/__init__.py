"""Generated code checked against the correctly rounded truth, in ULPs (scalar and vector)."""
