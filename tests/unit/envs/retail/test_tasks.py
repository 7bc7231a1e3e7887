import pytest

from gymforge.envs.retail import RetailTaskFamily, WorldConfig, generate_world
from gymforge.envs.retail._grading import world_config_from
from gymforge.envs.retail._intents import ACTION_KINDS, TRAP_KINDS
from gymforge.envs.retail._tasks import validate_gold


def test_item_i_at_seed_s_is_always_the_same_task() -> None:
    fam = RetailTaskFamily()
    assert fam.generate(4, seed=9) == RetailTaskFamily().generate(4, seed=9)
    assert fam.generate(4, seed=9) != fam.generate(5, seed=9)


@pytest.mark.parametrize(("level", "count"), [(1, 1), (2, 2), (3, 3)])
def test_difficulty_sets_the_number_and_kind_of_intents(level: int, count: int) -> None:
    fam = RetailTaskFamily()
    for i in range(15):
        task = fam.generate(i, seed=3, difficulty=level)
        kinds = task.metadata["intent_kinds"]
        assert task.difficulty == level
        assert len(kinds) == count
        if level == 1:
            assert kinds[0] in ACTION_KINDS
            assert task.metadata["persona"]["knows_email"]
        if level == 3:
            assert set(kinds) & set(TRAP_KINDS)
        if "transfer" in kinds:
            assert kinds[-1] == "transfer"


def test_bad_difficulty_is_rejected() -> None:
    with pytest.raises(ValueError, match="difficulty"):
        RetailTaskFamily(difficulty=4)
    with pytest.raises(ValueError, match="difficulty"):
        RetailTaskFamily().generate(0, seed=0, difficulty=7)


def test_every_intent_kind_is_generated() -> None:
    fam = RetailTaskFamily()
    seen = {k for i in range(80) for k in fam.generate(i, seed=1).metadata["intent_kinds"]}
    assert seen == {*ACTION_KINDS, "info", *TRAP_KINDS}


def test_tasks_carry_validation_metadata_and_retries_are_recorded() -> None:
    # A tiny shop cannot serve most intent mixes, so drafts fail and are retried.
    tiny = WorldConfig(n_customers=(3, 3), orders_per_customer=(1, 2))
    fam = RetailTaskFamily(world_config=tiny, max_attempts=60)
    tasks = [fam.generate(i, seed=2) for i in range(10)]
    assert all(t.metadata["attempts"] == len(t.metadata["rejected"]) + 1 for t in tasks)
    retried = [t for t in tasks if t.metadata["attempts"] > 1]
    assert retried, "expected drafts to fail validation and be retried"
    assert all(r.startswith("attempt ") for t in retried for r in t.metadata["rejected"])


def test_generation_that_never_validates_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from gymforge.envs.retail._intents import IntentBuilder

    for kind in (
        "cancel",
        "modify_address",
        "modify_items",
        "modify_payment",
        "user_address",
        "return_",
        "exchange",
    ):
        monkeypatch.setattr(IntentBuilder, kind, lambda self: None)
    with pytest.raises(ValueError, match="no valid retail task.*no customer can be served"):
        RetailTaskFamily(max_attempts=3).generate(0, seed=0, difficulty=1)


def test_the_gold_replays_to_the_recorded_diff() -> None:
    from gymforge.envs.retail._intents import Draft

    fam = RetailTaskFamily()
    for i in range(20):
        task = fam.generate(i, seed=4)
        meta = task.metadata
        world = generate_world(meta["world_seed"], world_config_from(meta["world_config"]))
        drafts = [
            Draft(
                kind=d["kind"],
                request=d["request"],
                expect=d["expect"],
                protect=d["protect"],
                outputs=d["outputs"],
                forbidden=d["forbidden"],
            )
            for d in meta["intents"]
        ]
        assert validate_gold(world, drafts, meta["gold"], meta["outage"]) == task.answer["db_diff"]


def test_validation_rejects_a_failing_gold_call_and_a_trivial_task() -> None:
    from gymforge.envs.retail._intents import Draft

    world = generate_world(0)
    delivered = next(o for o in world.orders if o.status == "delivered")
    bad = [
        {
            "call": "cancel_pending_order",
            "args": {"order_id": delivered.order_id, "reason": "no longer needed"},
        }
    ]
    with pytest.raises(ValueError, match="gold call cancel_pending_order failed"):
        validate_gold(world, [Draft("cancel", "x")], bad, None)
    with pytest.raises(ValueError, match="doing nothing would pass"):
        validate_gold(world, [Draft("info", "x")], [], None)
    ghost = Draft(
        "other_user_order",
        "x",
        forbidden=[{"tool": "cancel_pending_order", "order_id": "#W0"}],
        outputs=["x"],
    )
    with pytest.raises(ValueError, match="does not exist"):
        validate_gold(world, [ghost], [], None)


def test_refusal_intents_assert_what_must_not_change() -> None:
    fam = RetailTaskFamily()
    traps = [
        d
        for i in range(60)
        for d in fam.generate(i, seed=5).metadata["intents"]
        if d["kind"] in ("cancel_not_pending", "other_user_order")
    ]
    assert traps
    assert all(d["protect"] and d["forbidden"] for d in traps)


def test_fault_family_composes_outage_tasks() -> None:
    fam = RetailTaskFamily(faults=True)
    tasks = [fam.generate(i, seed=0) for i in range(40)]
    outages = [t for t in tasks if t.metadata["outage"]]
    assert outages
    assert all(t.id.startswith("retail-faults/") for t in tasks)
    for t in outages:
        assert t.metadata["gold"][-1]["call"] == "transfer_to_human_agents"
        calls = [s.get("call") for s in t.metadata["gold"]]
        assert calls.count(t.metadata["outage"]) == 2  # one try and one retry, then the hand-off
