"""``F.linear`` (one fused primitive: addmm) and ``F.bilinear``."""
from __future__ import annotations

from ..._tensor import Tensor
from ...amp import _policy as _amp
from ...autograd.node import Primitive
from ...ops.linalg import as_dtype_of

__all__ = ["linear", "bilinear"]


class _Addmm(Primitive, node_name="AddmmBackward0"):
    """``b + x @ wt`` for a 2-D ``x``, with PyTorch's input order (bias, input, weight.t())."""
    save_inputs = True

    def _needed_inputs(self):
        return (False, self._in_meta[2] is not None, self._in_meta[1] is not None)

    def forward(self, b, x, wt):
        out = x @ wt
        out += b
        return as_dtype_of(out, x)

    def backward(self, grad):
        _, x, wt = self.inputs
        gx = grad @ wt.mT if self._in_meta[1] else None
        gw = x.mT @ grad if self._in_meta[2] else None
        return grad, gx, gw  # the engine sums grad over the batch for the bias

    def backward_arrays(self, g):
        _, x, wt = self.inputs
        gx = g @ wt._data.T if self._in_meta[1] else None
        gw = x._data.T @ g if self._in_meta[2] else None
        return g, gx, gw


class _Mm(Primitive, node_name="MmBackward0"):
    """``x @ wt`` for a 2-D ``x`` (a linear layer without bias)."""
    save_inputs = True

    def _needed_inputs(self):
        return (self._in_meta[1] is not None, self._in_meta[0] is not None)

    def forward(self, x, wt):
        return as_dtype_of(x @ wt, x)

    def backward(self, grad):
        x, wt = self.inputs
        gx = grad @ wt.mT if self._in_meta[0] else None
        gw = x.mT @ grad if self._in_meta[1] else None
        return gx, gw

    def backward_arrays(self, g):
        x, wt = self.inputs
        gx = g @ wt._data.T if self._in_meta[0] else None
        gw = x._data.T @ g if self._in_meta[1] else None
        return gx, gw


_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int", "int16": "short int",
            "int8": "signed char", "uint8": "unsigned char"}


def _cname(dt):
    return _C_NAMES.get(dt.name, dt.name)


def _check(input, weight, bias):
    if not isinstance(input, Tensor):
        raise TypeError(f"linear(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    ws, xs = weight._data.shape, input._data.shape
    if len(ws) != 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{weight.dim()}D" if weight.dim() > 2 else
                           "mat2 must be a matrix, got 1-D tensor")
    if not xs:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D "
                           "and 2D")
    if input.dtype is not weight.dtype:
        if bias is not None:
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                               f"{input.dtype._legacy[:-6]} and {weight.dtype._legacy[:-6]}")
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_cname(input.dtype)} != {_cname(weight.dtype)}")
    k = xs[-1]
    if k != ws[1]:
        rows = input.numel() // k if k else 0
        if input.dim() == 1:
            rows = 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and "
                           f"{weight.shape[1]}x{weight.shape[0]})")


def _bias_mismatch(input, weight, bias, rows):
    """PyTorch's answer to a bias that does not fit the output: an error, or a broadcast add."""
    target = [rows, weight.shape[0]]
    if bias.ndim <= 2:
        for i in range(1, bias.ndim + 1):
            if bias.shape[-i] not in (1, target[-i]):
                raise RuntimeError(
                    f"The expanded size of the tensor ({target[-i]}) must match the existing "
                    f"size ({bias.shape[-i]}) at non-singleton dimension {2 - i}.  Target sizes: "
                    f"{target}.  Tensor sizes: {list(bias.shape)}")
    return linear(input, weight) + bias


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y = x A^T + b`` over the last dimension of ``input``.

    Shape: input ``(*, in)``, weight ``(out, in)``, bias ``(out)``, output ``(*, out)``.
    """
    if _amp.active and (r := _amp.run("linear", linear, input, weight, bias)) is not None:
        return r
    _check(input, weight, bias)
    nd = input._data.ndim
    x = input if nd == 2 else input.reshape(-1, input._data.shape[-1])
    if bias is None:
        out = _Mm.apply(x, weight.t())
    else:
        if bias.dtype is not input.dtype:
            bias = bias.to(input.dtype)
        try:
            out = _Addmm.apply(bias, x, weight.t())
        except ValueError:  # the bias does not fit (rows, out)
            return _bias_mismatch(input, weight, bias, x.shape[0])
    if nd != 2:
        out = out.view(*input._data.shape[:-1], weight._data.shape[0])
    return out


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """``y = x1^T A x2 + b``; weight ``(out, in1, in2)``, inputs ``(*, in1)``, ``(*, in2)``."""
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and "
                           f"{input2.ndim}")
    for d, (a, b) in enumerate(zip(input1.shape[:-1], input2.shape[:-1])):
        if a != b:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {d}: "
                               f"got {a} and {b}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {weight.shape[2]}")
    from ...ops.linalg import einsum
    # two contractions, as PyTorch's: under autocast each runs lowered, and the product comes
    # back in the inputs' dtype
    out = einsum("...oj,...j->...o", einsum("...i,oij->...oj", input1, weight), input2)
    if _amp.active and out.dtype is not input1.dtype:
        out = out.to(input1.dtype)
    return out if bias is None else out + bias
