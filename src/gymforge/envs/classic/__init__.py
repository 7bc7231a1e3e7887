"""A bridge from Gymnasium: any env with a `Discrete` action space as a gymforge env.

`GymToolEnv` renders observations as text and takes actions through an ``act``
tool validated against the action space; the env's reward, ``terminated`` and
``truncated`` pass through. Gymnasium's classic-control and toy-text envs are
registered as ``gymforge/<Name>-v0`` with default renderers and reference policies
(`Renderer` and `ReferencePolicy` are the types of ``renderer=`` and ``reference=``).
"""

from __future__ import annotations

import typing

from gymforge._util._lazy import lazy_exports as _lazy_exports

if typing.TYPE_CHECKING:
    from gymforge.envs.classic._bridge import GymFamily, GymToolEnv
    from gymforge.envs.classic._reference import ReferencePolicy
    from gymforge.envs.classic._render import Renderer

__all__ = ["GymFamily", "GymToolEnv", "ReferencePolicy", "Renderer"]

# Names load on first use: the registry runs ``_register.py`` without this package,
# and `make` imports only the module of the env it builds.
__getattr__, __dir__ = _lazy_exports(
    globals(),
    {
        "GymFamily": "._bridge",
        "GymToolEnv": "._bridge",
        "ReferencePolicy": "._reference",
        "Renderer": "._render",
    },
)
