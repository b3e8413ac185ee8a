"""MultiheadAttention (PyTorch's parameter names, masks and outputs); the Transformer family."""
from __future__ import annotations

import math
from typing import Optional, Tuple

import ember
from ember._tensor import Tensor

from .._functional.attention import multi_head_attention_forward
from ..parameter import Parameter
from .linear import Linear
from .module import Module

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear", "Transformer",
           "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
           "TransformerDecoderLayer"]


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear layer under another name (PyTorch uses it for MultiheadAttention.out_proj)."""


def _xavier_uniform(t: Tensor) -> None:
    fan_out, fan_in = t.shape[0], t.shape[1]
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    t.uniform_(-bound, bound)


def _xavier_normal(t: Tensor) -> None:
    receptive = math.prod(t.shape[2:])
    std = math.sqrt(2.0 / (t.shape[0] * receptive + t.shape[1] * receptive))
    t.normal_(0.0, std)


class MultiheadAttention(Module):
    """Attention over ``num_heads`` parallel heads of dimension ``embed_dim // num_heads``.

    Args:
        embed_dim: model dimension. num_heads: number of heads. dropout: on the attention
        weights. bias: in/out projection biases. add_bias_kv: learned bias rows appended to
        key and value. add_zero_attn: a zero row appended to key and value. kdim, vdim:
        feature sizes of key and value (default embed_dim). batch_first: ``(N, L, E)`` inputs.

    Shape:
        query ``(L, N, E)`` (``(N, L, E)`` if batch_first; ``(L, E)`` unbatched), key/value
        ``(S, N, E_k/E_v)`` -> ``(output (L, N, E), weights (N, L, S) or None)``.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: Optional[int] = None, vdim: Optional[int] = None,
                 batch_first: bool = False, device=None, dtype=None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(ember.empty((3 * embed_dim, embed_dim), **kw))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(ember.empty((embed_dim, embed_dim), **kw))
            self.k_proj_weight = Parameter(ember.empty((embed_dim, self.kdim), **kw))
            self.v_proj_weight = Parameter(ember.empty((embed_dim, self.vdim), **kw))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(ember.empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(ember.empty((1, 1, embed_dim), **kw))
            self.bias_v = Parameter(ember.empty((1, 1, embed_dim), **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        with ember.no_grad():
            if self._qkv_same_embed_dim:
                _xavier_uniform(self.in_proj_weight)
            else:
                for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                    _xavier_uniform(w)
            if self.in_proj_bias is not None:
                self.in_proj_bias.zero_()
                self.out_proj.bias.zero_()
            if self.bias_k is not None:
                _xavier_normal(self.bias_k)
                _xavier_normal(self.bias_v)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Optional[Tensor] = None, need_weights: bool = True,
                attn_mask: Optional[Tensor] = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> Tuple[Tensor, Optional[Tensor]]:
        """Attends ``query`` over ``key``/``value``; returns (output, averaged weights or None).

        A bool ``key_padding_mask`` ``(N, S)`` or ``attn_mask`` ``(L, S)`` /
        ``(N * num_heads, L, S)`` marks with True the positions NOT to attend; float masks
        are added to the attention scores.
        """
        batched = query.ndim == 3
        if self.batch_first and batched:
            query, key, value = _seq_first(query, key, value)
        separate = not self._qkv_same_embed_dim
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=separate, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and batched:
            out = out.transpose(1, 0)
        return out, weights


def _seq_first(query: Tensor, key: Tensor, value: Tensor):
    """Batch-first inputs swapped to sequence-first, keeping shared inputs shared."""
    if key is value:
        if query is key:
            query = key = value = query.transpose(1, 0)
            return query, key, value
        query, key = query.transpose(1, 0), key.transpose(1, 0)
        return query, key, key
    return query.transpose(1, 0), key.transpose(1, 0), value.transpose(1, 0)


from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,  # noqa: E402
                          TransformerEncoder, TransformerEncoderLayer)
