"""Random sampling: rand, randn, randint, randperm, normal, bernoulli, multinomial."""
from __future__ import annotations

import math

import numpy as np

from .._dtype import get_default_dtype, int64, to_dtype
from .. import _torch_sampling as TS
from .._random import _generator
from .._tensor import Tensor
from .creation import _finish, check_size
from ._util import shape_arg


def _float_dt(dtype, kernel="check_uniform_bounds"):
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dt._legacy[:-6]}'")
    return dt


def _host(t):
    """A tensor's values as a NumPy array (samplers draw on the host)."""
    return np.asarray(t._backend.to_host(t.detach()._data))


def _on_device(like, arr):
    """A host array of draws as a Tensor on ``like``'s device."""
    return like._from_array(like._backend.from_host(arr) if like.device.type != "cpu" else arr)


def _uniform(generator, shape, dt, low=0.0, high=1.0):
    """``shape`` uniform samples on [low, high) of dtype ``dt``, drawn as PyTorch draws."""
    n = math.prod(shape)
    vals = TS.uniform(_generator(generator)._rng, n, dt.np, low, high)
    return vals.astype(dt.np, copy=False).reshape(shape)


def _normal(generator, shape, dt, mean=0.0, std=1.0):
    """``shape`` normal samples of dtype ``dt``, drawn as PyTorch draws."""
    vals = TS.normal(_generator(generator), math.prod(shape), dt.np, mean, std)
    return vals.astype(dt.np, copy=False).reshape(shape)


def rand(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False,
         layout=None, pin_memory=False):
    """Uniform samples on [0, 1)."""
    dt = _float_dt(dtype)
    arr = _uniform(generator, check_size(shape_arg(size)), dt)
    return _finish(arr, dt, device, requires_grad)


def randn(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False,
          layout=None, pin_memory=False):
    """Standard normal samples."""
    dt = _float_dt(dtype, "normal_kernel_cpu")
    arr = _normal(generator, check_size(shape_arg(size)), dt)
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
    shape = check_size(shape_arg(tuple(size)))
    arr = TS.integers(_generator(generator)._rng, math.prod(shape), int(low),
                      int(high)).reshape(shape)
    return _finish(arr.astype(dt.np), dt, device, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, out=None,
             layout=None, pin_memory=False):
    """A random permutation of 0..n-1."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    check_size((n,))
    dt = to_dtype(dtype) if dtype is not None else int64
    perm = TS.permutation(_generator(generator)._rng, int(n))
    return _finish(perm.astype(dt.np), dt, device, requires_grad)


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
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        if isinstance(std, Tensor) and bool((std < 0).any()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        z = _normal(generator, shape, ref.dtype)  # PyTorch: normal_(0, 1), then * std + mean
        return ref._from_array((z * s + m).astype(ref.dtype.np))
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    if size is None:
        raise TypeError("normal() missing required argument 'size'")
    dt = _float_dt(dtype, "normal_kernel_cpu")
    z = _normal(generator, check_size(shape_arg(tuple(size))), dt, mean, std)
    return _finish(z, dt, device, requires_grad)


def bernoulli(input, p=None, *, generator=None):
    """0/1 samples with probabilities ``input`` (or ``p``)."""
    probs = input._data if p is None else p
    return input._from_array(_bernoulli(generator, tuple(input.shape), probs)
                             .astype(input.dtype.np))


def _bernoulli(generator, shape, p):
    """PyTorch's draws: a uniform of ``p``'s precision per element (a double one for a
    Python number), kept where it is below ``p``."""
    if isinstance(p, Tensor):
        p = _host(p)
    npdt = p.dtype if isinstance(p, np.ndarray) and p.dtype.kind == "f" else np.float64
    u = TS.unit_uniform(_generator(generator)._rng, math.prod(shape), npdt).reshape(shape)
    return u.astype(npdt, copy=False) < p


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Indices sampled from the rows of ``input`` (unnormalised probabilities), drawn as
    PyTorch draws them: one sample or no replacement by the exponential race (the largest
    p / E with E ~ Exp(1) per entry), several with replacement by inverse CDF."""
    if input.dim() not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{input.dtype._legacy[:-6]}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    p = _host(input)
    if (p < 0).any() or not np.isfinite(p).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = p.reshape(-1, p.shape[-1])
    for row in rows:
        if row.sum() <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not replacement and num_samples > row.size:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                               "replacement")
    rng = _generator(generator)._rng
    if not replacement or num_samples == 1:
        u = TS.unit_uniform(rng, rows.size, np.float64).reshape(rows.shape)
        race = rows / (-np.log1p(-u)).astype(rows.dtype)
        res = np.argsort(-race, axis=-1, kind="stable")[:, :num_samples]
    else:
        res = np.empty((len(rows), num_samples), dtype=np.int64)
        for r, row in enumerate(rows):  # each row's draws in turn, as PyTorch's loop
            cdf = np.cumsum(row, dtype=np.float64)
            cdf /= cdf[-1]
            res[r] = np.searchsorted(cdf, TS.unit_uniform(rng, num_samples, np.float64))
    return _on_device(input, res.astype(np.int64).reshape(p.shape[:-1] + (num_samples,)))


def binomial(count, prob, generator=None):
    """Binomial counts for ``count`` trials of probability ``prob``, drawn as PyTorch draws
    them."""
    if not count.dtype.is_floating_point:
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: "
                         f"{count.dtype._legacy[:-6]}")
    counts, probs = np.broadcast_arrays(_host(count), _host(prob))
    return _on_device(count, TS.binomial(_generator(generator), counts, probs)
                      .astype(count.dtype.np))


def poisson(input, generator=None):
    """Poisson counts with rates ``input``, drawn as PyTorch draws them."""
    rates = _host(input)
    if (rates < 0).any() or np.isnan(rates).any():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return _on_device(input, TS.poisson(_generator(generator), rates).astype(input.dtype.np))


# ---- in-place fills used by Tensor methods and nn.init ----

def fill_random(t, method, generator=None, **kw):
    """Fill ``t`` in place with PyTorch's draws for ``method`` (uniform, normal, random,
    exponential, geometric, cauchy, log_normal, bernoulli)."""
    _check_fill(t, method, kw)
    shape, n, gen = tuple(t.shape), t.numel(), _generator(generator)
    if method == "uniform":
        vals = TS.uniform(gen._rng, n, t.dtype.np, kw["from_"], kw["to"])
    elif method == "normal":
        vals = TS.normal(gen, n, t.dtype.np, kw["mean"], kw["std"])
    elif method == "random":
        vals = TS.integers(gen._rng, n, int(kw["from_"]), int(kw["to"]))
    elif method == "random_full":
        vals = TS.full_range(gen._rng, n, t.dtype.name)
    elif method == "log_normal":  # PyTorch: exp of normal_distribution<double> draws
        vals = np.exp(TS.normal_doubles(gen, n, kw["mean"], kw["std"]))
    elif method == "bernoulli":
        vals = _bernoulli(generator, shape, kw["p"])
    elif method in ("exponential", "geometric", "cauchy"):  # a double uniform per element
        u = TS.unit_uniform(gen._rng, n, np.float64)
        if method == "exponential":  # PyTorch: -log1p(-u) / lambd
            vals = -np.log1p(-u) / kw["lambd"]
        elif method == "geometric":  # PyTorch: ceil(log(u) / log1p(-p))
            vals = np.ceil(np.log(u) / math.log1p(-kw["p"]))
        else:  # PyTorch: median + sigma * tan(pi * (u - 1/2))
            vals = kw["median"] + kw["sigma"] * np.tan(np.pi * (u - 0.5))
    else:
        raise ValueError(method)
    arr = np.asarray(vals).astype(t.dtype.np, copy=False).reshape(shape)
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
