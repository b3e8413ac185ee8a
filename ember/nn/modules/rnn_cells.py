"""Recurrent cell math (one time step) and the RNNCell / LSTMCell / GRUCell modules.

The step functions take ``gx``, the input projection ``x W_ih^T + b`` computed beforehand
(for a whole sequence at once in the layer modules), so each step does one matmul.
"""
from __future__ import annotations

import math
from typing import Optional, Tuple

import ember
from ember._tensor import Tensor
from ember.autograd.node import Primitive

from ..parameter import Parameter
from .module import Module

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


def _project(x: Tensor, weight: Tensor, bias: Optional[Tensor]) -> Tensor:
    """x @ weight^T + bias for 2-D or 3-D x (one 2-D GEMM)."""
    lead = tuple(x.shape[:-1])
    if x.ndim != 2:
        x = x.reshape(-1, x.shape[-1])
    out = x.matmul(weight.t()) if bias is None else ember.addmm(bias, x, weight.t())
    return out if len(lead) == 1 else out.reshape(lead + (weight.shape[0],))


def rnn_tanh_step(gx: Tensor, state: tuple, w: dict) -> Tuple[Tensor, tuple]:
    """h' = tanh(gx + h W_hh^T) (gx holds both biases)."""
    h = (gx + state[0].matmul(w["hh_t"])).tanh()
    return h, (h,)


def rnn_relu_step(gx: Tensor, state: tuple, w: dict) -> Tuple[Tensor, tuple]:
    """h' = relu(gx + h W_hh^T) (gx holds both biases)."""
    h = (gx + state[0].matmul(w["hh_t"])).relu()
    return h, (h,)


def lstm_step(gx: Tensor, state: tuple, w: dict) -> Tuple[Tensor, tuple]:
    """One LSTM step, gate order i, f, g, o (gx holds both biases); optional projection."""
    h, c = state
    gates = gx + h.matmul(w["hh_t"])
    n = c.shape[-1]
    ifo = gates[:, :2 * n].sigmoid()
    o = gates[:, 3 * n:].sigmoid()
    g = gates[:, 2 * n:3 * n].tanh()
    c = ifo[:, n:] * c + ifo[:, :n] * g
    h = o * c.tanh()
    if "hr_t" in w:
        h = h.matmul(w["hr_t"])
    return h, (h, c)


class LSTMGates(Primitive, node_name="LSTMGatesBackward0"):
    """Fused LSTM gate math: (gates (B, 4H), [h | c] (B, 2H)) -> [h' | c'] (B, 2H)."""
    save_inputs = True

    def forward(self, gates, hc):
        xp, n = self.xp, hc.shape[1] // 2
        sif = 0.5 * xp.tanh(0.5 * gates[:, :2 * n]) + 0.5  # sigmoid without overflow
        so = 0.5 * xp.tanh(0.5 * gates[:, 3 * n:]) + 0.5
        g = xp.tanh(gates[:, 2 * n:3 * n])
        out = xp.empty_like(hc)
        c = out[:, n:]
        xp.multiply(sif[:, n:], hc[:, n:], out=c)
        c += sif[:, :n] * g
        tc = xp.tanh(c)
        xp.multiply(so, tc, out=out[:, :n])
        self.acts = (sif, g, so, tc)
        return out

    def backward(self, grad):
        if ember.is_grad_enabled():  # create_graph: differentiable formulas
            return self._backward_graph(grad)
        xp, g_hc = self.xp, grad._data
        sif, g, so, tc = self.acts
        n = tc.shape[1]
        hc_prev = self.inputs[1]._data
        gh = g_hc[:, :n]
        gc = g_hc[:, n:] + gh * so * (1.0 - tc * tc)
        dgates = xp.empty((tc.shape[0], 4 * n), dtype=tc.dtype)
        i, f = sif[:, :n], sif[:, n:]
        xp.multiply(gc * g, i * (1.0 - i), out=dgates[:, :n])
        xp.multiply(gc * hc_prev[:, n:], f * (1.0 - f), out=dgates[:, n:2 * n])
        xp.multiply(gc * i, 1.0 - g * g, out=dgates[:, 2 * n:3 * n])
        xp.multiply(gh * tc, so * (1.0 - so), out=dgates[:, 3 * n:])
        dhc = xp.zeros_like(hc_prev)
        xp.multiply(gc, f, out=dhc[:, n:])
        return grad._from_array(dgates), grad._from_array(dhc)

    def _backward_graph(self, grad):
        gates, hc = self.inputs
        n = hc.shape[1] // 2
        i, f, o = (gates[:, k * n:(k + 1) * n].sigmoid() for k in (0, 1, 3))
        g = gates[:, 2 * n:3 * n].tanh()
        c_prev = hc[:, n:]
        tc = (f * c_prev + i * g).tanh()
        gh = grad[:, :n]
        gc = grad[:, n:] + gh * o * (1 - tc * tc)
        dgates = ember.cat([gc * g * i * (1 - i), gc * c_prev * f * (1 - f),
                            gc * i * (1 - g * g), gh * tc * o * (1 - o)], 1)
        return dgates, ember.cat([ember.zeros_like(c_prev), gc * f], 1)


def lstm_fused_step(gx: Tensor, state: tuple, w: dict) -> Tuple[Tensor, tuple]:
    """One LSTM step on the packed state [h | c] (one matmul and one fused gate op)."""
    hc = state[0]
    gates = gx + hc[:, :hc.shape[1] // 2].matmul(w["hh_t"])
    hc = LSTMGates.apply(gates, hc)
    return hc, (hc,)


class GRUGates(Primitive, node_name="GRUGatesBackward0"):
    """Fused GRU gate math: (gx (B, 3H), gh (B, 3H), h (B, H)) -> h' (B, H)."""
    save_inputs = True

    def forward(self, gx, gh, h):
        xp, n = self.xp, h.shape[1]
        rz = 0.5 * xp.tanh(0.5 * (gx[:, :2 * n] + gh[:, :2 * n])) + 0.5
        cand = xp.tanh(gx[:, 2 * n:] + rz[:, :n] * gh[:, 2 * n:])
        self.acts = (rz, cand)
        return cand + rz[:, n:] * (h - cand)

    def backward(self, grad):
        if ember.is_grad_enabled():  # create_graph: differentiable formulas
            return self._backward_graph(grad)
        xp, g = self.xp, grad._data
        rz, cand = self.acts
        _, gh, h = (t._data for t in self.inputs)
        n = h.shape[1]
        r, z = rz[:, :n], rz[:, n:]
        dpre_n = g * (1.0 - z) * (1.0 - cand * cand)
        dgx = xp.empty((h.shape[0], 3 * n), dtype=h.dtype)
        xp.multiply(dpre_n * gh[:, 2 * n:], r * (1.0 - r), out=dgx[:, :n])
        xp.multiply(g * (h - cand), z * (1.0 - z), out=dgx[:, n:2 * n])
        dgx[:, 2 * n:] = dpre_n
        dgh = dgx.copy()
        dgh[:, 2 * n:] *= r
        return (grad._from_array(dgx), grad._from_array(dgh), grad._from_array(g * z))

    def _backward_graph(self, grad):
        gx, gh, h = self.inputs
        n = h.shape[1]
        r = (gx[:, :n] + gh[:, :n]).sigmoid()
        z = (gx[:, n:2 * n] + gh[:, n:2 * n]).sigmoid()
        cand = (gx[:, 2 * n:] + r * gh[:, 2 * n:]).tanh()
        dpre_n = grad * (1 - z) * (1 - cand * cand)
        dr = dpre_n * gh[:, 2 * n:] * r * (1 - r)
        dz = grad * (h - cand) * z * (1 - z)
        return (ember.cat([dr, dz, dpre_n], 1), ember.cat([dr, dz, dpre_n * r], 1), grad * z)


def gru_step(gx: Tensor, state: tuple, w: dict) -> Tuple[Tensor, tuple]:
    """One GRU step, gate order r, z, n; n = tanh(gx_n + r * (h W_hn^T + b_hn))."""
    h = state[0]
    gh = h.matmul(w["hh_t"])
    if w.get("b_hh") is not None:
        gh = gh + w["b_hh"]
    h = GRUGates.apply(gx, gh, h)
    return h, (h,)


STEPS = {"RNN_TANH": rnn_tanh_step, "RNN_RELU": rnn_relu_step, "LSTM": lstm_step,
         "GRU": gru_step}
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def input_bias(mode: str, b_ih: Optional[Tensor], b_hh: Optional[Tensor]) -> Optional[Tensor]:
    """The bias folded into the input projection (GRU keeps b_hh inside the reset gate)."""
    if b_ih is None:
        return None
    return b_ih if mode == "GRU" else b_ih + b_hh


class RNNCellBase(Module):
    """Shared parameters and checks of the single-step recurrent cells."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        kw = dict(device=device, dtype=dtype)
        self.weight_ih = Parameter(ember.empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(ember.empty((num_chunks * hidden_size, hidden_size), **kw))
        if bias:
            self.bias_ih = Parameter(ember.empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(ember.empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        with ember.no_grad():
            for weight in self.parameters():
                weight.uniform_(-stdv, stdv)

    def _prepare(self, input: Tensor, hx, n_states: int):
        """Checks shapes; returns (2-D input, state tuple, was the input unbatched)."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        states = () if hx is None else tuple(hx) if n_states > 1 else (hx,)
        for i, s in enumerate(states):
            if s.ndim not in (1, 2):
                what = f"hx[{i}]" if n_states > 1 else "hidden"
                raise ValueError(f"{name}: Expected {what} to be 1D or 2D, got {s.ndim}D instead")
        if n_states > 1 and isinstance(hx, Tensor):
            raise TypeError("lstm_cell(): argument 'hx' (position 2) must be tuple of Tensors, "
                            "not Tensor")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} "
                               f"expected {self.input_size}")
        unbatched = input.ndim == 1
        if unbatched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = ember.zeros((input.shape[0], self.hidden_size), dtype=input.dtype,
                                device=input.device)
            return input, (zeros,) * n_states, unbatched
        if unbatched:
            states = tuple(s.unsqueeze(0) for s in states)
        for i, s in enumerate(states):
            if s.shape[0] != input.shape[0]:
                raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match "
                                   f"hidden{i} batch size {s.shape[0]}")
            if s.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got "
                                   f"{s.shape[1]}, expected {self.hidden_size}")
        return input, states, unbatched

    def _step(self, mode: str, input: Tensor, hx, n_states: int):
        x, states, unbatched = self._prepare(input, hx, n_states)
        gx = _project(x, self.weight_ih, input_bias(mode, self.bias_ih, self.bias_hh))
        w = {"hh_t": self.weight_hh.t(), "b_hh": self.bias_hh}
        _, new = STEPS[mode](gx, states, w)
        if unbatched:
            new = tuple(s.squeeze(0) for s in new)
        return new if n_states > 1 else new[0]


class RNNCell(RNNCellBase):
    """An Elman RNN cell: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu).

    Args:
        input_size: features of the input x.
        hidden_size: features of the hidden state h.
        bias: whether to use b_ih and b_hh. Default: ``True``.
        nonlinearity: ``'tanh'`` or ``'relu'``. Default: ``'tanh'``.

    Shape:
        input ``(N, H_in)`` or ``(H_in)``, hidden ``(N, H_out)`` -> ``(N, H_out)``.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device,
                         dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tensor:
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return self._step("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU",
                          input, hx, 1)


class LSTMCell(RNNCellBase):
    """A long short-term memory cell (gates i, f, g, o).

    Shape:
        input ``(N, H_in)`` or ``(H_in)``, ``(h, c)`` each ``(N, H)`` -> ``(h', c')``.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device,
                         dtype=dtype)

    def forward(self, input: Tensor, hx: Optional[Tuple[Tensor, Tensor]] = None):
        return self._step("LSTM", input, hx, 2)


class GRUCell(RNNCellBase):
    """A gated recurrent unit cell (gates r, z, n).

    Shape:
        input ``(N, H_in)`` or ``(H_in)``, hidden ``(N, H)`` -> ``(N, H)``.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device,
                         dtype=dtype)

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tensor:
        return self._step("GRU", input, hx, 1)
