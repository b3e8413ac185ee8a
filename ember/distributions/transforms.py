"""Invertible transforms between constrained spaces, with log-det-Jacobians.

``TransformedDistribution`` pushes a base distribution through a list of these; ``LogNormal``,
``RelaxedBernoulli`` and tanh-squashed policies are built that way.
"""
from ._transform import ComposeTransform, IndependentTransform, Transform, identity_transform
from ._transforms_elementwise import (AbsTransform, AffineTransform, ExpTransform,
                                      PowerTransform, SigmoidTransform, SoftmaxTransform,
                                      SoftplusTransform, TanhTransform)

__all__ = ["AbsTransform", "AffineTransform", "ComposeTransform", "ExpTransform",
           "IndependentTransform", "PowerTransform", "SigmoidTransform", "SoftmaxTransform",
           "SoftplusTransform", "TanhTransform", "Transform", "identity_transform"]
