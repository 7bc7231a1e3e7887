"""`RetailEnv`: the customer-service agent's episode over the shop's world."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, cast

from gymforge.env import Tool, ToolEnv
from gymforge.env.authoring import RESET_OPTIONS
from gymforge.envs.retail._db import (
    canonical_state,
    diff_states,
    initial_state,
    load_world,
    read_fact,
    state_digest,
)
from gymforge.envs.retail._faults import FaultConfig, FaultInjector
from gymforge.envs.retail._grading import retail_grader, world_of
from gymforge.envs.retail._policy import POLICY
from gymforge.envs.retail._tasks import RetailTaskFamily
from gymforge.envs.retail._toolkit import mentions
from gymforge.envs.retail._tools import READ_TOOLS, WRITE_TOOLS, Shop
from gymforge.envs.retail._user import LLMUser, ScriptedUser, UserSimulator
from gymforge.envs.retail._world import WorldConfig
from gymforge.errors import EnvError
from gymforge.policy import Policy
from gymforge.types import JsonValue, Message, Sampling, ToolCall, ToolOutcome

__all__ = ["RetailEnv"]


def _decoded(arguments: str) -> object:
    try:
        return json.loads(arguments)
    except ValueError:
        return None


_REFUSAL_CUES = (
    "cannot",
    "can't",
    "can not",
    "unable",
    "not able",
    "only help",
    "not allowed",
    "sorry",
)


class RetailEnv(ToolEnv):
    """An online shop's customer service: tools over a seeded database, a policy, a customer.

    The agent's text turns go to the simulated customer, whose answers are the
    next observation; tool calls are answered by the shop's tools. The episode
    ends when the customer says "###STOP###" or the agent transfers to a human.
    Reward is `RetailGrader`'s product of database, required-output and policy
    components. See ``docs/envs/retail.md``.

    Args:
        faults: Inject faults into tool calls: True for the default `FaultConfig`,
            a `FaultConfig`, or False. Also composes tasks with tool outages.
        difficulty: Task difficulty 1-3 (None: a mix).
        world_config: Domain randomisation of generated worlds.
        user: "scripted" (deterministic) or a `Policy` that plays the customer.
        user_sampling: Sampling for an LLM customer.
        world_file: A world saved with `world_to_json` to build every task on,
            instead of generated worlds.

    Example:
        >>> import asyncio
        >>> env = RetailEnv()
        >>> obs, info = asyncio.run(env.reset(seed=0))
        >>> obs[0].role, obs[1].role, len(info.tools)
        ('system', 'user', 15)
    """

    reset_options: ClassVar[frozenset[str]] = RESET_OPTIONS

    def __init__(
        self,
        *,
        faults: bool | FaultConfig = False,
        difficulty: int | None = None,
        world_config: WorldConfig | None = None,
        user: str | Policy = "scripted",
        user_sampling: Sampling | None = None,
        world_file: str | None = None,
    ) -> None:
        if isinstance(user, str) and user != "scripted":
            raise ValueError(f"user must be 'scripted' or a Policy, got {user!r}")
        family = RetailTaskFamily(
            difficulty=difficulty,
            faults=bool(faults),
            world_config=world_config or WorldConfig(),
            world_file=world_file,
        )
        super().__init__(family, retail_grader(), policy=POLICY)
        self._fault_config = FaultConfig() if faults is True else (faults or None)
        self._user_spec = user
        self._user_sampling = user_sampling
        self._shop: Shop | None = None
        self._user: UserSimulator | None = None
        self._before: dict[str, Any] = {}
        self._diff: list[dict[str, Any]] = []
        self._digest = ""
        self._gold_pos = 0
        self._retry: ToolCall | None = None
        self._faults: FaultInjector | None = None

    # --- episode state ------------------------------------------------------------
    @property
    def _meta(self) -> dict[str, Any]:
        return cast(dict[str, Any], self.task.metadata)

    @property
    def customer(self) -> UserSimulator:
        """The current episode's simulated customer."""
        if self._user is None:
            raise EnvError("no episode yet: call reset() first")
        return self._user

    @property
    def shop(self) -> Shop:
        """The current episode's shop (its database and tools)."""
        if self._shop is None:
            raise EnvError("no episode yet: call reset() first")
        return self._shop

    async def on_reset(self, options: Mapping[str, Any]) -> None:
        """Build the task's world, the faults and the simulated customer."""
        meta = self._meta
        world = world_of(meta)
        db = load_world(world)
        self._before = initial_state(world)
        self._diff = []
        self._digest = state_digest(self._before)
        outage = meta.get("outage")
        self._faults = FaultInjector(
            self._fault_config, seed=self.seed, outage=str(outage) if outage else None
        )
        self._shop = Shop(db, faults=self._faults)
        self._gold_pos = 0
        self._retry = None
        if isinstance(self._user_spec, str):
            self._user = ScriptedUser(meta, self._is_done, prompt=self.task.prompt)
        else:
            self._user = LLMUser(
                meta,
                self._is_done,
                self._user_spec,
                seed=self.seed,
                sampling=self._user_sampling,
                prompt=self.task.prompt,
            )
        self.milestones = {
            "authenticated": False,
            "writes": 0,
            "intents_done": 0,
            "handed_off": False,
        }

    async def opening_messages(self) -> Sequence[Message]:
        """The policy as system text, then the customer's first message."""
        return [Message.system(POLICY), Message.user(await self.customer.opening())]

    def available_tools(self) -> Sequence[Tool]:
        """The shop's tools (unbound specs before the first reset)."""
        if self._shop is None:
            return [getattr(Shop, n) for n in (*READ_TOOLS, *WRITE_TOOLS)]
        return self._shop.tools

    def info_extra(self) -> dict[str, JsonValue]:
        """The canonical diff of the database so far (what the grader compares)."""
        faults: list[JsonValue] = [list(f) for f in self._faults.log] if self._faults else []
        return {
            "db_diff": cast(list[JsonValue], self._diff),
            "db_digest": self._digest,
            "faults": faults,
        }

    # --- the simulated customer's view of the world -------------------------------
    def _is_done(self, index: int, agent_text: str) -> bool:
        intent = self._meta["intents"][index]
        how = intent["done_when"]
        if how == "db":
            return all(read_fact(self.shop.db, t, k, f) == v for t, k, f, v in intent["expect"])
        if how == "outputs":
            return all(mentions(agent_text, str(o)) for o in intent["outputs"])
        if how == "refusal":
            return any(c in agent_text.lower() for c in _REFUSAL_CUES)
        return bool(read_fact(self.shop.db, "handoffs", "count", "n"))

    # --- steps --------------------------------------------------------------------
    async def on_text(self, message: Message) -> Sequence[Message]:
        """A text turn goes to the customer; their answer is the observation."""
        reply = await self.customer.reply(message.content or "")
        self.milestones["intents_done"] = self._intents_done()
        if self.customer.finished:
            self.end_episode()
        return [Message.user(reply)]

    def _intents_done(self) -> int:
        n = 0
        for i, intent in enumerate(self._meta["intents"]):
            if intent["done_when"] in ("db", "handoff") and self._is_done(i, ""):
                n += 1
        return n

    async def after_step(
        self, action: Message, outcomes: Sequence[ToolOutcome]
    ) -> Sequence[Message]:
        """Update milestones, the state diff and the oracle's place from what the calls did."""
        wrote = False
        self._retry = None
        outage = self._faults.outage if self._faults is not None else None
        for outcome in outcomes:
            if (
                outcome.tool.startswith("find_user_id")
                and outcome.ok
                and outcome.reply.strip() == self._meta["user_id"]
            ):
                self.milestones["authenticated"] = True
            if outcome.tool in WRITE_TOOLS and outcome.ok:
                wrote = True
                self.milestones["writes"] = cast(int, self.milestones["writes"]) + 1
            if outcome.kind == "fault" and outcome.tool != outage and self._retry is None:
                self._retry = ToolCall.make(
                    outcome.tool, cast(dict[str, JsonValue], outcome.arguments), id=outcome.call_id
                )
        if wrote:
            state = canonical_state(self.shop.db)
            self._diff = diff_states(self._before, state)
            self._digest = state_digest(state)
            self.milestones["intents_done"] = self._intents_done()
        if read_fact(self.shop.db, "handoffs", "count", "n"):
            self.milestones["handed_off"] = True
            self.end_episode()
        if self._retry is None and self._follows_gold(action):
            self._gold_pos += 1
        return ()

    def _follows_gold(self, action: Message) -> bool:
        """True when `action` is the gold script's next step (what the oracle plays)."""
        gold = self._meta["gold"]
        if self._gold_pos >= len(gold):
            return False
        step = gold[self._gold_pos]
        calls = action.tool_calls or ()
        if (action.content or "") != (step.get("say") or ""):
            return False
        if "call" not in step:
            return not calls
        return (
            len(calls) == 1
            and calls[0].name == step["call"]
            and _decoded(calls[0].function.arguments) == step["args"]
        )

    async def reference_action(self) -> Message:
        """The gold script's next step (questions, confirmations, calls); a retry after a fault.

        A pure function of the state: the script's place moves on in `after_step`, when
        the agent's action is that step, never here.
        """
        tag = f"ref_{self.turn}"
        if self._retry is not None:
            call = self._retry
            return Message.assistant(
                tool_calls=[ToolCall.make(call.name, call.function.arguments, id=tag)]
            )
        gold = self._meta["gold"]
        if self._gold_pos >= len(gold):
            return Message.assistant("Is there anything else I can help you with?")
        step = gold[self._gold_pos]
        calls = [ToolCall.make(step["call"], step["args"], id=tag)] if "call" in step else None
        return Message.assistant(step.get("say"), tool_calls=calls)

    async def close(self) -> None:
        """Close the episode's database."""
        if self._shop is not None:
            self._shop.db.close()
            self._shop = None
