"""``ember.nn.utils``: gradient clipping, parameter/vector conversion, rnn packing."""
from __future__ import annotations

from . import clip_grad, convert_parameters  # noqa: F401
from .clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value_,  # noqa: F401
                        clip_grads_with_norm_, get_total_norm)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from . import parametrizations, parametrize, prune  # noqa: F401
from .spectral_norm import remove_spectral_norm, spectral_norm  # noqa: F401
from .weight_norm import remove_weight_norm, weight_norm  # noqa: F401

try:  # written separately (pack_padded_sequence ...)
    from . import rnn  # noqa: F401
except ImportError:  # pragma: no cover - until ember/nn/utils/rnn.py exists
    pass
