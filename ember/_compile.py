"""``ember.compile``: PyTorch's ``torch.compile`` API over ember's eager execution.

ember has no graph compiler; a compiled function or module computes exactly what the original
does. The arguments are checked as PyTorch checks them, and the returned objects look like
PyTorch's: a module comes back wrapped in an ``OptimizedModule`` (state-dict keys prefixed with
``_orig_mod.``), a function as a function that calls it.
"""
from __future__ import annotations

import functools

MODES = ("default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")
# PyTorch's registered backends and their tags (list_backends() leaves out tagged ones)
BACKENDS = {"cudagraphs": (), "inductor": (), "openxla": (), "tvm": (),
            "aot_eager": ("debug",), "aot_eager_decomp_partition": ("debug",),
            "aot_eager_default_partitioner": ("debug",), "aot_ts": ("experimental",),
            "eager": ("debug",), "eager_debug": ("debug",), "eager_noexcept": ("debug",),
            "openxla_eval": ("experimental",), "pre_dispatch_eager": ("debug",),
            "ts": ("experimental",)}


class InvalidBackend(RuntimeError):
    """A ``backend=`` name PyTorch does not know."""


def compile(model=None, *, fullgraph: bool = False, dynamic: bool | None = None,
            backend=None, mode: str | None = None, options: dict | None = None,
            name: str | None = None, disable: bool = False, recompile_limit: int | None = None,
            isolate_recompiles: bool = False, shapes_spec=None):
    """Return ``model`` ready to run "compiled"; ember runs it eagerly, unchanged.

    An ``nn.Module`` comes back as an ``OptimizedModule`` around it (``_orig_mod``), any other
    callable as a function calling it; ``model=None`` gives a decorator. ``fullgraph``,
    ``dynamic``, ``options`` and the rest are accepted and have no effect.

    >>> net = ember.compile(ember.nn.Linear(2, 1))
    >>> list(net.state_dict())
    ['_orig_mod.weight', '_orig_mod.bias']
    """
    settings = dict(fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                    options=options, name=name, disable=disable,
                    recompile_limit=recompile_limit, isolate_recompiles=isolate_recompiles,
                    shapes_spec=shapes_spec)
    if model is None:
        def decorator(model):
            if model is None:
                raise RuntimeError("Model can't be None")
            return compile(model, **settings)
        return decorator
    _check(backend, mode, options)
    if disable:
        return model
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    from .nn.modules.module import Module
    if isinstance(model, Module):
        from .compiler import OptimizedModule
        return OptimizedModule(model)

    @functools.wraps(model)
    def compiled(*args, **kwargs):
        return model(*args, **kwargs)
    return compiled


def _check(backend, mode, options):
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified "
                           "at the same time.")
    backend = "inductor" if backend is None else backend
    if isinstance(backend, str) and backend not in BACKENDS:
        raise InvalidBackend(f"Invalid backend: {backend!r}, see `torch._dynamo.list_backends()` "
                             "for available backends.")
    if backend == "inductor" and mode is not None and mode not in MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(MODES)}")
