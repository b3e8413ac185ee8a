"""``torch.random``: the default generator's seed and state, and ``fork_rng``."""
from __future__ import annotations

import contextlib

from ._random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed,
                      seed, set_rng_state)

__all__ = ["Generator", "default_generator", "fork_rng", "get_rng_state", "initial_seed",
           "manual_seed", "seed", "set_rng_state"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type=None):
    """Run a block, then put the random state back where the block found it.

    Ember draws every random number on the host, from CPU generators (a CUDA tensor's
    values are drawn there, then copied), so forking the CPU generator forks them all;
    ``devices`` is accepted for PyTorch's signature.

    >>> _ = ember.manual_seed(0)
    >>> with ember.random.fork_rng():
    ...     _ = ember.rand(3)
    >>> ember.rand(1)  # as if the block had drawn nothing
    tensor([0.4963])
    """
    if device_type == "meta" or not enabled:
        yield
        return
    if device_type not in (None, "cuda", "cpu"):
        raise RuntimeError(f"torch has no module of `{device_type}`, you should register a "
                           "module by `torch._register_device_module`.")
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
