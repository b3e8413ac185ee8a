"""Differentiable primitives and the functions built on them, grouped by kind."""
