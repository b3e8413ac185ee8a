"""Distributions added in a batch (exports re-exported by the package)."""
__all__: list = []
