"""Tensor ``repr``/``str`` formatting with PyTorch's exact output, and the print options."""
from __future__ import annotations

import contextlib
import math

import numpy as np

_DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80}
_PROFILES = {
    "default": _DEFAULTS,
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}
_OPTS = dict(_DEFAULTS, sci_mode=None)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None) -> None:
    """Set the print options like ``torch.set_printoptions`` (sci_mode is always overwritten)."""
    if profile is not None and profile in _PROFILES:
        _OPTS.update(_PROFILES[profile])
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems,
             "linewidth": linewidth}
    _OPTS.update({k: v for k, v in given.items() if v is not None})
    _OPTS["sci_mode"] = sci_mode


def get_printoptions() -> dict:
    """The current print options, as keyword arguments for ``set_printoptions``."""
    return {k: _OPTS[k] for k in ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")}


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options inside a ``with`` block."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """Chooses int/fixed/scientific mode and the column width for a set of values."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.max_width = True, False, 1
        flat = values.reshape(-1)
        if not self.floating:
            self.max_width = max([1] + [len(str(v)) for v in flat.tolist()])
            return
        with np.errstate(all="ignore"):
            vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return
        mags = np.abs(vals.astype(np.float64))
        lo, hi = float(mags.min()), float(mags.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        opt = _OPTS["sci_mode"]
        self.sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
                             if opt is None else opt)
        self.max_width = max(self._width_of(v) for v in vals.tolist())

    def _width_of(self, v: float) -> int:
        """Width one nonzero finite value would take in the chosen mode."""
        p = _OPTS["precision"]
        if self.sci_mode:
            return len(f"{v:.{p}e}")
        if self.int_mode:
            return len(f"{v:.0f}") + 1
        return len(f"{v:.{p}f}")

    def format(self, value) -> str:
        """Format one Python scalar, right-aligned to the column width."""
        p = _OPTS["precision"]
        if not self.floating:
            ret = f"{value}"
        elif self.sci_mode:
            ret = f"{value:{self.max_width}.{p}e}"
        elif self.int_mode:
            ret = f"{value:.0f}"
            if not (math.isinf(value) or math.isnan(value)):
                ret += "."
        else:
            ret = f"{value:.{p}f}"
        return (self.max_width - len(ret)) * " " + ret


def _fmt_value(val, f1: _Formatter, f2: _Formatter | None) -> str:
    """Format a real value with ``f1``, or a complex one with ``f1`` (real) and ``f2`` (imag)."""
    if f2 is None:
        return f1.format(val)
    real = f1.format(val.real)
    imag = (f2.format(val.imag) + "j").lstrip()
    return real + imag if imag[0] in "+-" else real + "+" + imag


def _vector_str(a: np.ndarray, indent: int, summarize: bool, f1, f2) -> str:
    """Format a 1-d array, wrapping lines at the line width."""
    edge = _OPTS["edgeitems"]
    elem_len = f1.max_width + 2 + (f2.max_width + 1 if f2 is not None else 0)
    per_line = max(1, math.floor((_OPTS["linewidth"] - indent) / elem_len))
    if summarize and not edge:
        data = ["..."]
    elif summarize and a.shape[0] > 2 * edge:
        data = ([_fmt_value(v, f1, f2) for v in a[:edge].tolist()] + [" ..."]
                + [_fmt_value(v, f1, f2) for v in a[-edge:].tolist()])
    else:
        data = [_fmt_value(v, f1, f2) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(a: np.ndarray, indent: int, summarize: bool, f1, f2=None) -> str:
    """Format an array of any rank, nesting brackets and blank lines per dimension."""
    if a.ndim == 0:
        return _fmt_value(a.item(), f1, f2)
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, f1, f2)
    edge, n = _OPTS["edgeitems"], a.shape[0]
    if summarize and n > 2 * edge:
        rows = list(range(edge)) + [None] + list(range(n - edge, n))
    else:
        rows = list(range(n))
    parts = ["..." if i is None else _nested_str(a[i], indent + 1, summarize, f1, f2)
             for i in rows]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _summarized(a: np.ndarray) -> np.ndarray:
    """The elements that a summarised print shows (edge items of every dimension)."""
    edge = _OPTS["edgeitems"]
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return np.concatenate((a[:edge], a[-edge:])) if a.shape[0] > 2 * edge else a
    if not edge:
        return np.empty([0] * a.ndim, dtype=a.dtype)
    n = a.shape[0]
    idx = list(range(edge)) + list(range(n - edge, n)) if n > 2 * edge else range(n)
    return np.stack([_summarized(a[i]) for i in idx])


def _tensor_str(a: np.ndarray, indent: int) -> str:
    """The bracketed body of a non-empty tensor's repr."""
    summarize = a.size > _OPTS["threshold"]
    shown = _summarized(a) if summarize else a
    if a.dtype.kind == "c":
        f1, f2 = _Formatter(shown.real), _Formatter(shown.imag)
        return _nested_str(a, indent, summarize, f1, f2)
    return _nested_str(a, indent, summarize, _Formatter(shown))


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    """Append ``, suffix`` items, moving one to a new line when it would pass the line width."""
    out = [text]
    last_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_len + len(suffix) + 2 > _OPTS["linewidth"]:
            out.append(",\n" + " " * indent + suffix)
            last_len = indent + len(suffix)
        else:
            out.append(", " + suffix)
            last_len += len(suffix) + 2
    return "".join(out) + ")"


def _host_array(t) -> np.ndarray:
    """The tensor's values as a NumPy array on the host (bfloat16 widened to float32)."""
    device = getattr(t, "device", None)
    if device is not None and getattr(device, "type", "cpu") != "cpu":
        src = t.detach() if hasattr(t, "detach") else t
        t = src.cpu()
    arr = np.asarray(t._data)
    if arr.dtype.kind not in "biufc":  # e.g. ml_dtypes.bfloat16
        arr = arr.astype(np.float32)
    return arr


def _default_dtype_name() -> str:
    """Name of the current default floating dtype ('float32' if ember._dtype is unavailable)."""
    try:
        from ember._dtype import get_default_dtype
    except ImportError:
        return "float32"
    return get_default_dtype().name


def _grad_suffix(t) -> str | None:
    """``grad_fn=<...>`` for a non-leaf, ``requires_grad=True`` for a leaf requiring grad."""
    fn = getattr(t, "grad_fn", None)
    if fn is not None:
        name = fn.name() if callable(getattr(fn, "name", None)) else type(fn).__name__
        return f"grad_fn=<{name.rsplit('::', 1)[-1]}>"
    return "requires_grad=True" if getattr(t, "requires_grad", False) else None


def tensor_repr(t) -> str:
    """What ``repr(t)`` and ``str(t)`` return, character for character as PyTorch prints."""
    arr = _host_array(t)
    prefix = _prefix(t)
    indent, suffixes = len(prefix), []
    device = getattr(t, "device", None)
    if device is not None and device.type != "cpu":
        suffixes.append(f"device='{device}'")
    name, default = t.dtype.name, _default_dtype_name()
    size = "size=" + str(tuple(int(s) for s in arr.shape))
    if arr.size == 0:
        suffixes += [size] if arr.ndim != 1 else []
        suffixes += [f"dtype={t.dtype!r}"] if name != default else []
        body = "[]"
    else:
        suffixes += [size] if not _OPTS["edgeitems"] else []
        cdefault = "complex128" if default == "float64" else "complex64"
        if name not in (default, cdefault, "int64", "bool"):
            suffixes.append(f"dtype={t.dtype!r}")
        body = _tensor_str(arr, indent)
    grad = _grad_suffix(t)
    if grad is not None:
        suffixes.append(grad)
    return _add_suffixes(prefix + body, suffixes, indent)


def _prefix(t) -> str:
    """``tensor(`` for a Tensor or Parameter; other subclasses print their class name."""
    from ember._tensor import Tensor
    from ember.nn.parameter import Parameter
    cls = type(t)
    if cls is Tensor or cls is Parameter or not isinstance(t, Tensor):
        return "tensor("
    return cls.__name__ + "("
