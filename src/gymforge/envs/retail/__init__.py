"""The Retail customer-service environment (and Shopping, the buyer's side of the same world).

The envs, their task families and their configuration: `WorldConfig` (domain
randomisation), `FaultConfig` with `FAULT_KINDS` (injected tool faults), and
`generate_world` / `world_to_json` to write a world file for ``world_file=``. See
``docs/envs/retail.md`` and ``docs/envs/shopping.md``.
"""

from __future__ import annotations

import typing

from gymforge._util._lazy import lazy_exports as _lazy_exports

if typing.TYPE_CHECKING:
    from gymforge.envs.retail._env import RetailEnv
    from gymforge.envs.retail._faults import FAULT_KINDS, FaultConfig
    from gymforge.envs.retail._shopping import ShoppingEnv, ShoppingTaskFamily
    from gymforge.envs.retail._tasks import RetailTaskFamily
    from gymforge.envs.retail._world import WorldConfig, generate_world, world_to_json

__all__ = [
    "FAULT_KINDS",
    "FaultConfig",
    "RetailEnv",
    "RetailTaskFamily",
    "ShoppingEnv",
    "ShoppingTaskFamily",
    "WorldConfig",
    "generate_world",
    "world_to_json",
]

# Names load on first use: the registry runs ``_register.py`` without this package,
# and `make` imports only the module of the env it builds.
__getattr__, __dir__ = _lazy_exports(
    globals(),
    {
        "FAULT_KINDS": "._faults",
        "FaultConfig": "._faults",
        "RetailEnv": "._env",
        "RetailTaskFamily": "._tasks",
        "ShoppingEnv": "._shopping",
        "ShoppingTaskFamily": "._shopping",
        "WorldConfig": "._world",
        "generate_world": "._world",
        "world_to_json": "._world",
    },
)
