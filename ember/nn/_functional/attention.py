"""Attention: scaled_dot_product_attention and multi_head_attention_forward (PyTorch's math)."""
from __future__ import annotations

import math
from typing import Optional, Tuple

import ember
from ember._tensor import Tensor

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _softmax(x: Tensor, dim: int) -> Tensor:
    """Softmax along ``dim`` (nn.functional's fused one when present)."""
    from .. import functional as F
    fn = getattr(F, "softmax", None)
    if fn is not None:
        return fn(x, dim)
    e = (x - x.amax(dim, keepdim=True).detach()).exp()
    return e / e.sum(dim, keepdim=True)


def _safe_softmax(x: Tensor, dim: int) -> Tensor:
    """Softmax whose fully -inf rows come out as zeros instead of NaN."""
    mx = x.amax(dim, keepdim=True).detach()
    mx = ember.where(mx.isinf(), ember.zeros_like(mx), mx)
    e = (x - mx).exp()
    s = e.sum(dim, keepdim=True)
    return e / ember.where(s == 0, ember.ones_like(s), s)


def _dropout(x: Tensor, p: float, training: bool = True) -> Tensor:
    """Inverted dropout (nn.functional's when present)."""
    if not training or p == 0.0:
        return x
    from .. import functional as F
    fn = getattr(F, "dropout", None)
    if fn is not None:
        return fn(x, p, training)
    keep = (ember.rand(x.shape, device=x.device) >= p).to(x.dtype)
    return x * keep / (1.0 - p)


def _linear(x: Tensor, weight: Tensor, bias: Optional[Tensor]) -> Tensor:
    out = x.matmul(weight.t())
    return out if bias is None else out + bias


def _float_mask(mask: Tensor, like: Tensor, allowed_when_true: bool) -> Tensor:
    """A bool mask turned into an additive float mask (0 where attending, -inf elsewhere)."""
    if mask.dtype != ember.bool:
        return mask.to(like.dtype)
    blocked = mask.logical_not() if allowed_when_true else mask
    return ember.zeros(mask.shape, dtype=like.dtype, device=like.device).masked_fill(
        blocked, float("-inf"))


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Optional[Tensor] = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: Optional[float] = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(Q K^T * scale + mask) V, with optional dropout on the attention weights.

    Shape:
        query ``(..., L, E)``, key ``(..., S, E)``, value ``(..., S, Ev)`` -> ``(..., L, Ev)``.
        A bool ``attn_mask`` marks with True the positions that take part in attention;
        a float one is added to the scores.
    """
    _check_sdpa(query, key, value, attn_mask, dropout_p)
    L, S = query.shape[-2], key.shape[-2]
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                           "set when is_causal=True")
    if enable_gqa and query.ndim >= 3 and query.shape[-3] != key.shape[-3]:
        reps = query.shape[-3] // key.shape[-3]
        key, value = _repeat_heads(key, reps), _repeat_heads(value, reps)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = query.matmul(key.transpose(-2, -1)) * scale
    if is_causal:
        causal = ember.ones(L, S, dtype=ember.bool, device=query.device).tril()
        attn_mask = causal
    if attn_mask is not None:
        scores = scores + _float_mask(attn_mask, scores, allowed_when_true=True)
        weights = _safe_softmax(scores, -1)
    else:
        weights = _softmax(scores, -1)
    if dropout_p > 0.0:
        weights = _dropout(weights, dropout_p, True)
    return weights.matmul(value)


def _check_sdpa(query, key, value, attn_mask, dropout_p):
    """PyTorch's checks of scaled_dot_product_attention's arguments."""
    from .linear import _cname
    for pos, (name, t) in enumerate((("query", query), ("key", key), ("value", value)), 1):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' (position "
                            f"{pos}) must be Tensor, not {type(t).__name__}")
    if not (query.dtype is key.dtype and key.dtype is value.dtype):
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got "
                           f"query.dtype: {_cname(query.dtype)} key.dtype: "
                           f"{_cname(key.dtype)} and value.dtype: {_cname(value.dtype)} instead.")
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(f"Expected query, key, and value to all be  at least 2 dimensional, "
                           f"but got query.dim: {query.ndim} key.dim: {key.ndim} and "
                           f"value.dim: {value.ndim} instead.")
    if attn_mask is not None and attn_mask.dtype not in (ember.bool, ember.float32, query.dtype):
        raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query "
                           f"dtype, but got attn_mask.dtype: {_cname(attn_mask.dtype)} and  "
                           f"query.dtype: {_cname(query.dtype)} instead.")
    if dropout_p > 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")


def _repeat_heads(x: Tensor, reps: int) -> Tensor:
    """Each head of ``(..., H, S, E)`` repeated ``reps`` times in place (grouped-query)."""
    shape = tuple(x.shape)
    x = x.unsqueeze(-3).expand(shape[:-2] + (reps,) + shape[-2:])
    return x.reshape(shape[:-3] + (shape[-3] * reps,) + shape[-2:])


def _in_projection(query, key, value, w, b, separate):
    """q, k, v projections, sharing one matmul when the inputs are the same tensor."""
    if separate is not None:
        wq, wk, wv = separate
        e = query.shape[-1]
        for name, w_, x in (("query", wq, query), ("key", wk, key), ("value", wv, value)):
            if tuple(w_.shape) != (e, x.shape[-1]):
                raise AssertionError(f"expecting {name} weights shape of {(e, x.shape[-1])}, "
                                     f"but got {w_.shape}")
        bq, bk, bv = (None, None, None) if b is None else b.chunk(3)
        return _linear(query, wq, bq), _linear(key, wk, bk), _linear(value, wv, bv)
    if query is key and key is value:
        return _linear(query, w, b).chunk(3, dim=-1)
    wq, wk, wv = w.chunk(3)
    bq, bk, bv = (None, None, None) if b is None else b.chunk(3)
    if key is value:
        k, v = _linear(key, ember.cat([wk, wv]), None if b is None else
                       ember.cat([bk, bv])).chunk(2, dim=-1)
        return _linear(query, wq, bq), k, v
    return _linear(query, wq, bq), _linear(key, wk, bk), _linear(value, wv, bv)


def _check_mha_shapes(query, key, value, key_padding_mask, attn_mask, num_heads):
    """PyTorch's AssertionErrors for inputs and masks of the wrong rank or dtype."""
    if query.ndim not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                             f"{query.ndim}-D query tensor")
    nd = query.ndim
    kind = "batched (3-D)" if nd == 3 else "unbatched (2-D)"
    if key.ndim != nd or value.ndim != nd:
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {nd}-D but "
                             f"found {key.ndim}-D and {value.ndim}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.ndim != nd - 1:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or "
                             f"{nd - 1}-D but found {key_padding_mask.ndim}-D tensor instead")
    if attn_mask is not None and attn_mask.ndim not in (2, 3):
        raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or "
                             f"3-D but found {attn_mask.ndim}-D tensor instead")
    if nd == 2 and attn_mask is not None and attn_mask.ndim == 3:
        want = (num_heads, query.shape[0], key.shape[0])
        if tuple(attn_mask.shape) != want:
            raise AssertionError(f"Expected `attn_mask` shape to be {want} but got "
                                 f"{attn_mask.shape}")
    for name, mask in (("key_padding_mask", key_padding_mask), ("attn_mask", attn_mask)):
        if mask is not None and mask.dtype != ember.bool and not mask.dtype.is_floating_point:
            raise AssertionError(f"only bool and floating types of {name} are supported")


def _pad_last(mask: Optional[Tensor]) -> Optional[Tensor]:
    """Append one attending (zero / False) column to a mask."""
    if mask is None:
        return None
    pad = ember.zeros(mask.shape[:-1] + (1,), dtype=mask.dtype, device=mask.device)
    return ember.cat([mask, pad], -1)


def _prepare_attn_mask(attn_mask, q, tgt_len, src_len, bsz, num_heads):
    if attn_mask is None:
        return None
    attn_mask = _float_mask(attn_mask, q, allowed_when_true=False)
    if attn_mask.ndim == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                               f"should be {(tgt_len, src_len)}.")
        return attn_mask.unsqueeze(0)
    if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
        raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should "
                           f"be {(bsz * num_heads, tgt_len, src_len)}.")
    return attn_mask


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Optional[Tensor], in_proj_bias: Optional[Tensor],
        bias_k: Optional[Tensor], bias_v: Optional[Tensor], add_zero_attn: bool,
        dropout_p: float, out_proj_weight: Tensor, out_proj_bias: Optional[Tensor],
        training: bool = True, key_padding_mask: Optional[Tensor] = None,
        need_weights: bool = True, attn_mask: Optional[Tensor] = None,
        use_separate_proj_weight: bool = False, q_proj_weight: Optional[Tensor] = None,
        k_proj_weight: Optional[Tensor] = None, v_proj_weight: Optional[Tensor] = None,
        static_k: Optional[Tensor] = None, static_v: Optional[Tensor] = None,
        average_attn_weights: bool = True,
        is_causal: bool = False) -> Tuple[Tensor, Optional[Tensor]]:
    """Multi-head attention on sequence-first inputs ``(L, N, E)`` (or unbatched ``(L, E)``)."""
    _check_mha_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not use_separate_proj_weight and key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
    if use_separate_proj_weight and key.shape[:-1] != value.shape[:-1]:
        raise AssertionError(f"key's sequence and batch dims {key.shape[:-1]} do not match "
                             f"value's {value.shape[:-1]}")
    unbatched = query.ndim == 2
    if unbatched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, "
                             f"but got {embed_dim}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    head_dim = embed_dim // num_heads
    separate = (q_proj_weight, k_proj_weight, v_proj_weight) if use_separate_proj_weight \
        else None
    q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate)
    attn_mask = _prepare_attn_mask(attn_mask, q, tgt_len, k.shape[0], bsz, num_heads)
    if bias_k is not None and bias_v is not None:
        k = ember.cat([k, bias_k.repeat(1, bsz, 1)])
        v = ember.cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = (k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
         if static_k is None else static_k)
    v = (v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
         if static_v is None else static_v)
    if add_zero_attn:
        zeros = ember.zeros((bsz * num_heads, 1, head_dim), dtype=q.dtype, device=q.device)
        k, v = ember.cat([k, zeros], 1), ember.cat([v, zeros], 1)
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but "
                                 f"got {key_padding_mask.shape}")
        kpm = _float_mask(key_padding_mask, q, allowed_when_true=False)
        kpm = kpm.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len)
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0
    scores = (q * math.sqrt(1.0 / head_dim)).matmul(k.transpose(-2, -1))
    if attn_mask is not None:
        scores = scores + attn_mask
    weights = _softmax(scores, -1) if need_weights else _safe_softmax(scores, -1)
    out = _dropout(weights, dropout_p, True).matmul(v)
    out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = _linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if unbatched:
        out = out.squeeze(1)
    if not need_weights:
        return out, None
    weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
    if average_attn_weights:
        weights = weights.mean(1)
    return out, (weights.squeeze(0) if unbatched else weights)
