"""``ember.vision``: torchvision's datasets, transforms and image utilities on ember."""
from . import datasets, transforms, utils
from . import models  # noqa: F401  (torchvision-compatible architectures)

__all__ = ["datasets", "transforms", "utils"]
