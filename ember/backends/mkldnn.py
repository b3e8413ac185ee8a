"""``ember.backends.mkldnn``: ember does not use oneDNN; ``enabled`` is kept for programs that
set it."""

enabled = True


def is_available() -> bool:
    return False
