"""``ember.testing``: ``assert_close``, ``make_tensor`` and the deprecated ``assert_allclose``,
with PyTorch's defaults, tolerances and failure messages."""
from __future__ import annotations

import collections.abc
import math
import warnings
from typing import Any, Callable

import numpy as np

from . import _dtype as D
from ._tensor import Tensor

__all__ = ["assert_allclose", "assert_close", "make_tensor"]

# default (rtol, atol) by dtype name; other dtypes compare exactly
_PRECISIONS = {"float16": (1e-3, 1e-5), "bfloat16": (0.016, 1e-5), "float32": (1.3e-6, 1e-5),
               "float64": (1e-7, 1e-7), "complex64": (1.3e-6, 1e-5), "complex128": (1e-7, 1e-7)}
# the dtype a Python number stands for
_NUMBER_DTYPES = {bool: "bool", int: "int64", float: "float64", complex: "complex128"}


class _Mismatch(Exception):
    """A failed check: the exception type to raise, its message and the nested item's path."""

    def __init__(self, kind: type, msg: str, path: tuple = ()):
        super().__init__(msg)
        self.kind, self.msg, self.path = kind, msg, path

    def to_error(self, msg=None) -> Exception:
        if isinstance(msg, str):
            return self.kind(msg)
        text = self.msg
        if self.path:
            text += "\n\nThe failure occurred for item " + "".join(f"[{p!r}]" for p in self.path)
        return self.kind(msg(text) if callable(msg) else text)


def _tolerances(names, rtol, atol, path):
    if (rtol is None) != (atol is None):
        raise _Mismatch(ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, "
                                    f"but got no {'rtol' if rtol is None else 'atol'}.", path)
    if rtol is not None:
        return rtol, atol
    rtols, atols = zip(*[_PRECISIONS.get(n, (0.0, 0.0)) for n in names])
    return max(rtols), max(atols)


def _leaves(actual, expected, path, opts):
    """Walk nested sequences and mappings; return the (kind, actual, expected, path) leaves."""
    seq, mapping = collections.abc.Sequence, collections.abc.Mapping
    if (isinstance(actual, seq) and not isinstance(actual, str)
            and isinstance(expected, seq) and not isinstance(expected, str)):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, "The length of the sequences mismatch: "
                                            f"{len(actual)} != {len(expected)}", path)
        return [leaf for i in range(len(actual))
                for leaf in _leaves(actual[i], expected[i], (*path, i), opts)]
    if isinstance(actual, mapping) and isinstance(expected, mapping):
        keys_a, keys_e = set(actual.keys()), set(expected.keys())
        if keys_a != keys_e:
            raise _Mismatch(AssertionError, "The keys of the mappings do not match:\n"
                                            f"Missing keys in the actual mapping: "
                                            f"{sorted(keys_e - keys_a)}\n"
                                            f"Additional keys in the actual mapping: "
                                            f"{sorted(keys_a - keys_e)}", path)
        try:
            keys = sorted(keys_a)
        except TypeError:
            keys = list(keys_a)
        return [leaf for k in keys for leaf in _leaves(actual[k], expected[k], (*path, k), opts)]
    return [_leaf(actual, expected, path, opts)]


def _leaf(actual, expected, path, opts):
    if actual is None or expected is None:
        return ("none", actual, expected, path)
    bools = (bool, np.bool_)
    if isinstance(actual, bools) and isinstance(expected, bools):
        return ("bool", bool(actual), bool(expected), path)
    numbers = (int, float, complex, np.number)
    if isinstance(actual, numbers) and isinstance(expected, numbers):
        a, e = (v.item() if isinstance(v, np.number) else v for v in (actual, expected))
        tol = _tolerances([_NUMBER_DTYPES[type(v)] for v in (a, e)], opts["rtol"],
                          opts["atol"], path)
        return ("number", a, e, path, tol)
    related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
    if related and (opts["allow_subclasses"] or type(actual) is type(expected)):
        tensors = _as_tensors(actual, expected)
        if tensors is not None:
            tol = _tolerances([t.dtype.name for t in tensors], opts["rtol"], opts["atol"], path)
            return ("tensor", *tensors, path, tol)
    raise _Mismatch(TypeError, "No comparison pair was able to handle inputs of type "
                               f"{type(actual)} and {type(expected)}.", path)


def _as_tensors(*values):
    from .ops.creation import as_tensor
    try:
        return tuple(v if isinstance(v, Tensor) else as_tensor(v) for v in values)
    except (TypeError, ValueError, RuntimeError):
        return None


def _compare(leaf, opts):
    kind, actual, expected, path = leaf[:4]
    if kind == "none":
        if not (actual is None and expected is None):
            raise _Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}", path)
    elif kind == "bool":
        if actual is not expected:
            raise _Mismatch(AssertionError, f"Booleans mismatch: {actual} is not {expected}",
                            path)
    elif kind == "number":
        _compare_numbers(actual, expected, *leaf[4], opts, path)
    else:
        _compare_tensors(actual, expected, *leaf[4], opts, path)


def _compare_numbers(a, e, rtol, atol, opts, path):
    if opts["check_dtype"] and type(a) is not type(e):
        raise _Mismatch(AssertionError, f"The (d)types do not match: {type(a)} != {type(e)}.",
                        path)
    if a == e or (opts["equal_nan"] and _isnan(a) and _isnan(e)):
        return
    diff = abs(a - e)
    if math.isfinite(diff) and diff <= atol + rtol * abs(e):
        return
    raise _Mismatch(AssertionError, _scalar_message(a, e, rtol, atol), path)


def _isnan(v) -> bool:
    return v != v


def _compare_tensors(a, e, rtol, atol, opts, path):
    def attribute(name, x, y):
        raise _Mismatch(AssertionError,
                        f"The values for attribute '{name}' do not match: {x} != {y}.", path)
    if a.shape != e.shape:
        attribute("shape", a.shape, e.shape)
    if opts["check_stride"] and a.stride() != e.stride():
        attribute("stride()", a.stride(), e.stride())
    if opts["check_device"] and a.device != e.device:
        attribute("device", a.device, e.device)
    if opts["check_dtype"] and a.dtype is not e.dtype:
        attribute("dtype", a.dtype, e.dtype)
    if a.dtype is not e.dtype:
        common = D.promote_types(a.dtype, e.dtype)
        a, e = a.to(common), e.to(common)
    x, y = (t.detach().cpu().numpy() for t in (a, e))
    matches = _isclose(x, y, rtol, atol, opts["equal_nan"])
    if matches.all():
        return
    if x.ndim == 0:
        msg = _scalar_message(x.item(), y.item(), rtol, atol)
    else:
        msg = _tensor_message(x, y, matches, rtol, atol)
    raise _Mismatch(AssertionError, msg, path)


def _isclose(x, y, rtol, atol, equal_nan):
    """PyTorch's isclose on arrays: the errors are computed in the inputs' dtype (bool and
    integer operands of the tolerance in the default float dtype)."""
    close = x == y
    inexact = x.dtype.kind in "fcV"  # "V": bfloat16 and other ml_dtypes
    if equal_nan and inexact:
        close |= np.isnan(x) & np.isnan(y)
    if rtol == 0 and atol == 0:
        return close
    if not inexact:
        x, y = (v.astype(np.int64) for v in (x, y))
    error = np.abs(x - y)
    yf = y if inexact else y.astype(D.get_default_dtype().np)
    allowed = atol + np.abs(rtol * yf)
    return close | (np.isfinite(error) & (error <= allowed))


def _scalar_message(a, e, rtol, atol):
    diff = abs(a - e)
    rel = math.inf if e == 0 else diff / abs(e)
    return _message("Scalars", f"Expected {e} but got {a}.", (diff, None), (rel, None),
                    rtol, atol)


def _tensor_message(x, y, matches, rtol, atol):
    n = matches.size
    bad = n - int(matches.sum())
    extra = f"Mismatched elements: {bad} / {n} ({bad / n:.1%})"
    xf, yf, ok = x.ravel(), y.ravel(), matches.ravel()
    inexact = x.dtype.kind in "fcV"
    if not inexact:
        xf, yf = xf.astype(np.int64), yf.astype(np.int64)
    diff = np.abs(xf - yf)
    diff[ok] = 0
    if inexact:
        rel = diff / np.abs(yf)
    else:  # PyTorch divides integers in the default float dtype
        float_np = D.get_default_dtype().np
        rel = diff.astype(float_np) / np.abs(yf).astype(float_np)
    rel[ok] = 0

    def greatest(v):  # the first maximum, or the first NaN (as torch.max reports it)
        nan = np.isnan(v)
        i = int(np.argmax(nan)) if nan.any() else int(np.argmax(v))
        return v[i].item(), tuple(int(j) for j in np.unravel_index(i, x.shape))
    return _message("Tensor-likes", extra, greatest(diff), greatest(rel), rtol, atol)


def _message(what, extra, abs_diff, rel_diff, rtol, atol):
    exact = rtol == 0 and atol == 0
    lines = [f"{what} are not {'equal' if exact else 'close'}!", "", extra]
    for kind, (diff, idx), tol in (("absolute", abs_diff, atol), ("relative", rel_diff, rtol)):
        line = (f"{kind.title()} difference: {diff}" if idx is None
                else f"Greatest {kind} difference: {diff} at index {idx}")
        lines.append(line if exact else f"{line} (up to {tol} allowed)")
    return "\n".join(lines)


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True,
                 rtol: float | None = None, atol: float | None = None, equal_nan: bool = False,
                 check_device: bool = True, check_dtype: bool = True, check_layout: bool = True,
                 check_stride: bool = False, msg: str | Callable[[str], str] | None = None):
    """Raise AssertionError unless ``actual`` and ``expected`` are close.

    Tensors, NumPy arrays, Python numbers and nested sequences / mappings of them are
    compared elementwise: ``|actual - expected| <= atol + rtol * |expected|``, with default
    tolerances from the dtype (float32: rtol 1.3e-6, atol 1e-5; float64: 1e-7 each; integers
    and bool exactly). Shapes must match, and devices and dtypes too unless ``check_device`` /
    ``check_dtype`` is False. ember tensors are always strided, so ``check_layout`` has
    nothing to check.

    >>> ember.testing.assert_close(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 2.0 + 1e-7]))
    """
    opts = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                check_device=check_device, check_dtype=check_dtype, check_stride=check_stride)
    try:
        leaves = _leaves(actual, expected, (), opts)
    except _Mismatch as failure:
        raise failure.to_error() from None
    for leaf in leaves:
        try:
            _compare(leaf, opts)
        except _Mismatch as failure:
            raise failure.to_error(msg) from None


def assert_allclose(actual: Any, expected: Any, rtol: float | None = None,
                    atol: float | None = None, equal_nan: bool = True, msg: str = "") -> None:
    """Deprecated: use :func:`assert_close`. Compares after casting ``expected`` to
    ``actual``'s dtype, with looser default tolerances."""
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be "
                  "removed in a future release. Please use `torch.testing.assert_close()` "
                  "instead. You can find detailed upgrade instructions in "
                  "https://github.com/pytorch/pytorch/issues/61844.", FutureWarning,
                  stacklevel=2)
    from .ops.creation import tensor
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        loose = {"float16": (1e-3, 1e-3), "float32": (1e-4, 1e-5), "float64": (1e-5, 1e-8)}
        rtols, atols = zip(*[loose.get(t.dtype.name, (0.0, 0.0)) for t in (actual, expected)])
        rtol, atol = max(rtols), max(atols)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
                 check_device=True, check_dtype=False, check_stride=False, msg=msg or None)



def _finfo(dt):
    """NumPy's finfo of a floating or complex dtype (``ml_dtypes``' for bfloat16)."""
    real = np.dtype(dt.to_real().np)
    return np.finfo(real) if real.kind == "f" else __import__("ml_dtypes").finfo(real)


def _low_high(low, high, dt, lowest, highest, default_low, default_high):
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got {low=} and {high=}")
    if low == high and (dt.is_floating_point or dt.is_complex):
        warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or complex "
                      "types is deprecated since 2.1 and will be removed in 2.3. Use "
                      "`torch.full(...)` instead.", FutureWarning, stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), "
                         f"but {dt} only supports [{lowest}, {highest})")
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if not (dt.is_floating_point or dt.is_complex):
        return math.ceil(low), math.ceil(high)
    return low, high


def make_tensor(*shape, dtype, device, low: float | None = None, high: float | None = None,
                requires_grad: bool = False, noncontiguous: bool = False,
                exclude_zero: bool = False, memory_format=None) -> Tensor:
    """A tensor of ``shape`` with values drawn uniformly from ``[low, high)``.

    Defaults: [-9, 9) for floating and complex dtypes, [-9, 10) for signed integers, [0, 10)
    for uint8, both values for bool. ``noncontiguous`` gives a strided view,
    ``exclude_zero`` replaces zeros by 1 (integers) or the dtype's smallest normal number.

    >>> ember.testing.make_tensor(2, 3, dtype=ember.float32, device="cpu").shape
    torch.Size([2, 3])
    """
    from .ops.creation import empty
    from .ops.random import randint
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    if noncontiguous and memory_format is not None:
        raise ValueError("The parameters `noncontiguous` and `memory_format` are mutually "
                         f"exclusive, but got {noncontiguous=} and {memory_format=}")
    if not isinstance(dtype, D.dtype):
        raise TypeError(f"The requested dtype '{dtype}' is not supported by "
                        "torch.testing.make_tensor(). To request support, file an issue at: "
                        "https://github.com/pytorch/pytorch/issues")
    inexact = dtype.is_floating_point or dtype.is_complex
    if requires_grad and not inexact:
        raise ValueError("`requires_grad=True` is not supported for boolean and integral dtypes, "
                         f"but got {dtype=}")
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:  # twice the last dim, then every other element from the second
        shape = (*shape[:-1], 2 * shape[-1])
    if dtype is D.bool_:
        low, high = _low_high(low, high, dtype, 0, 2, 0, 2)
        result = randint(low, high, shape, dtype=dtype, device=device)
    elif not inexact:
        info = np.iinfo(dtype.np)  # randint cannot draw int64's maximum
        low, high = _low_high(low, high, dtype, int(info.min),
                              int(info.max) + (1 if dtype is not D.int64 else 0), -9, 10)
        result = randint(low, high, shape, dtype=dtype, device=device)
    else:
        info = _finfo(dtype)
        highest = float(info.max)
        low, high = _low_high(low, high, dtype, float(info.min), highest, -9, 9)
        real = dtype.to_real()
        parts = empty((*shape, 2) if dtype.is_complex else shape, dtype=real, device=device)
        if high - low >= highest:  # the span overflows: draw from half the range
            parts.uniform_(low / 2, high / 2).mul_(2)
        else:
            parts.uniform_(low, high)
        result = (parts[..., 0].to(dtype) + parts[..., 1] * 1j).to(dtype) \
            if dtype.is_complex else parts
    if noncontiguous:
        result = result[..., 1::2]
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        result[result == 0] = float(_finfo(dtype).tiny) if inexact else 1
    if inexact:
        result.requires_grad = requires_grad
    return result
