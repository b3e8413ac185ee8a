"""Spatial transformers: ``affine_grid`` and ``grid_sample`` (4-D and 5-D inputs).

``grid_sample`` is composed: the sampling weights are differentiable functions of the grid
(so the grid gets its gradient, and double backward, for free); one primitive gathers the
weighted taps of the input, and its adjoint scatters them back with ``bincount``.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..._tensor import Tensor
from ...autograd.node import Primitive
from ...ops.elementwise import where
from ._resample import _cubic_weights

__all__ = ["affine_grid", "grid_sample"]


def _taps_of(xp, x, index):
    """x (N, C, P) gathered at index (N, K, L) -> (N, C, K, L)."""
    n, k, length = index.shape
    flat = index.reshape(n, 1, k * length)
    return xp.take_along_axis(x, flat, axis=2).reshape(x.shape[0], x.shape[1], k, length)


class _TapGather(Primitive, node_name="GatherBackward0"):
    """x (N, C, P) -> x[n, c, index[n, k, l]] of shape (N, C, K, L)."""

    def forward(self, x):
        return _taps_of(self.xp, x, self.index)

    def backward(self, grad):
        return _TapScatter.apply(grad, index=self.index, size=self.size)


class _TapScatter(Primitive, node_name="ScatterAddBackward0"):
    """The adjoint of ``_TapGather``: (N, C, K, L) summed into (N, C, P) at ``index``."""

    def forward(self, g):
        xp, (n, c, k, length), p = self.xp, g.shape, self.size
        rows = xp.arange(n * c, dtype=np.int64).reshape(n, c, 1) * p
        flat = (rows + self.index.reshape(n, 1, k * length)).reshape(-1)
        out = xp.bincount(flat, weights=g.reshape(-1), minlength=n * c * p)
        return out.astype(g.dtype, copy=False).reshape(n, c, p)

    def backward(self, grad):
        return _TapGather.apply(grad, index=self.index, size=self.size)


class _GridSample2d(Primitive, node_name="GridSampler2DBackward0"):
    """out[n, c, l] = sum_k x[n, c, index[n, k, l]] * w[n, k, l], x's spatial dims flattened
    to one of size P; the output takes ``out_shape``."""

    save_inputs = True

    def forward(self, x, w):
        flat = x.reshape(x.shape[0], x.shape[1], int(np.prod(x.shape[2:])))
        return (_taps_of(self.xp, flat, self.index) * w[:, None]).sum(2).reshape(self.out_shape)

    def backward(self, grad):
        x, w = self.inputs
        n, c = x.shape[0], x.shape[1]
        p = int(np.prod(x.shape[2:]))
        grad = grad.reshape(n, c, w.shape[2])
        gx = gw = None
        if self._in_meta[0] is not None:
            gx = _TapScatter.apply(grad.unsqueeze(2) * w.unsqueeze(1), index=self.index,
                                   size=p).reshape(x.shape)
        if self._in_meta[1] is not None:
            taps = _TapGather.apply(x.reshape(n, c, p), index=self.index, size=p)
            gw = (taps * grad.unsqueeze(2)).sum(1)
        return gx, gw


class _GridSample3d(_GridSample2d, node_name="GridSampler3DBackward0"):
    pass


# ---------------------------------------------------------------- coordinates

def _unnormalize(g, n, align_corners, fused=False):
    """[-1, 1] -> pixel coordinates of a dim of size ``n``.

    ``fused``: PyTorch's 2-D CPU kernel computes ``(g + 1) * (n / 2) - 0.5`` with one fused
    multiply-add. Coordinates that land on pixel centres (an identity ``affine_grid``, the
    Spatial Transformer's starting point) then fall a hair below or above the integer, which
    decides the side the bilinear gradient is taken from; the value is reproduced exactly.
    """
    if align_corners:
        return ((g + 1) / 2) * (n - 1)
    if not fused:
        return ((g + 1) * n - 1) / 2
    a = g + 1
    c = a * (n / 2) - 0.5
    arr = a._data
    if arr.dtype == np.float32:  # the float64 product of two float32 values is exact
        exact = (arr.astype(np.float64) * (n / 2) - 0.5).astype(np.float32)
    elif arr.dtype == np.float64:
        from ...ops.creation import _fma64
        exact = _fma64(arr, n / 2, -0.5)
    else:
        return c
    return c + _const(c, exact - c._data)


def _const(like, arr):
    return like._from_array(like._backend.xp.asarray(arr, dtype=like._data.dtype))


def _reflect(c, twice_low, twice_high):
    """Reflect coordinates at the borders (twice the bounds are given, as in PyTorch)."""
    if twice_low == twice_high:
        return c * 0
    xp = c._backend.xp
    lo, span = twice_low / 2, (twice_high - twice_low) / 2
    a = (c - lo).abs()
    with np.errstate(invalid="ignore"):
        flips = xp.floor(a._data / span)
        odd = xp.remainder(flips, 2) == 1
    extra = a - _const(a, flips) * span
    return where(c._from_array(odd), (span + lo) - extra, extra + lo)


def _pad_coords(c, n, padding_mode, align_corners):
    """Map coordinates into the image for 'border' and 'reflection' padding."""
    if padding_mode == "border":
        return c.clamp(0, n - 1)
    if padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (n - 1)) if align_corners else _reflect(c, -1, 2 * n - 1)
        return c.clamp(0, n - 1)
    return c


def _safe_index(xp, f):
    """Float positions -> int64; non-finite or huge ones go to -100 (outside), as PyTorch."""
    with np.errstate(invalid="ignore"):
        bad = ~xp.isfinite(f) | (xp.abs(f) > 2.0 ** 31 - 1)
    return xp.where(bad, -100.0, f).astype(np.int64)


def _dim_taps(c, n, mode, padding_mode, align_corners):
    """Taps of one spatial dim: weights Tensor (N, T, L), index and in-bounds arrays."""
    xp = c._backend.xp
    if mode != "bicubic":
        c = _pad_coords(c, n, padding_mode, align_corners)
    if mode == "nearest":
        base = _safe_index(xp, xp.rint(c._data))
        one = where(c._from_array(xp.isfinite(c._data)), c * 0 + 1, 1.0)  # grid grad: 0
        return one.unsqueeze(1), base[:, None]
    base = _safe_index(xp, xp.floor(c._data))
    t = c - _const(c, base)
    if mode == "bilinear":
        return _stack([1 - t, t]), xp.stack([base, base + 1], axis=1)
    pos = [base + off for off in (-1, 0, 1, 2)]
    if padding_mode != "zeros":
        pos = [_safe_index(xp, _pad_coords(_const(c, p), n, padding_mode, align_corners)._data)
               for p in pos]
    return _stack(list(_cubic_weights(t, -0.75))), xp.stack(pos, axis=1)


def _stack(ts):
    from ...ops.shape import stack
    return stack(ts, 1)


def _sample_plan(grid, sizes, mode, padding_mode, align_corners):
    """Weights (N, K, L) and flat input indices (N, K, L) over all spatial dims."""
    n, nd = grid.shape[0], len(sizes)
    g = grid.reshape(n, int(np.prod(grid.shape[1:-1])), nd)
    w = idx = ok = None
    for d, size in enumerate(sizes):
        c = _unnormalize(g[:, :, nd - 1 - d], size, align_corners, fused=nd == 2)
        wd, pos = _dim_taps(c, size, mode, padding_mode, align_corners)
        xp = c._backend.xp
        inside = (pos >= 0) & (pos < size)
        pos = xp.clip(pos, 0, size - 1)
        if w is None:
            w, idx, ok = wd, pos, inside
            continue
        shape = (n, idx.shape[1] * pos.shape[1], pos.shape[2])
        w = (w.unsqueeze(2) * wd.unsqueeze(1)).reshape(shape)
        idx = (idx[:, :, None] * size + pos[:, None]).reshape(shape)
        ok = (ok[:, :, None] & inside[:, None]).reshape(shape)
    return w * w._from_array(ok.astype(w._data.dtype)), idx  # NaN positions stay NaN


# ---------------------------------------------------------------- public functions

def _linspace_from_neg_one(n, align_corners, dtype):
    """PyTorch's ``linspace(-1, 1, n) * (n - 1) / n`` in ``dtype``, value for value."""
    from ...ops.creation import _linspace_values
    if n <= 1:
        return np.zeros(1, dtype.np)
    r = _linspace_values(-1, 1, n, dtype)
    if align_corners:
        return r
    return (r * dtype.np.type(n - 1)) / dtype.np.type(n)


def _base_grid(spatial, align_corners, dtype):
    """(prod(spatial), D + 1) rows of (x, y[, z], 1) for the output positions."""
    axes = [_linspace_from_neg_one(s, align_corners, dtype) for s in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")  # spatial order: (D,) H, W
    cols = [m.reshape(-1) for m in mesh[::-1]]  # x first
    return np.stack(cols + [np.ones_like(cols[0])], axis=1)


def affine_grid(theta: Tensor, size, align_corners=None) -> Tensor:
    """Sampling grid (N, H, W, 2) (or (N, D, H, W, 3)) of the affine maps ``theta``.

    Args:
        theta: (N, 2, 3) or (N, 3, 4) affine matrices.
        size: the target output size (N, C, H, W) or (N, C, D, H, W).
        align_corners: whether -1 and 1 are the centres (True) or the edges (False,
            the default) of the corner pixels.

    >>> ember.nn.functional.affine_grid(ember.eye(2, 3)[None], (1, 1, 4, 5)).shape
    ember.Size([1, 4, 5, 2])
    """
    align_corners = bool(align_corners) if align_corners is not None else False
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) in (4, 5):
        nd = len(size) - 2
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (nd, nd + 1):
            raise ValueError(f"Expected a batch of {nd}D affine matrices of shape "
                             f"Nx{nd}x{nd + 1} for size {size}. Got {theta.shape}.")
    else:
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    spatial = [int(s) for s in size[2:]]
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      stacklevel=2)
    elif min(int(s) for s in size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{size[0]}, {nd + 1}] but got: [{theta.shape[0]}, {nd + 1}].")
    base = _const(theta, _base_grid(spatial, align_corners, theta.dtype))
    return (base @ theta.transpose(1, 2)).reshape(int(size[0]), *spatial, nd)


def _check_grid_sample(input, grid, mode, padding_mode):
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if input.device != grid.device:
        raise RuntimeError(f"grid_sampler(): expected input and grid to be on same device, but "
                           f"input is on {input.device} and grid is on {grid.device}")
    isz, gsz = list(input.shape), list(grid.shape)
    if input.ndim == 0 or grid.ndim == 0 or isz[0] != gsz[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {isz} and grid with sizes {gsz}")
    if gsz[-1] != input.ndim - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.ndim - 2} in "
                           f"last dimension, but got grid with sizes {gsz}")
    for i in range(2, input.ndim):
        if isz[i] <= 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {isz} with dimension {i} being "
                               f"empty")
    want = 4 if input.ndim == 4 else 5
    if input.ndim != want or grid.ndim != want:
        raise RuntimeError(f"grid_sampler(): expected {want}D input and grid with same number "
                           f"of dimensions, but got input with sizes {isz} and grid with sizes "
                           f"{gsz}")
    if want == 5 and mode == "bicubic":
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if not input.dtype.is_floating_point:
        kernel = "grid_sampler_2d_cpu_kernel_impl" if want == 4 else "grid_sampler3d_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for "
                                  f"'{input.dtype._legacy[:-6]}'")
    if grid.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype._legacy[:-6]} but found "
                           f"{grid.dtype._legacy[:-6]}")


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners=None) -> Tensor:
    """Sample ``input`` at the normalised positions of ``grid`` (x first, in [-1, 1]).

    Args:
        input: (N, C, H, W) or (N, C, D, H, W).
        grid: (N, H_out, W_out, 2) or (N, D_out, H_out, W_out, 3).
        mode: 'bilinear' (trilinear for 5-D), 'nearest' or 'bicubic' (4-D only).
        padding_mode: 'zeros', 'border' or 'reflection' for positions outside the input.
        align_corners: whether -1 and 1 are the centres (True) or the edges (False,
            the default) of the corner pixels.

    Differentiable with respect to both ``input`` and ``grid``.

    >>> x = ember.arange(4.).reshape(1, 1, 2, 2)
    >>> ember.nn.functional.grid_sample(x, ember.zeros(1, 1, 1, 2), align_corners=False)
    tensor([[[[1.5000]]]])
    """
    _check_grid_sample(input, grid, mode, padding_mode)
    align_corners = bool(align_corners) if align_corners is not None else False
    n, c = input.shape[0], input.shape[1]
    sizes = [int(s) for s in input.shape[2:]]
    out_shape = (n, c) + tuple(grid.shape[1:-1])
    w, idx = _sample_plan(grid, sizes, mode, padding_mode, align_corners)
    prim = _GridSample2d if input.ndim == 4 else _GridSample3d
    return prim.apply(input, w, index=idx, out_shape=out_shape)
