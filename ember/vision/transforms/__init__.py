"""Image transforms with torchvision's API (PIL images and ember tensors)."""
from . import functional
from .functional import InterpolationMode
from .transforms import (CenterCrop, ColorJitter, Compose, ConvertImageDtype, FiveCrop,
                         GaussianBlur, Grayscale, Lambda, Normalize, Pad, PILToTensor,
                         RandomAffine, RandomApply, RandomChoice, RandomCrop, RandomErasing,
                         RandomGrayscale, RandomHorizontalFlip, RandomOrder, RandomPerspective,
                         RandomResizedCrop, RandomRotation, RandomTransforms, RandomVerticalFlip,
                         Resize, TenCrop, ToPILImage, ToTensor)
from .transforms import (AugMix, AutoAugment, AutoAugmentPolicy, RandAugment,
                         RandomAdjustSharpness, RandomAutocontrast, RandomEqualize, RandomInvert,
                         RandomPosterize, RandomSolarize, TrivialAugmentWide)

__all__ = ["functional", "InterpolationMode", "Compose", "ToTensor", "PILToTensor",
           "ConvertImageDtype", "ToPILImage", "Normalize", "Resize", "CenterCrop", "Pad",
           "Lambda", "RandomTransforms", "RandomApply", "RandomOrder", "RandomChoice",
           "RandomHorizontalFlip", "RandomVerticalFlip", "RandomCrop", "RandomResizedCrop",
           "RandomRotation", "ColorJitter", "Grayscale", "RandomGrayscale", "GaussianBlur",
           "RandomAffine", "RandomPerspective", "RandomErasing", "FiveCrop", "TenCrop",
           "RandomInvert", "RandomPosterize", "RandomSolarize", "RandomAdjustSharpness",
           "RandomAutocontrast", "RandomEqualize", "AutoAugmentPolicy", "AutoAugment",
           "RandAugment", "TrivialAugmentWide", "AugMix"]
