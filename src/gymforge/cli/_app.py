"""The `gymforge` command: list, show, run, inspect, serve."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from gymforge.cli._render import curriculum_line, fmt, summary_table, transcript
from gymforge.errors import ConfigError, EnvError, GymforgeError, NotFoundError
from gymforge.rollout import (
    ENV_DEFAULT,
    CurriculumSpec,
    EnvFactory,
    RunConfig,
    group_stats,
    run,
    scan_trajectories,
    summarize,
)
from gymforge.types import Sampling, Trajectory

__all__ = ["app", "main", "run_cli"]

app = typer.Typer(
    name="gymforge",
    help="Build, run, grade and audit RL environments for LLM agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Help texts are plain text: as rich markup, "gymforge[server]" would lose "[server]".
    rich_markup_mode=None,
)

_out = Console()
_err = Console(stderr=True, highlight=False)


def _say(message: str) -> None:
    _err.print(message, markup=False, soft_wrap=True)


def _failure(exc: BaseException) -> str:
    """``Type: message (file:line)``, the line being where it was raised."""
    where = ""
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f" ({exc.filename}:{exc.lineno})"
    elif exc.__traceback__ is not None:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f" ({frame.filename}:{frame.lineno})"
    return f"{type(exc).__name__}: {exc}{where}"


_ImportOption = Annotated[
    list[str] | None,
    typer.Option(
        "--import",
        metavar="MODULE",
        help="Import MODULE first (repeatable), e.g. a local file that registers envs; "
        "the current directory is searched.",
    ),
]


def _import_modules(modules: Sequence[str] | None) -> None:
    """Import each `--import` module, with the current directory on ``sys.path``.

    Raises:
        ConfigError: A module is not found or fails while importing; names it.
    """
    if not modules:
        return
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)  # the CLI owns this process; a console script lacks the cwd
    for name in modules:
        if not all(part.isidentifier() for part in name.split(".")):
            stem = Path(name).stem
            raise ConfigError(
                f"--import {name!r} is not a module name: give the name Python imports it by "
                f"(e.g. --import {stem} for {stem}.py in the current directory)"
            )
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not (name == exc.name or name.startswith(exc.name + ".")):
                raise ConfigError(f"--import {name!r} failed: {_failure(exc)}") from exc
            stem = name.removesuffix(".py")
            hint = f"; for the file {name}, give its module name: --import {stem}"
            raise ConfigError(
                f"--import {name!r}: no module named {exc.name!r} in the current directory "
                f"({cwd}) or on sys.path{hint if stem != name else ''}"
            ) from exc
        except Exception as exc:  # the module's own code failed: name it, no traceback
            raise ConfigError(f"--import {name!r} failed: {_failure(exc)}") from exc


@app.command("list")
def list_command(import_: _ImportOption = None) -> None:
    """List registered envs with their versions and descriptions."""
    from gymforge.env import list_envs

    _import_modules(import_)
    specs = list_envs()
    table = Table(title="gymforge envs", header_style="bold")
    # Ids are copied into commands: never truncate them; the description wraps instead.
    table.add_column("id", no_wrap=True, min_width=max((len(s.id) for s in specs), default=2))
    table.add_column("version", justify="right")
    table.add_column("max turns", justify="right")
    table.add_column("description", ratio=1)
    for spec in specs:
        max_turns = "-" if spec.max_turns is None else str(spec.max_turns)
        table.add_row(Text(spec.id), f"v{spec.version}", max_turns, Text(spec.description))
    _out.print(table)


@app.command("show")
def show_command(
    env_id: Annotated[
        str, typer.Argument(metavar="ENV", help="Env id, e.g. gymforge/Arithmetic-v0.")
    ],
    seed: Annotated[int, typer.Option(help="Seed of the sample task.")] = 0,
    import_: _ImportOption = None,
) -> None:
    """Show an env: its tools and their schemas, its policy text, a sample task."""
    from gymforge.env import spec

    _import_modules(import_)
    env_spec = spec(env_id)
    observation, info, task = asyncio.run(_opening(env_id, seed))
    _out.print(
        f"[bold]{escape(env_spec.id)}[/bold]  v{env_spec.version}  {escape(env_spec.description)}"
    )
    _out.print(f"max turns: {env_spec.max_turns}  nondeterministic: {env_spec.nondeterministic}")
    _out.print(f"\n[bold]tools[/bold] ({len(info.tools)})")
    for tool in info.tools:
        writes = "  [yellow](writes)[/yellow]" if tool.writes else ""
        _out.print(f"[cyan]{escape(tool.name)}[/cyan]{writes}: {escape(tool.description)}")
        _out.print_json(json.dumps(tool.parameters))
    if not info.tools:
        _out.print("(none: the agent answers in text)")
    _out.print("\n[bold]policy[/bold]")
    _out.print(info.policy or "(none)", markup=False)
    _out.print(f"\n[bold]sample task[/bold] (seed {seed})")
    _out.print_json(json.dumps(task.model_dump(mode="json"), ensure_ascii=False))
    _out.print("\n[bold]opening messages[/bold]")
    for message in observation:
        _out.print(f"[bold]{message.role}[/bold]: ", end="")
        _out.print(message.content or "", markup=False)


async def _opening(env_id: str, seed: int) -> tuple[Any, Any, Any]:
    """Build `env_id`, reset it at `seed`, close it: (observation, info, task).

    Raises:
        EnvError: The env's own code failed (constructor, reset, task, close); one line.
    """
    from gymforge.env import make

    stage = "failed to build"
    try:
        env = make(env_id)
    except GymforgeError:
        raise
    except Exception as exc:  # the env author's code: say where, without a traceback
        raise EnvError(f"env {env_id} {stage}: {_failure(exc)}") from exc
    try:
        stage = f"failed on reset(seed={seed})"
        observation, info = await env.reset(seed=seed)
        task = env.task
        stage = "failed to close"
        await env.close()
    except GymforgeError:
        raise
    except Exception as exc:
        raise EnvError(f"env {env_id} {stage}: {_failure(exc)}") from exc
    return observation, info, task


def _parse_env_kwargs(pairs: Sequence[str]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--env-kwarg {pair!r}: expected KEY=VALUE (VALUE as JSON or text)")
        try:
            kwargs[key] = json.loads(raw)
        except ValueError:
            kwargs[key] = raw
    return kwargs


@app.command("run")
def run_command(
    env_id: Annotated[
        str, typer.Argument(metavar="ENV", help="Env id, e.g. gymforge/Arithmetic-v0.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Trajectories JSONL file (resumable).")],
    policy: Annotated[
        str,
        typer.Option(
            help="oracle, nothing, random, local, local:FILE.gguf, openai:MODEL, "
            "openai:MODEL@URL, py:module:factory, or an installed plugin's kind "
            "(docs/policy.md)"
        ),
    ] = "oracle",
    tasks: Annotated[
        int | None,
        typer.Option(
            "--tasks", "-n", min=1, help="Number of tasks (default: all of --tasks-file, or 10)."
        ),
    ] = None,
    group_size: Annotated[
        int, typer.Option("--group-size", "-g", min=1, help="Samples per task (k of pass@k).")
    ] = 1,
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, help="Episodes in flight.")
    ] = 8,
    seed: Annotated[int, typer.Option(help="Run seed: tasks and every episode seed.")] = 0,
    max_turns: Annotated[
        str | None,
        typer.Option(
            metavar="N|none", help="Turn limit, or 'none' for no limit (default: the env's)."
        ),
    ] = None,
    difficulty: Annotated[
        int | None, typer.Option(help="Task difficulty of the env's family.")
    ] = None,
    tasks_file: Annotated[
        Path | None, typer.Option(help="JSONL file of tasks instead of the env's family.")
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(min=0.001, help="Seconds per episode; over it -> 'timeout' error."),
    ] = None,
    temperature: Annotated[float, typer.Option(min=0.0, help="Sampling temperature.")] = 0.0,
    max_tokens: Annotated[int, typer.Option(min=1, help="Completion tokens per turn.")] = 256,
    env_kwarg: Annotated[
        list[str] | None, typer.Option(help="KEY=VALUE for the env (VALUE as JSON), repeatable.")
    ] = None,
    retry_errors: Annotated[
        bool, typer.Option(help="On resume, re-run episodes that were recorded with an error.")
    ] = False,
    max_consecutive_errors: Annotated[
        int,
        typer.Option(
            min=0, help="Abort after this many identical policy errors in a row (0: never)."
        ),
    ] = 5,
    backend: Annotated[
        str, typer.Option(help="local (this process) or ray (Ray actors; needs gymforge[ray]).")
    ] = "local",
    address: Annotated[
        str | None, typer.Option(help="Ray cluster address for --backend ray (e.g. auto).")
    ] = None,
    env_url: Annotated[
        str | None,
        typer.Option(
            help="Run the env on a gymforge server (gymforge serve) at this URL; the token "
            "comes from GYMFORGE_TOKEN."
        ),
    ] = None,
    env_transport: Annotated[
        str, typer.Option(help="With --env-url: ws (one socket per episode) or http.")
    ] = "ws",
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress", help="Progress bar (default: if stderr is a TTY)."
        ),
    ] = None,
    curriculum: Annotated[
        bool,
        typer.Option(
            "--curriculum",
            help="Draw tasks in waves whose difficulty follows the policy's success "
            "(see docs/rollout.md).",
        ),
    ] = False,
    curriculum_window: Annotated[
        int | None,
        typer.Option(min=1, help="Episodes judged together before the level may move [8]."),
    ] = None,
    curriculum_up: Annotated[
        float | None,
        typer.Option(
            min=0.0, max=1.0, help="Success rate at or above which the level rises [0.8]."
        ),
    ] = None,
    curriculum_down: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Success rate at or below which it falls [0.3]."),
    ] = None,
    curriculum_start: Annotated[
        int | None, typer.Option(min=1, help="Level of the first wave [1].")
    ] = None,
    curriculum_threshold: Annotated[
        float | None,
        typer.Option(help="An episode succeeds when its reward is >= this [1.0]."),
    ] = None,
    import_: _ImportOption = None,
) -> None:
    """Roll out a policy on an env, write trajectories, print and save a summary."""
    _import_modules(import_)
    spec = _curriculum_spec(
        curriculum,
        window=curriculum_window,
        up=curriculum_up,
        down=curriculum_down,
        start=curriculum_start,
        threshold=curriculum_threshold,
        clashes={
            "--difficulty": difficulty is not None,
            "--tasks-file": tasks_file is not None,
            "--retry-errors": retry_errors,
        },
    )
    try:
        config = RunConfig(
            env_id=env_id,
            env_kwargs=_parse_env_kwargs(env_kwarg or []),
            policy=policy,
            num_tasks=tasks,
            group_size=group_size,
            concurrency=concurrency,
            seed=seed,
            out=out,
            max_turns=_max_turns(max_turns),
            episode_timeout_s=timeout,
            sampling=Sampling(temperature=temperature, max_tokens=max_tokens),
            difficulty=difficulty,
            tasks_file=tasks_file,
            max_consecutive_errors=max_consecutive_errors or None,
            retry_errors=retry_errors,
            backend=backend,  # pydantic checks the literal
            ray_address=address,
            curriculum=spec,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"invalid option {where}: {first['msg']}") from None
    env_factory = _remote_env_factory(config, env_url, env_transport) if env_url else None
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # A shell that started us in the background ignores SIGINT; a run must stay stoppable.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        result = run(config, progress=progress, notice=_say, env_factory=env_factory)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    _out.print(summary_table(result.summary, title=f"{env_id}  {policy}  ({result.run_id})"))
    if result.curriculum is not None:
        _out.print(curriculum_line(result.curriculum), markup=False, soft_wrap=True)
    groups = result.groups  # of the whole file, as in the report
    if groups.groups and group_size > 1:
        _out.print(
            f"zero-variance groups (no learning signal): {len(groups.zero_variance)} of "
            f"{len(groups.groups)}"
        )
    _out.print(
        f"{result.completed} episode(s) run, {result.skipped} already in the file, "
        f"{result.errors} error(s); trajectories: {out}; report: {result.report_path}",
        markup=False,
        soft_wrap=True,
    )


_CLASH_REASONS = {
    "--difficulty": "the curriculum picks the level; drop --difficulty, or set the first "
    "level with --curriculum-start",
    "--tasks-file": "the curriculum draws from the env's task family; drop one of the two",
    "--retry-errors": "later waves were drawn from the recorded outcomes, where an errored "
    "episode counted as a failed one; drop --retry-errors (a resume still runs every "
    "missing episode)",
}


def _curriculum_spec(
    enabled: bool,
    *,
    window: int | None,
    up: float | None,
    down: float | None,
    start: int | None,
    threshold: float | None,
    clashes: dict[str, bool],
) -> CurriculumSpec | None:
    """The `--curriculum*` flags as a spec; each bad value or combination names its flag."""
    given = {
        "--curriculum-window": window,
        "--curriculum-up": up,
        "--curriculum-down": down,
        "--curriculum-start": start,
        "--curriculum-threshold": threshold,
    }
    if not enabled:
        stray = [flag for flag, value in given.items() if value is not None]
        if stray:
            raise ConfigError(f"{stray[0]} needs --curriculum (add it, or drop {stray[0]})")
        return None
    for flag, clash in clashes.items():
        if clash:
            raise ConfigError(
                f"--curriculum cannot be combined with {flag}: {_CLASH_REASONS[flag]}"
            )
    defaults = CurriculumSpec()
    low = defaults.down if down is None else down
    high = defaults.up if up is None else up
    if low >= high:
        raise ConfigError(
            f"--curriculum-down {low:g} must be below --curriculum-up {high:g} "
            "(the level falls at or below down and rises at or above up)"
        )
    values = {
        "window": window,
        "up": up,
        "down": down,
        "start_level": start,
        "threshold": threshold,
    }
    return CurriculumSpec(**{k: v for k, v in values.items() if v is not None})


def _max_turns(value: str | None) -> int | Literal["default"] | None:
    """`--max-turns`: not given -> the env's limit; "none" -> no limit; else an int >= 1."""
    if value is None:
        return ENV_DEFAULT
    if value.strip().lower() == "none":
        return None
    try:
        turns = int(value)
    except ValueError:
        turns = 0
    if turns < 1:
        raise ConfigError(
            f"--max-turns {value!r}: give a whole number >= 1, or 'none' for no limit "
            "(leave it out for the env's own limit)"
        )
    return turns


def _remote_env_factory(config: RunConfig, url: str, transport: str) -> EnvFactory:
    """Episodes against an env server: the env, its tasks and its grader run there."""
    if config.env_kwargs or config.max_turns != ENV_DEFAULT:
        raise ConfigError(
            "--env-kwarg and --max-turns do not apply with --env-url: the server makes the "
            "env with its registered defaults"
        )
    if transport not in ("ws", "http"):
        raise ConfigError(f"--env-transport must be ws or http, not {transport!r}")
    from gymforge.server import RemoteEnv

    RemoteEnv(url, config.env_id)  # checks the URL's form before any episode
    env_id = config.env_id
    mode: Any = transport

    def factory() -> RemoteEnv:
        return RemoteEnv(url, env_id, transport=mode)

    return factory


@app.command("serve")
def serve_command(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    token: Annotated[
        list[str] | None,
        typer.Option(
            envvar="GYMFORGE_TOKEN",
            help="Bearer token a client must send; repeatable (one per client).",
        ),
    ] = None,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="No token (refused unless --host is loopback).")
    ] = False,
    max_sessions: Annotated[int, typer.Option(min=1, help="Open sessions at most.")] = 4096,
    idle_timeout: Annotated[
        float, typer.Option(min=0.01, help="Seconds before an unused session is reaped.")
    ] = 600.0,
    step_timeout: Annotated[
        float, typer.Option(min=0.01, help="Seconds a reset or step may take.")
    ] = 60.0,
    max_body_bytes: Annotated[
        int, typer.Option(min=1024, help="Largest request body or WebSocket message.")
    ] = 1_048_576,
    import_: _ImportOption = None,
) -> None:
    """Serve every registered env over HTTP and WebSocket (needs gymforge[server])."""
    _import_modules(import_)
    from gymforge.server import ServerConfig, serve

    tokens = tuple(t for t in (token or []) if t)
    if not tokens and not no_auth:
        raise ConfigError(
            "the server needs a bearer token: set GYMFORGE_TOKEN or pass --token, or use "
            "--no-auth on a loopback address"
        )
    config = ServerConfig(
        tokens=tokens,
        no_auth=no_auth,
        max_sessions=max_sessions,
        idle_timeout_s=idle_timeout,
        step_timeout_s=step_timeout,
        max_body_bytes=max_body_bytes,
        reap_interval_s=min(10.0, idle_timeout / 2),
    )
    from gymforge.env import list_envs

    where = f"http://{host}:{port}"
    _say(f"serving {len(list_envs())} envs on {where} (spec: {where}/openapi.json)")
    serve(config, host=host, port=port)


def _find_episode(
    trajectories: Sequence[Trajectory], numbers: Sequence[int], ident: str
) -> Trajectory:
    if ident.isdigit():
        for trajectory, number in zip(trajectories, numbers, strict=True):
            if number == int(ident):
                return trajectory
        raise NotFoundError(
            f"no trajectory on line {ident} (the file has {max(numbers, default=0)} lines)"
        )
    task_id, sep, sample = ident.rpartition("#")
    if not sep or not sample.isdigit():
        raise ConfigError(f"--episode {ident!r}: expected TASK_ID#SAMPLE or a line number")
    for trajectory in trajectories:
        if trajectory.key == (task_id, int(sample)):
            return trajectory
    raise NotFoundError(f"no episode {ident!r} in the file (give TASK_ID#SAMPLE or a line number)")


@app.command("inspect")
def inspect_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A trajectories JSONL file.")],
    episode: Annotated[
        str | None, typer.Option(help="Print one transcript: TASK_ID#SAMPLE or a line number.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    threshold: Annotated[float, typer.Option(help="A sample passes when reward >= this.")] = 1.0,
) -> None:
    """Summarise a trajectories file, or print one episode's transcript."""
    if not file.is_file():
        raise NotFoundError(f"no trajectories file at {file}")
    scanned = scan_trajectories(file)
    for damaged in scanned.damaged:
        _say(f"warning: {file} line {damaged.line}: {damaged.reason} (skipped)")
    if episode is not None:
        transcript(_out, _find_episode(scanned.trajectories, scanned.numbers, episode))
        return
    summary = summarize(scanned.trajectories, threshold=threshold)
    groups = group_stats(scanned.trajectories)
    if as_json:
        data = {
            "summary": summary.model_dump(mode="json"),
            "zero_variance": list(groups.zero_variance),
        }
        _out.print_json(json.dumps(data))
        return
    run_ids = sorted({t.run_id for t in scanned.trajectories})
    envs = sorted({t.env_id for t in scanned.trajectories})
    policies = sorted({t.policy for t in scanned.trajectories})
    title = f"{file}: {', '.join(envs) or 'empty'}  {', '.join(policies)}"
    _out.print(summary_table(summary, title=title))
    _out.print(
        f"runs: {', '.join(run_ids) or '-'}; zero-variance groups: {len(groups.zero_variance)} "
        f"of {len(groups.groups)} ({fmt(groups.zero_variance_fraction, 2)})",
        markup=False,
    )


def run_cli(argv: Sequence[str] | None = None) -> int:
    """Run the CLI on `argv` and return the exit code (0 ok, 2 error, 130 interrupted).

    Every `GymforgeError` and usage error becomes one line on stderr, never a traceback.

    Example:
        >>> run_cli(["inspect", "/nonexistent/file.jsonl"])
        2
    """
    command = typer.main.get_command(app)
    try:
        rv = command.main(
            args=list(argv) if argv is not None else None,
            prog_name="gymforge",
            standalone_mode=False,
        )
    except typer.Abort:
        return 130
    except typer.TyperException as exc:  # usage errors of the vendored click
        ctx = getattr(exc, "ctx", None)
        hint = f"\nTry '{ctx.command_path} --help'." if ctx is not None else ""
        format_message = getattr(exc, "format_message", None)
        text = format_message() if callable(format_message) else str(exc)
        _say(f"error: {text}{hint}")
        return 2
    except GymforgeError as exc:
        _say(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130
    return rv if isinstance(rv, int) else 0


def main() -> None:
    """Console-script entry point: ``gymforge``."""
    sys.exit(run_cli())
