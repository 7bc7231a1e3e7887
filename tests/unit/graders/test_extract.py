import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gymforge.graders import (
    EXTRACTORS,
    extract_answer,
    extract_answer_line,
    extract_boxed,
    extract_json_block,
    extract_last_number,
    final_text,
)
from gymforge.types import Message, ToolCall


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"\boxed{5}", "5"),
        (r"first \boxed{1} then \boxed{2}", "2"),
        (r"\boxed{\frac{1}{2}}", r"\frac{1}{2}"),
        (r"\boxed{ {a}{b} } tail", "{a}{b}"),
        (r"\fbox{yes}", "yes"),
        (r"\boxed {7}", "7"),
        (r"\boxed{\{1, 2\}}", r"\{1, 2\}"),
        (r"\boxed{3} then truncated \boxed{4", "3"),
        (r"\boxed{", None),
        (r"\boxed{9} then the format \boxed{} again", "9"),
        (r"\boxed{ }", None),
        ("no box at all", None),
        ("", None),
        (r"$\boxed{-12}$.", "-12"),
    ],
)
def test_extract_boxed(text: str, expected: str | None) -> None:
    assert extract_boxed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Answer: 42", "42"),
        ("answer: 1\nANSWER: 2", "2"),
        ("reasoning...\nFinal Answer: Paris.", "Paris."),
        ("**Answer:** 12", "12"),
        ("**Answer**: 12", "12"),
        ("The answer is: 9", "9"),
        ("> Answer: quoted", "quoted"),
        ("Answer:\n\n  7  ", "7"),
        ("Answer：五", "五"),
        ("the answer depends on x", None),
        ("My answer: later", None),
        ("Answer:", None),
        ("Answer:\nAnswer:\n", None),
        ("Answer: 5\nAnswer:\n\n", "5"),
    ],
)
def test_extract_answer_line(text: str, expected: str | None) -> None:
    assert extract_answer_line(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('```json\n{"a": 1}\n```\nthen ```json\n{"b": 2}\n```', '{"b": 2}'),
        ('```json\n{"a": 1,}\n```', '{"a": 1,}'),  # fenced but invalid: kept, grader says why
        ('noise {"a": {"b": 1}} more {"c": [1, 2]} end', '{"c": [1, 2]}'),
        ('{"a": 1} and a broken {"b": ', '{"a": 1}'),
        ("set {1, 2} is not JSON", None),
        ("no json", None),
    ],
)
def test_extract_json_block(text: str, expected: str | None) -> None:
    assert extract_json_block(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 then 2", "2"),
        ("total 1,234,567 dollars", "1,234,567"),
        ("roughly -2.5e-3.", "-2.5e-3"),
        ("ratio 3/4", "3/4"),
        ("minus −5", "-5"),
        ("v2 of x1", None),
        ("no digits", None),
        ("value .5", ".5"),
    ],
)
def test_extract_last_number(text: str, expected: str | None) -> None:
    assert extract_last_number(text) == expected


def test_extract_answer_follows_the_order_and_never_guesses() -> None:
    text = "Answer: 3\nbut really \\boxed{4}, or 5"
    assert extract_answer(text) == "4"
    assert extract_answer(text, order=("answer_line", "boxed")) == "3"
    assert extract_answer("it is 5") is None
    assert extract_answer("it is 5", order=("boxed", "last_number")) == "5"
    assert extract_answer("  yes \n", order=("full",)) == "yes"
    assert extract_answer(None) is None
    assert extract_answer("Put it in \\boxed{}.\nAnswer: 6") == "6"


def test_extract_answer_rejects_unknown_methods() -> None:
    with pytest.raises(ValueError, match="unknown extraction method 'boxd'"):
        extract_answer("x", order=("boxd",))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        extract_answer("x", order=())


def test_json_block_after_brace_heavy_latex() -> None:
    text = r"\frac{1}{2} \sqrt{x^{2}} " * 2000 + '{"ok": {"n": "}"}}' + " {not json}"
    assert extract_json_block(text) == '{"ok": {"n": "}"}}'
    assert extract_json_block("{" * 5000 + "}" * 5000) is None
    assert extract_json_block('{"a": ' + "[" * 5000 + "]" * 5000 + "}") is None


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("\\boxedfrac{}[]\"':,.-+/%eE0123456789 \nAnswr`json")))
    | st.text()
)
def test_extractors_never_raise_on_arbitrary_text(text: str) -> None:
    for name, fn in EXTRACTORS.items():
        out = fn(text)
        assert out is None or isinstance(out, str), name


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(exclude_characters="{}\\")))
def test_boxed_content_round_trips(content: str) -> None:
    assert extract_boxed(f"prefix \\boxed{{{content}}} suffix") == (content.strip() or None)


def test_final_text_is_the_last_assistant_message(make_traj) -> None:  # type: ignore[no-untyped-def]
    _, traj = make_traj("first", "second")
    assert final_text(traj) == "second"
    _, empty = make_traj()
    assert final_text(empty) is None
    call = ToolCall.make("f", {}, id="c0")
    tool_only = empty.model_copy(
        update={"messages": (*traj.messages, Message.assistant(tool_calls=[call]))}
    )
    assert final_text(tool_only) is None
