"""Probability distributions with PyTorch's ``torch.distributions`` API.

Sampling draws from ember's generators (``ember.manual_seed`` makes it reproducible);
``rsample`` is reparameterised and ``log_prob``, ``entropy`` and ``kl_divergence`` are
differentiable.

>>> import ember
>>> from ember.distributions import Normal, kl_divergence
>>> p, q = Normal(0.0, 1.0), Normal(1.0, 2.0)
>>> p.log_prob(ember.tensor(0.0))
tensor(-0.9189)
"""
from . import _more_a, _more_b, _more_c, constraints, transforms
from ._more_a import *  # noqa: F403
from ._more_b import *  # noqa: F403
from ._more_c import *  # noqa: F403
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .poisson import Poisson
from .relaxed_bernoulli import LogitRelaxedBernoulli, RelaxedBernoulli
from .relaxed_categorical import ExpRelaxedCategorical, RelaxedOneHotCategorical
from .transformed_distribution import TransformedDistribution
from .transforms import *
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Dirichlet", "Distribution",
           "ExpRelaxedCategorical", "Exponential", "ExponentialFamily", "Gamma",
           "Independent", "Laplace", "LogNormal", "LogitRelaxedBernoulli", "Multinomial",
           "MultivariateNormal", "Normal", "OneHotCategorical",
           "OneHotCategoricalStraightThrough", "Poisson", "RelaxedBernoulli",
           "RelaxedOneHotCategorical", "TransformedDistribution", "Uniform", "constraints",
           "kl_divergence", "register_kl", "transforms"]
__all__.extend(transforms.__all__)
__all__.extend(_more_a.__all__ + _more_b.__all__ + _more_c.__all__)
