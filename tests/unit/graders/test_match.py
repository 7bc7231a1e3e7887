import re

import pytest

from gymforge.graders import env_reward, exact_match, json_schema, normalize_answer, regex_match


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("  Paris  ", "paris"),
        ("$x+1$", "x+1"),
        ("$$5$$.", "5"),
        ("1,234,567", "1234567"),
        ("-1,000.5", "-1000.5"),
        ("a, b", "a, b"),  # not a number: commas stay
        ("1,23", "1,23"),
        ("New   York\ncity", "new york city"),
        (r"\text{ Paris }", "paris"),
        (r"$\mathrm{NaCl}$.", "nacl"),
        (r"\text{a} + \text{b}", r"\text{a} + \text{b}"),
        (r"$\boxed{\text{Yes}}$", "yes"),
        (r"\boxed{1} + \boxed{2}", r"\boxed{1} + \boxed{2}"),
    ],
)
def test_normalize_answer(raw: str, normalized: str) -> None:
    assert normalize_answer(raw) == normalized


def test_normalize_answer_case_sensitive() -> None:
    assert normalize_answer(" Paris. ", case_sensitive=True) == "Paris"


@pytest.mark.parametrize(
    ("text", "gold", "kwargs", "expected"),
    [
        ("Answer: PARIS", "Paris", {}, 1.0),
        ("Answer: PARIS", "Paris", {"case_sensitive": True}, 0.0),
        (r"\boxed{1,000}", 1000, {}, 1.0),
        (r"\boxed{1,000}", 1000, {"normalize": False}, 0.0),
        (r"\boxed{ 5 }", "5", {"normalize": False}, 1.0),  # the extractor strips the box
        ("Answer: b", ["a", "b"], {}, 1.0),
        ("Answer: c", ["a", "b"], {}, 0.0),
        ("Answer: true", True, {}, 1.0),
        ("yes", "yes", {"extract": ("full",)}, 1.0),
        (r"\boxed{\text{Paris}}", "Paris", {}, 1.0),
    ],
)
async def test_exact_match(make_traj, text, gold, kwargs, expected) -> None:  # type: ignore[no-untyped-def]
    task, traj = make_traj(text, answer=gold)
    assert (await exact_match(**kwargs).grade(task, traj)).value == expected


async def test_exact_match_missing_answer_and_missing_gold(make_traj) -> None:  # type: ignore[no-untyped-def]
    task, traj = make_traj("Paris", answer="Paris")
    score = await exact_match().grade(task, traj)
    assert score.value == 0.0
    assert score.explanation == "no answer found: expected \\boxed{...} or an 'Answer: ...' line"
    task, traj = make_traj("Answer: Paris", answer=None)
    score = await exact_match().grade(task, traj)
    assert score.value is None
    assert "no answer" in score.explanation


async def test_regex_targets(make_traj) -> None:  # type: ignore[no-untyped-def]
    task, traj = make_traj("please wait", "Done.\nAnswer: 42")
    assert (await regex_match(r"^\d+$", on="answer").grade(task, traj)).value == 1.0
    assert (await regex_match(r"^\d+$").grade(task, traj)).value == 0.0
    assert (await regex_match("please").grade(task, traj)).value == 0.0
    assert (await regex_match("please", on="assistant").grade(task, traj)).value == 1.0
    assert (await regex_match("DONE", flags=re.IGNORECASE).grade(task, traj)).value == 1.0
    task, empty = make_traj()
    score = await regex_match("x").grade(task, empty)
    assert score.value == 0.0
    assert "no text" in score.explanation


def test_regex_bad_arguments() -> None:
    with pytest.raises(ValueError, match="invalid regular expression"):
        regex_match("(")
    with pytest.raises(ValueError, match="on must be"):
        regex_match("x", on="everything")  # type: ignore[arg-type]


SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name", "age"],
}


@pytest.mark.parametrize(
    ("text", "expected", "why"),
    [
        ('```json\n{"name": "Ada", "age": 36}\n```', 1.0, "valid"),
        ('Sure: {"name": "Ada", "age": 36}. Done.', 1.0, "valid"),
        ('```json\n{"name": "Ada", "age": 36,}\n```', 0.0, "invalid JSON"),
        ('{"name": "Ada", "age": -1}', 0.0, "at age: -1 is less than the minimum of 0"),
        ('{"age": 3}', 0.0, "(root): 'name' is a required property"),
        ("no json here", 0.0, "no JSON found"),
    ],
)
async def test_json_schema(make_traj, text: str, expected: float, why: str) -> None:  # type: ignore[no-untyped-def]
    task, traj = make_traj(text)
    score = await json_schema(SCHEMA).grade(task, traj)
    assert score.value == expected
    assert why in score.explanation


def test_json_schema_rejects_a_bad_schema() -> None:
    with pytest.raises(ValueError, match="invalid JSON Schema"):
        json_schema({"type": "no-such-type"})


async def test_env_reward_sums_turn_rewards(make_traj) -> None:  # type: ignore[no-untyped-def]
    task, traj = make_traj("move", rewards=[0.0, -0.5, 1.0, 0.25])
    assert (await env_reward().grade(task, traj)).value == 0.75
    task, none = make_traj()
    score = await env_reward().grade(task, none)
    assert score.value == 0.0
    assert "no turns" in score.explanation


async def test_json_schema_survives_hostile_nesting(make_traj) -> None:  # type: ignore[no-untyped-def]
    deep = "```json\n" + "[" * 100_000 + "]" * 100_000 + "\n```"
    task, traj = make_traj(deep)
    score = await json_schema({"type": "array"}).grade(task, traj)
    assert score.value == 0.0
    assert "too deeply" in score.explanation
    nested = "```json\n" + '{"a": ' * 900 + "1" + "}" * 900 + "\n```"
    task, traj = make_traj(nested)
    recursive = {"type": "object", "additionalProperties": {"$ref": "#"}}
    score = await json_schema(recursive).grade(task, traj)
    assert score.value in (0.0, 1.0)
