from gymforge.envs.retail import RetailEnv, RetailTaskFamily
from gymforge.envs.retail._grading import compare_diffs
from gymforge.envs.retail._toolkit import mentions


def test_outputs_match_on_token_boundaries() -> None:
    assert not mentions("You paid $100.", "10")
    assert mentions("You paid $10.", "10")
    assert not mentions("It's 10.50", "10")
    assert mentions("Total: 123.45, thanks", "123.45")
    assert not mentions("Total: 1123.45", "123.45")


def test_field_level_diff_explains_what_differs() -> None:
    gold = [
        {
            "table": "orders",
            "key": "#W1",
            "field": "status",
            "before": "pending",
            "after": "cancelled",
        }
    ]
    extra = [{"table": "users", "key": "u", "field": "zip", "before": "1", "after": "2"}]
    assert compare_diffs(gold, gold) == []
    problems = compare_diffs(extra, gold)
    assert "orders[#W1].status: expected 'cancelled', got 'pending' (unchanged)" in problems
    assert "users[u].zip: should stay '1', got '2'" in problems
    # int/float are normalised before the comparison
    assert compare_diffs([{**gold[0], "after": 5.0}], [{**gold[0], "after": 5}]) == []


async def test_wrong_output_fails_only_the_outputs_component(h) -> None:
    fam = RetailTaskFamily()
    task = next(
        t
        for i in range(100)
        if "info" in (t := fam.generate(i, seed=2, difficulty=2)).metadata["intent_kinds"]
    )
    traj, score = await h.episode(RetailEnv(), task=task)
    assert score.value == 1.0
    value = task.answer["outputs"][0]
    tampered = [
        m.model_copy(update={"content": m.content.replace(value, "0" + value + "0")})
        if m.role == "assistant" and m.content
        else m
        for m in traj.messages
    ]
    low = await h.grade(task, tampered, dict(traj.info), traj.turns)
    assert low.components == {"db": 1.0, "outputs": 0.0, "policy": 1.0}


async def test_recorded_state_that_the_actions_do_not_explain_is_undecided(h) -> None:
    task = RetailTaskFamily().generate(0, seed=0, difficulty=1)
    fake = {"db_diff": task.answer["db_diff"]}  # claims the gold state without any action
    score = await h.grade(task, [], fake)
    assert score.value is None
    assert "disagrees" in score.explanation


async def test_do_nothing_gets_a_field_level_explanation(h) -> None:
    task = RetailTaskFamily().generate(0, seed=0, difficulty=1)
    score = await h.grade(task, [], {"db_diff": []})
    assert score.value == 0.0
    assert "expected" in score.explanation
    assert "(unchanged)" in score.explanation
