"""RNN / LSTM / GRU and their cells: parity with PyTorch (outputs, states, gradients)."""
from __future__ import annotations

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def _pair(cls_name, *args, **kwargs):
    """The same module in torch and ember (float64), ember holding torch's weights."""
    tm = getattr(torch.nn, cls_name)(*args, **kwargs).double()
    em = getattr(nn, cls_name)(*args, **kwargs).double()
    state = {k: ember.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()}
    em.load_state_dict(state)
    return tm, em


def _both(arr, grad=False):
    t = torch.from_numpy(arr.copy()).requires_grad_(grad)
    e = ember.from_numpy(arr.copy()).requires_grad_(grad)
    return t, e


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [x for o in out for x in _flat(o)]
    if hasattr(out, "batch_sizes"):
        return [out.data]
    return [out]


def _close(a, b, tol=1e-10):
    np.testing.assert_allclose(np.asarray(b.detach().numpy() if hasattr(b, "detach") else
                                          b.numpy()), a.detach().numpy(), rtol=tol, atol=tol)


def _check_grads(tm, em, touts, eouts, inputs=()):
    """Backprop the same random cotangent through both; compare parameter/input grads."""
    tl, el = 0, 0
    for t, e in zip(touts, eouts):
        w = RNG.standard_normal(tuple(t.shape))
        tl = tl + (t * torch.from_numpy(w)).sum()
        el = el + (e * ember.from_numpy(w)).sum()
    tl.backward()
    el.backward()
    for (name, tp), (ename, ep) in zip(tm.named_parameters(), em.named_parameters()):
        assert name == ename
        _close(tp.grad, ep.grad)
    for t, e in inputs:
        _close(t.grad, e.grad)


CONFIGS = [
    dict(num_layers=1),
    dict(num_layers=2, bidirectional=True),
    dict(num_layers=2, batch_first=True, bias=False),
    dict(num_layers=3, bidirectional=True, batch_first=True),
]


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("cfg", CONFIGS)
def test_padded_parity(cls, cfg):
    tm, em = _pair(cls, 3, 5, **cfg)
    shape = (2, 4, 3) if cfg.get("batch_first") else (4, 2, 3)
    tx, ex = _both(RNG.standard_normal(shape), grad=True)
    touts, eouts = _flat(tm(tx)), _flat(em(ex))
    for t, e in zip(touts, eouts):
        assert tuple(t.shape) == tuple(e.shape)
        _close(t, e)
    _check_grads(tm, em, touts, eouts, [(tx, ex)])


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_initial_states_and_unbatched(cls):
    tm, em = _pair(cls, 3, 4, num_layers=2, bidirectional=True)
    th, eh = _both(RNG.standard_normal((4, 2, 4)), grad=True)
    tc, ec = _both(RNG.standard_normal((4, 2, 4)), grad=True)
    tx, ex = _both(RNG.standard_normal((5, 2, 3)), grad=True)
    thx, ehx = ((th, tc), (eh, ec)) if cls == "LSTM" else (th, eh)
    touts, eouts = _flat(tm(tx, thx)), _flat(em(ex, ehx))
    for t, e in zip(touts, eouts):
        _close(t, e)
    _check_grads(tm, em, touts, eouts, [(tx, ex), (th, eh)] + ([(tc, ec)] * (cls == "LSTM")))
    # unbatched 2-D input with 2-D states
    tx1, ex1 = _both(RNG.standard_normal((5, 3)))
    thx1 = (th[:, 0], tc[:, 0]) if cls == "LSTM" else th[:, 0]
    ehx1 = (eh[:, 0], ec[:, 0]) if cls == "LSTM" else eh[:, 0]
    for t, e in zip(_flat(tm(tx1, thx1)), _flat(em(ex1, ehx1))):
        assert tuple(t.shape) == tuple(e.shape)
        _close(t, e)


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_parity_unsorted(cls, bidirectional):
    tm, em = _pair(cls, 3, 4, num_layers=2, bidirectional=bidirectional, batch_first=True)
    lengths = [3, 5, 1, 4]
    tx, ex = _both(RNG.standard_normal((4, 5, 3)), grad=True)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, batch_first=True,
                                                 enforce_sorted=False)
    ep = pack_padded_sequence(ex, lengths, batch_first=True, enforce_sorted=False)
    tout, thid = tm(tp)
    eout, ehid = em(ep)
    assert isinstance(eout, ember.nn.utils.rnn.PackedSequence)
    tpad, _ = torch.nn.utils.rnn.pad_packed_sequence(tout, batch_first=True)
    epad, elens = pad_packed_sequence(eout, batch_first=True)
    assert elens.tolist() == lengths
    touts, eouts = [tpad] + _flat(thid), [epad] + _flat(ehid)
    for t, e in zip(touts, eouts):
        _close(t, e)
    _check_grads(tm, em, touts, eouts, [(tx, ex)])


def test_packed_with_initial_state():
    tm, em = _pair("LSTM", 2, 3)
    lengths = [2, 4, 3]
    tx, ex = _both(RNG.standard_normal((4, 3, 2)))
    th, eh = _both(RNG.standard_normal((1, 3, 3)))
    tc, ec = _both(RNG.standard_normal((1, 3, 3)))
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, enforce_sorted=False)
    ep = pack_padded_sequence(ex, lengths, enforce_sorted=False)
    tout, (thn, tcn) = tm(tp, (th, tc))
    eout, (ehn, ecn) = em(ep, (eh, ec))
    _close(tout.data, eout.data)
    _close(thn, ehn)
    _close(tcn, ecn)


def test_lstm_proj_size():
    tm, em = _pair("LSTM", 3, 5, num_layers=2, proj_size=2, bidirectional=True)
    tx, ex = _both(RNG.standard_normal((4, 2, 3)), grad=True)
    touts, eouts = _flat(tm(tx)), _flat(em(ex))
    for t, e in zip(touts, eouts):
        assert tuple(t.shape) == tuple(e.shape)
        _close(t, e)
    _check_grads(tm, em, touts, eouts, [(tx, ex)])


@pytest.mark.parametrize("args,kwargs", [
    (("RNN", 10, 20), {}),
    (("RNN", 10, 20, 2), dict(nonlinearity="relu", bias=False, dropout=0.5)),
    (("LSTM", 10, 20), dict(num_layers=2, batch_first=True, bidirectional=True)),
    (("LSTM", 10, 20), dict(proj_size=5)),
    (("GRU", 10, 20, 3), dict(dropout=0.25)),
    (("RNNCell", 4, 5), dict(nonlinearity="relu", bias=False)),
    (("LSTMCell", 4, 5), {}),
    (("GRUCell", 4, 5), dict(bias=False)),
])
def test_repr_and_state_dict_keys(args, kwargs):
    tm = getattr(torch.nn, args[0])(*args[1:], **kwargs)
    em = getattr(nn, args[0])(*args[1:], **kwargs)
    assert repr(em) == repr(tm)
    tsd, esd = tm.state_dict(), em.state_dict()
    assert list(esd) == list(tsd)
    assert [tuple(v.shape) for v in esd.values()] == [tuple(v.shape) for v in tsd.values()]
    if hasattr(tm, "_flat_weights_names"):
        assert em._flat_weights_names == tm._flat_weights_names
        assert em._all_weights == tm._all_weights


def test_init_range():
    ember.manual_seed(0)
    m = nn.LSTM(3, 16, num_layers=2)
    for p in m.parameters():
        a = p.detach().numpy()
        assert np.abs(a).max() <= 0.25 and np.abs(a).max() > 0.2
    m.flatten_parameters()


def test_dropout_between_layers():
    with pytest.warns(UserWarning, match="dropout option adds dropout"):
        nn.GRU(3, 4, dropout=0.5)
    m = nn.GRU(3, 4, num_layers=2, dropout=0.5).double()
    x = ember.from_numpy(RNG.standard_normal((5, 2, 3)))
    m.eval()
    a, b = m(x)[0].detach().numpy(), m(x)[0].detach().numpy()
    np.testing.assert_array_equal(a, b)
    m.train()
    ember.manual_seed(1)
    c = m(x)[0].detach().numpy()
    assert not np.allclose(a, c)


@pytest.mark.parametrize("cls,n_states", [("RNNCell", 1), ("LSTMCell", 2), ("GRUCell", 1)])
def test_cells_parity(cls, n_states):
    tm, em = _pair(cls, 3, 4)
    tx, ex = _both(RNG.standard_normal((2, 3)), grad=True)
    hs = [_both(RNG.standard_normal((2, 4)), grad=True) for _ in range(n_states)]
    thx = tuple(h[0] for h in hs) if n_states == 2 else hs[0][0]
    ehx = tuple(h[1] for h in hs) if n_states == 2 else hs[0][1]
    touts, eouts = _flat(tm(tx, thx)), _flat(em(ex, ehx))
    for t, e in zip(touts, eouts):
        _close(t, e)
    _check_grads(tm, em, touts, eouts, [(tx, ex)] + hs)
    # no state, and unbatched input
    for t, e in zip(_flat(tm(tx)), _flat(em(ex))):
        _close(t, e)
    for t, e in zip(_flat(tm(tx[0])), _flat(em(ex[0]))):
        assert tuple(t.shape) == tuple(e.shape)
        _close(t, e)


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_gradcheck(cls):
    m = getattr(nn, cls)(2, 3).double()
    x = ember.from_numpy(RNG.standard_normal((2, 2))).requires_grad_(True)
    h = ember.from_numpy(RNG.standard_normal((2, 3))).requires_grad_(True)

    def fn(x, h, *params):
        hx = (h, h * 0.5) if cls == "LSTMCell" else h
        out = m(x, hx)
        return out[0] + out[1] if cls == "LSTMCell" else out
    params = list(m.parameters())
    assert ember.autograd.gradcheck(fn, (x, h, *params))
    assert ember.autograd.gradgradcheck(fn, (x, h))


def _raises(exc, msg, fn):
    with pytest.raises(exc) as info:
        fn()
    assert str(info.value) == msg


def test_errors_match_torch():
    for lib in (torch.nn, nn):
        cases = [
            (RuntimeError, lambda: lib.LSTM(3, 4, 2)(lib_randn(lib, 5, 2, 4)),
             "input.size(-1) must be equal to input_size. Expected 3, got 4"),
            (RuntimeError, lambda: lib.LSTM(3, 4, 2)(lib_randn(lib, 5, 2, 3),
                                                     (lib_randn(lib, 1, 2, 4),
                                                      lib_randn(lib, 2, 2, 4))),
             "Expected hidden[0] size (2, 2, 4), got [1, 2, 4]"),
            (RuntimeError, lambda: lib.GRU(3, 4)(lib_randn(lib, 5, 2, 3),
                                                 lib_randn(lib, 2, 2, 4)),
             "Expected hidden size (1, 2, 4), got [2, 2, 4]"),
            (RuntimeError, lambda: lib.GRU(3, 4)(lib_randn(lib, 5, 3), lib_randn(lib, 1, 2, 4)),
             "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"),
            (RuntimeError, lambda: lib.LSTM(3, 4)(lib_randn(lib, 5, 2, 3),
                                                  (lib_randn(lib, 2, 4), lib_randn(lib, 2, 4))),
             "For batched 3-D input, hx and cx should also be 3-D but got (2-D, 2-D) tensors"),
            (ValueError, lambda: lib.LSTM(3, 4)(lib_randn(lib, 5, 2, 3, 1)),
             "LSTM: Expected input to be 2D or 3D, got 4D instead"),
            (ValueError, lambda: lib.LSTMCell(3, 4)(lib_randn(lib, 5, 2, 3)),
             "LSTMCell: Expected input to be 1D or 2D, got 3D instead"),
            (RuntimeError, lambda: lib.GRUCell(3, 4)(lib_randn(lib, 5, 3), lib_randn(lib, 4, 4)),
             "Input batch size 5 doesn't match hidden0 batch size 4"),
            (ValueError, lambda: lib.LSTM(3, 4, dropout=2),
             "dropout should be a number in range [0, 1] representing the probability of an "
             "element being zeroed"),
            (ValueError, lambda: lib.LSTM(3, 0), "hidden_size must be greater than zero"),
            (ValueError, lambda: lib.LSTM(3, 4, proj_size=4),
             "proj_size has to be smaller than hidden_size"),
            (ValueError, lambda: lib.RNN(3, 4, nonlinearity="sigmoid"),
             "Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'."),
        ]
        for exc, fn, msg in cases:
            _raises(exc, msg, fn)


def lib_randn(lib, *shape):
    return (torch if lib is torch.nn else ember).randn(*shape)


@pytest.mark.parametrize("cls", ["LSTM", "GRU"])
def test_layer_gradcheck_and_double_backward(cls):
    """The fused LSTM gate op: first and second derivatives by finite differences."""
    m = getattr(nn, cls)(2, 2, bidirectional=True).double()
    x = ember.from_numpy(RNG.standard_normal((3, 2, 2))).requires_grad_(True)
    h = ember.from_numpy(RNG.standard_normal((2, 2, 2))).requires_grad_(True)

    def fn(x, h):
        out, hn = m(x, (h, h * 0.5) if cls == "LSTM" else h)
        return out.sum(-1) + (hn[1] if cls == "LSTM" else hn).sum()
    assert ember.autograd.gradcheck(fn, (x, h))
    assert ember.autograd.gradgradcheck(fn, (x, h))
