"""Seeded programs draw what PyTorch draws: the MT19937 stream and PyTorch's samplers on it
(uniform, integer, permutation and normal draws, layer initialisation, samplers and shuffles).
float32 normals may differ from PyTorch's in the last few bits (its log/sin/cos are its own
approximations); everything else is compared bit for bit."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _both(fn, seed=42):
    ember.manual_seed(seed)
    mine = fn(ember)
    torch.manual_seed(seed)
    theirs = fn(torch)
    return mine, theirs


def _arrays(fn, seed=42):
    mine, theirs = _both(fn, seed)
    return mine.detach().numpy(), theirs.detach().numpy()


def _assert_close_ulps(mine, theirs, ulps=4):
    assert mine.shape == theirs.shape and mine.dtype == theirs.dtype
    scale = np.spacing(np.maximum(np.abs(theirs), 1).astype(theirs.dtype))
    assert np.all(np.abs(mine - theirs) <= ulps * scale), np.abs(mine - theirs).max()


@pytest.mark.parametrize("seed", [0, 7, 2 ** 32 + 3])
@pytest.mark.parametrize("case", [
    lambda L: L.rand(5),
    lambda L: L.rand(3, 7, dtype=L.float64),
    lambda L: L.randn(5),  # fewer than 16: double-precision Box-Muller
    lambda L: L.cat([L.randn(3), L.randn(3)]),  # ... with the cached second value
    lambda L: L.randn(9, dtype=L.float64),
    lambda L: L.randint(-5, 100, (50,)),
    lambda L: L.randint(0, 2 ** 40, (20,)),
    lambda L: L.randperm(1000),
    lambda L: L.empty(300).uniform_(-0.2, 0.7),
    lambda L: L.empty(2, 50, dtype=L.float64).uniform_(3, 4),
    lambda L: L.empty(30, dtype=L.int64).random_(0, 10),
    lambda L: L.empty(30).random_(7),
    lambda L: L.rand(40, dtype=L.float16),
    lambda L: L.empty(2, 30, dtype=L.bfloat16).uniform_(-0.3, 0.7).float(),
    lambda L: L.randn(64, dtype=L.float16),
    lambda L: L.empty(3000, dtype=L.float16).uniform_(-9, 9),  # ties, and the excluded bound
    lambda L: L.testing.make_tensor(40, 50, dtype=L.float16, device="cpu"),
    lambda L: L.cat([L.rand(4), L.randn(5), L.randperm(9).float(), L.rand(2)]),
    lambda L: L.empty(500).bernoulli_(0.3),
    lambda L: L.empty(50).bernoulli_(L.linspace(0, 1, 50)),
    lambda L: L.bernoulli(L.full((500,), 0.3)),
    lambda L: L.bernoulli(L.full((50,), 0.7, dtype=L.float64)),
    lambda L: L.nn.functional.dropout(L.arange(500.0), 0.4, True),
    lambda L: L.nn.Dropout2d(0.3)(L.ones(4, 8, 3, 3)),
    lambda L: L.empty(500).exponential_(2.0),
    lambda L: L.cat([L.nn.functional.dropout(L.ones(50), 0.5), L.rand(5)]),
], ids=["rand", "rand_f64", "randn_small", "randn_cache", "randn_small_f64", "randint",
        "randint_64bit", "randperm", "uniform_", "uniform_f64", "random_range", "random_to",
        "rand_f16", "uniform_bf16", "randn_f16", "uniform_f16_wide", "make_tensor_f16",
        "mixed", "bernoulli_", "bernoulli_tensor_p", "bernoulli_probs",
        "bernoulli_f64", "dropout", "dropout2d",
        "exponential_", "dropout_then_rand"])
def test_bit_for_bit(case, seed):
    mine, theirs = _arrays(case, seed)
    np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "uint8", "bool", "float32",
                                   "float64"])
def test_random_without_bounds_uses_the_dtype_range(dtype):
    mine, theirs = _arrays(lambda L: L.empty(64, dtype=getattr(L, dtype)).random_())
    np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("case", [
    lambda L: L.randn(1000),
    lambda L: L.randn(1003),  # the last 16 are redrawn
    lambda L: L.randn(4, 37, dtype=L.float64),
    lambda L: L.empty(300).normal_(1.5, 0.3),
    lambda L: L.normal(2.0, 3.0, (40,)),
    lambda L: L.normal(L.arange(20.0), 1.0),
], ids=["randn", "randn_tail", "randn_f64", "normal_", "normal_size", "normal_tensor_mean"])
def test_normals_within_a_few_ulps(case):
    _assert_close_ulps(*_arrays(case))


@pytest.mark.parametrize("build", [
    lambda L: L.nn.Linear(30, 20),
    lambda L: L.nn.Conv2d(3, 6, 5),
    lambda L: L.nn.LSTM(8, 16, num_layers=2),
    lambda L: L.nn.Sequential(L.nn.Conv2d(1, 4, 3), L.nn.BatchNorm2d(4), L.nn.Linear(4, 2)),
], ids=["linear", "conv2d", "lstm", "sequential"])
def test_default_initialisation_matches(build):
    mine, theirs = _both(lambda L: build(L).state_dict())
    assert list(mine) == list(theirs)
    for k in mine:
        np.testing.assert_array_equal(mine[k].numpy(), theirs[k].numpy(), err_msg=k)


@pytest.mark.parametrize("init", [
    lambda L, t: L.nn.init.kaiming_normal_(t),
    lambda L, t: L.nn.init.xavier_uniform_(t),
    lambda L, t: L.nn.init.trunc_normal_(t, std=0.02),  # wide window: normal redraws
    lambda L, t: L.nn.init.trunc_normal_(t, a=1.5, b=3.0),  # narrow: uniform proposals
    lambda L, t: L.nn.init.trunc_normal_(t, std=0.5, a=-0.1, b=0.1),
], ids=["kaiming_normal", "xavier_uniform", "trunc_wide", "trunc_tail", "trunc_narrow"])
def test_init_functions_match(init):
    _assert_close_ulps(*_arrays(lambda L: init(L, L.empty(20, 30))))


@pytest.mark.parametrize("init", [
    lambda L: L.nn.init.orthogonal_(L.empty(6, 10), gain=2.0),
    lambda L: L.nn.init.orthogonal_(L.empty(10, 4, 2)),
    lambda L: L.nn.init.sparse_(L.empty(8, 5), 0.3),
    lambda L: L.cat([L.nn.init.orthogonal_(L.empty(5, 5)).reshape(-1), L.rand(3)]),
], ids=["orthogonal_wide", "orthogonal_3d", "sparse", "orthogonal_then_rand"])
def test_orthogonal_and_sparse_draw_torchs_matrices(init):
    mine, theirs = _arrays(init)
    np.testing.assert_allclose(mine, theirs, rtol=0, atol=2e-6)  # QR in another LAPACK


@pytest.mark.parametrize("shape,k,replacement", [
    ((4, 10), 1, False), ((10,), 3, False), ((3, 6), 8, True), ((5,), 1, True),
    ((2, 50), 50, False)])
def test_multinomial_matches(shape, k, replacement):
    mine, theirs = _arrays(lambda L: L.multinomial(L.rand(*shape) + 0.01, k, replacement))
    np.testing.assert_array_equal(mine, theirs)


def test_binomial_draws_match_over_many_parameters():
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 2000, 300).astype(np.float32)
    probs = rng.random(300).astype(np.float32)
    mine, theirs = _arrays(lambda L: L.binomial(L.from_numpy(counts), L.from_numpy(probs)))
    np.testing.assert_array_equal(mine, theirs)
    with pytest.raises(ValueError, match="binomial only supports floating-point dtypes for "
                                         "count, got: Long"):
        ember.binomial(ember.tensor([5]), ember.tensor([0.5]))


def test_poisson_rate_errors_match():
    for rate in (-1.0, float("nan")):
        with pytest.raises(RuntimeError) as theirs:
            torch.poisson(torch.tensor([rate]))
        with pytest.raises(RuntimeError) as mine:
            ember.poisson(ember.tensor([rate]))
        assert str(mine.value) == str(theirs.value)


def test_multinomial_errors_match():
    for args in [(ember.rand(2, 3, 4), 1), (ember.rand(3), 0), (ember.tensor([1, 2]), 1),
                 (ember.tensor([0.5, 0.0]), 3), (ember.zeros(2), 1)]:
        targs = (torch.from_numpy(args[0].numpy()), args[1])
        with pytest.raises(RuntimeError) as theirs:
            torch.multinomial(*targs)
        with pytest.raises(RuntimeError) as mine:
            ember.multinomial(*args)
        assert str(mine.value) == str(theirs.value)


@pytest.mark.parametrize("sample", [
    lambda D, L: D.Normal(L.zeros(3), L.ones(3)).sample((4,)),
    lambda D, L: D.Uniform(L.zeros(3), L.ones(3) * 2).rsample((5,)),
    lambda D, L: D.Bernoulli(L.full((6,), 0.3)).sample((3,)),
    lambda D, L: D.Categorical(L.tensor([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4]])).sample((5,)),
    lambda D, L: D.OneHotCategorical(L.tensor([0.1, 0.5, 0.4])).sample((4,)),
    lambda D, L: D.Multinomial(10, L.tensor([0.2, 0.3, 0.5])).sample((2,)),
    lambda D, L: D.Exponential(L.ones(5) * 2).sample((2,)),
    lambda D, L: D.Cauchy(L.zeros(5), L.ones(5)).sample((2,)),
    lambda D, L: D.Geometric(L.full((5,), 0.3)).sample(),
    lambda D, L: D.LogNormal(L.zeros(5), L.ones(5)).sample(),
    lambda D, L: L.empty(40).log_normal_(1.0, 2.0),
    lambda D, L: L.empty(40).geometric_(0.2),
    lambda D, L: D.Gamma(L.tensor([0.5, 1.0, 3.0, 0.05]), L.tensor([1.0, 2.0, 0.5, 1.0]))
    .sample((30,)),
    lambda D, L: D.Gamma(L.tensor([0.5, 40.0], dtype=L.float64), L.ones(2, dtype=L.float64))
    .rsample((10,)),
    lambda D, L: D.Dirichlet(L.tensor([0.5, 1.0, 3.0])).sample((20,)),
    lambda D, L: D.Beta(L.tensor([0.5, 2.0]), L.tensor([1.5, 0.7])).sample((10,)),
    lambda D, L: D.StudentT(L.tensor([2.0, 5.0])).sample((10,)),
    lambda D, L: L.cat([D.Chi2(L.tensor([1.0, 4.0])).sample((5,)).reshape(-1), L.rand(4)]),
    lambda D, L: D.Poisson(L.tensor([0.5, 3.0, 10.0, 55.5, 0.0, 1000.0])).sample((20,)),
    lambda D, L: L.cat([L.poisson(L.full((30,), 12.5)), L.rand(3)]),
    lambda D, L: D.Binomial(L.tensor([10.0, 500.0, 3.0]), L.tensor([0.3, 0.7, 0.95]))
    .sample((30,)),
    lambda D, L: L.binomial(L.tensor([0.0, 5.0, 1000.0, 20.0, 1500.0], dtype=L.float64),
                            L.tensor([0.5, 1.0, 0.5, 0.9, 0.004], dtype=L.float64)),
    lambda D, L: D.VonMises(L.tensor([0.0, 1.0, -2.0]), L.tensor([0.5, 4.0, 1e-3]))
    .sample((20,)),
    lambda D, L: D.MixtureSameFamily(D.Categorical(L.ones(3)),
                                     D.Normal(L.arange(3.0), L.ones(3))).sample((6,)),
    lambda D, L: D.NegativeBinomial(L.tensor([3.0, 10.0]), L.tensor([0.3, 0.6])).sample((4,)),
], ids=["normal", "uniform", "bernoulli", "categorical", "one_hot", "multinomial",
        "exponential", "cauchy", "geometric", "log_normal", "log_normal_", "geometric_",
        "gamma", "gamma_f64", "dirichlet", "beta", "student_t", "chi2_then_rand", "poisson",
        "poisson_then_rand", "binomial", "binomial_f64", "von_mises", "mixture",
        "negative_binomial"])
def test_distribution_samples_match(sample):
    mine, theirs = _arrays(lambda L: sample(L.distributions, L))
    np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-7)


def test_samplers_and_splits_shuffle_as_torch():
    U = "utils"
    cases = [
        lambda L: list(getattr(L, U).data.RandomSampler(range(50))),
        lambda L: list(getattr(L, U).data.RandomSampler(range(50), replacement=True,
                                                        num_samples=70)),
        lambda L: list(getattr(L, U).data.RandomSampler(range(10), num_samples=25)),
        lambda L: list(getattr(L, U).data.SubsetRandomSampler([5, 7, 9, 11, 13])),
        lambda L: [list(s) for s in getattr(L, U).data.random_split(range(20), [0.5, 0.5])],
        lambda L: list(getattr(L, U).data.WeightedRandomSampler([0.1, 0.5, 0.2, 0.0, 0.9], 6)),
        lambda L: list(getattr(L, U).data.WeightedRandomSampler([0.1, 0.5, 0.2, 0.9], 3,
                                                                replacement=False)),
    ]
    for case in cases:
        mine, theirs = _both(case)
        assert mine == theirs


def test_dataloader_epochs_and_later_draws_match():
    def run(L):
        ds = L.utils.data.TensorDataset(L.arange(40))
        out = []
        for _ in range(2):
            for (b,) in L.utils.data.DataLoader(ds, batch_size=8, shuffle=True):
                out += b.tolist()
        return out + L.rand(3).tolist()  # the stream is left where PyTorch leaves it
    mine, theirs = _both(run)
    assert mine == theirs


def test_state_round_trip_keeps_the_cached_normal():
    g = ember.Generator().manual_seed(5)
    ember.randn(1, generator=g)  # leaves the pair's second value cached
    state = g.get_state()
    first = ember.randn(3, generator=g)
    g.set_state(state)
    np.testing.assert_array_equal(ember.randn(3, generator=g).numpy(), first.numpy())
    g.set_state(state)
    clone = pickle.loads(pickle.dumps(g))
    np.testing.assert_array_equal(ember.randn(3, generator=clone).numpy(), first.numpy())
    with pytest.raises(RuntimeError, match="of size 5056 but found the input RNG state size "
                                           "to be 3"):
        g.set_state(ember.tensor([1, 2, 3], dtype=ember.uint8))
    with pytest.raises(TypeError, match="RNG state must be a torch.ByteTensor"):
        g.set_state(ember.zeros(5056, dtype=ember.int64))
    broken = g.get_state()
    broken[12:16] = 0  # "seeded" flag
    with pytest.raises(RuntimeError, match="Invalid mt19937 state"):
        g.set_state(broken)


@pytest.mark.parametrize("draws", [
    lambda L: None,
    lambda L: (L.rand(3), L.randn(3)),  # leaves a cached normal
    lambda L: L.randperm(700),  # past a twist of the state
])
def test_states_are_byte_identical_and_interchangeable(draws):
    for seed in (0, 2 ** 40 + 3):
        ember.manual_seed(seed)
        torch.manual_seed(seed)
        draws(ember)
        draws(torch)
        mine, theirs = ember.get_rng_state(), torch.get_rng_state()
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    torch.set_rng_state(torch.from_numpy(mine.numpy()))
    ember.set_rng_state(ember.tensor(theirs.numpy()))
    np.testing.assert_array_equal(ember.randn(7).numpy(), torch.randn(7).numpy())


def test_a_seeded_training_run_gives_torchs_losses():
    """Data from randn/randint, default init, dropout, shuffled batches, SGD with momentum:
    the whole program, unchanged, on both."""
    def run(L):
        L.manual_seed(0)
        x, y = L.randn(256, 20), L.randint(0, 3, (256,))
        loader = L.utils.data.DataLoader(L.utils.data.TensorDataset(x, y), batch_size=32,
                                         shuffle=True)
        net = L.nn.Sequential(L.nn.Linear(20, 64), L.nn.ReLU(), L.nn.Dropout(0.2),
                              L.nn.Linear(64, 3))
        opt = L.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        losses = []
        for _ in range(3):
            for xb, yb in loader:
                opt.zero_grad()
                loss = L.nn.functional.cross_entropy(net(xb), yb)
                loss.backward()
                opt.step()
                losses.append(loss.item())
        return np.array(losses)
    mine, theirs = run(ember), run(torch)
    assert len(mine) == 24
    np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


class _Draws:
    """Each item: what a worker's global generators give (NumPy, Python, the library's)."""

    def __init__(self, lib):
        self.lib = lib

    def __len__(self):
        return 6

    def __getitem__(self, i):
        import random
        return [float(np.random.rand()), random.random(), float(self.lib.rand(1)), i]


def test_worker_processes_seed_like_torch():
    def run(L):
        loader = L.utils.data.DataLoader(_Draws(L), batch_size=2, num_workers=2, shuffle=True)
        return [[[float(v) for v in col] for col in batch] for batch in loader]
    mine, theirs = _both(run)
    assert mine == theirs


def test_distributed_sampler_shuffles_as_torch():
    class Items:
        def __len__(self):
            return 23

    def run(L):
        out = []
        for rank in (0, 1):
            s = L.utils.data.DistributedSampler(Items(), num_replicas=2, rank=rank, seed=3)
            s.set_epoch(2)
            out.append(list(s))
        return out
    mine, theirs = _both(run)
    assert mine == theirs


def test_augmix_mixing_weights_are_torchs_dirichlet_draws():
    from ember.vision.transforms import AugMix
    params = np.array([[0.5, 0.5], [1.0, 1.0], [0.1, 3.0]], dtype=np.float32)
    ember.manual_seed(0)
    mine = AugMix()._sample_dirichlet(params)
    torch.manual_seed(0)
    theirs = torch._sample_dirichlet(torch.from_numpy(params)).numpy()
    np.testing.assert_array_equal(mine, theirs)
