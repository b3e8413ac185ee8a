"""Random sampling: rand, randn, randint, randperm, normal, bernoulli, multinomial."""
from __future__ import annotations

import numpy as np

from .._dtype import get_default_dtype, int64, to_dtype
from .._random import _gen
from .._tensor import Tensor
from .creation import _finish, check_size
from ._util import shape_arg


def _float_dt(dtype, kernel="check_uniform_bounds"):
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dt._legacy[:-6]}'")
    return dt


def _sample_float(rng, method, shape, dt):
    npdt = dt.np if dt.np in (np.float32, np.float64) else np.float32
    return getattr(rng, method)(shape, dtype=npdt).astype(dt.np, copy=False)


def rand(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False,
         layout=None, pin_memory=False):
    """Uniform samples on [0, 1)."""
    dt = _float_dt(dtype)
    arr = _sample_float(_gen(generator), "random", check_size(shape_arg(size)), dt)
    return _finish(arr, dt, device, requires_grad)


def randn(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False,
          layout=None, pin_memory=False):
    """Standard normal samples."""
    dt = _float_dt(dtype, "normal_kernel_cpu")
    arr = _sample_float(_gen(generator), "standard_normal", check_size(shape_arg(size)), dt)
    return _finish(arr, dt, device, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False, out=None, layout=None):
    """Integers uniform on [low, high)."""
    if size is None:
        if isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError("randint() missing required argument 'size'")
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    dt = to_dtype(dtype) if dtype is not None else int64
    arr = _gen(generator).integers(low, high, size=check_size(shape_arg(tuple(size))),
                                     dtype=np.int64)
    return _finish(arr.astype(dt.np), dt, device, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, out=None,
             layout=None, pin_memory=False):
    """A random permutation of 0..n-1."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    check_size((n,))
    dt = to_dtype(dtype) if dtype is not None else int64
    return _finish(_gen(generator).permutation(n).astype(dt.np), dt, device, requires_grad)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return rand(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    return randn(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False):
    return randint(low, high, input.shape, dtype=dtype or input.dtype,
                   device=device or input.device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None,
           device=None, requires_grad=False):
    """Normal samples; ``mean``/``std`` may be tensors (broadcast) or numbers with ``size``."""
    rng = _gen(generator)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        if isinstance(std, Tensor) and bool((std < 0).any()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        z = _sample_float(rng, "standard_normal", shape, ref.dtype)
        return ref._from_array((z * s + m).astype(ref.dtype.np))
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    if size is None:
        raise TypeError("normal() missing required argument 'size'")
    dt = _float_dt(dtype, "normal_kernel_cpu")
    z = _sample_float(rng, "standard_normal", check_size(shape_arg(tuple(size))), dt)
    return _finish((z * std + mean).astype(dt.np), dt, device, requires_grad)


def bernoulli(input, p=None, *, generator=None):
    """0/1 samples with probabilities ``input`` (or ``p``)."""
    probs = input._data if p is None else p
    u = _gen(generator).random(input.shape)
    return input._from_array((u < probs).astype(input.dtype.np))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Indices sampled from the rows of ``input`` (unnormalised probabilities)."""
    rng = _gen(generator)
    p = np.asarray(input.detach().cpu()._data, dtype=np.float64)
    if (p < 0).any() or not np.isfinite(p).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = p.reshape(-1, p.shape[-1])
    out = []
    for row in rows:
        tot = row.sum()
        if tot <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not replacement and num_samples > (row > 0).sum():
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                               "replacement")
        out.append(rng.choice(len(row), num_samples, replace=replacement, p=row / tot))
    res = np.asarray(out, dtype=np.int64).reshape(p.shape[:-1] + (num_samples,))
    return input._from_array(input._backend.from_host(res) if input.device.type != "cpu"
                             else res)


def poisson(input, generator=None):
    return input._from_array(_gen(generator).poisson(input._data).astype(input.dtype.np))


# ---- in-place fills used by Tensor methods and nn.init ----

def fill_random(t, method, generator=None, **kw):
    """Fill ``t`` in place from the generator; ``method`` names a NumPy Generator method."""
    _check_fill(t, method, kw)
    rng = _gen(generator)
    shape = t.shape
    fdt = t.dtype.np if t.dtype.np in (np.float32, np.float64) else np.float64
    if method == "uniform":
        a, b = kw["from_"], kw["to"]
        vals = rng.random(shape, dtype=fdt)
        vals *= b - a
        vals += a
    elif method == "normal":
        vals = rng.standard_normal(shape, dtype=fdt)
        vals *= kw["std"]
        vals += kw["mean"]
    elif method == "exponential":
        vals = rng.exponential(1.0 / kw["lambd"], shape)
    elif method == "geometric":
        vals = rng.geometric(kw["p"], shape)
    elif method == "cauchy":
        vals = kw["median"] + kw["sigma"] * np.tan(np.pi * (rng.random(shape) - 0.5))
    elif method == "log_normal":
        vals = np.exp(rng.standard_normal(shape) * kw["std"] + kw["mean"])
    elif method == "random":
        lo, hi = kw["from_"], kw["to"]
        vals = rng.integers(lo, hi, shape)
    elif method == "bernoulli":
        vals = rng.random(shape) < kw["p"]
    else:
        raise ValueError(method)
    arr = np.asarray(vals).astype(t.dtype.np, copy=False)
    t._data[...] = t._backend.from_host(arr) if t.device.type != "cpu" else arr
    t._bump()
    return t


_FLOAT_KERNELS = {"uniform": "check_uniform_bounds", "normal": "normal_kernel_cpu",
                  "log_normal": "log_normal_cpu", "cauchy": "cauchy_cpu"}


def _check_fill(t, method, kw):
    """PyTorch's errors for an in-place fill that does not fit the tensor or its bounds."""
    floating = t.dtype.is_floating_point
    if method in _FLOAT_KERNELS and not floating:
        raise NotImplementedError(f'"{_FLOAT_KERNELS[method]}" not implemented for '
                                  f"'{t.dtype._legacy[:-6]}'")
    if method == "exponential" and not floating:
        raise RuntimeError("Exponential distribution is a continuous probability distribution. "
                           "dtype must be a floating point but you specified "
                           f"{t.dtype._legacy[:-6]}")
    if method == "uniform" and kw["from_"] > kw["to"]:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={kw['from_']:g} > to={kw['to']:g}")
    if method == "normal" and kw["std"] < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {kw['std']:g}")
    if method == "exponential" and not kw["lambd"] > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={kw['lambd']:g}")
    if method == "bernoulli" and isinstance(kw["p"], (int, float)) and not 0 <= kw["p"] <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={kw['p']:g}")
    if method == "random" and kw["to"] is not None and kw["from_"] >= kw["to"]:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                           f"from={kw['from_']} >= to={kw['to']}")
