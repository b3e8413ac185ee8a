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
    return grad.sum((0, 2)) if grad.ndim == 3 else grad.sum((0, 2, 3))


class Conv(Primitive, node_name="ConvolutionBackward0"):
    """conv(x, w) (+ b); keeps the im2col matrix for the weight gradient."""
    save_inputs = True

    def forward(self, x, w, b=None):
        out, cols = K.conv_forward(self.xp, _4d(x), _4d(w), b, self.geom)
        self._cols = cols
        return out[:, :, 0] if x.ndim == 3 else out

    def _release(self):
        super()._release()
        self._cols = None

    def backward(self, grad):
        x, w = self.inputs[:2]
        gx = ConvInputGrad.apply(grad, w, geom=self.geom, xshape=tuple(x.shape)) \
            if _needs(self, 0) else None
        gw = ConvWeightGrad.apply(x, grad, geom=self.geom, wshape=tuple(w.shape),
                                  cols=self._cols) if _needs(self, 1) else None
        if len(self._in_meta) == 3:
            return gx, gw, (_bias_grad(grad) if _needs(self, 2) else None)
        return gx, gw

    def backward_arrays(self, g):
        x, w = self.saved_arrays[:2]
        g4, w4 = _4d(g), _4d(w)
        gx = K.conv_input_grad(self.xp, g4, w4, _shape4(x.shape), self.geom) \
            .reshape(x.shape) if _needs(self, 0) else None
        gw = K.conv_weight_grad(self.xp, _4d(x), g4, _shape4(w.shape), self.geom, self._cols) \
            .reshape(w.shape) if _needs(self, 1) else None
        if len(self._in_meta) == 3:
            gb = g4.sum(axis=(0, 2, 3)) if _needs(self, 2) else None
            return gx, gw, gb
        return gx, gw


class ConvInputGrad(Primitive, node_name="ConvolutionBackwardBackward0"):
    """The input gradient of conv for output gradient g (conv_transpose when public)."""
    save_inputs = True

    def forward(self, g, w, b=None):
        out = K.conv_input_grad(self.xp, _4d(g), _4d(w), _shape4(self.xshape), self.geom)
        if b is not None:
            out += b.reshape(1, -1, 1, 1)
        return out.reshape(self.xshape)

    def backward(self, grad):
        g, w = self.inputs[:2]
        gg = Conv.apply(grad, w, geom=self.geom) if _needs(self, 0) else None
        gw = ConvWeightGrad.apply(grad, g, geom=self.geom, wshape=tuple(w.shape)) \
            if _needs(self, 1) else None
        if len(self._in_meta) == 3:
            return gg, gw, (_bias_grad(grad) if _needs(self, 2) else None)
        return gg, gw


class ConvTranspose(ConvInputGrad, node_name="ConvolutionBackward0"):
    pass


class ConvWeightGrad(Primitive, node_name="ConvolutionBackwardBackward0"):
    """The weight gradient of conv for input x and output gradient g."""
    save_inputs = True
    cols = None

    def forward(self, x, g):
        cols, self.cols = self.cols, None
        gw = K.conv_weight_grad(self.xp, _4d(x), _4d(g), _shape4(self.wshape), self.geom, cols)
        return gw.reshape(self.wshape)

    def backward(self, grad):
        x, g = self.inputs
        gx = ConvInputGrad.apply(g, grad, geom=self.geom, xshape=tuple(x.shape)) \
            if _needs(self, 0) else None
        gg = Conv.apply(x, grad, geom=self.geom) if _needs(self, 1) else None
        return gx, gg
