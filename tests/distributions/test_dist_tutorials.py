"""The patterns tutorials use (REINFORCE, VAE loss, Gaussian policy), end to end against
torch with the same weights."""
from __future__ import annotations

import numpy as np

import ember
import ember.distributions as ED
from dist_helpers import torch_or_skip


def _linear_pair(torch, n_in, n_out, seed):
    t = torch.nn.Linear(n_in, n_out).double()
    with torch.no_grad():
        r = np.random.default_rng(seed)
        t.weight.copy_(torch.tensor(r.normal(size=(n_out, n_in))))
        t.bias.copy_(torch.tensor(r.normal(size=n_out)))
    e = ember.nn.Linear(n_in, n_out).double()
    e.weight.data.copy_(ember.tensor(t.weight.detach().numpy()))
    e.bias.data.copy_(ember.tensor(t.bias.detach().numpy()))
    return e, t


def test_reinforce_loss_and_gradients_match_torch():
    torch = torch_or_skip()
    e_net, t_net = _linear_pair(torch, 4, 3, 0)
    r = np.random.default_rng(1)
    obs, actions, returns = r.normal(size=(6, 4)), r.integers(0, 3, 6), r.normal(size=6)
    losses = []
    for lib, mod, net in ((ember, ED, e_net), (torch, torch.distributions, t_net)):
        dist = mod.Categorical(logits=net(lib.tensor(obs)))
        loss = -(dist.log_prob(lib.tensor(actions)) * lib.tensor(returns)).mean() \
            - 0.01 * dist.entropy().mean()
        loss.backward()
        losses.append(loss.item())
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-12)
    np.testing.assert_allclose(e_net.weight.grad.numpy(), t_net.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(e_net.bias.grad.numpy(), t_net.bias.grad.numpy(), rtol=1e-10)


def test_vae_kl_and_reconstruction_terms_match_torch():
    torch = torch_or_skip()
    e_enc, t_enc = _linear_pair(torch, 5, 4, 2)
    r = np.random.default_rng(3)
    x, z = r.normal(size=(8, 5)), r.normal(size=(8, 2))
    losses = []
    for lib, mod, enc in ((ember, ED, e_enc), (torch, torch.distributions, t_enc)):
        h = enc(lib.tensor(x))
        mu, logvar = h[:, :2], h[:, 2:]
        q = mod.Normal(mu, (0.5 * logvar).exp())
        prior = mod.Normal(lib.zeros_like(mu), lib.ones_like(mu))
        kl = mod.kl_divergence(q, prior).sum(-1).mean()
        ll = mod.Independent(q, 1).log_prob(lib.tensor(z)).mean()
        (kl - ll).backward()
        losses.append((kl - ll).item())
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-12)
    np.testing.assert_allclose(e_enc.weight.grad.numpy(), t_enc.weight.grad.numpy(),
                               rtol=1e-10)


def test_gaussian_policy_with_tanh_squashing_trains():
    # a SAC-style actor: maximise E[-(tanh(a) - 0.5)^2] through reparameterised samples
    ember.manual_seed(0)
    mu = ember.zeros(1, requires_grad=True)
    log_std = ember.zeros(1, requires_grad=True)
    opt = ember.optim.Adam([mu, log_std], lr=0.05)
    for _ in range(300):
        d = ED.TransformedDistribution(ED.Normal(mu, log_std.exp()),
                                       [ED.transforms.TanhTransform(cache_size=1)])
        a = d.rsample((64,))
        loss = ((a - 0.5) ** 2).mean() + 0.01 * d.log_prob(a).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert abs(np.tanh(mu.item()) - 0.5) < 0.1
