"""All layer modules of ember.nn (each group in its own file)."""
from __future__ import annotations

from .module import Module  # noqa: F401
from .container import *  # noqa: F401,F403
from .activation import *  # noqa: F401,F403
from .extra import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .conv3d import *  # noqa: F401,F403
from .pooling3d import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .loss_extra import *  # noqa: F401,F403
from .lazy import *  # noqa: F401,F403
from .data_parallel import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
from .bag import *  # noqa: F401,F403
from .ctc import *  # noqa: F401,F403
