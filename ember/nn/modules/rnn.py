"""Multi-layer recurrent networks: RNN, LSTM, GRU (PyTorch's parameter layout and API)."""
from __future__ import annotations

import math
import numbers
import warnings
from typing import List, Optional

import ember
from ember._tensor import Tensor

from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module
from .rnn_cells import GATES, STEPS, GRUCell, LSTMCell, RNNCell, RNNCellBase, _project, \
    input_bias, lstm_fused_step

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


def _check_positive_int(value, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be greater than zero")


def _run_direction(step, gx: Tensor, sizes: List[int], offsets: Optional[List[int]],
                   h0: tuple, w: dict, reverse: bool):
    """Runs one direction of one layer over all steps.

    ``gx`` is ``(T, B, G)`` (offsets None) or packed ``(sum(sizes), G)``; returns the
    outputs (same layout) and the final state tuple over the full batch.
    """
    steps = len(sizes)
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    full = sizes[0]
    cur = sizes[-1] if reverse else full
    state = tuple(s[:cur] for s in h0) if cur < full else h0
    outs, finished = [], []
    for t in order:
        bs = sizes[t]
        if bs < cur:  # forward: the shortest sequences end here
            finished.append(tuple(s[bs:cur] for s in state))
            state = tuple(s[:bs] for s in state)
        elif bs > cur:  # reverse: longer sequences start here
            state = tuple(ember.cat([s, s0[cur:bs]]) for s, s0 in zip(state, h0))
        cur = bs
        x_t = gx[t] if offsets is None else gx[offsets[t]:offsets[t] + bs]
        out, state = step(x_t, state, w)
        outs.append(out)
    if reverse:
        outs.reverse()
    if finished:
        state = tuple(ember.cat([s] + [f[i] for f in reversed(finished)])
                      for i, s in enumerate(state))
    output = ember.stack(outs) if offsets is None else ember.cat(outs)
    return output, state


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU: parameters, checks and the layer loop."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        self._check_args(mode, hidden_size, num_layers, dropout, proj_size)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        self._flat_weights_names: List[str] = []
        self._all_weights: List[List[str]] = []
        self._make_parameters(GATES[mode] * hidden_size, dict(device=device, dtype=dtype))
        self.reset_parameters()

    @staticmethod
    def _check_args(mode, hidden_size, num_layers, dropout, proj_size) -> None:
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        _check_positive_int(hidden_size, "hidden_size")
        _check_positive_int(num_layers, "num_layers")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")

    def _make_parameters(self, gate_size: int, kw: dict) -> None:
        real_hidden = self.proj_size or self.hidden_size
        for layer in range(self.num_layers):
            for suffix in ("", "_reverse")[:self._num_directions]:
                layer_in = self.input_size if layer == 0 else real_hidden * self._num_directions
                shapes = [("weight_ih", (gate_size, layer_in)),
                          ("weight_hh", (gate_size, real_hidden))]
                if self.bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if self.proj_size:
                    shapes += [("weight_hr", (self.proj_size, self.hidden_size))]
                names = []
                for base, shape in shapes:
                    name = f"{base}_l{layer}{suffix}"
                    setattr(self, name, Parameter(ember.empty(shape, **kw)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)

    @property
    def _num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def _flat_weights(self) -> List[Tensor]:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> List[List[Parameter]]:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """No-op (there is no cuDNN weight buffer to compact)."""

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        with ember.no_grad():
            for weight in self.parameters():
                weight.uniform_(-stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ---- forward ----
    @property
    def _n_states(self) -> int:
        return 2 if self.mode == "LSTM" else 1

    def _check_input(self, input: Tensor, batched_dims: Optional[int]) -> None:
        if batched_dims is not None and input.ndim not in (2, 3):
            kind = " tensor" if type(self).__name__ == "RNN" else ""  # PyTorch's wording
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got "
                             f"{input.ndim}D{kind} instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")
        wdt = self.weight_ih_l0.dtype
        if input.dtype != wdt:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({wdt}). Convert input: input.to({wdt}), or convert model: "
                             f"model.to({input.dtype})")

    def _check_hidden(self, states: tuple, batch: int) -> None:
        real = self.proj_size or self.hidden_size
        expected = [(self.num_layers * self._num_directions, batch, real),
                    (self.num_layers * self._num_directions, batch, self.hidden_size)]
        for i, s in enumerate(states):
            if tuple(s.shape) != expected[i]:
                what = f"hidden[{i}] size" if self._n_states == 2 else "hidden size"
                raise RuntimeError(f"Expected {what} {expected[i]}, got {list(s.shape)}")

    def _hidden_dims_error(self, hx, batched: bool) -> None:
        kind = ("batched 3-D", 3) if batched else ("unbatched 2-D", 2)
        states = tuple(hx) if self._n_states == 2 else (hx,)
        if all(s.ndim == kind[1] for s in states):
            return
        if self._n_states == 2:
            dims = ", ".join(f"{s.ndim}-D" for s in states)
            raise RuntimeError(f"For {kind[0]} input, hx and cx should also be {kind[1]}-D but "
                               f"got ({dims}) tensors")
        raise RuntimeError(f"For {kind[0]} input, hx should also be {kind[1]}-D but got "
                           f"{hx.ndim}-D tensor")

    def _initial_states(self, hx, batch: int, ref: Tensor) -> tuple:
        if hx is None:
            layers = self.num_layers * self._num_directions
            dims = [self.proj_size or self.hidden_size, self.hidden_size][:self._n_states]
            return tuple(ember.zeros((layers, batch, d), dtype=ref.dtype, device=ref.device)
                         for d in dims)
        return tuple(hx) if self._n_states == 2 else (hx,)

    def forward(self, input, hx=None):
        """Runs the network; returns ``(output, h_n)`` (LSTM: ``(output, (h_n, c_n))``)."""
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        self._check_input(input, 3)
        batched = input.ndim == 3
        if hx is not None:
            self._hidden_dims_error(hx, batched)
        if not batched:
            input = input.unsqueeze(1)
            if hx is not None:
                hx = tuple(s.unsqueeze(1) for s in hx) if self._n_states == 2 \
                    else hx.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        steps, batch = input.shape[0], input.shape[1]
        states = self._initial_states(hx, batch, input)
        self._check_hidden(states, batch)
        output, finals = self._layers(input, [batch] * steps, None, states)
        if not batched:
            output = output.squeeze(1)
            finals = tuple(s.squeeze(1) for s in finals)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, (finals if self._n_states == 2 else finals[0])

    def _forward_packed(self, packed: PackedSequence, hx):
        self._check_input(packed.data, None)
        sizes = [int(b) for b in packed.batch_sizes.tolist()]
        offsets = [0]
        for b in sizes[:-1]:
            offsets.append(offsets[-1] + b)
        states = self._initial_states(hx, sizes[0], packed.data)
        if hx is not None and packed.sorted_indices is not None:
            states = tuple(s.index_select(1, packed.sorted_indices) for s in states)
        self._check_hidden(states, sizes[0])
        output, finals = self._layers(packed.data, sizes, offsets, states)
        if packed.unsorted_indices is not None:
            finals = tuple(s.index_select(1, packed.unsorted_indices) for s in finals)
        out = PackedSequence(output, packed.batch_sizes, packed.sorted_indices,
                             packed.unsorted_indices)
        return out, (finals if self._n_states == 2 else finals[0])

    def _layer_weights(self, index: int) -> tuple:
        names = self._all_weights[index]
        params = [getattr(self, n) for n in names]
        w_ih, w_hh = params[0], params[1]
        b_ih, b_hh = (params[2], params[3]) if self.bias else (None, None)
        w = {"hh_t": w_hh.t(), "b_hh": b_hh}
        if self.proj_size:
            w["hr_t"] = params[-1].t()
        return w_ih, input_bias(self.mode, b_ih, b_hh), w

    def _layers(self, x: Tensor, sizes, offsets, states: tuple):
        """All layers and directions; returns (output, final state tuple)."""
        fused = self.mode == "LSTM" and not self.proj_size
        step = lstm_fused_step if fused else STEPS[self.mode]
        finals = [[] for _ in states]
        dirs = self._num_directions
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                idx = layer * dirs + d
                w_ih, b, w = self._layer_weights(idx)
                gx = _project(x, w_ih, b)
                h0 = tuple(s[idx] for s in states)
                if fused:
                    h0 = (ember.cat(h0, -1),)
                out, fin = _run_direction(step, gx, sizes, offsets, h0, w, reverse=d == 1)
                if fused:
                    n = self.hidden_size
                    out, fin = out[..., :n], (fin[0][:, :n], fin[0][:, n:])
                outs.append(out)
                for lst, f in zip(finals, fin):
                    lst.append(f)
            x = outs[0] if dirs == 1 else ember.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout)
        return x, tuple(ember.stack(lst) for lst in finals)


def _dropout(x: Tensor, p: float) -> Tensor:
    from .._functional.attention import _dropout as dropout
    return dropout(x, p, True)


class RNN(RNNBase):
    """A multi-layer Elman RNN with tanh or ReLU non-linearity.

    Args:
        input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
        batch_first=False, dropout=0.0, bidirectional=False.

    Shape:
        input ``(L, N, H_in)`` (``(N, L, H_in)`` if batch_first, ``(L, H_in)`` unbatched) or a
        PackedSequence; h_0 ``(D * num_layers, N, H_out)`` -> output, h_n.
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        args = list(args)
        if len(args) > 3:
            nonlinearity = args.pop(3)
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        modes = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}
        if nonlinearity not in modes:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' "
                             "or 'relu'.")
        super().__init__(modes[nonlinearity], *args, **kwargs)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """A multi-layer long short-term memory network (optional projections, proj_size).

    Shape:
        input ``(L, N, H_in)`` (``(N, L, H_in)`` if batch_first, ``(L, H_in)`` unbatched) or a
        PackedSequence; (h_0, c_0) -> output, (h_n, c_n).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """A multi-layer gated recurrent unit network.

    Shape:
        input ``(L, N, H_in)`` (``(N, L, H_in)`` if batch_first, ``(L, H_in)`` unbatched) or a
        PackedSequence; h_0 -> output, h_n.
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)
