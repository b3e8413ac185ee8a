"""Learning-rate schedulers (``ember.optim.lr_scheduler``), PyTorch's classes and arithmetic."""
from ._lr_base import EPOCH_DEPRECATION_WARNING, LRScheduler, _LRScheduler
from ._lr_composite import ChainedScheduler, ReduceLROnPlateau, SequentialLR
from ._lr_cyclic import CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR
from ._lr_simple import (ConstantLR, CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR,
                         MultiplicativeLR, MultiStepLR, PolynomialLR, StepLR)
from .optimizer import Optimizer

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR",
           "ConstantLR", "LinearLR", "ExponentialLR", "SequentialLR", "CosineAnnealingLR",
           "ChainedScheduler", "ReduceLROnPlateau", "CosineAnnealingWarmRestarts",
           "OneCycleLR", "CyclicLR", "PolynomialLR", "EPOCH_DEPRECATION_WARNING", "_LRScheduler",
           "Optimizer"]
