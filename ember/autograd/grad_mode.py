"""Grad modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``."""
from __future__ import annotations

import functools


class _State:
    __slots__ = ("enabled", "inference", "anomaly", "anomaly_check_nan", "capturing")

    def __init__(self):
        self.enabled = True
        self.inference = False
        self.anomaly = False
        self.anomaly_check_nan = True
        #: a backward pass running now returns gradients (``autograd.grad``,
        #: ``backward(inputs=...)``) instead of accumulating them into ``.grad``
        self.capturing = False


STATE = _State()


def is_grad_enabled() -> bool:
    return STATE.enabled


def is_inference_mode_enabled() -> bool:
    return STATE.inference


class _Mode:
    """Base: a context manager that also decorates functions (and generators)."""

    def __call__(self, fn):
        if isinstance(fn, type):
            raise TypeError(f"{type(self).__name__} cannot decorate a class")

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return type(self)()

    def __enter__(self):
        self._prev = (STATE.enabled, STATE.inference)
        self._set()
        return self

    def __exit__(self, *exc):
        STATE.enabled, STATE.inference = self._prev
        return False


class no_grad(_Mode):
    """Context manager / decorator that disables gradient recording.

    >>> x = ember.ones(2, requires_grad=True)
    >>> with ember.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    def _set(self):
        STATE.enabled = False


class enable_grad(_Mode):
    """Context manager / decorator that enables gradient recording."""

    def _set(self):
        STATE.enabled = True


class set_grad_enabled(_Mode):
    """Set grad mode on or off; works as a function call, a context manager or a decorator."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self._prev = (STATE.enabled, STATE.inference)
        STATE.enabled = self.mode

    def clone(self):
        return set_grad_enabled(self.mode)

    def __enter__(self):
        return self

    def _set(self):
        STATE.enabled = self.mode


class inference_mode(_Mode):
    """Like ``no_grad``; tensors created inside are inference tensors."""

    def __init__(self, mode: bool = True):
        self.mode = bool(mode)

    def clone(self):
        return inference_mode(self.mode)

    def _set(self):
        if self.mode:
            STATE.enabled = False
            STATE.inference = True
