"""Terminal rendering for the CLI: summary tables and readable transcripts.

Data (ids, names, descriptions, answers) goes to rich as `Text`, never as markup, so
brackets in it ("gymforge[server]", "[x]") print as written.
"""

from __future__ import annotations

import json

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from gymforge.rollout import CurriculumReport, Summary
from gymforge.types import Message, Trajectory

__all__ = ["curriculum_line", "fmt", "range_warning", "summary_table", "transcript"]


def fmt(value: float | None, digits: int = 3) -> str:
    """A number for a table cell; "-" for None.

    Example:
        >>> fmt(0.12345), fmt(None)
        ('0.123', '-')
    """
    return "-" if value is None else f"{value:.{digits}f}"


def summary_table(summary: Summary, *, title: str) -> Table:
    """The run summary as a two-column table (metric, value)."""
    table = Table(title=Text(title), show_header=True, header_style="bold")
    table.add_column("metric")
    table.add_column("value", justify="right")
    rows: list[tuple[str, str]] = [
        ("episodes", str(summary.episodes)),
        ("tasks", str(summary.tasks)),
        ("mean reward", fmt(summary.mean_reward)),
        (f"pass@1 (reward >= {summary.threshold:g})", fmt(summary.pass_at_1)),
        (f"pass@{summary.k}", fmt(summary.pass_at_k)),
        (f"pass^{summary.k}", fmt(summary.pass_hat_k)),
        ("undecided (no reward)", str(summary.undecided)),
        ("errors", str(summary.errors)),
    ]
    rows += [(f"  errors: {b}", str(n)) for b, n in summary.errors_by_boundary.items()]
    if summary.incomplete_groups:
        rows.append((f"groups with < {summary.k} samples", str(summary.incomplete_groups)))
    k = summary.k
    slices = [(f"difficulty {level}", part) for level, part in summary.by_difficulty.items()]
    slices += [(f"tag {tag}", part) for tag, part in summary.by_tag.items()]
    for label, part in slices:
        text = f"n={part.episodes} reward={fmt(part.mean_reward)} pass@1={fmt(part.pass_at_1)}"
        if k > 1:
            text += f" pass@{k}={fmt(part.pass_at_k)} pass^{k}={fmt(part.pass_hat_k)}"
        rows.append((label, text))
    rows += [(f"milestone {name}", fmt(rate)) for name, rate in summary.milestone_rates.items()]
    rows.append(("mean turns", fmt(summary.mean_turns, 2)))
    rows.append(
        (
            "tokens (prompt / completion)",
            f"{summary.usage.prompt_tokens} / {summary.usage.completion_tokens}",
        )
    )
    for name, value in rows:
        table.add_row(Text(name), Text(value))
    warning = range_warning(summary)
    if warning is not None:
        table.add_row(Text("warning", style="bold red"), Text(warning, style="red"))
    return table


def range_warning(summary: Summary) -> str | None:
    """The summary's warning about rewards outside the env's declared range (None: none).

    Example:
        >>> from gymforge.rollout import RewardRangeCheck, summarize
        >>> s = summarize([]).model_copy(
        ...     update={"reward_range": RewardRangeCheck(low=0.0, high=None, outside=2)})
        >>> range_warning(s)
        "2 episode(s) with a reward outside the env's declared range [0, inf]"
    """
    check = summary.reward_range
    if check is None or not check.outside:
        return None
    low = "-inf" if check.low is None else f"{check.low:g}"
    high = "inf" if check.high is None else f"{check.high:g}"
    return (
        f"{check.outside} episode(s) with a reward outside the env's declared range [{low}, {high}]"
    )


def curriculum_line(report: CurriculumReport) -> str:
    """The level path of a curriculum run, runs of equal levels folded as ``level x waves``.

    Example:
        >>> from gymforge.rollout import CurriculumReport, WaveReport
        >>> waves = [WaveReport(level=v, tasks=8, episodes=8, successes=8) for v in (1, 1, 2)]
        >>> curriculum_line(CurriculumReport(family="f", levels=(1, 2, 3), wave_size=8,
        ...                                  waves=tuple(waves), final_level=3))
        'curriculum f (levels 1-3, 3 waves of 8 tasks): 1x2 -> 2; final level 3'
    """
    steps: list[list[int]] = []
    for level in report.level_path:
        if steps and steps[-1][0] == level:
            steps[-1][1] += 1
        else:
            steps.append([level, 1])
    path = " -> ".join(f"{level}x{n}" if n > 1 else str(level) for level, n in steps) or "-"
    return (
        f"curriculum {report.family} (levels {report.level_span}, {len(report.waves)} waves of "
        f"{report.wave_size} tasks): {path}; final level {report.final_level}"
    )


def _message_body(message: Message) -> Text:
    body = Text(message.content or "")
    for call in message.tool_calls or ():
        if body:
            body.append("\n")
        body.append(f"-> {call.function.name}({call.function.arguments})", style="cyan")
    if message.generation is not None:
        usage = message.generation.usage
        body.append(
            f"\n[{usage.prompt_tokens}+{usage.completion_tokens} tokens]", style="dim italic"
        )
    return body


def transcript(console: Console, t: Trajectory) -> None:
    """Print one episode readably: header, messages, turns, score, error."""
    console.print(
        Text.assemble(
            (f"{t.task_id}#{t.sample}", "bold"),
            f"  env={t.env_id}  policy={t.policy}  seed={t.seed}  run={t.run_id}",
        )
    )
    console.print(
        f"task answer: {json.dumps(t.task.answer)}  difficulty: {t.task.difficulty}", markup=False
    )
    styles = {"system": "magenta", "user": "green", "assistant": "blue", "tool": "yellow"}
    for message in t.messages:
        title = Text(message.role + (f" ({message.name})" if message.name else ""))
        console.print(Panel(_message_body(message), title=title, border_style=styles[message.role]))
    status = "terminated" if t.terminated else "truncated" if t.truncated else "unfinished"
    console.print(f"turns: {len(t.turns)} ({status})  reward: {fmt(t.reward)}")
    if t.score is not None:
        parts = ", ".join(f"{k}={fmt(v)}" for k, v in t.score.components.items())
        line = f"score: {fmt(t.score.value)} {parts}  {t.score.explanation}".rstrip()
        console.print(line, markup=False)
    if t.milestones:
        console.print(f"milestones: {json.dumps(t.milestones)}", markup=False)
    if t.error is not None:
        error = f"error at {t.error.boundary}: {t.error.type}: {t.error.message}"
        console.print(Text(error, style="red"), highlight=False)
