"""``ember.utils``: data loading helpers (``ember.utils.data``)."""
from . import data  # noqa: F401
from . import checkpoint  # noqa: F401
