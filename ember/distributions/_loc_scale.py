"""What the location-scale families (Normal, Laplace) share: parameters, ``expand``, and a
mean and mode equal to ``loc``."""
from __future__ import annotations

from .._size import Size
from .utils import _is_number, broadcast_all


class LocMean:
    """``mean`` and ``mode`` are ``loc`` (also the multivariate normals and VonMises)."""

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc


class LocScale(LocMean):
    """Broadcast ``loc`` and ``scale`` parameters; mixed in before the Distribution base."""

    def __init__(self, loc, scale, validate_args=None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        scalar = _is_number(loc) and _is_number(scale)
        super().__init__(Size() if scalar else self.loc.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        # the family class itself, not a subclass: its ``expand`` check is PyTorch's
        family = next(c for c in type(self).__mro__ if LocScale in c.__bases__)
        new = self._get_checked_instance(family, _instance)
        batch_shape = Size(batch_shape)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        return self._expanded(new, batch_shape)
