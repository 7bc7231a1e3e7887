"""Policies: model clients (OpenAI-compatible, local GGUF) and oracle/nothing/random baselines.

Choose one with a spec string (`parse_policy_spec`, `make_policy_factory`); kinds come from
the ``gymforge.policies`` entry-point group, so packages can add their own (`PolicyKind`).
Each episode's policy is made from a `PolicyContext`; only an `OracleFactory` is given the
env. See ``docs/policy.md``.

Example:
    >>> import asyncio
    >>> from gymforge.policy import ScriptedPolicy
    >>> from gymforge.types import Message, Sampling
    >>> policy = ScriptedPolicy([Message.assistant("hello")])
    >>> asyncio.run(policy.act([], [], seed=0, sampling=Sampling())).content
    'hello'
"""

from gymforge.policy._base import Policy, ReferenceSource
from gymforge.policy._context import OracleFactory, PolicyContext, PolicyFactory, episode_policy
from gymforge.policy._kinds import PolicyKind
from gymforge.policy._local import LocalPolicy, default_model_path
from gymforge.policy._openai import DEFAULT_OPENAI_URL, OpenAIPolicy
from gymforge.policy._oracle import OraclePolicy
from gymforge.policy._random import RandomPolicy, sample_json_schema
from gymforge.policy._registry import ENTRY_POINT_GROUP, policy_kinds
from gymforge.policy._scripted import ConstantPolicy, ResponseFn, ScriptedPolicy
from gymforge.policy._spec import (
    PolicySpec,
    make_policy_factory,
    parse_policy_spec,
    valid_forms,
)
from gymforge.policy._toolprompt import parse_tool_calls, render_history, render_tool_instructions

__all__ = [
    "ConstantPolicy",
    "DEFAULT_OPENAI_URL",
    "ENTRY_POINT_GROUP",
    "LocalPolicy",
    "OpenAIPolicy",
    "OracleFactory",
    "OraclePolicy",
    "Policy",
    "PolicyContext",
    "PolicyFactory",
    "PolicyKind",
    "PolicySpec",
    "RandomPolicy",
    "ReferenceSource",
    "ResponseFn",
    "ScriptedPolicy",
    "default_model_path",
    "episode_policy",
    "make_policy_factory",
    "parse_policy_spec",
    "parse_tool_calls",
    "policy_kinds",
    "render_history",
    "render_tool_instructions",
    "sample_json_schema",
    "valid_forms",
]
