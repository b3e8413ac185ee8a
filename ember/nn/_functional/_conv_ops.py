"""Convolution primitives: forward, input gradient and weight gradient, each the other's adjoint.

The three ops close under differentiation, so conv2d gradients of any order are convolutions:
d(conv)/dx = ConvInputGrad, d(conv)/dw = ConvWeightGrad, and so on. 1-D convolutions run as
2-D ones with a unit height (the arrays are reshaped inside the ops).
"""
from __future__ import annotations

from ..._backend import conv_kernels as K
from ...autograd.node import Primitive


def _4d(a):
    return a[:, :, None] if a.ndim == 3 else a


def _shape4(shape):
    return (shape[0], shape[1], 1, shape[2]) if len(shape) == 3 else tuple(shape)


def _needs(node, i):
    return len(node._in_meta) > i and node._in_meta[i] is not None


def _bias_grad(grad):
    return grad.sum((0,) + tuple(range(2, grad.ndim)))


def _channels(b, ndim):
    """A bias vector shaped to broadcast over (N, C, *spatial) of ``ndim`` dims."""
    return b.reshape((1, -1) + (1,) * (ndim - 2))


class Conv(Primitive, node_name="ConvolutionBackward0"):
    """conv(x, w) (+ b); keeps the im2col matrix for the weight gradient.

    ``kernels`` is the backend kernel module (2-D here; conv3d's subclasses swap in the 3-D
    one), and ``input_grad`` / ``weight_grad`` are the sibling primitives it differentiates
    into (see ``link``).
    """
    save_inputs = True
    kernels = K

    def forward(self, x, w, b=None):
        out, cols = self.kernels.conv_forward(self.xp, _4d(x), _4d(w), b, self.geom)
        self._cols = cols
        return out[:, :, 0] if x.ndim == 3 else out

    def _release(self):
        super()._release()
        self._cols = None

    def backward(self, grad):
        x, w = self.inputs[:2]
        gx = self.input_grad.apply(grad, w, geom=self.geom, xshape=tuple(x.shape)) \
            if _needs(self, 0) else None
        gw = self.weight_grad.apply(x, grad, geom=self.geom, wshape=tuple(w.shape),
                                    cols=self._cols) if _needs(self, 1) else None
        if len(self._in_meta) == 3:
            return gx, gw, (_bias_grad(grad) if _needs(self, 2) else None)
        return gx, gw

    def backward_arrays(self, g):
        x, w = self.saved_arrays[:2]
        g4, w4, k = _4d(g), _4d(w), self.kernels
        gx = k.conv_input_grad(self.xp, g4, w4, _shape4(x.shape), self.geom) \
            .reshape(x.shape) if _needs(self, 0) else None
        gw = k.conv_weight_grad(self.xp, _4d(x), g4, _shape4(w.shape), self.geom, self._cols) \
            .reshape(w.shape) if _needs(self, 1) else None
        if len(self._in_meta) == 3:
            gb = k.bias_grad(self.xp, g4) if _needs(self, 2) else None
            return gx, gw, gb
        return gx, gw


class ConvInputGrad(Primitive, node_name="ConvolutionBackwardBackward0"):
    """The input gradient of conv for output gradient g (conv_transpose when public)."""
    save_inputs = True
    kernels = K

    def forward(self, g, w, b=None):
        out = self.kernels.conv_input_grad(self.xp, _4d(g), _4d(w), _shape4(self.xshape),
                                           self.geom)
        if b is not None:
            out += _channels(b, out.ndim)
        return out.reshape(self.xshape)

    def backward(self, grad):
        g, w = self.inputs[:2]
        gg = self.conv.apply(grad, w, geom=self.geom) if _needs(self, 0) else None
        gw = self.weight_grad.apply(grad, g, geom=self.geom, wshape=tuple(w.shape)) \
            if _needs(self, 1) else None
        if len(self._in_meta) == 3:
            return gg, gw, (_bias_grad(grad) if _needs(self, 2) else None)
        return gg, gw


class ConvTranspose(ConvInputGrad, node_name="ConvolutionBackward0"):
    pass


class ConvWeightGrad(Primitive, node_name="ConvolutionBackwardBackward0"):
    """The weight gradient of conv for input x and output gradient g."""
    save_inputs = True
    kernels = K
    cols = None

    def forward(self, x, g):
        cols, self.cols = self.cols, None
        gw = self.kernels.conv_weight_grad(self.xp, _4d(x), _4d(g), _shape4(self.wshape),
                                           self.geom, cols)
        return gw.reshape(self.wshape)

    def backward(self, grad):
        x, g = self.inputs
        gx = self.input_grad.apply(g, grad, geom=self.geom, xshape=tuple(x.shape)) \
            if _needs(self, 0) else None
        gg = self.conv.apply(x, grad, geom=self.geom) if _needs(self, 1) else None
        return gx, gg


def link(conv, input_grad, weight_grad, kernels):
    """Make three primitive classes one closed family over ``kernels``: each differentiates
    into the others (the transposed conv subclasses ``input_grad`` and inherits the links)."""
    for cls in (conv, input_grad, weight_grad):
        cls.conv, cls.input_grad, cls.weight_grad = conv, input_grad, weight_grad
        cls.kernels = kernels


link(Conv, ConvInputGrad, ConvWeightGrad, K)
