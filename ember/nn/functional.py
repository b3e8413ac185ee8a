"""``ember.nn.functional``: the math of every layer, as functions (PyTorch's names)."""
from __future__ import annotations

from ._functional.activation import *  # noqa: F401,F403
from ._functional.attention import *  # noqa: F401,F403
from ._functional.grid import *  # noqa: F401,F403
from ._functional.shuffle import *  # noqa: F401,F403
from ._functional.extra import *  # noqa: F401,F403
from ._functional.conv import *  # noqa: F401,F403
from ._functional.conv3d import *  # noqa: F401,F403
from ._functional.pool3d import *  # noqa: F401,F403
from ._functional.linear import *  # noqa: F401,F403
from ._functional.loss import *  # noqa: F401,F403
from ._functional.loss_extra import *  # noqa: F401,F403
from ._functional.norm import *  # noqa: F401,F403
from ._functional.pool import *  # noqa: F401,F403
from ._functional.sparse import *  # noqa: F401,F403
from ._functional.bag import *  # noqa: F401,F403
from ._functional.ctc import *  # noqa: F401,F403
