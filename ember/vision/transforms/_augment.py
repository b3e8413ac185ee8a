"""Random photometric transforms: RandomInvert, RandomPosterize, RandomSolarize,
RandomAdjustSharpness, RandomAutocontrast, RandomEqualize (the augmentation policies are in
``_autoaugment``)."""
from __future__ import annotations

from typing import Any

from . import functional as F
from .transforms import _rand


class _RandomOp:
    """Apply ``_apply`` with probability ``p`` (one uniform draw per call)."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def _apply(self, img: Any) -> Any:
        raise NotImplementedError

    def __call__(self, img: Any) -> Any:
        if _rand() < self.p:
            return self._apply(img)
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


class RandomInvert(_RandomOp):
    """Invert the colours with probability ``p``.

    >>> RandomInvert(p=1.0)(ember.tensor([[[0, 200]]], dtype=ember.uint8)).tolist()
    [[[255, 55]]]
    """

    def _apply(self, img: Any) -> Any:
        return F.invert(img)


class RandomPosterize(_RandomOp):
    """Keep ``bits`` bits per channel with probability ``p`` (uint8 tensors or PIL)."""

    def __init__(self, bits: int, p: float = 0.5) -> None:
        super().__init__(p)
        self.bits = bits

    def _apply(self, img: Any) -> Any:
        return F.posterize(img, self.bits)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(bits={self.bits},p={self.p})"


class RandomSolarize(_RandomOp):
    """Invert the pixels at or above ``threshold`` with probability ``p``."""

    def __init__(self, threshold: float, p: float = 0.5) -> None:
        super().__init__(p)
        self.threshold = threshold

    def _apply(self, img: Any) -> Any:
        return F.solarize(img, self.threshold)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(threshold={self.threshold},p={self.p})"


class RandomAdjustSharpness(_RandomOp):
    """Adjust the sharpness by ``sharpness_factor`` with probability ``p``."""

    def __init__(self, sharpness_factor: float, p: float = 0.5) -> None:
        super().__init__(p)
        self.sharpness_factor = sharpness_factor

    def _apply(self, img: Any) -> Any:
        return F.adjust_sharpness(img, self.sharpness_factor)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(sharpness_factor={self.sharpness_factor},p={self.p})"


class RandomAutocontrast(_RandomOp):
    """Autocontrast with probability ``p``."""

    def _apply(self, img: Any) -> Any:
        return F.autocontrast(img)


class RandomEqualize(_RandomOp):
    """Equalize the histogram with probability ``p``."""

    def _apply(self, img: Any) -> Any:
        return F.equalize(img)


__all__ = ["RandomInvert", "RandomPosterize", "RandomSolarize", "RandomAdjustSharpness",
           "RandomAutocontrast", "RandomEqualize"]
