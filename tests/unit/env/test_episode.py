"""SeedStream and resolve_task: the fast paths give what the general rules give."""

from __future__ import annotations

import pytest

from gymforge._util import seeded_random
from gymforge.env.authoring import SeedStream, resolve_task
from gymforge.errors import ConfigError
from gymforge.tasks import ArithmeticFamily
from gymforge.types import Task


def test_fresh_stream_follows_seed_zero_sequence() -> None:
    reference = seeded_random("gymforge.env.seeds", 0)
    stream = SeedStream()
    assert [stream.next(None) for _ in range(3)] == [reference.getrandbits(63) for _ in range(3)]


def test_seeded_reset_restarts_the_sequence_from_that_seed() -> None:
    reference = seeded_random("gymforge.env.seeds", 42)
    stream = SeedStream()
    stream.next(None)
    assert stream.next(42) == 42
    assert [stream.next(None) for _ in range(2)] == [reference.getrandbits(63) for _ in range(2)]


@pytest.mark.parametrize("bad", [True, 1.0, "3"])
def test_non_int_seed_is_refused(bad: object) -> None:
    with pytest.raises(TypeError, match="seed must be an int"):
        SeedStream().next(bad)  # type: ignore[arg-type]


def test_negative_seed_is_refused() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        SeedStream().next(-1)


def test_pinned_task_is_returned_as_is() -> None:
    task = Task(id="pinned", prompt="1+1?", answer=2)
    assert resolve_task(ArithmeticFamily(1), 0, {"task": task}) is task


def test_pinned_task_with_unknown_option_is_still_refused() -> None:
    task = Task(id="pinned", prompt="1+1?", answer=2)
    with pytest.raises(ConfigError, match="unknown reset option"):
        resolve_task(ArithmeticFamily(1), 0, {"task": task, "colour": "red"})
