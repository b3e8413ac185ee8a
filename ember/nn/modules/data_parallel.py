"""``DataParallel``: PyTorch's wrapper, run on a single device (ember has no multi-GPU)."""
from __future__ import annotations

from typing import Any, Optional, Sequence

from ... import cuda
from ..._device import device as _device
from ..._tensor import Tensor
from .module import Module

__all__ = ["DataParallel"]


def _index(d) -> int:
    if isinstance(d, int):
        return d
    d = _device(d) if isinstance(d, str) else d
    return 0 if d.index is None else d.index


def _to(obj, dev):
    """Move every tensor in nested tuples, lists and dicts onto ``dev``."""
    if isinstance(obj, Tensor):
        return obj.to(dev)
    if isinstance(obj, (tuple, list)):
        moved = [_to(o, dev) for o in obj]
        return type(obj)(*moved) if hasattr(obj, "_fields") else type(obj)(moved)
    if isinstance(obj, dict):
        return type(obj)((k, _to(v, dev)) for k, v in obj.items())
    return obj


class DataParallel(Module):
    """Wraps ``module`` as ``self.module`` (state-dict keys gain the ``module.`` prefix).

    Without CUDA the forward passes straight through, as in PyTorch. With CUDA, inputs are
    moved to ``device_ids[0]``, the module runs there on the whole batch (ember does not
    split a batch across GPUs) and outputs are moved to ``output_device``.

    >>> net = ember.nn.DataParallel(ember.nn.Linear(2, 3))
    >>> list(net.state_dict())
    ['module.weight', 'module.bias']
    """

    def __init__(self, module: Module, device_ids: Optional[Sequence] = None,
                 output_device=None, dim: int = 0) -> None:
        super().__init__()
        if not cuda.is_available():
            self.module = module
            self.device_ids = []
            return
        if device_ids is None:
            device_ids = list(range(cuda.device_count()))
        if output_device is None:
            output_device = device_ids[0]
        self.dim = dim
        self.module = module
        self.device_ids = [_index(d) for d in device_ids]
        self.output_device = _index(output_device)
        self.src_device_obj = _device("cuda", self.device_ids[0])
        self.module.to(self.src_device_obj)

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for t in (*self.module.parameters(), *self.module.buffers()):
            if t.device != self.src_device_obj:
                raise RuntimeError("module must have its parameters and buffers on device "
                                   f"{self.src_device_obj} (device_ids[0]) but found one of "
                                   f"them on device: {t.device}")
        out = self.module(*_to(inputs, self.src_device_obj), **_to(kwargs, self.src_device_obj))
        return _to(out, _device("cuda", self.output_device))
