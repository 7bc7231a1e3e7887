"""The Retail customer-service environment (and Shopping, the buyer's side of the same world).

See ``docs/envs/retail.md`` and ``docs/envs/shopping.md``.
"""

from gymforge.envs.retail._db import canonical_state, diff_states, load_world
from gymforge.envs.retail._env import RetailEnv
from gymforge.envs.retail._faults import FAULT_KINDS, FaultConfig, FaultInjector
from gymforge.envs.retail._grading import RetailGrader
from gymforge.envs.retail._metrics import intent_breakdown, pass_at_k, pass_hat_k
from gymforge.envs.retail._policy import POLICY, RULES, Violation, check_policy
from gymforge.envs.retail._shopping import (
    ShoppingEnv,
    ShoppingGrader,
    ShoppingTaskFamily,
    search_catalog,
)
from gymforge.envs.retail._tasks import RetailTaskFamily
from gymforge.envs.retail._tools import Shop
from gymforge.envs.retail._user import STOP, LLMUser, ScriptedUser, user_instructions
from gymforge.envs.retail._world import (
    World,
    WorldConfig,
    generate_world,
    load_world_file,
    world_from_json,
    world_to_json,
)

__all__ = [
    "FAULT_KINDS",
    "FaultConfig",
    "FaultInjector",
    "LLMUser",
    "POLICY",
    "RULES",
    "RetailEnv",
    "RetailGrader",
    "RetailTaskFamily",
    "STOP",
    "ScriptedUser",
    "Shop",
    "ShoppingEnv",
    "ShoppingGrader",
    "ShoppingTaskFamily",
    "Violation",
    "World",
    "WorldConfig",
    "canonical_state",
    "check_policy",
    "diff_states",
    "generate_world",
    "intent_breakdown",
    "load_world",
    "load_world_file",
    "pass_at_k",
    "pass_hat_k",
    "search_catalog",
    "user_instructions",
    "world_from_json",
    "world_to_json",
]
