"""Linear layers, activations, softmax family, similarities, dropout: harness + torch parity."""
import numpy as np
import pytest

import ember
from tests.helpers import check_op, rand_array, requires_torch, torch

pytestmark = requires_torch()

X = rand_array((3, 4))


def _away_from(arr, points, gap=0.05):
    """Move values off kinks (finite differences are wrong across them)."""
    arr = arr.copy()
    for p in points:
        near = np.abs(arr - p) < gap
        arr[near] = p + gap * 2
    return arr


ACTS = {
    "relu": (lambda lib, x: lib.nn.functional.relu(x), [0.0]),
    "relu6": (lambda lib, x: lib.nn.functional.relu6(x * 4), [0.0, 1.5]),
    "leaky_relu": (lambda lib, x: lib.nn.functional.leaky_relu(x, 0.2), [0.0]),
    "elu": (lambda lib, x: lib.nn.functional.elu(x, 0.7), [0.0]),
    "selu": (lambda lib, x: lib.nn.functional.selu(x), [0.0]),
    "celu": (lambda lib, x: lib.nn.functional.celu(x, 1.3), [0.0]),
    "gelu": (lambda lib, x: lib.nn.functional.gelu(x), []),
    "gelu_tanh": (lambda lib, x: lib.nn.functional.gelu(x, approximate="tanh"), []),
    "silu": (lambda lib, x: lib.nn.functional.silu(x), []),
    "mish": (lambda lib, x: lib.nn.functional.mish(x), []),
    "sigmoid": (lambda lib, x: lib.nn.functional.sigmoid(x), []),
    "tanh": (lambda lib, x: lib.nn.functional.tanh(x), []),
    "hardtanh": (lambda lib, x: lib.nn.functional.hardtanh(x, -0.5, 1.0), [-0.5, 1.0]),
    "hardsigmoid": (lambda lib, x: lib.nn.functional.hardsigmoid(x * 2), [-1.5, 1.5]),
    "hardswish": (lambda lib, x: lib.nn.functional.hardswish(x * 2), [-1.5, 1.5]),
    "softplus": (lambda lib, x: lib.nn.functional.softplus(x, beta=2.0, threshold=3.0), [1.5]),
    "softsign": (lambda lib, x: lib.nn.functional.softsign(x), [0.0]),
    "tanhshrink": (lambda lib, x: lib.nn.functional.tanhshrink(x), []),
    "threshold": (lambda lib, x: lib.nn.functional.threshold(x, 0.1, 20.0), [0.1]),
    "logsigmoid": (lambda lib, x: lib.nn.functional.logsigmoid(x), []),
    "softshrink": (lambda lib, x: lib.nn.functional.softshrink(x, 0.5), [-0.5, 0.5]),
    "hardshrink": (lambda lib, x: lib.nn.functional.hardshrink(x, 0.5), [-0.5, 0.5]),
    "glu": (lambda lib, x: lib.nn.functional.glu(x, -1), []),
    "softmax": (lambda lib, x: lib.nn.functional.softmax(x, 1), []),
    "softmax0": (lambda lib, x: lib.nn.functional.softmax(x, dim=0), []),
    "log_softmax": (lambda lib, x: lib.nn.functional.log_softmax(x, -1), []),
    "softmin": (lambda lib, x: lib.nn.functional.softmin(x, 1), []),
    "normalize": (lambda lib, x: lib.nn.functional.normalize(x, dim=1), []),
    "normalize_p1": (lambda lib, x: lib.nn.functional.normalize(x, p=1.0, dim=0), [0.0]),
}


@pytest.mark.parametrize("name", list(ACTS))
def test_activation_harness(name):
    fn, kinks = ACTS[name]
    check_op(fn, _away_from(X, kinks))


def test_prelu_harness():
    x = _away_from(rand_array((2, 3, 2)), [0.0])
    check_op(lambda lib, x, w: lib.nn.functional.prelu(x, w), x, np.array([0.1, 0.3, -0.2]))
    check_op(lambda lib, x, w: lib.nn.functional.prelu(x, w), x, np.array([0.25]))


def test_linear_bilinear_harness():
    w, b = rand_array((5, 4)), rand_array((5,))
    check_op(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), X, w, b)
    check_op(lambda lib, x, w: lib.nn.functional.linear(x, w), X, w)
    check_op(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), rand_array((2, 3, 4)), w, b)
    check_op(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), rand_array((4,)), w, b)
    check_op(lambda lib, a, c, w, b: lib.nn.functional.bilinear(a, c, w, b),
             rand_array((3, 2)), rand_array((3, 4)), rand_array((2, 2, 4)), rand_array((2,)))


def test_similarity_harness():
    a, c = rand_array((3, 4)), rand_array((3, 4))
    check_op(lambda lib, a, c: lib.nn.functional.cosine_similarity(a, c), a, c)
    check_op(lambda lib, a, c: lib.nn.functional.cosine_similarity(a, c, dim=0), a, c)
    check_op(lambda lib, a, c: lib.nn.functional.pairwise_distance(a, c), a, c)
    check_op(lambda lib, a, c: lib.nn.functional.pairwise_distance(a, c, p=3.0, keepdim=True),
             a, c)


def test_grad_fn_names_match_torch():
    names = []
    for lib in (ember, torch):
        F = lib.nn.functional
        x = lib.randn(3, 4, requires_grad=True)
        w, b = lib.randn(2, 4), lib.randn(2)
        outs = [F.softmax(x, 1), F.log_softmax(x, 1), F.gelu(x), F.silu(x), F.relu(x),
                F.leaky_relu(x), F.elu(x), F.hardtanh(x), F.softplus(x), F.linear(x, w, b),
                F.linear(x, w)]
        names.append([type(o.grad_fn).__name__ for o in outs])
    assert names[0] == names[1]


def test_linear_errors_match_torch():
    for shapes in [((4, 400), (120, 500)), ((2, 4, 400), (120, 500)), ((400,), (120, 500))]:
        msgs = []
        for lib in (ember, torch):
            with pytest.raises(RuntimeError) as info:
                lib.nn.functional.linear(lib.ones(*shapes[0]), lib.ones(*shapes[1]))
            msgs.append(str(info.value))
        assert msgs[0] == msgs[1]
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied "
                       r"\(4x400 and 500x120\)"):
        ember.nn.Linear(500, 120)(ember.ones(4, 400))


def test_module_reprs_match_torch():
    def build(lib):
        nn = lib.nn
        return [nn.Linear(3, 2), nn.Linear(3, 2, bias=False), nn.Bilinear(2, 3, 4),
                nn.Identity(5, k=2), nn.Flatten(), nn.Flatten(0, 2), nn.Unflatten(1, (2, 5)),
                nn.ReLU(), nn.ReLU(inplace=True), nn.ReLU6(True), nn.LeakyReLU(0.2, True),
                nn.PReLU(3), nn.ELU(0.5, True), nn.SELU(), nn.CELU(2.0), nn.GELU("tanh"),
                nn.SiLU(True), nn.Mish(), nn.Sigmoid(), nn.Tanh(), nn.Hardtanh(-2, 3, True),
                nn.Hardsigmoid(True), nn.Hardswish(), nn.Softplus(2, 10), nn.Softsign(),
                nn.Tanhshrink(), nn.Threshold(0.1, 20), nn.LogSigmoid(), nn.Softmax(),
                nn.Softmax(1), nn.LogSoftmax(-1), nn.Softmin(0), nn.Softshrink(), nn.GLU(),
                nn.Dropout(), nn.Dropout(0.2, True), nn.Dropout1d(), nn.Dropout2d(0.3),
                nn.Dropout3d(), nn.AlphaDropout(0.1), nn.Embedding(10, 3),
                nn.Embedding(10, 3, padding_idx=-1, max_norm=1.0, scale_grad_by_freq=True)]
    assert [repr(m) for m in build(ember)] == [repr(m) for m in build(torch)]


def test_modules_forward_match_torch():
    x = _away_from(rand_array((2, 3, 4)), [0.0]).astype(np.float32)
    for name in ["ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish",
                 "Sigmoid", "Tanh", "Hardtanh", "Hardsigmoid", "Hardswish", "Softplus",
                 "Softsign", "Tanhshrink", "LogSigmoid", "Flatten", "Identity"]:
        e = getattr(ember.nn, name)()(ember.from_numpy(x))
        t = getattr(torch.nn, name)()(torch.from_numpy(x))
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
    e = ember.nn.Unflatten(2, (2, 2))(ember.from_numpy(x))
    assert e.shape == (2, 3, 2, 2)


def test_linear_default_init_matches_torch_bounds():
    lin = ember.nn.Linear(400, 300)
    w = lin.weight.detach().numpy()
    bound = 1 / np.sqrt(400)  # kaiming_uniform_(a=sqrt(5)) == U(-1/sqrt(fan_in), ..)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.02 * bound
    assert np.abs(lin.bias.detach().numpy()).max() <= bound


def test_inplace_activations_keep_grad_correct():
    for name in ["relu", "leaky_relu", "elu", "hardtanh", "relu6", "selu"]:
        grads = []
        for inplace in (False, True):
            x = ember.tensor(_away_from(X, [0.0, -1.0, 1.0]), requires_grad=True)
            y = x * 1.5
            out = getattr(ember.nn.functional, name)(y, inplace=inplace)
            assert (out is y) == inplace
            out.pow(2).sum().backward()
            grads.append(x.grad.numpy())
        np.testing.assert_allclose(grads[0], grads[1], err_msg=name)


def test_softmax_implicit_dim_warns_and_picks_torch_dim():
    for shape in [(4,), (2, 3), (2, 3, 4), (2, 3, 2, 2)]:
        x = rand_array(shape)
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
            e = ember.nn.functional.softmax(ember.tensor(x))
        with pytest.warns(UserWarning):
            t = torch.nn.functional.softmax(torch.tensor(x))
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        ember.nn.LogSoftmax()(ember.ones(2, 2))


def test_softmax_stable_and_errors():
    x = ember.tensor([[1000.0, 0.0, -1000.0]])
    assert np.isfinite(ember.nn.functional.log_softmax(x, 1).numpy()).all()
    assert ember.nn.functional.softmax(x, 1)[0, 0].item() == 1.0
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        ember.nn.functional.gelu(x, approximate="fast")
    out = ember.nn.functional.softmax(ember.tensor([1, 2]), 0, dtype=ember.float64)
    assert out.dtype == ember.float64


def test_one_hot_matches_torch_and_errors():
    t = np.array([[0, 2], [1, 3]])
    e = ember.nn.functional.one_hot(ember.tensor(t))
    assert e.dtype == ember.int64
    np.testing.assert_array_equal(e.numpy(), torch.nn.functional.one_hot(torch.tensor(t)))
    assert ember.nn.functional.one_hot(ember.tensor([1]), 5).shape == (1, 5)
    for args in [(ember.tensor([1.0]),), (ember.tensor([-1]),), (ember.tensor([3]), 2),
                 (ember.tensor([], dtype=ember.int64),)]:
        targs = tuple(torch.tensor(a.numpy()) if isinstance(a, ember.Tensor) else a
                      for a in args)
        with pytest.raises(RuntimeError) as ei:
            ember.nn.functional.one_hot(*args)
        with pytest.raises(RuntimeError) as ti:
            torch.nn.functional.one_hot(*targs)
        assert str(ei.value) == str(ti.value)


def test_dropout_statistics_and_modes():
    ember.manual_seed(0)
    x = ember.ones(200, 100)
    y = ember.nn.functional.dropout(x, 0.3)
    vals = np.unique(y.numpy())
    np.testing.assert_allclose(vals, [0.0, 1 / 0.7], rtol=1e-6)
    assert abs((y.numpy() == 0).mean() - 0.3) < 0.02
    assert ember.nn.functional.dropout(x, 0.3, training=False) is x
    ember.manual_seed(1)
    a = ember.nn.functional.dropout(x, 0.5)
    ember.manual_seed(1)
    assert ember.equal(a, ember.nn.functional.dropout(x, 0.5))
    drop = ember.nn.Dropout(0.5)
    assert ember.equal(drop.eval()(x), x)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        ember.nn.Dropout(1.5)
    xg = ember.ones(4, 5, requires_grad=True)
    out = ember.nn.functional.dropout(xg, 0.5)
    out.sum().backward()
    np.testing.assert_array_equal(xg.grad.numpy(), out.detach().numpy())
    assert ember.nn.functional.dropout(x, 1.0).abs().sum().item() == 0


def test_channel_dropout_and_alpha_dropout():
    ember.manual_seed(0)
    y = ember.nn.functional.dropout2d(ember.ones(8, 16, 3, 3), 0.5).numpy()
    per_channel = y.reshape(8, 16, 9)
    assert (per_channel.min(-1) == per_channel.max(-1)).all()
    y1 = ember.nn.functional.dropout1d(ember.ones(16, 5), 0.5).numpy()
    assert (y1.min(-1) == y1.max(-1)).all()
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        ember.nn.functional.dropout1d(ember.ones(2, 2, 2, 2))
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        ember.nn.functional.dropout2d(ember.ones(2, 3, 4))
    y3 = ember.nn.functional.dropout3d(ember.ones(4, 2, 2, 2), 0.5).numpy()
    assert (y3.reshape(4, 8).min(-1) == y3.reshape(4, 8).max(-1)).all()
    z = ember.randn(200000)
    a = ember.nn.functional.alpha_dropout(ember.nn.functional.selu(z), 0.2, training=True)
    assert abs(a.mean().item()) < 0.02 and abs(a.std().item() - 1) < 0.02


def test_embedding_matches_torch():
    idx = np.array([[0, 2, 2], [4, 0, 1]])
    res = []
    for lib in (ember, torch):
        emb = lib.nn.Embedding(5, 3, padding_idx=2)
        with lib.no_grad():
            emb.weight.copy_(lib.tensor(np.arange(15.0).reshape(5, 3)))
        out = emb(lib.tensor(idx))
        (out * lib.arange(3.0)).sum().backward()
        res.append((out.detach().numpy(), emb.weight.grad.numpy(), type(out.grad_fn).__name__))
    np.testing.assert_allclose(res[0][0], res[1][0])
    np.testing.assert_allclose(res[0][1], res[1][1])
    assert res[0][2] == res[1][2]
    assert ember.nn.Embedding(4, 2, padding_idx=1).weight[1].abs().sum().item() == 0
    with pytest.raises(IndexError, match="index out of range in self"):
        ember.nn.Embedding(4, 2)(ember.tensor([4]))


def test_embedding_harness_and_options():
    w = rand_array((6, 3))
    idx = np.array([[0, 5, 5], [1, 0, 3]])
    check_op(lambda lib, w, i: lib.nn.functional.embedding(i, w), w, idx, grad_inputs=[0])
    res = []
    for lib in (ember, torch):  # padding/frequency scaling are not true gradients: parity only
        wt = lib.tensor(w, requires_grad=True)
        out = lib.nn.functional.embedding(lib.tensor(idx), wt, padding_idx=0,
                                          scale_grad_by_freq=True)
        (out * lib.arange(3.0, dtype=lib.float64)).sum().backward()
        res.append(wt.grad.numpy())
    np.testing.assert_allclose(res[0], res[1])
    pre = ember.nn.Embedding.from_pretrained(ember.tensor(w))
    assert not pre.weight.requires_grad and pre.num_embeddings == 6
    big = ember.tensor(w * 10)
    ember.nn.functional.embedding(ember.tensor([0, 1]), big, max_norm=1.0)
    norms = big.norm(dim=1).numpy()
    assert (norms[:2] <= 1.0 + 1e-5).all() and (norms[2:] > 1.0).all()
