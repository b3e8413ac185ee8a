"""The augmentation policies: AutoAugment, RandAugment, TrivialAugmentWide, AugMix."""
from __future__ import annotations

import math
from enum import Enum
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..._random import _generator
from ..._torch_sampling import standard_gamma
from . import functional as F
from ._convert import _arr, _from_numpy, _wrap
from .functional import InterpolationMode
from .transforms import _rand, _randint


# ------------------------------------------------------------------ the policies' ops

def _shear(img: Any, degrees: List[float], interpolation: Any, fill: Any) -> Any:
    return F.affine(img, angle=0.0, translate=[0, 0], scale=1.0, shear=degrees,
                    interpolation=interpolation, fill=fill, center=[0, 0])


def _translate(img: Any, pixels: List[int], interpolation: Any, fill: Any) -> Any:
    return F.affine(img, angle=0.0, translate=pixels, scale=1.0, shear=[0.0, 0.0],
                    interpolation=interpolation, fill=fill)


def _apply_op(img: Any, op_name: str, magnitude: float, interpolation: Any,
              fill: Optional[List[float]]) -> Any:
    """One named augmentation at ``magnitude`` (shears are slopes: atan gives the angle)."""
    ops = {
        "ShearX": lambda: _shear(img, [math.degrees(math.atan(magnitude)), 0.0],
                                 interpolation, fill),
        "ShearY": lambda: _shear(img, [0.0, math.degrees(math.atan(magnitude))],
                                 interpolation, fill),
        "TranslateX": lambda: _translate(img, [int(magnitude), 0], interpolation, fill),
        "TranslateY": lambda: _translate(img, [0, int(magnitude)], interpolation, fill),
        "Rotate": lambda: F.rotate(img, magnitude, interpolation=interpolation, fill=fill),
        "Brightness": lambda: F.adjust_brightness(img, 1.0 + magnitude),
        "Color": lambda: F.adjust_saturation(img, 1.0 + magnitude),
        "Contrast": lambda: F.adjust_contrast(img, 1.0 + magnitude),
        "Sharpness": lambda: F.adjust_sharpness(img, 1.0 + magnitude),
        "Posterize": lambda: F.posterize(img, int(magnitude)),
        "Solarize": lambda: F.solarize(img, magnitude),
        "AutoContrast": lambda: F.autocontrast(img),
        "Equalize": lambda: F.equalize(img),
        "Invert": lambda: F.invert(img),
        "Identity": lambda: img,
    }
    if op_name not in ops:
        raise ValueError(f"The provided operator {op_name} is not recognized.")
    return ops[op_name]()


def _linspace(start: float, end: float, steps: int) -> np.ndarray:
    """float32 ``torch.linspace``: the first half counts up from ``start``, the second down
    from ``end``, each value one fused multiply-add rounded once (as torch's CPU kernel)."""
    start32, end32 = np.float32(start), np.float32(end)
    if steps <= 1:
        return np.full(steps, start32, dtype=np.float32)
    step = np.float64(np.float32((end32 - start32) / np.float32(steps - 1)))
    idx = np.arange(steps)
    up = np.float64(start32) + step * idx
    down = np.float64(end32) - step * (steps - 1 - idx)
    return np.where(idx < steps // 2, up, down).astype(np.float32)


def _posterize_bits(top: int, num_bins: int, span: int) -> np.ndarray:
    """``top - round(arange(num_bins) / ((num_bins - 1) / span))`` as int32."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.arange(num_bins, dtype=np.float32) / np.float32((num_bins - 1) / span)
        return top - np.round(ratio).astype(np.int32)


_NONE = np.array(0.0, dtype=np.float32)  # ops without a magnitude (0-d, like torch.tensor(0.))
_Space = Dict[str, Tuple[np.ndarray, bool]]


def _standard_space(num_bins: int, image_size: Tuple[int, int], identity: bool) -> _Space:
    """The AutoAugment / RandAugment magnitude bins for an image of ``(height, width)``."""
    height, width = image_size
    space = {"Identity": (_NONE, False)} if identity else {}
    for name, top in (("ShearX", 0.3), ("ShearY", 0.3),
                      ("TranslateX", 150.0 / 331.0 * width),
                      ("TranslateY", 150.0 / 331.0 * height), ("Rotate", 30.0),
                      ("Brightness", 0.9), ("Color", 0.9), ("Contrast", 0.9),
                      ("Sharpness", 0.9)):
        space[name] = (_linspace(0.0, top, num_bins), True)
    space["Posterize"] = (_posterize_bits(8, num_bins, 4), False)
    space["Solarize"] = (_linspace(255.0, 0.0, num_bins), False)
    space["AutoContrast"] = (_NONE, False)
    space["Equalize"] = (_NONE, False)
    return space


class _PolicyBase:
    """Fill handling shared by the policy transforms."""

    def __init__(self, interpolation: Any, fill: Optional[List[float]]) -> None:
        self.interpolation = interpolation
        self.fill = fill

    def _fill_for(self, img: Any, channels: int) -> Any:
        """Tensor images take one float per channel; PIL images take ``fill`` as given."""
        if F._is_tensor(img):
            if isinstance(self.fill, (int, float)):
                return [float(self.fill)] * channels
            if self.fill is not None:
                return [float(f) for f in self.fill]
        return self.fill


class AutoAugmentPolicy(Enum):
    """AutoAugment policies learned on different datasets: IMAGENET, CIFAR10 and SVHN."""

    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


_SubPolicy = Tuple[Tuple[str, float, Optional[int]], Tuple[str, float, Optional[int]]]
_POLICIES: Dict[str, List[_SubPolicy]] = {  # (op, probability, magnitude bin) pairs
    "imagenet": [
        (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)),
        (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
        (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)),
        (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
        (("Solarize", 0.6, 3), ("Equalize", 0.6, None)),
        (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
        (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)),
        (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
        (("Rotate", 0.8, 8), ("Color", 0.4, 0)),
        (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
        (("Equalize", 0.0, None), ("Equalize", 0.8, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
        (("Color", 0.8, 8), ("Solarize", 0.8, 7)),
        (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
        (("ShearX", 0.6, 5), ("Equalize", 1.0, None)),
        (("Color", 0.4, 0), ("Equalize", 0.6, None)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)),
        (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
    ],
    "cifar10": [
        (("Invert", 0.1, None), ("Contrast", 0.2, 6)),
        (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
        (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)),
        (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)),
        (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
        (("Color", 0.4, 3), ("Brightness", 0.6, 7)),
        (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
        (("Equalize", 0.6, None), ("Equalize", 0.5, None)),
        (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
        (("Color", 0.7, 7), ("TranslateX", 0.5, 8)),
        (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
        (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)),
        (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
        (("Solarize", 0.5, 2), ("Invert", 0.0, None)),
        (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.2, None), ("Equalize", 0.6, None)),
        (("Color", 0.9, 9), ("Equalize", 0.6, None)),
        (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)),
        (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
        (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)),
        (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)),
        (("Equalize", 0.8, None), ("Invert", 0.1, None)),
        (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None)),
    ],
    "svhn": [
        (("ShearX", 0.9, 4), ("Invert", 0.2, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.6, None), ("Solarize", 0.6, 6)),
        (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("AutoContrast", 0.8, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.4, None)),
        (("ShearY", 0.9, 5), ("Solarize", 0.2, 6)),
        (("Invert", 0.9, None), ("AutoContrast", 0.8, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("Solarize", 0.3, 3)),
        (("ShearY", 0.8, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.9, None), ("TranslateY", 0.6, 6)),
        (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Contrast", 0.3, 3), ("Rotate", 0.8, 4)),
        (("Invert", 0.8, None), ("TranslateY", 0.0, 2)),
        (("ShearY", 0.7, 6), ("Solarize", 0.4, 8)),
        (("Invert", 0.6, None), ("Rotate", 0.8, 4)),
        (("ShearY", 0.3, 7), ("TranslateX", 0.9, 3)),
        (("ShearX", 0.1, 6), ("Invert", 0.6, None)),
        (("Solarize", 0.7, 2), ("TranslateY", 0.6, 7)),
        (("ShearY", 0.8, 4), ("Invert", 0.8, None)),
        (("ShearX", 0.7, 9), ("TranslateY", 0.8, 3)),
        (("ShearY", 0.8, 5), ("AutoContrast", 0.7, None)),
        (("ShearX", 0.7, 2), ("Invert", 0.1, None)),
    ],
}


class AutoAugment(_PolicyBase):
    """Apply a sub-policy (two ops, each with its probability and magnitude) drawn from a
    policy learned on a dataset (AutoAugment, Cubuk et al. 2019).

    Args:
        policy: the AutoAugmentPolicy to draw from.
        interpolation: for the geometric ops (NEAREST or BILINEAR for tensors).
        fill: pixel fill for areas outside the transformed image.

    >>> aa = AutoAugment(AutoAugmentPolicy.CIFAR10)
    >>> tuple(aa(ember.zeros(3, 8, 8, dtype=ember.uint8)).shape)
    (3, 8, 8)
    """

    def __init__(self, policy: AutoAugmentPolicy = AutoAugmentPolicy.IMAGENET,
                 interpolation: InterpolationMode = InterpolationMode.NEAREST,
                 fill: Optional[List[float]] = None) -> None:
        super().__init__(interpolation, fill)
        self.policy = policy
        self.policies = self._get_policies(policy)

    def _get_policies(self, policy: AutoAugmentPolicy) -> List[_SubPolicy]:
        if not isinstance(policy, AutoAugmentPolicy):
            raise ValueError(f"The provided policy {policy} is not recognized.")
        return list(_POLICIES[policy.value])

    def _augmentation_space(self, num_bins: int, image_size: Tuple[int, int]) -> _Space:
        space = _standard_space(num_bins, image_size, identity=False)
        space["Invert"] = (_NONE, False)
        return space

    @staticmethod
    def get_params(transform_num: int) -> Tuple[int, Any, Any]:
        """(sub-policy index, the two ops' uniform draws, the two ops' signs in {0, 1})."""
        policy_id = _randint(0, transform_num)
        probs = np.array([_rand(), _rand()], dtype=np.float32)
        signs = np.array([_randint(0, 2), _randint(0, 2)], dtype=np.int64)
        return policy_id, _from_numpy(probs), _from_numpy(signs)

    def __call__(self, img: Any) -> Any:
        channels, height, width = F.get_dimensions(img)
        fill = self._fill_for(img, channels)
        transform_id, probs, signs = self.get_params(len(self.policies))
        op_meta = self._augmentation_space(10, (height, width))
        for i, (op_name, p, magnitude_id) in enumerate(self.policies[transform_id]):
            if float(probs[i]) <= p:
                magnitudes, signed = op_meta[op_name]
                magnitude = float(magnitudes[magnitude_id]) if magnitude_id is not None else 0.0
                if signed and int(signs[i]) == 0:
                    magnitude *= -1.0
                img = _apply_op(img, op_name, magnitude, interpolation=self.interpolation,
                                fill=fill)
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(policy={self.policy}, fill={self.fill})"


class RandAugment(_PolicyBase):
    """Apply ``num_ops`` ops drawn uniformly, each at bin ``magnitude`` of
    ``num_magnitude_bins`` (RandAugment, Cubuk et al. 2019).

    Args:
        num_ops: number of ops applied in sequence.
        magnitude: the magnitude bin used for every op.
        num_magnitude_bins: number of magnitude bins.
        interpolation: for the geometric ops (NEAREST or BILINEAR for tensors).
        fill: pixel fill for areas outside the transformed image.

    >>> out = RandAugment()(ember.zeros(3, 8, 8, dtype=ember.uint8))
    >>> tuple(out.shape), out.dtype
    ((3, 8, 8), torch.uint8)
    """

    def __init__(self, num_ops: int = 2, magnitude: int = 9, num_magnitude_bins: int = 31,
                 interpolation: InterpolationMode = InterpolationMode.NEAREST,
                 fill: Optional[List[float]] = None) -> None:
        super().__init__(interpolation, fill)
        self.num_ops = num_ops
        self.magnitude = magnitude
        self.num_magnitude_bins = num_magnitude_bins

    def _augmentation_space(self, num_bins: int, image_size: Tuple[int, int]) -> _Space:
        return _standard_space(num_bins, image_size, identity=True)

    def __call__(self, img: Any) -> Any:
        channels, height, width = F.get_dimensions(img)
        fill = self._fill_for(img, channels)
        op_meta = self._augmentation_space(self.num_magnitude_bins, (height, width))
        for _ in range(self.num_ops):
            op_name = list(op_meta)[_randint(0, len(op_meta))]
            magnitudes, signed = op_meta[op_name]
            magnitude = float(magnitudes[self.magnitude]) if magnitudes.ndim > 0 else 0.0
            if signed and _randint(0, 2):
                magnitude *= -1.0
            img = _apply_op(img, op_name, magnitude, interpolation=self.interpolation,
                            fill=fill)
        return img

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(num_ops={self.num_ops}, magnitude={self.magnitude}"
                f", num_magnitude_bins={self.num_magnitude_bins}, interpolation="
                f"{self.interpolation}, fill={self.fill})")


class TrivialAugmentWide(_PolicyBase):
    """Apply one op drawn uniformly at a magnitude bin drawn uniformly (TrivialAugment
    Wide, Müller & Hutter 2021).

    Args:
        num_magnitude_bins: number of magnitude bins.
        interpolation: for the geometric ops (NEAREST or BILINEAR for tensors).
        fill: pixel fill for areas outside the transformed image.

    >>> tuple(TrivialAugmentWide()(ember.zeros(1, 5, 7, dtype=ember.uint8)).shape)
    (1, 5, 7)
    """

    def __init__(self, num_magnitude_bins: int = 31,
                 interpolation: InterpolationMode = InterpolationMode.NEAREST,
                 fill: Optional[List[float]] = None) -> None:
        super().__init__(interpolation, fill)
        self.num_magnitude_bins = num_magnitude_bins

    def _augmentation_space(self, num_bins: int) -> _Space:
        space: _Space = {"Identity": (_NONE, False)}
        for name, top in (("ShearX", 0.99), ("ShearY", 0.99), ("TranslateX", 32.0),
                          ("TranslateY", 32.0), ("Rotate", 135.0), ("Brightness", 0.99),
                          ("Color", 0.99), ("Contrast", 0.99), ("Sharpness", 0.99)):
            space[name] = (_linspace(0.0, top, num_bins), True)
        space["Posterize"] = (_posterize_bits(8, num_bins, 6), False)
        space["Solarize"] = (_linspace(255.0, 0.0, num_bins), False)
        space["AutoContrast"] = (_NONE, False)
        space["Equalize"] = (_NONE, False)
        return space

    def __call__(self, img: Any) -> Any:
        channels, _, _ = F.get_dimensions(img)
        fill = self._fill_for(img, channels)
        op_meta = self._augmentation_space(self.num_magnitude_bins)
        op_name = list(op_meta)[_randint(0, len(op_meta))]
        magnitudes, signed = op_meta[op_name]
        magnitude = float(magnitudes[_randint(0, len(magnitudes))]) \
            if magnitudes.ndim > 0 else 0.0
        if signed and _randint(0, 2):
            magnitude *= -1.0
        return _apply_op(img, op_name, magnitude, interpolation=self.interpolation, fill=fill)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(num_magnitude_bins={self.num_magnitude_bins}"
                f", interpolation={self.interpolation}, fill={self.fill})")


class AugMix(_PolicyBase):
    """Mix the image with ``mixture_width`` random op chains (AugMix, Hendrycks et al. 2020).

    Args:
        severity: magnitude bins drawn from, 1 to 10.
        mixture_width: number of augmentation chains.
        chain_depth: ops per chain; a non-positive value draws it from [1, 3] per chain.
        alpha: the Dirichlet / Beta concentration of the mixing weights.
        all_ops: include Brightness, Color, Contrast and Sharpness.
        interpolation: for the geometric ops (NEAREST or BILINEAR for tensors).
        fill: pixel fill for areas outside the transformed image.

    >>> tuple(AugMix()(ember.zeros(2, 3, 6, 6, dtype=ember.uint8)).shape)
    (2, 3, 6, 6)
    """

    def __init__(self, severity: int = 3, mixture_width: int = 3, chain_depth: int = -1,
                 alpha: float = 1.0, all_ops: bool = True,
                 interpolation: InterpolationMode = InterpolationMode.BILINEAR,
                 fill: Optional[List[float]] = None) -> None:
        super().__init__(interpolation, fill)
        self._PARAMETER_MAX = 10
        if not 1 <= severity <= self._PARAMETER_MAX:
            raise ValueError(f"The severity must be between [1, {self._PARAMETER_MAX}]. Got "
                             f"{severity} instead.")
        self.severity = severity
        self.mixture_width = mixture_width
        self.chain_depth = chain_depth
        self.alpha = alpha
        self.all_ops = all_ops

    def _augmentation_space(self, num_bins: int, image_size: Tuple[int, int]) -> _Space:
        height, width = image_size
        space: _Space = {}
        for name, top in (("ShearX", 0.3), ("ShearY", 0.3), ("TranslateX", width / 3.0),
                          ("TranslateY", height / 3.0), ("Rotate", 30.0)):
            space[name] = (_linspace(0.0, top, num_bins), True)
        space["Posterize"] = (_posterize_bits(4, num_bins, 4), False)
        space["Solarize"] = (_linspace(255.0, 0.0, num_bins), False)
        space["AutoContrast"] = (_NONE, False)
        space["Equalize"] = (_NONE, False)
        if self.all_ops:
            for name in ("Brightness", "Color", "Contrast", "Sharpness"):
                space[name] = (_linspace(0.0, 0.9, num_bins), True)
        return space

    def _sample_dirichlet(self, params: np.ndarray) -> np.ndarray:
        """One Dirichlet draw per row of ``params``, as ``torch._sample_dirichlet`` draws it
        (gammas in double, normalised, rounded and kept inside (0, 1)); a method so tests can
        replace it."""
        gammas = np.maximum(standard_gamma(_generator(None), params.astype(np.float64)),
                            np.finfo(np.float64).tiny)
        x = (gammas / gammas.sum(-1, keepdims=True)).astype(np.float32)
        return np.clip(x, np.finfo(np.float32).tiny, np.nextafter(np.float32(1), 0))

    def _chain(self, aug: Any, op_meta: _Space, fill: Any) -> Any:
        depth = self.chain_depth if self.chain_depth > 0 else _randint(1, 4)
        for _ in range(depth):
            op_name = list(op_meta)[_randint(0, len(op_meta))]
            magnitudes, signed = op_meta[op_name]
            magnitude = float(magnitudes[_randint(0, self.severity)]) \
                if magnitudes.ndim > 0 else 0.0
            if signed and _randint(0, 2):
                magnitude *= -1.0
            aug = _apply_op(aug, op_name, magnitude, interpolation=self.interpolation,
                            fill=fill)
        return aug

    def __call__(self, orig_img: Any) -> Any:
        channels, height, width = F.get_dimensions(orig_img)
        fill = self._fill_for(orig_img, channels)
        img = orig_img if F._is_tensor(orig_img) else F.pil_to_tensor(orig_img)
        op_meta = self._augmentation_space(self._PARAMETER_MAX, (height, width))
        orig_dims = list(img.shape)
        batch = img.reshape([1] * max(4 - img.ndim, 0) + orig_dims)
        n = batch.shape[0]
        # a 2-parameter Dirichlet is the Beta weighting the original against the chains
        m = self._sample_dirichlet(np.full((n, 2), self.alpha, dtype=np.float32))
        weights = self._sample_dirichlet(
            np.full((n, self.mixture_width), self.alpha, dtype=np.float32)) * m[:, 1:]
        mix = m[:, 0].reshape(n, 1, 1, 1) * _arr(batch)
        for i in range(self.mixture_width):
            aug = self._chain(batch, op_meta, fill)
            mix += weights[:, i].reshape(n, 1, 1, 1) * _arr(aug)
        out = _wrap(img, mix.reshape(orig_dims).astype(_arr(img).dtype))
        return out if F._is_tensor(orig_img) else F.to_pil_image(out)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(severity={self.severity}, mixture_width="
                f"{self.mixture_width}, chain_depth={self.chain_depth}, alpha={self.alpha}"
                f", all_ops={self.all_ops}, interpolation={self.interpolation}"
                f", fill={self.fill})")


__all__ = ["AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix"]
