"""Invertible transforms between constrained spaces, with log-det-Jacobians.

``TransformedDistribution`` pushes a base distribution through a list of these; ``LogNormal``,
``RelaxedBernoulli`` and tanh-squashed policies are built that way.
"""
from ._transform import ComposeTransform, IndependentTransform, Transform, identity_transform
from ._transforms_elementwise import (AbsTransform, AffineTransform, ExpTransform,
                                      PowerTransform, SigmoidTransform, SoftmaxTransform,
                                      SoftplusTransform, TanhTransform)
from ._transforms_cat import CatTransform, StackTransform
from ._transforms_structured import (CorrCholeskyTransform, CumulativeDistributionTransform,
                                     LowerCholeskyTransform, PositiveDefiniteTransform,
                                     ReshapeTransform, StickBreakingTransform)

__all__ = ["AbsTransform", "AffineTransform", "CatTransform", "ComposeTransform",
           "CorrCholeskyTransform", "CumulativeDistributionTransform", "ExpTransform",
           "IndependentTransform", "LowerCholeskyTransform", "PositiveDefiniteTransform",
           "PowerTransform", "ReshapeTransform", "SigmoidTransform", "SoftmaxTransform",
           "SoftplusTransform", "StackTransform", "StickBreakingTransform", "TanhTransform",
           "Transform", "identity_transform"]
