"""Policies: model clients (OpenAI-compatible, local GGUF) and scripted/oracle/random baselines.

Choose one with a spec string (`parse_policy_spec`, `make_policy_factory`) or build it
directly. See ``docs/policy.md``.

Example:
    >>> import asyncio
    >>> from gymforge.policy import ScriptedPolicy
    >>> from gymforge.types import Message, Sampling
    >>> policy = ScriptedPolicy([Message.assistant("hello")])
    >>> asyncio.run(policy.act([], [], seed=0, sampling=Sampling())).content
    'hello'
"""

from gymforge.policy._base import Policy, ReferenceSource
from gymforge.policy._local import LocalPolicy, default_model_path
from gymforge.policy._openai import DEFAULT_OPENAI_URL, OpenAIPolicy
from gymforge.policy._oracle import OraclePolicy
from gymforge.policy._random import RandomPolicy, sample_json_schema
from gymforge.policy._scripted import ConstantPolicy, ResponseFn, ScriptedPolicy
from gymforge.policy._spec import (
    PolicyFactory,
    PolicySpec,
    make_policy_factory,
    parse_policy_spec,
)
from gymforge.policy._toolprompt import parse_tool_calls, render_history, render_tool_instructions

__all__ = [
    "ConstantPolicy",
    "DEFAULT_OPENAI_URL",
    "LocalPolicy",
    "OpenAIPolicy",
    "OraclePolicy",
    "Policy",
    "PolicyFactory",
    "PolicySpec",
    "RandomPolicy",
    "ReferenceSource",
    "ResponseFn",
    "ScriptedPolicy",
    "default_model_path",
    "make_policy_factory",
    "parse_policy_spec",
    "parse_tool_calls",
    "render_history",
    "render_tool_instructions",
    "sample_json_schema",
]
