"""The state-replay grader: rebuild the task's library, replay the writes, compare.

The grader never reads reply text and never trusts the env's live database: it builds
a fresh `Library` from the task (the same start the episode had), re-invokes the
episode's successful writes on it with `gymforge.env.replay_calls`, and compares the
state it ends in with the gold state (the task's ``answer``). A replayed call that
does not answer as it did in the episode means the record is not explained by its
calls (tampering, or a tool that is not deterministic): the score is undecided
(None), never a success. Reads are not replayed: they change nothing.

Example:
    >>> library_state().config
    {'factory': 'library_desk/library_state', 'args': {'name': 'library_state'}}
"""

from __future__ import annotations

from gymforge.env import replay_calls
from gymforge.graders import BuiltinGrader, register_grader
from gymforge.types import Score, Task, Trajectory

from library_desk.tasks import task_data
from library_desk.world import Library

__all__ = ["LibraryStateGrader", "library_state"]


class LibraryStateGrader(BuiltinGrader):
    """1.0 when the replayed final state equals the gold state; components per table.

    Components: ``loans`` and ``fines`` (1.0 when that part of the state matches the
    gold's). The value is 1.0 only when both match, so an extra write (lending a
    second book, taking a payment nobody offered) costs the whole reward.
    """

    async def grade(self, task: Task, trajectory: Trajectory) -> Score:
        """Replay the episode's successful writes on a fresh library and compare."""
        gold = task.answer
        if not isinstance(gold, dict) or set(gold) != {"loans", "fines"}:
            return Score(value=None, explanation=f"task {task.id!r} has no gold state")
        writes = trajectory.successful_calls(writes_only=True)
        with Library(task_data(task).world) as library:
            pairs = await replay_calls(writes, library.tools())
            for old, new in pairs:
                if new.kind != "ok" or new.reply != old.reply:
                    return Score(
                        value=None,
                        explanation=(
                            f"undecided: the replay of call {old.call_id!r} ({old.tool}) "
                            f"answered {new.kind}: {new.reply!r}, the episode {old.reply!r}"
                        ),
                    )
            state = library.state()
        components: dict[str, float | None] = {
            part: float(state[part] == gold[part]) for part in ("loans", "fines")
        }
        wrong = [part for part, v in components.items() if v != 1.0]
        value = 0.0 if wrong else 1.0
        explanation = (
            f"{len(pairs)} write(s) replayed; the final state matches the gold"
            if not wrong
            else f"{len(pairs)} write(s) replayed; {' and '.join(wrong)} differ from the gold"
        )
        return Score(value=value, components=components, explanation=explanation)


@register_grader
def library_state(*, name: str = "library_state") -> LibraryStateGrader:
    """The desk's grader: final library state by replay, against the gold state.

    Args:
        name: Metric name.
    """
    return LibraryStateGrader(name)
