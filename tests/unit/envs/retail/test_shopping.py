import pytest

from gymforge.env import check_env, make, oracle_episode
from gymforge.envs.retail import ShoppingEnv, ShoppingTaskFamily, generate_world
from gymforge.envs.retail._grading import world_config_from
from gymforge.envs.retail._shopping import search_catalog
from gymforge.types import Message, ToolCall


def act(name: str, args: dict, i: int) -> Message:
    return Message.assistant(tool_calls=[ToolCall.make(name, args, id=f"s{i}")])


async def run(env: ShoppingEnv, task, calls: list[tuple[str, dict]]):
    from gymforge.env.authoring import episode_trajectory, turn_record

    obs, _ = await env.reset(seed=0, options={"task": task})
    msgs = list(obs)
    turns = []
    for i, (name, args) in enumerate(calls):
        result = await env.step(act(name, args, i))
        msgs += [act(name, args, i), *result.observation]
        turns.append(turn_record(result))
        if result.terminated:
            break
    traj = episode_trajectory(env, msgs, turns, seed=0, policy="t")
    return msgs, await env.grader().grade(task, traj)


def target(task):
    world = generate_world(
        task.metadata["world_seed"], world_config_from(task.metadata["world_config"])
    )
    for p in world.products:
        for v in p.variants:
            if v.item_id == task.metadata["target_item_id"]:
                return world, p, v
    raise AssertionError


async def test_oracle_scores_one_on_many_instructions() -> None:
    env = make("gymforge/Shopping-v0")
    for seed in range(80):
        traj = await oracle_episode(env, seed=seed)
        score = await env.grader().grade(env.task, traj)
        assert score.value == 1.0, (seed, score.explanation)


def test_instructions_always_have_a_matching_in_stock_item() -> None:
    fam = ShoppingTaskFamily()
    for i in range(60):
        task = fam.generate(i, seed=1)
        _, product, variant = target(task)
        assert variant.available
        assert product.name == task.answer["product"]
        assert all(tuple(o) in variant.options for o in task.answer["options"])
        assert variant.price_cents <= task.answer["price_limit_cents"]
        assert (
            len(task.answer["options"])
            == {1: 1, 2: min(2, len(variant.options)), 3: len(variant.options)}[task.difficulty]
        )


async def test_buying_nothing_scores_zero() -> None:
    task = ShoppingTaskFamily().generate(0, seed=0, difficulty=2)
    _, score = await run(ShoppingEnv(), task, [])
    assert score.value == 0.0


async def test_partial_credit_for_wrong_options_and_zero_for_wrong_type() -> None:
    task = ShoppingTaskFamily().generate(3, seed=0, difficulty=3)
    world, product, variant = target(task)
    wrong = next(v for v in product.variants if v.available and v.options != variant.options)
    calls = [("view", {"product_id": product.product_id})]
    calls += [("select_option", {"attribute": k, "value": v}) for k, v in wrong.options]
    _, score = await run(ShoppingEnv(), task, [*calls, ("buy", {})])
    asked = [tuple(o) for o in task.answer["options"]]
    matched = sum(o in wrong.options for o in asked)
    price = float(wrong.price_cents <= task.answer["price_limit_cents"])
    assert score.value == pytest.approx((matched + price) / (len(asked) + 1))
    assert score.value < 1.0
    other = next(p for p in world.products if p.name != product.name)
    v = next(v for v in other.variants if v.available)
    calls = [("view", {"product_id": other.product_id})]
    calls += [("select_option", {"attribute": a, "value": b}) for a, b in v.options]
    _, score = await run(ShoppingEnv(), task, [*calls, ("buy", {})])
    assert score.value == 0.0
    assert score.components["type"] == 0.0


async def test_buy_needs_every_option_and_stock() -> None:
    task = ShoppingTaskFamily().generate(1, seed=0)
    _, product, _ = target(task)
    msgs, score = await run(
        ShoppingEnv(),
        task,
        [("buy", {}), ("view", {"product_id": product.product_id}), ("buy", {})],
    )
    errors = [m.content for m in msgs if m.role == "tool"]
    assert errors[0].startswith("error: view a product")
    assert errors[2].startswith("error: select a value for")
    assert score.value == 0.0


async def test_search_is_paginated_and_rendered_as_text() -> None:
    env = ShoppingEnv()
    task = ShoppingTaskFamily().generate(0, seed=2)
    await env.reset(options={"task": task})
    world = env.world
    query = "black"
    hits = search_catalog(world, query)
    assert len(hits) > 3
    page1 = env.search(query, 1)
    assert "page 1 of" in page1
    assert page1.count("\n") == 3
    assert hits[3].product_id in env.search(query, 2)
    step = await env.step(act("search", {"query": query, "page": 99}, 0))
    assert step.observation[0].content.startswith("error: page must be between")


async def test_shopping_passes_check_env() -> None:
    await check_env(make("gymforge/Shopping-v0"), seed=1)
