"""The one-line op harness: NumPy reference, gradcheck, gradgradcheck, PyTorch parity.

``check_op(fn, *inputs, ref=...)`` runs ``fn(lib, *tensors)`` with ``lib`` = ember (and
torch when importable), on float32 and float64, contiguous and non-contiguous inputs.
"""
from __future__ import annotations

import numpy as np
import pytest

import ember

try:
    import torch
except ImportError:  # parity checks are skipped without torch
    torch = None

RNG = np.random.default_rng(1234)


def rand_array(shape, low=-2.0, high=2.0, positive=False):
    arr = RNG.uniform(0.1 if positive else low, high, size=shape)
    return np.asarray(arr, dtype=np.float64)


def noncontig(arr):
    """The same values in a non-contiguous layout (a strided slice of a larger buffer)."""
    big = np.zeros(arr.shape + (2,), dtype=arr.dtype)
    big[..., 0] = arr
    out = big[..., 0]
    assert arr.ndim == 0 or arr.size <= 1 or not out.flags.c_contiguous
    return out


def _to_ember(arr, dtype, requires_grad, layout):
    a = np.array(arr, dtype=dtype)
    if layout == "noncontig":
        a = noncontig(a)
    t = ember.from_numpy(a)
    return t.requires_grad_(True) if requires_grad else t


def _to_torch(arr, dtype, requires_grad):
    t = torch.from_numpy(np.array(arr, dtype=dtype))
    return t.requires_grad_(True) if requires_grad else t


def _outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def check_op(fn, *inputs, ref=None, grad=True, rtol=1e-5, atol=1e-6, grad_inputs=None,
             dtypes=(np.float32, np.float64), layouts=("contig", "noncontig"),
             gradgrad=True, torch_parity=True):
    """Check an op three ways in one call (see module docstring)."""
    arrays = [np.asarray(a) for a in inputs]
    diff = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"] if grad_inputs is None \
        else list(grad_inputs)
    for dt in dtypes:
        tol = dict(rtol=max(rtol, 1e-4), atol=max(atol, 1e-5)) if dt == np.float32 else \
            dict(rtol=rtol, atol=atol)
        for layout in layouts:
            ts = [_to_ember(a, dt if a.dtype.kind == "f" else a.dtype, False, layout)
                  for a in arrays]
            outs = _outputs(fn(ember, *ts))
            if ref is not None:
                refs = _outputs(ref(*[np.array(a, dtype=dt if a.dtype.kind == "f" else a.dtype)
                                      for a in arrays]))
                for o, r in zip(outs, refs):
                    np.testing.assert_allclose(o.numpy(), np.asarray(r), **tol)
            if torch is not None and torch_parity:
                _torch_parity(fn, arrays, dt, diff if grad else [], tol)
    if grad and diff:
        _gradchecks(fn, arrays, diff, gradgrad)


def _torch_parity(fn, arrays, dt, diff, tol):
    ts = [_to_ember(a, dt if a.dtype.kind == "f" else a.dtype, i in diff, "contig")
          for i, a in enumerate(arrays)]
    tt = [_to_torch(a, dt if a.dtype.kind == "f" else a.dtype, i in diff)
          for i, a in enumerate(arrays)]
    e_out = _outputs(fn(ember, *ts))
    t_out = _outputs(fn(torch, *tt))
    assert len(e_out) == len(t_out)
    for e, t in zip(e_out, t_out):
        assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
        assert e.dtype.name == str(t.dtype).replace("torch.", ""), (e.dtype, t.dtype)
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), **tol)
    if diff and e_out[0].dtype.is_floating_point and e_out[0].requires_grad:
        g = RNG.standard_normal(tuple(e_out[0].shape)).astype(dt)
        e_out[0].backward(ember.from_numpy(g.copy()))
        t_out[0].backward(torch.from_numpy(g.copy()))
        for i in diff:
            eg, tg = ts[i].grad, tt[i].grad
            assert (eg is None) == (tg is None)
            if eg is not None:
                np.testing.assert_allclose(eg.numpy(), tg.numpy(), **tol)


def _gradchecks(fn, arrays, diff, gradgrad):
    for layout in ("contig", "noncontig"):
        ts = [_to_ember(a, np.float64 if a.dtype.kind == "f" else a.dtype, i in diff, layout)
              for i, a in enumerate(arrays)]

        def f(*xs):
            return fn(ember, *xs)
        if ts[diff[0]].numel() == 0:
            out = _outputs(f(*ts))[0]
            if out.requires_grad:
                out.sum().backward()
            continue
        assert ember.autograd.gradcheck(f, ts)
        if gradgrad:
            assert ember.autograd.gradgradcheck(f, ts)


def requires_torch():
    return pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
