from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gymforge.graders import numeric, parse_number


@pytest.mark.parametrize(
    ("text", "value", "percent"),
    [
        ("42", Fraction(42), False),
        ("-7", Fraction(-7), False),
        ("−7", Fraction(-7), False),
        ("+3", Fraction(3), False),
        ("3.25", Fraction(13, 4), False),
        (".5", Fraction(1, 2), False),
        ("1,234,567", Fraction(1234567), False),
        ("1.5e3", Fraction(1500), False),
        ("2E-2", Fraction(1, 50), False),
        ("3/4", Fraction(3, 4), False),
        ("-3/4", Fraction(-3, 4), False),
        (r"\frac{1}{3}", Fraction(1, 3), False),
        (r"\dfrac{-2}{4}", Fraction(-1, 2), False),
        (r"-\frac{3}{4}", Fraction(-3, 4), False),
        (r"$\tfrac{ 5 }{ 2 }$", Fraction(5, 2), False),
        ("$12$.", Fraction(12), False),
        ("x = 5", Fraction(5), False),
        (r"$\boxed{-2}$.", Fraction(-2), False),
        ("50%", Fraction(50), True),
        (r"12.5\%", Fraction(25, 2), True),
        ("1\\,000", Fraction(1000), False),
    ],
)
def test_parse_number_accepts(text: str, value: Fraction, percent: bool) -> None:
    assert parse_number(text) == (value, percent)


@pytest.mark.parametrize(
    "text",
    ["", "seven", "1/0", "1e99999", "1,23", "2 + 3", "1.2.3", "--5", r"\frac{1}{0}", "9" * 5000],
)
def test_parse_number_rejects(text: str) -> None:
    assert parse_number(text) is None


async def grade(text: str, answer: object, make_traj, **kwargs) -> tuple[float | None, str]:  # type: ignore[no-untyped-def]
    task, traj = make_traj(text, answer=answer)
    score = await numeric(**kwargs).grade(task, traj)
    return score.value, score.explanation


@pytest.mark.parametrize(
    ("text", "gold", "expected"),
    [
        (r"\boxed{0.5}", 0.5, 1.0),
        (r"\boxed{\frac{1}{2}}", 0.5, 1.0),
        (r"\boxed{1/2}", "1/2", 1.0),
        ("Answer: 1,000", 1000, 1.0),
        ("Answer: -3", -3, 1.0),
        ("Answer: 0.30000000000000004", 0.3, 1.0),
        ("Answer: 0.31", 0.3, 0.0),
        (r"\boxed{4}", [3, 4], 1.0),
        (r"\boxed{5}", [3, 4], 0.0),
    ],
)
async def test_numeric_grades(make_traj, text: str, gold: object, expected: float) -> None:  # type: ignore[no-untyped-def]
    value, _ = await grade(text, gold, make_traj)
    assert value == expected


async def test_percent_is_not_silently_applied(make_traj) -> None:  # type: ignore[no-untyped-def]
    assert (await grade(r"\boxed{50\%}", 0.5, make_traj))[0] == 0.0
    value, why = await grade(r"\boxed{50\%}", 50, make_traj)
    assert value == 1.0
    assert "% ignored" in why
    assert (await grade(r"\boxed{50\%}", 0.5, make_traj, percent_ok=True))[0] == 1.0
    assert (await grade(r"\boxed{50\%}", 50, make_traj, percent_ok=True))[0] == 1.0
    assert (await grade(r"\boxed{0.5}", "50%", make_traj, percent_ok=True))[0] == 1.0
    assert (await grade(r"\boxed{0.5}", "50%", make_traj))[0] == 0.0


async def test_tolerances(make_traj) -> None:  # type: ignore[no-untyped-def]
    assert (await grade("Answer: 101", 100, make_traj, rel_tol=0.01))[0] == 1.0
    assert (await grade("Answer: 102", 100, make_traj, rel_tol=0.01))[0] == 0.0
    assert (await grade("Answer: 0.05", 0, make_traj, abs_tol=0.1))[0] == 1.0
    with pytest.raises(ValueError, match="rel_tol"):
        numeric(rel_tol=-1)
    with pytest.raises(ValueError, match="abs_tol"):
        numeric(abs_tol=float("nan"))


async def test_missing_answer_is_zero_not_none(make_traj) -> None:  # type: ignore[no-untyped-def]
    value, why = await grade("I think it is 4", 4, make_traj)
    assert value == 0.0
    assert why.startswith("no answer found: expected \\boxed{...}")
    value, why = await grade("Answer: four", 4, make_traj)
    assert value == 0.0
    assert "not a number" in why
    task, traj = make_traj(answer=4)
    assert (await numeric().grade(task, traj)).value == 0.0


async def test_last_number_only_when_asked(make_traj) -> None:  # type: ignore[no-untyped-def]
    assert (await grade("so 4", 4, make_traj))[0] == 0.0
    assert (await grade("so 4", 4, make_traj, extract=("boxed", "last_number")))[0] == 1.0


@pytest.mark.parametrize("gold", [None, "n/a", True, {"a": 1}, float("inf"), []])
async def test_non_numeric_gold_is_undecided(make_traj, gold: object) -> None:  # type: ignore[no-untyped-def]
    value, why = await grade(r"\boxed{1}", gold, make_traj)
    assert value is None
    assert "cannot grade" in why


_numbers = st.fractions(max_denominator=1000).filter(lambda f: abs(f) < 10**12) | st.integers(
    -(10**15), 10**15
).map(Fraction)


@settings(max_examples=150, deadline=None)
@given(a=_numbers, b=_numbers, rel=st.sampled_from([0.0, 1e-9, 1e-3, 0.5]))
def test_closeness_is_symmetric(a: Fraction, b: Fraction, rel: float) -> None:
    grader = numeric(rel_tol=rel, abs_tol=1e-6)
    assert grader.close(a, b) == grader.close(b, a)
    assert grader.close(a, a)


@settings(max_examples=150, deadline=None)
@given(st.integers(-(10**12), 10**12), st.integers(1, 10**6))
def test_written_fractions_parse_exactly(num: int, den: int) -> None:
    assert parse_number(f"{num}/{den}") == (Fraction(num, den), False)
    assert parse_number(rf"\frac{{{num}}}{{{den}}}") == (Fraction(num, den), False)


@settings(max_examples=150, deadline=None)
@given(st.integers(-(10**30), 10**30), st.sampled_from(["", "+", "00"]))
def test_bare_integers_parse_like_decimals(value: int, prefix: str) -> None:
    text = f"{prefix}{value}" if value >= 0 else str(value)
    assert parse_number(text) == (Fraction(value), False)
    assert parse_number(f"{text}.0") == (Fraction(value), False)  # the general path agrees


def test_integer_length_limit_holds_on_the_fast_path() -> None:
    assert parse_number("9" * 4000) == (Fraction(int("9" * 4000)), False)
    assert parse_number("9" * 4001) is None


async def test_equal_values_match_even_with_zero_tolerance(make_traj) -> None:  # type: ignore[no-untyped-def]
    task, traj = make_traj(r"\boxed{-1234}", answer=-1234)
    score = await numeric(rel_tol=0.0, abs_tol=0.0).grade(task, traj)
    assert score.value == 1.0
    task, traj = make_traj(r"\boxed{-1235}", answer=-1234)
    assert (await numeric(rel_tol=0.0, abs_tol=0.0).grade(task, traj)).value == 0.0
