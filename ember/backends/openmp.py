"""``ember.backends.openmp``: ember's CPU threads are its BLAS library's, not OpenMP's."""


def is_available() -> bool:
    return False
