"""scaled_dot_product_attention, MultiheadAttention and the Transformer layers vs PyTorch."""
from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def _both(shape, grad=False):
    arr = RNG.standard_normal(shape)
    return (torch.from_numpy(arr.copy()).requires_grad_(grad),
            ember.from_numpy(arr.copy()).requires_grad_(grad))


def _close(t, e, tol=1e-10):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


def _pair(cls, *args, **kwargs):
    tm = cls[0](*args, **kwargs).double()
    em = cls[1](*args, **kwargs).double()
    tsd = tm.state_dict()
    esd = em.state_dict()
    assert list(esd) == list(tsd)
    em.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in tsd.items()})
    return tm, em


def _grads_match(tm, em, tout, eout, inputs=()):
    w = RNG.standard_normal(tuple(tout.shape))
    (tout * torch.from_numpy(w)).sum().backward()
    (eout * ember.from_numpy(w)).sum().backward()
    for (n, tp), (en, ep) in zip(tm.named_parameters(), em.named_parameters()):
        assert n == en
        _close(tp.grad, ep.grad)
    for t, e in inputs:
        _close(t.grad, e.grad)


# ---- scaled_dot_product_attention ----
@pytest.mark.parametrize("kind", ["none", "bool", "float", "causal", "scale", "full_mask"])
def test_sdpa_parity(kind):
    tq, eq = _both((2, 3, 4, 5), True)
    tk, ek = _both((2, 3, 6, 5), True)
    tv, ev = _both((2, 3, 6, 7), True)
    kw_t, kw_e = {}, {}
    if kind in ("bool", "full_mask"):
        m = RNG.random((4, 6)) > 0.3
        m[:, 0] = True
        if kind == "full_mask":
            m[1] = False
        kw_t["attn_mask"], kw_e["attn_mask"] = torch.from_numpy(m), ember.from_numpy(m)
    elif kind == "float":
        m = RNG.standard_normal((3, 4, 6))
        kw_t["attn_mask"], kw_e["attn_mask"] = torch.from_numpy(m), ember.from_numpy(m)
    elif kind == "causal":
        kw_t["is_causal"] = kw_e["is_causal"] = True
    elif kind == "scale":
        kw_t["scale"] = kw_e["scale"] = 0.3
    a = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, **kw_t)
    b = F.scaled_dot_product_attention(eq, ek, ev, **kw_e)
    _close(a, b)
    w = RNG.standard_normal(tuple(a.shape))
    (a * torch.from_numpy(w)).sum().backward()
    (b * ember.from_numpy(w)).sum().backward()
    for t, e in ((tq, eq), (tk, ek), (tv, ev)):
        _close(t.grad, e.grad)


def test_sdpa_gradcheck_and_errors():
    q, k, v = (ember.from_numpy(RNG.standard_normal(s)).requires_grad_(True)
               for s in ((2, 3, 4), (2, 5, 4), (2, 5, 3)))
    mask = ember.from_numpy(RNG.standard_normal((3, 5)))
    fn = (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask))
    assert ember.autograd.gradcheck(fn, (q, k, v))
    assert ember.autograd.gradgradcheck(fn, (q, k, v))
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when "
                                           "is_causal=True"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=True)


def test_sdpa_dropout_trains_only_with_p():
    q, k, v = (ember.randn(2, 4, 8) for _ in range(3))
    base = F.scaled_dot_product_attention(q, k, v).numpy()
    ember.manual_seed(0)
    dropped = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy()
    assert not np.allclose(base, dropped)


# ---- MultiheadAttention ----
MHA = (torch.nn.MultiheadAttention, nn.MultiheadAttention)


@pytest.mark.parametrize("kwargs", [
    dict(), dict(batch_first=True), dict(bias=False), dict(kdim=5, vdim=3),
    dict(add_bias_kv=True, add_zero_attn=True),
])
@pytest.mark.parametrize("self_attn", [True, False])
def test_mha_parity(kwargs, self_attn):
    tm, em = _pair(MHA, 8, 2, **kwargs)
    seq = (2, 4) if kwargs.get("batch_first") else (4, 2)
    tq, eq = _both(seq + (8,), True)
    if self_attn and "kdim" not in kwargs:
        tk = tv = tq
        ek = ev = eq
    else:
        src = (2, 6) if kwargs.get("batch_first") else (6, 2)
        tk, ek = _both(src + (kwargs.get("kdim", 8),), True)
        tv, ev = _both(src + (kwargs.get("vdim", 8),), True)
    tout, tw = tm(tq, tk, tv)
    eout, ew = em(eq, ek, ev)
    _close(tout, eout)
    _close(tw, ew)
    _grads_match(tm, em, tout, eout, [(tq, eq)])


@pytest.mark.parametrize("mask_kind", ["bool", "float"])
def test_mha_masks(mask_kind):
    tm, em = _pair(MHA, 8, 4)
    tq, eq = _both((5, 3, 8), True)
    causal = np.triu(np.ones((5, 5), dtype=bool), 1)
    kpm = np.zeros((3, 5), dtype=bool)
    kpm[1, 3:] = True
    if mask_kind == "float":
        causal = np.where(causal, -np.inf, 0.0)
        kpm = np.where(kpm, -np.inf, 0.0)
    targs = dict(attn_mask=torch.from_numpy(causal), key_padding_mask=torch.from_numpy(kpm))
    eargs = dict(attn_mask=ember.from_numpy(causal), key_padding_mask=ember.from_numpy(kpm))
    for extra in (dict(), dict(average_attn_weights=False), dict(need_weights=False)):
        tout, tw = tm(tq, tq, tq, **targs, **extra)
        eout, ew = em(eq, eq, eq, **eargs, **extra)
        _close(tout, eout)
        assert (tw is None) == (ew is None)
        if tw is not None:
            assert tuple(tw.shape) == tuple(ew.shape)
            _close(tw, ew)
    _grads_match(tm, em, tout, eout, [(tq, eq)])


def test_mha_3d_mask_and_unbatched():
    tm, em = _pair(MHA, 6, 3)
    m = RNG.standard_normal((2 * 3, 4, 4))
    tq, eq = _both((4, 2, 6))
    _close(tm(tq, tq, tq, attn_mask=torch.from_numpy(m))[0],
           em(eq, eq, eq, attn_mask=ember.from_numpy(m))[0])
    tq1, eq1 = _both((4, 6))
    tout, tw = tm(tq1, tq1, tq1)
    eout, ew = em(eq1, eq1, eq1)
    assert tuple(eout.shape) == (4, 6) and tuple(ew.shape) == (4, 4)
    _close(tout, eout)
    _close(tw, ew)


def test_mha_repr_params_and_errors():
    for kw in (dict(), dict(kdim=5, vdim=6, add_bias_kv=True, bias=False)):
        tm, em = torch.nn.MultiheadAttention(8, 2, **kw), nn.MultiheadAttention(8, 2, **kw)
        assert repr(em) == repr(tm)
        assert [(n, tuple(p.shape)) for n, p in em.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in tm.named_parameters()]
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(8, 3)
    m = nn.MultiheadAttention(8, 2)
    q = ember.randn(3, 2, 8)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is .*\[3, 4\]"):
        m(q, q, q, attn_mask=ember.zeros(3, 4))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        m(q, q, q, is_causal=True)
    w = m.in_proj_weight.detach().numpy()
    bound = np.sqrt(6 / (8 + 24))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.all(m.in_proj_bias.detach().numpy() == 0)


# ---- Transformer layers ----
ENC = (torch.nn.TransformerEncoderLayer, nn.TransformerEncoderLayer)
DEC = (torch.nn.TransformerDecoderLayer, nn.TransformerDecoderLayer)


@pytest.mark.parametrize("kwargs", [
    dict(), dict(norm_first=True, activation="gelu"), dict(batch_first=True, bias=False),
])
def test_encoder_layer_parity(kwargs):
    tm, em = _pair(ENC, 8, 2, 16, **kwargs)
    tm.eval()
    em.eval()
    assert repr(em) == repr(tm)
    tx, ex = _both((3, 4, 8), True)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(4 if kwargs.get(
        "batch_first") else 3).double()
    emask = ember.from_numpy(mask.numpy().copy())
    tout, eout = tm(tx, src_mask=mask), em(ex, src_mask=emask)
    _close(tout, eout)
    _grads_match(tm, em, tout, eout, [(tx, ex)])


def test_encoder_stack_eval_with_padding_mask():
    tl, el = _pair(ENC, 8, 2, 16, batch_first=True)
    tenc = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(8),
                                       enable_nested_tensor=False).double()
    eenc = nn.TransformerEncoder(el, 2, norm=nn.modules.transformer._layer_norm(8, 1e-5, True,
                                                                                {}),
                                 enable_nested_tensor=False).double()
    eenc.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy())
                          for k, v in tenc.state_dict().items()})
    assert repr(eenc) == repr(tenc)
    tenc.eval()
    eenc.eval()
    tx, ex = _both((2, 5, 8))
    kpm = np.zeros((2, 5), dtype=bool)
    kpm[0, 3:] = True
    _close(tenc(tx, src_key_padding_mask=torch.from_numpy(kpm)),
           eenc(ex, src_key_padding_mask=ember.from_numpy(kpm)))


def test_decoder_and_transformer_parity():
    tm, em = _pair(DEC, 8, 2, 16, norm_first=True)
    tm.eval()
    em.eval()
    tt, et = _both((4, 2, 8), True)
    tmem, emem = _both((5, 2, 8), True)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(4).double()
    emask = nn.Transformer.generate_square_subsequent_mask(4, dtype=ember.float64)
    np.testing.assert_array_equal(emask.numpy(), mask.numpy())
    tout, eout = tm(tt, tmem, tgt_mask=mask), em(et, emem, tgt_mask=emask)
    _close(tout, eout)
    _grads_match(tm, em, tout, eout, [(tt, et), (tmem, emem)])
    kw = dict(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=2,
              dim_feedforward=16, batch_first=True)
    tm, em = _pair((torch.nn.Transformer, nn.Transformer), **kw)
    tm.eval()
    em.eval()
    assert repr(em) == repr(tm)
    ts, es = _both((2, 5, 8))
    tt, et = _both((2, 4, 8))
    _close(tm(ts, tt, tgt_mask=mask), em(es, et, tgt_mask=emask))


def test_encoder_layer_dropout_in_training():
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5).double()
    x = ember.from_numpy(RNG.standard_normal((3, 2, 8)))
    layer.eval()
    a = layer(x).detach().numpy()
    np.testing.assert_array_equal(a, layer(x).detach().numpy())
    layer.train()
    assert not np.allclose(a, layer(x).detach().numpy())
