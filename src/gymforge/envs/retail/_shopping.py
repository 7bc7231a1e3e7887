"""`gymforge/Shopping-v0`: the buyer's side of the Retail world.

The agent is a shopper with an instruction ("a rain jacket, size M, under $80")
and the shop's catalog behind four tools: ``search`` (paginated, text-rendered
results), ``view`` a product, ``select_option`` and ``buy``. Instructions are
generated from the catalog around an in-stock variant, so a matching item always
exists. The reward follows WebShop's formula: the bought product's type must
match, then (matched options + price within the limit) / (asked options + 1);
buying nothing scores 0.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

from gymforge._util import derive_seed
from gymforge.env import ToolEnv, replay_calls, tool
from gymforge.envs.retail._grading import world_config_from
from gymforge.envs.retail._tasks import validate_gold_script, validate_world_fields
from gymforge.envs.retail._toolkit import money
from gymforge.envs.retail._world import Product, Variant, World, WorldConfig, generate_world
from gymforge.errors import ToolError
from gymforge.graders import BuiltinGrader, register_grader
from gymforge.tasks import task_field
from gymforge.types import JsonValue, Message, Score, Task, ToolCall, ToolOutcome, Trajectory

__all__ = [
    "PAGE_SIZE",
    "ShoppingEnv",
    "ShoppingGrader",
    "ShoppingTaskFamily",
    "search_catalog",
    "shopping_grader",
]

PAGE_SIZE = 3
"""Search results per page."""

SYSTEM = (
    "You are a shopping assistant. Find the item that matches the customer's instruction in "
    "the shop's catalog and buy exactly one. Use search(query, page) to find products, "
    "view(product_id) to see options and prices, select_option(attribute, value) for every "
    "option, then buy(). Buying ends the episode."
)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def search_catalog(world: World, query: str) -> list[Product]:
    """Products matching the query's words, best first (name, category and option values).

    Example:
        >>> w = generate_world(0)
        >>> name = w.products[0].name
        >>> search_catalog(w, name)[0].name == name
        True
    """
    want = set(_words(query))
    scored = []
    for p in world.products:
        text = set(_words(f"{p.name} {p.category}"))
        text |= {w for v in p.variants for _, val in v.options for w in _words(val)}
        name_hits = len(want & set(_words(p.name)))
        hits = len(want & text)
        if hits:
            scored.append((-name_hits, -hits, p.name, p))
    return [p for *_, p in sorted(scored, key=lambda s: s[:3])]


def _opts(v: Variant) -> str:
    return ", ".join(f"{k} {val}" for k, val in v.options)


class ShoppingTaskFamily:
    """Seeded shopping instructions with a guaranteed matching in-stock item.

    Difficulty: 1 asks for one option and allows 30% over the price; 2 asks for
    two options and 15%; 3 asks for every option with the limit at the item's
    price rounded up to the dollar.

    Example:
        >>> t = ShoppingTaskFamily().generate(0, seed=0, difficulty=1)
        >>> t.id, "under $" in t.prompt
        ('shopping/s0/0', True)
    """

    def __init__(
        self, *, difficulty: int | None = None, world_config: WorldConfig | None = None
    ) -> None:
        if difficulty is not None and difficulty not in (1, 2, 3):
            raise ValueError(f"difficulty must be 1, 2 or 3, got {difficulty}")
        self.name = "shopping"
        """Family name; task ids start with it."""
        self.difficulty = difficulty
        """Default difficulty; None mixes 1-3."""
        self.world_config = world_config or WorldConfig()

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        """Item `index` of the family at `seed`."""
        rng = random.Random(derive_seed("shopping-task", seed, index))
        level = difficulty or self.difficulty or rng.choice((1, 2, 3))
        world_seed = derive_seed("shopping-world", seed, index // 16) % (2**31)
        world = generate_world(world_seed, self.world_config)
        product = rng.choice(world.products)
        target = rng.choice([v for v in product.variants if v.available])
        n = {1: 1, 2: min(2, len(target.options)), 3: len(target.options)}[level]
        asked = sorted(rng.sample(list(target.options), n))
        slack = {1: 1.3, 2: 1.15, 3: 1.0}[level]
        limit = int(math.ceil(target.price_cents * slack / 100.0))
        wants = ", ".join(f"{k} {v}" for k, v in asked)
        prompt = f"I'm looking for a {product.name.lower()} with {wants}, under ${limit}."
        results = search_catalog(world, product.name)
        page = results.index(product) // PAGE_SIZE + 1
        gold: list[dict[str, Any]] = [
            {"call": "search", "args": {"query": product.name.lower(), "page": 1}}
        ]
        if page > 1:
            gold.append({"call": "search", "args": {"query": product.name.lower(), "page": page}})
        gold.append({"call": "view", "args": {"product_id": product.product_id}})
        gold += [
            {"call": "select_option", "args": {"attribute": k, "value": v}}
            for k, v in target.options
        ]
        gold.append({"call": "buy", "args": {}})
        return Task(
            id=f"shopping/s{seed}/{index}",
            prompt=prompt,
            answer={
                "product": product.name,
                "options": [list(o) for o in asked],
                "price_limit_cents": limit * 100,
            },
            family=self.name,
            difficulty=level,
            metadata={
                "world_seed": world_seed,
                "world_config": cast(JsonValue, _config_json(self.world_config)),
                "target_item_id": target.item_id,
                "gold": gold,
            },
        )

    def validate_task(self, task: Task) -> None:
        """Check a hand-made task has what `ShoppingEnv` and its grader read.

        Needed: ``metadata.world_seed`` (an optional ``metadata.world_config``), the
        gold script ``metadata.gold`` (``{"call", "args"}`` steps) and the answer:
        ``answer.product``, ``answer.options`` (one or more ``[attribute, value]``)
        and ``answer.price_limit_cents``.

        Raises:
            ValueError: Naming the first field that is missing or wrong.
        """
        who = "Shopping tasks"
        validate_world_fields(task, who, world_file=False)
        validate_gold_script(task, who, say=False)
        task_field(task, "answer", "product", kind=str, why="the product type the grader checks")
        why = "the [attribute, value] options asked for, one or more; the grader scores the share"
        options = task_field(task, "answer", "options", kind=list, why=why)
        if not options:
            raise ValueError(f"answer.options: empty ({why})")
        for i, option in enumerate(options):
            task_field(task, "answer", "options", i, kind=list, why=why)
            if len(option) != 2:
                raise ValueError(
                    f"answer.options[{i}]: expected 2 items, got {len(option)} ({why})"
                )
            for j in (0, 1):
                task_field(task, "answer", "options", i, j, kind=str, why=why)
        task_field(
            task, "answer", "price_limit_cents", kind=int, why="the price limit the grader checks"
        )


def _config_json(cfg: WorldConfig) -> dict[str, Any]:
    import dataclasses
    import json

    return cast(dict[str, Any], json.loads(json.dumps(dataclasses.asdict(cfg))))


class ShoppingGrader(BuiltinGrader):
    """WebShop-style reward of the item bought in the transcript (0 when nothing was bought).

    Components: ``type`` (the product type asked for), ``options`` (share of asked
    options matched), ``price`` (within the limit). Value = type x (matched
    options + price) / (asked options + 1).
    """

    def __init__(self) -> None:
        super().__init__("shopping")

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Score the purchase: the episode's calls replayed on a fresh shop say what was bought.

        A replayed call that does not answer as it did in the episode makes the score
        undecided (the record is not explained by its calls).
        """
        meta = cast(dict[str, Any], task.metadata)
        answer = cast(dict[str, Any], task.answer)
        shop = ShoppingEnv()
        await shop.reset(seed=trajectory.seed, options={"task": task})
        problems = [
            f"{old.tool} (call {old.call_id}) replayed as {new.kind}: {new.reply}"
            for old, new in await replay_calls(
                trajectory.successful_calls(), shop.available_tools()
            )
            if new.kind != "ok" or new.reply != old.reply
        ]
        if problems:
            return Score(
                value=None,
                explanation="the episode's calls do not replay as recorded: " + "; ".join(problems),
            )
        bought = [shop.bought] if shop.bought is not None else []
        if not bought:
            return Score(
                value=0.0,
                components={"type": 0.0, "options": 0.0, "price": 0.0},
                explanation="nothing bought",
            )
        world = generate_world(int(meta["world_seed"]), world_config_from(meta.get("world_config")))
        found = [(p, v) for p in world.products for v in p.variants if v.item_id == bought[0]]
        if not found:
            return Score(value=None, explanation=f"bought item {bought[0]} is not in the catalog")
        product, variant = found[0]
        asked = [tuple(o) for o in answer["options"]]
        matched = sum(1 for o in asked if o in variant.options)
        type_ok = float(product.name == answer["product"])
        price_ok = float(variant.price_cents <= int(answer["price_limit_cents"]))
        value = type_ok * (matched + price_ok) / (len(asked) + 1)
        return Score(
            value=value,
            components={"type": type_ok, "options": matched / len(asked), "price": price_ok},
            explanation=(
                f"bought {product.name} ({_opts(variant)}) for ${money(variant.price_cents)}; "
                f"asked {answer['product']} with {asked} under "
                f"${money(int(answer['price_limit_cents']))}"
            ),
        )


@register_grader
def shopping_grader() -> ShoppingGrader:
    """`ShoppingGrader`, built so that its recorded config rebuilds it (what `ShoppingEnv` uses).

    Example:
        >>> shopping_grader().config
        {'factory': 'gymforge/shopping_grader', 'args': {}}
    """
    return ShoppingGrader()


class ShoppingEnv(ToolEnv):
    """Shop for an item matching an instruction in the Retail world's catalog.

    Example:
        >>> import asyncio
        >>> env = ShoppingEnv()
        >>> obs, info = asyncio.run(env.reset(seed=0))
        >>> [t.name for t in info.tools]
        ['search', 'view', 'select_option', 'buy']
    """

    def __init__(
        self, *, difficulty: int | None = None, world_config: WorldConfig | None = None
    ) -> None:
        super().__init__(
            ShoppingTaskFamily(difficulty=difficulty, world_config=world_config), shopping_grader()
        )
        self._world: World | None = None
        self._viewing: Product | None = None
        self._selection: dict[str, str] = {}
        self._gold_pos = 0
        self.bought: str | None = None
        """The item id bought in this episode (None until `buy` succeeds)."""

    async def on_reset(self, options: Mapping[str, Any]) -> None:
        """Load the task's world and clear the shopper's state."""
        meta = cast(dict[str, Any], self.task.metadata)
        self._world = generate_world(
            int(meta["world_seed"]), world_config_from(meta.get("world_config"))
        )
        self._viewing = None
        self._selection = {}
        self._gold_pos = 0
        self.bought = None
        self.milestones = {"viewed": 0, "bought": False}

    async def opening_messages(self) -> Sequence[Message]:
        """The shopping instructions and the customer's request."""
        return [Message.system(SYSTEM), Message.user(self.task.prompt)]

    @property
    def world(self) -> World:
        """The current episode's world."""
        if self._world is None:
            raise ToolError("no episode: reset first")
        return self._world

    @tool
    def search(self, query: str, page: int = 1) -> str:
        """Search the catalog; results are shown three per page.

        Args:
            query: Words to look for (product type, colour, size, ...).
            page: Which page of results, starting at 1.
        """
        results = search_catalog(self.world, query)
        pages = max(1, math.ceil(len(results) / PAGE_SIZE))
        if not 1 <= page <= pages:
            raise ToolError(f"page must be between 1 and {pages}")
        lines = [f"Results for {query!r} (page {page} of {pages}):"]
        for i, p in enumerate(
            results[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], (page - 1) * PAGE_SIZE + 1
        ):
            prices = [v.price_cents for v in p.variants if v.available]
            lines.append(
                f"{i}. [{p.product_id}] {p.name} ({p.category}): ${money(min(prices))} to "
                f"${money(max(prices))}"
            )
        if not results:
            lines.append("(no products match)")
        return "\n".join(lines)

    @tool
    def view(self, product_id: str) -> str:
        """Open a product: its options and in-stock variants with prices.

        Args:
            product_id: The id shown in brackets in search results.
        """
        found = [p for p in self.world.products if p.product_id == product_id.strip("[] ")]
        if not found:
            raise ToolError(f"no product {product_id}; use an id from the search results")
        p = self._viewing = found[0]
        self._selection = {}
        self.milestones["viewed"] = cast(int, self.milestones["viewed"]) + 1
        lines = [f"{p.name} [{p.product_id}]", "Options:"]
        for attr in p.attributes:
            values = sorted({dict(v.options)[attr] for v in p.variants})
            lines.append(f"  {attr}: {', '.join(values)}")
        lines.append("In stock:")
        lines += [f"  {_opts(v)}: ${money(v.price_cents)}" for v in p.variants if v.available]
        return "\n".join(lines)

    @tool
    def select_option(self, attribute: str, value: str) -> str:
        """Choose a value for one option of the product being viewed.

        Args:
            attribute: The option's name, e.g. "size".
            value: The value, e.g. "M".
        """
        if self._viewing is None:
            raise ToolError("view a product first")
        if attribute not in self._viewing.attributes:
            raise ToolError(
                f"{self._viewing.name} has no option {attribute!r}; it has "
                f"{list(self._viewing.attributes)}"
            )
        values = {dict(v.options)[attribute] for v in self._viewing.variants}
        if value not in values:
            raise ToolError(f"{attribute} must be one of {sorted(values)}")
        self._selection[attribute] = value
        return "Selected: " + ", ".join(f"{k} {v}" for k, v in sorted(self._selection.items()))

    @tool
    def buy(self) -> str:
        """Buy the product being viewed with the selected options (ends the episode)."""
        p = self._viewing
        if p is None:
            raise ToolError("view a product and select its options first")
        missing = [a for a in p.attributes if a not in self._selection]
        if missing:
            raise ToolError(f"select a value for: {', '.join(missing)}")
        match = [v for v in p.variants if dict(v.options) == self._selection]
        if not match or not match[0].available:
            raise ToolError("that combination is not in stock; pick another")
        v = match[0]
        self.bought = v.item_id
        self.milestones["bought"] = True
        self.end_episode()
        return f"Bought item {v.item_id}: {p.name} ({_opts(v)}) for ${money(v.price_cents)}."

    async def reference_action(self) -> Message:
        """The next gold call: search (to the right page), view, select every option, buy."""
        gold = cast(list[dict[str, Any]], self.task.metadata["gold"])
        if self._gold_pos >= len(gold):
            return Message.assistant("I have bought the item.")
        step = gold[self._gold_pos]
        return Message.assistant(
            tool_calls=[ToolCall.make(step["call"], step["args"], id=f"ref_{self.turn}")]
        )

    async def after_step(
        self, action: Message, outcomes: Sequence[ToolOutcome]
    ) -> Sequence[Message]:
        """Move the gold script on when the step ran exactly its next call."""
        gold = cast(list[dict[str, Any]], self.task.metadata["gold"])
        if self._gold_pos < len(gold) and len(outcomes) == 1 and outcomes[0].ok:
            step = gold[self._gold_pos]
            if (outcomes[0].tool, outcomes[0].arguments) == (step["call"], step["args"]):
                self._gold_pos += 1
        return ()
