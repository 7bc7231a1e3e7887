"""The Retail task family: procedurally composed, validated customer scenarios.

A task is a customer with one to three intents (see `_intents`), a persona, and
the gold steps that serve them under the policy. Every task is validated when it
is built by replaying its gold tool calls on a fresh copy of its world: every
call must succeed, the intents' expected facts must hold afterwards and not
before (so doing nothing fails), protected facts must be unchanged, and every id
the scenario references must exist. A draft that fails is dropped and the next
sub-seed tried; ``metadata["attempts"]`` and ``metadata["rejected"]`` say so.

Tasks ``16k .. 16k+15`` at one seed share one world (a shop's customers share one
database); after five failed attempts a task moves to a fresh world.

Difficulty scale:

1. one plain intent; the customer knows their email and order ids.
2. two intents (one may be a question or a trap); orders may be described by
   their contents and the customer may only know name and zip.
3. three intents with at least one policy trap (refuse or transfer); orders
   are described by contents.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict
from pathlib import Path
from typing import Any

from gymforge._util import derive_seed
from gymforge.envs.retail._db import canonical_state, diff_states, initial_state, load_world
from gymforge.envs.retail._grading import world_config_from
from gymforge.envs.retail._intents import ACTION_KINDS, INTENT_KINDS, Draft, IntentBuilder
from gymforge.envs.retail._tools import Shop
from gymforge.envs.retail._world import (
    Customer,
    World,
    WorldConfig,
    generate_world,
    load_world_file,
)
from gymforge.errors import ToolError
from gymforge.tasks import task_field
from gymforge.types import Task

__all__ = [
    "AUTH_QUESTION",
    "RetailTaskFamily",
    "validate_gold",
    "validate_gold_script",
    "validate_world_fields",
]

AUTH_QUESTION = (
    "Before I can help, I need to verify your identity. Could you tell me your email address? "
    "If you don't know it, your full name and zip code work too."
)
"""What the oracle asks first (the policy: authenticate before anything else)."""

WORLD_BLOCK = 16
"""Consecutive task indices that share one world (as a shop's customers share one database)."""

_GREETING = {
    "polite": "Hello! ",
    "terse": "",
    "chatty": "Hi there, I hope your day is going well. ",
}


def _holds(state: dict[str, Any], fact: list[Any]) -> bool:
    table, key, field_, value = fact
    return bool(state.get(table, {}).get(key, {}).get(field_) == value)


def validate_gold(
    world: World, intents: list[Draft], gold: list[dict[str, Any]], outage: str | None
) -> list[dict[str, Any]]:
    """Replay the gold calls on a fresh world; return the gold diff or raise ValueError.

    Example:
        >>> validate_gold(generate_world(0), [], [], None)
        Traceback (most recent call last):
        ...
        ValueError: doing nothing would pass: no intent changes the world or needs an answer
    """
    db = load_world(world)
    before = initial_state(world)
    shop = Shop(db)
    for step in gold:
        if "call" not in step or step["call"] == outage:
            continue
        try:
            shop.call(step["call"], step["args"])
        except ToolError as exc:
            raise ValueError(f"gold call {step['call']} failed: {exc}") from exc
    after = canonical_state(db)
    for d in intents:
        for fact in d.expect:
            if not _holds(after, fact):
                raise ValueError(f"{d.kind}: expected {fact} after the gold actions")
        for fact in d.protect:
            if not _holds(after, fact) or not _holds(before, fact):
                raise ValueError(f"{d.kind}: protected fact {fact} changed")
        for bad in d.forbidden:
            if bad["order_id"] not in before["orders"]:
                raise ValueError(f"{d.kind}: order {bad['order_id']} does not exist")
    undone = [d for d in intents for fact in d.expect if not _holds(before, fact)]
    if not undone and not any(d.outputs for d in intents):
        raise ValueError("doing nothing would pass: no intent changes the world or needs an answer")
    return diff_states(before, after)


def validate_world_fields(task: Task, who: str, *, world_file: bool = True) -> None:
    """Check the fields that rebuild a task's world: ``world_file``, else ``world_seed``.

    Shared by the Retail and Shopping families' ``validate_task`` hooks; `who` starts
    the reason ("Retail tasks", "Shopping tasks"). Without `world_file`, only a
    seeded world counts (Shopping has no saved worlds).

    Raises:
        ValueError: Naming the field that is missing or wrong.
    """
    path = task_field(
        task,
        "metadata",
        "world_file",
        kind=str,
        optional=True,
        why=f"{who} built on a saved world name its JSON file",
    )
    if path and world_file:
        if not Path(path).is_file():
            raise ValueError(
                f"metadata.world_file: no such file {path!r} ({who} are replayed on that world "
                "when they run and when they are graded, so it must stay readable)"
            )
        return
    task_field(
        task,
        "metadata",
        "world_seed",
        kind=int,
        why=f"{who} need the seed of the world they are built on"
        + (", or metadata.world_file" if world_file else ""),
    )
    config = task_field(
        task,
        "metadata",
        "world_config",
        kind=dict,
        optional=True,
        why="the domain randomisation of the generated world (null: the default)",
    )
    if config is not None:
        try:
            world_config_from(config)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"metadata.world_config: not a WorldConfig ({exc}); save it with "
                "dataclasses.asdict(WorldConfig(...)), or leave it out for the default"
            ) from None


def validate_gold_script(task: Task, who: str, *, say: bool) -> None:
    """Check ``metadata.gold``, the gold script the oracle plays: a list of steps.

    With `say`, a step may be text alone (``{"say": ...}``); else every step is a call.

    Raises:
        ValueError: Naming the first step that is wrong.
    """
    why = f"{who} carry the gold script the oracle plays and the env follows"
    gold = task_field(task, "metadata", "gold", kind=list, why=why)
    step_why = 'a gold step is {"say": text} or {"call": tool, "args": {...}}'
    for i, step in enumerate(gold):
        task_field(task, "metadata", "gold", i, kind=dict, why=step_why)
        if say and "call" not in step:
            task_field(task, "metadata", "gold", i, "say", kind=str, why=step_why)
            continue
        task_field(task, "metadata", "gold", i, "call", kind=str, why=step_why)
        task_field(task, "metadata", "gold", i, "args", kind=dict, why=step_why)
        if say:
            task_field(task, "metadata", "gold", i, "say", kind=str, optional=True, why=step_why)


class RetailTaskFamily:
    """Seeded generator of Retail customer-service tasks.

    Args:
        difficulty: Default difficulty (1-3); None draws one per task.
        faults: Compose tasks for the fault-injecting variant (some have a tool outage).
        world_config: Domain randomisation of the generated worlds.
        max_attempts: Sub-seeds tried before giving up.
        world_file: A world saved with `world_to_json`; every task is built on it
            (the path goes into the task metadata, so the file must stay readable).

    Example:
        >>> fam = RetailTaskFamily()
        >>> t = fam.generate(0, seed=1, difficulty=1)
        >>> t == fam.generate(0, seed=1, difficulty=1), t.id
        (True, 'retail/s1/0')
    """

    def __init__(
        self,
        *,
        difficulty: int | None = None,
        faults: bool = False,
        world_config: WorldConfig | None = None,
        max_attempts: int = 30,
        world_file: str | None = None,
    ) -> None:
        if difficulty is not None and difficulty not in (1, 2, 3):
            raise ValueError(f"difficulty must be 1, 2 or 3, got {difficulty}")
        self.name = "retail-faults" if faults else "retail"
        """Family name; task ids start with it."""
        self.difficulty = difficulty
        """Default difficulty; None mixes 1-3."""
        self.faults = faults
        self.world_config = world_config or WorldConfig()
        self.max_attempts = max_attempts
        self.world_file = world_file
        """A saved world (JSON) every task is built on, instead of generated ones."""

    def __repr__(self) -> str:
        return f"RetailTaskFamily(difficulty={self.difficulty}, faults={self.faults})"

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        """Item `index` of the family at `seed`."""
        level = difficulty or self.difficulty
        if level is not None and level not in (1, 2, 3):
            raise ValueError(f"difficulty must be 1, 2 or 3, got {level}")
        rejected: list[str] = []
        for attempt in range(self.max_attempts):
            rng = random.Random(derive_seed("retail-task", seed, index, attempt, self.faults))
            lvl = level or rng.choice((1, 2, 3))
            try:
                return self._compose(index, seed, lvl, attempt, rng, rejected)
            except ValueError as exc:
                rejected.append(f"attempt {attempt}: {exc}")
        raise ValueError(f"no valid retail task for index {index}, seed {seed}: {rejected[-3:]}")

    def validate_task(self, task: Task) -> None:
        """Check a hand-made task has what `RetailEnv`, its customer and its grader read.

        Needed: the world (``metadata.world_seed`` or ``metadata.world_file``; an
        optional ``metadata.world_config``), the customer (``metadata.user_id``,
        ``metadata.persona`` with ``identity`` and ``style``), the intents
        (``metadata.intents``: ``kind``, ``request``, ``reveal``, ``done_when`` and
        what it checks), the gold script (``metadata.gold``), an optional
        ``metadata.outage`` and the answer (``answer.db_diff``, ``answer.outputs``).

        Raises:
            ValueError: Naming the first field that is missing or wrong.
        """
        who = "Retail tasks"
        validate_world_fields(task, who)
        task_field(
            task,
            "metadata",
            "user_id",
            kind=str,
            why="the customer the agent must authenticate (the policy rules check it)",
        )
        for key in ("identity", "style"):
            task_field(
                task, "metadata", "persona", key, kind=str, why="how the simulated customer talks"
            )
        intents = task_field(
            task,
            "metadata",
            "intents",
            kind=list,
            why="the simulated customer's requests, in order",
        )
        if not intents:
            raise ValueError("metadata.intents: empty (a Retail task needs at least one intent)")
        done_kinds = ("db", "outputs", "refusal", "handoff")
        for i in range(len(intents)):
            at = ("metadata", "intents", i)
            task_field(task, *at, kind=dict, why="an intent is an object (see Draft.to_json)")
            task_field(task, *at, "kind", kind=str, choices=INTENT_KINDS, why="the intent's kind")
            task_field(task, *at, "request", kind=str, why="what the customer asks for")
            task_field(task, *at, "reveal", kind=dict, why="what the customer says when asked")
            how = task_field(
                task,
                *at,
                "done_when",
                kind=str,
                choices=done_kinds,
                why="how the customer sees the intent served",
            )
            task_field(
                task,
                *at,
                "expect",
                kind=list,
                optional=how != "db",
                why="the facts [table, key, field, value] that serve a 'db' intent",
            )
            task_field(
                task,
                *at,
                "outputs",
                kind=list,
                optional=how != "outputs",
                why="what the agent must say to serve an 'outputs' intent",
            )
            for key in ("check", "forbidden"):
                task_field(task, *at, key, kind=list, optional=True, why="a list when given")
        validate_gold_script(task, who, say=True)
        task_field(
            task,
            "metadata",
            "outage",
            kind=str,
            optional=True,
            why="the write tool that stays down (null: none)",
        )
        task_field(
            task,
            "answer",
            "db_diff",
            kind=list,
            why="the gold change of the database the grader compares with",
        )
        task_field(
            task, "answer", "outputs", kind=list, why="what the grader checks the agent said"
        )

    def _kinds(self, rng: random.Random, level: int) -> list[str]:
        plain = [*ACTION_KINDS, "info"]
        if level == 1:
            return [rng.choice(ACTION_KINDS)]
        if level == 2:
            second = rng.choice([*plain, "cancel_not_pending", "other_user_order"])
            return [rng.choice(ACTION_KINDS), second]
        trap = rng.choice(("cancel_not_pending", "other_user_order", "transfer"))
        kinds = [rng.choice(ACTION_KINDS), rng.choice(plain)]
        if trap == "transfer":
            return [*kinds, trap]
        kinds.insert(rng.randrange(3), trap)
        return kinds

    def _compose(
        self,
        index: int,
        seed: int,
        level: int,
        attempt: int,
        rng: random.Random,
        rejected: list[str],
    ) -> Task:
        world_seed = derive_seed("retail-world-of", seed, index // WORLD_BLOCK, attempt // 5) % (
            2**31
        )
        if self.world_file:
            world = load_world_file(self.world_file)
            world_seed = world.seed
        else:
            world = generate_world(world_seed, self.world_config)
        knows_email = level == 1 or rng.random() < 0.6
        describe = level == 3 or (level == 2 and rng.random() < 0.5)
        style = rng.choice(tuple(_GREETING))
        kinds = self._kinds(rng, level)
        found = None
        # The first customer (in a seeded order) who can be served all the intents.
        for user in rng.sample(list(world.customers), len(world.customers)):
            sub = random.Random(derive_seed("retail-intents", world_seed, user.user_id))
            found = self._intents(world, user, sub, kinds, describe)
            if found is not None:
                break
        if found is None:
            raise ValueError(f"no customer can be served {kinds}")
        user, intents = found
        outage = None
        if self.faults and rng.random() < 0.3:
            outage = self._outage(intents)
        gold: list[dict[str, Any]] = [{"say": AUTH_QUESTION}]
        if knows_email:
            gold.append({"call": "find_user_id_by_email", "args": {"email": user.email}})
            identity = f"My email is {user.email}."
        else:
            args = {
                "first_name": user.first_name,
                "last_name": user.last_name,
                "zip": user.address.zip,
            }
            gold.append({"call": "find_user_id_by_name_zip", "args": args})
            name = f"{user.first_name} {user.last_name}"
            identity = f"I don't remember my email. I'm {name}, zip code {user.address.zip}."
        gold.append({"call": "get_user_details", "args": {"user_id": user.user_id}})
        for d in intents:
            gold.extend(d.gold)
        db_diff = validate_gold(world, intents, gold, outage)
        outputs = [o for d in intents for o in d.outputs]
        persona = {"style": style, "identity": identity, "knows_email": knows_email}
        return Task(
            id=f"{self.name}/s{seed}/{index}",
            prompt=_GREETING[style] + intents[0].request,
            answer={"db_diff": db_diff, "outputs": outputs},
            family=self.name,
            difficulty=level,
            tags=tuple(f"intent:{d.kind}" for d in intents),
            metadata={
                "world_seed": world_seed,
                "world_config": json.loads(json.dumps(asdict(self.world_config))),
                "world_file": self.world_file,
                "user_id": user.user_id,
                "persona": persona,
                "intents": [d.to_json() for d in intents],
                "intent_kinds": [d.kind for d in intents],
                "gold": gold,
                "outage": outage,
                "attempts": attempt + 1,
                "rejected": list(rejected),
            },
        )

    @staticmethod
    def _intents(
        world: World, user: Customer, rng: random.Random, kinds: list[str], describe: bool
    ) -> tuple[Customer, list[Draft]] | None:
        builder = IntentBuilder(world, user, rng, describe_orders=describe)
        methods = {"return": builder.return_}
        intents: list[Draft] = []
        for kind in kinds:
            made = (methods.get(kind) or getattr(builder, kind))()
            if made is None:
                return None
            intents.append(made)
        return user, intents

    @staticmethod
    def _outage(intents: list[Draft]) -> str | None:
        """Make the first write tool stay down: the gold retries once, then transfers."""
        for i, d in enumerate(intents):
            if d.kind not in ACTION_KINDS:
                continue
            del intents[i + 1 :]
            call = next(s for s in d.gold if s.get("call") == d.write_tool)
            keep = d.gold[: d.gold.index(call) + 1]
            handoff = {
                "say": (
                    "Our system is not able to do this right now, so I'm transferring you to a "
                    "human agent."
                ),
                "call": "transfer_to_human_agents",
                "args": {
                    "summary": f"{d.write_tool} keeps failing; the customer's request is pending."
                },
            }
            d.gold = [*keep, dict(call), handoff]
            d.protect = [[t, k, f, v] for t, k, f, v in d.expect if t != "handoffs"]
            d.protect = []
            d.expect = [["handoffs", "count", "n", 1]]
            d.done_when = "handoff"
            return d.write_tool
        return None
