"""TicTacToe-v0 and ConnectFour-v0: the agent plays a rules-defined game through a `move` tool."""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, cast

from gymforge._util import seeded_random
from gymforge.env import ToolEnv, tool
from gymforge.envs.games._connect4 import ConnectFour
from gymforge.envs.games._opponents import (
    Opponent,
    PerfectOpponent,
    PolicyOpponent,
    RandomOpponent,
    SearchOpponent,
)
from gymforge.envs.games._search import GameState, choose_move, move_values
from gymforge.envs.games._solver import optimal_moves
from gymforge.envs.games._tictactoe import TicTacToe, perfect_move
from gymforge.errors import ConfigError, ToolError, ToolRefused
from gymforge.graders import env_reward
from gymforge.policy import Policy
from gymforge.tasks import task_field
from gymforge.types import JsonValue, Message, Task, ToolCall, ToolOutcome

__all__ = ["ConnectFourEnv", "GameFamily", "TicTacToeEnv"]

OpponentSpec = Literal["level", "random", "minimax", "perfect"]
PERFECT = -1
"""`_Rules.levels` value for the perfect opponent (an exact solver)."""


@dataclass(frozen=True)
class _Rules:
    title: str
    arg: str
    size: int
    max_depth: int  # default depth of opponent="minimax"
    levels: Mapping[int, int]  # difficulty -> search depth (0 = random, PERFECT = solver)
    how: str
    opening: int  # default plies of the seeded opening


_TICTACTOE = _Rules(
    title="TicTacToe",
    arg="cell",
    size=9,
    max_depth=9,
    levels={1: 0, 2: 1, 3: 2, 4: 4, 5: 9},
    how=(
        "Players take turns putting their mark (X or O) on an empty cell of a 3x3 board. "
        "Three in a row, column or diagonal wins; a full board without a line is a draw. "
        "Cells are numbered 1-9 left to right, top to bottom; a free cell shows its number. "
        "Call move(cell=N) once per turn."
    ),
    opening=0,
)
_CONNECTFOUR = _Rules(
    title="ConnectFour",
    arg="column",
    size=7,
    max_depth=6,
    levels={1: 0, 2: 1, 3: 2, 4: 4, 5: PERFECT},
    how=(
        "Players take turns dropping a piece (X or O) into one of 7 columns; it falls to "
        "the lowest free row. Four in a row horizontally, vertically or diagonally wins; "
        "a full board is a draw. Columns are numbered 1-7. Call move(column=N) once per turn."
    ),
    opening=8,
)
MAX_OPENING = 20
"""The longest seeded opening a game task may have (plies)."""


@functools.lru_cache(maxsize=4096)
def _cached_best(state: GameState, depth: int) -> int:
    """`choose_move` without an rng (a pure function), cached: replays cost nothing."""
    return choose_move(state, depth)


@functools.lru_cache(maxsize=4096)
def _optimal(state: GameState) -> tuple[int, ...]:
    """Every optimal move of `state`, in the game's move order (cached per position).

    ConnectFour asks the exact solver; TicTacToe takes every move whose full-depth
    value is the best one (quickest win, else draw, else slowest loss).
    """
    if isinstance(state, ConnectFour):
        return optimal_moves(state)[0]
    values = move_values(state, 9)
    best = max(values.values())
    return tuple(m for m in state.legal_moves() if values[m] == best)


def _quiet(state: GameState) -> bool:
    """True when the mover cannot win at once and has a move after which the other cannot."""
    after = [state.play(m) for m in state.legal_moves()]
    if not after or any(a.winner is not None for a in after):
        return False
    return any(all(a.play(r).winner is None for r in a.legal_moves()) for a in after)


def draw_opening(initial: GameState, plies: int, rng: random.Random) -> tuple[int, ...]:
    """Random legal moves from `initial`, `plies` long, ending in an undecided position.

    Openings in which a line is completed, or after which the side to move wins at
    once or loses at once whatever it plays, are drawn again.

    Example:
        >>> import random
        >>> opening = draw_opening(ConnectFour.initial(), 8, random.Random(0))
        >>> len(opening), all(0 <= c < 7 for c in opening)
        (8, True)
    """
    for _attempt in range(1000):
        state, moves = initial, []
        for _ in range(plies):
            move = rng.choice(state.legal_moves())
            state = state.play(move)
            moves.append(move)
            if state.is_over():
                break
        else:
            if _quiet(state):
                return tuple(moves)
    raise ConfigError(f"no undecided position found after {plies} random plies: use fewer")


class GameFamily:
    """Game tasks: item i at seed s fixes which side the agent plays (X moves first).

    Example:
        >>> GameFamily("tictactoe").generate(0, seed=1).metadata["agent_player"] in (1, 2)
        True
    """

    def __init__(
        self,
        game: Literal["tictactoe", "connectfour"],
        *,
        difficulty: int = 3,
        opening: int | None = None,
    ) -> None:
        if game not in ("tictactoe", "connectfour"):
            raise ValueError(f"game must be 'tictactoe' or 'connectfour', got {game!r}")
        if difficulty not in range(1, 6):
            raise ValueError(f"difficulty must be 1..5, got {difficulty!r}")
        rules = _rules(game)
        plies = rules.opening if opening is None else opening
        limit = MAX_OPENING if game == "connectfour" else 6
        if isinstance(plies, bool) or not isinstance(plies, int) or not 0 <= plies <= limit:
            raise ValueError(f"opening must be an int 0..{limit} (plies), got {plies!r}")
        self.name: str = game
        self.difficulty: int | None = difficulty
        self.opening = plies
        """Plies of the seeded opening played before the agent's first move."""

    def generate(self, index: int, *, seed: int, difficulty: int | None = None) -> Task:
        """Task `index` at `seed`: the agent's side, drawn from the seed."""
        level = self.difficulty if difficulty is None else difficulty
        if level not in range(1, 6):
            raise ValueError(f"difficulty must be 1..5, got {level!r}")
        rng = seeded_random("gymforge.games", self.name, seed, index)
        player = rng.choice((1, 2))
        rules = _rules(self.name)
        metadata: dict[str, JsonValue] = {"agent_player": player}
        start = ""
        if self.opening:
            initial = ConnectFour.initial() if self.name == "connectfour" else TicTacToe.initial()
            metadata["opening"] = list(draw_opening(initial, self.opening, rng))
            start = f" The game starts after a {self.opening}-move opening."
            mark = "X" if player == 1 else "O"
        else:
            mark = "X (you move first)" if player == 1 else "O (you move second)"
        return Task(
            id=f"{self.name}/s{seed}/{index}",
            prompt=f"Win this game of {rules.title}.{start} You play {mark}.",
            family=self.name,
            difficulty=level,
            metadata=metadata,
        )

    def validate_task(self, task: Task) -> None:
        """Check a hand-made task has what the game env reads.

        All optional: ``difficulty`` (the opponent's level, 1-5; none: 3),
        ``metadata.agent_player`` (1 plays X and moves first, 2 plays O; none: 1) and
        ``metadata.opening`` (0-based moves played before the agent's first, each
        legal, not ending the game).

        Raises:
            ValueError: Naming the field that is wrong.
        """
        levels = range(1, 6)
        task_field(
            task,
            "difficulty",
            kind=int,
            optional=True,
            choices=levels,
            why="the opponent's level",
        )
        task_field(
            task,
            "metadata",
            "agent_player",
            kind=int,
            optional=True,
            choices=(1, 2),
            why="1: the agent plays X and moves first; 2: O",
        )
        why = "the moves played before the agent's first, 0-based"
        opening = task_field(task, "metadata", "opening", kind=list, optional=True, why=why)
        state: GameState = (
            ConnectFour.initial() if self.name == "connectfour" else TicTacToe.initial()
        )
        for i, move in enumerate(opening or ()):
            task_field(task, "metadata", "opening", i, kind=int, why=why)
            if move not in state.legal_moves() or state.is_over():
                raise ValueError(
                    f"metadata.opening[{i}]: {move} is not a legal {self.name} move after "
                    f"{opening[:i]} ({why})"
                )
            state = state.play(move)
        if opening and state.is_over():
            raise ValueError(f"metadata.opening: {opening} ends the game; shorten it ({why})")


def _rules(name: str) -> _Rules:
    return _TICTACTOE if name == "tictactoe" else _CONNECTFOUR


class _GameEnv(ToolEnv):
    """The shared engine of the game envs (see `TicTacToeEnv` for the contract)."""

    game: ClassVar[Literal["tictactoe", "connectfour"]]
    rules: ClassVar[_Rules]

    def __init__(
        self,
        *,
        opponent: OpponentSpec | Policy = "level",
        depth: int | None = None,
        retries: int = 3,
        difficulty: int = 3,
        reference_depth: int | None = None,
        opening: int | None = None,
    ) -> None:
        family = GameFamily(self.game, difficulty=difficulty, opening=opening)
        super().__init__(family, env_reward())
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError(f"retries must be an int >= 0, got {retries!r}")
        if isinstance(opponent, str) and opponent not in ("level", "random", "minimax", "perfect"):
            raise ValueError(
                "opponent must be 'level', 'random', 'minimax', 'perfect' or a Policy, "
                f"got {opponent!r}"
            )
        if not isinstance(opponent, str) and not isinstance(opponent, Policy):
            raise TypeError(f"opponent must be a str or a Policy, got {type(opponent).__name__}")
        for value in (depth, reference_depth):
            if value is not None:
                SearchOpponent(value)  # validates: an int >= 1
        self._opponent_spec = opponent
        self._depth = depth
        self.retries = retries
        """Illegal turns allowed in a row before the agent loses."""
        self.reference_depth = reference_depth
        """Search depth of `reference_action`; None (the default) is perfect play."""
        self.state: GameState = self._initial()
        """The current position."""
        self.agent_player = 1
        """The agent's side this episode (1 = X moves first)."""
        self._opening: list[int] = []
        self.outcome: Literal["win", "draw", "loss"] | None = None
        """The result for the agent once the game is over."""
        self._opponent: Opponent = RandomOpponent()
        self._illegal = 0
        self._moves = 0
        self._moved_on_turn = -1  # the turn of the agent's last legal move
        self._forfeit_pending = False

    # -- game-specific pieces --------------------------------------------------------

    def _initial(self) -> GameState:
        raise NotImplementedError

    def _render(self) -> str:
        raise NotImplementedError

    def _best(self, depth: int) -> int:
        return _cached_best(self.state, depth)

    # -- ToolEnv hooks -----------------------------------------------------------------

    def _make_opponent(self, level: int) -> Opponent:
        spec = self._opponent_spec
        if not isinstance(spec, str):
            move_tool = next(t for t in self.available_tools() if t.name == "move")
            return PolicyOpponent(
                spec, tool=move_tool.spec, parse=self._parse_call, retries=self.retries
            )
        if spec == "random":
            return RandomOpponent()
        if spec == "minimax":
            return SearchOpponent(self._depth or self.rules.max_depth)
        if spec == "perfect":
            return PerfectOpponent(_optimal)
        if level not in self.rules.levels:
            raise ConfigError(f"task difficulty must be 1-5 for {self.rules.title}, got {level}")
        depth = self.rules.levels[level]
        if depth == PERFECT:
            return PerfectOpponent(_optimal)
        return SearchOpponent(depth) if depth else RandomOpponent()

    def _play_opening(self) -> None:
        """Play the task's seeded opening (metadata ``opening``, 0-based moves)."""
        opening = self.task.metadata.get("opening", [])
        problem = f"task {self.task.id!r}: metadata 'opening' must be a list of legal moves"
        if not isinstance(opening, list):
            raise ConfigError(f"{problem}, got {opening!r}")
        for move in opening:
            if isinstance(move, bool) or not isinstance(move, int):
                raise ConfigError(f"{problem}; {move!r} is not an int")
            if move not in self.state.legal_moves():
                raise ConfigError(f"{problem}; {move} is not legal after {self._opening}")
            self.state = self.state.play(move)
            self._opening.append(move)
        if opening and self.state.is_over():
            raise ConfigError(f"task {self.task.id!r}: its 'opening' ends the game: shorten it")

    async def on_reset(self, options: Mapping[str, Any]) -> None:
        """Set up the board and the opponent; the opponent opens when the agent is O."""
        self.state = self._initial()
        self._opening = []
        self._play_opening()
        player = self.task.metadata.get("agent_player", 1)
        self.agent_player = 2 if player == 2 else 1
        self.outcome = None
        self._illegal = 0
        self._moves = 0
        self._moved_on_turn = -1
        self._forfeit_pending = False
        self._opponent = self._make_opponent(self.task.difficulty or 3)
        self._opponent.start(seed=self.seed, player=3 - self.agent_player, intro=self._intro())
        self.milestones = {"moves": self._moves}
        self._opening_note = ""
        if self.state.to_move != self.agent_player:
            self._opening_note = await self._opponent_turn()

    def _intro(self) -> str:
        return f"You are playing {self.rules.title}. {self.rules.how}"

    async def opening_messages(self) -> Sequence[Message]:
        """The rules, the agent's side and the board."""
        mark = self._mark(self.agent_player)
        order = "first" if self.agent_player == 1 else "second"
        note = f"{self._opening_note}\n" if self._opening_note else ""
        if self._opening:
            played = ", ".join(
                f"{self._mark(1 + i % 2)} {move + 1}" for i, move in enumerate(self._opening)
            )
            order = f"{order} after the opening"
            note = f"The game starts after a {len(self._opening)}-move opening: {played}.\n{note}"
        return [
            Message.system(
                f"{self._intro()} An illegal move is answered with an error and you may "
                f"try again, up to {self.retries} illegal turns in a row; one more loses."
            ),
            Message.user(f"You play {mark} and move {order}.\n{note}{self._render()}\nYour move."),
        ]

    async def on_text(self, message: Message) -> Sequence[Message]:
        """Text without a move is an illegal turn."""
        return [Message.user(f"error: no move made; call move({self.rules.arg}=N) to play.")]

    def info_extra(self) -> dict[str, JsonValue]:
        """Sides, the opponent, the board and the outcome."""
        return {
            "agent_player": self.agent_player,
            "opponent": self._opponent.name,
            "board": self._render(),
            "outcome": self.outcome,
        }

    # -- playing -----------------------------------------------------------------------

    @staticmethod
    def _mark(player: int) -> str:
        return "X" if player == 1 else "O"

    def _check(self, value: object, state: GameState) -> int:
        """The 0-based move for a 1-based `value`, or `ValueError` explaining why not."""
        n = self.rules.size
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{self.rules.arg} must be an integer 1-{n}, got {value!r}")
        move = value - 1
        if not 0 <= move < n:
            raise ValueError(f"{self.rules.arg} {value} is off the board: use 1-{n}")
        if move not in state.legal_moves():
            what = "taken" if self.game == "tictactoe" else "full"
            raise ValueError(f"{self.rules.arg} {value} is {what}: pick another")
        return move

    def _parse_call(self, call: ToolCall, state: GameState) -> int:
        try:
            args = call.parsed_arguments()
        except ValueError:
            raise ValueError("the arguments are not valid JSON") from None
        if not isinstance(args, dict) or self.rules.arg not in args:
            raise ValueError(f"call move with {{{self.rules.arg!r}: N}}")
        return self._check(args[self.rules.arg], state)

    def _finish(self) -> str:
        winner = self.state.winner
        if winner is None:
            self.outcome, reward, text = "draw", 0.0, "The game is a draw."
        elif winner == self.agent_player:
            self.outcome, reward, text = "win", 1.0, "You win!"
        else:
            self.outcome, reward, text = "loss", -1.0, "You lose."
        self.milestones["outcome"] = self.outcome
        self.add_reward(reward)
        self.end_episode()
        return text

    async def _opponent_turn(self) -> str:
        """Let the opponent move; the text says what happened (and the result if over)."""
        rng: random.Random = self.rng
        move = await self._opponent.choose(self.state, self._render(), rng)
        mark = self._mark(3 - self.agent_player)
        if move is None:
            self.outcome = "win"
            self.milestones["outcome"] = "win"
            self.milestones["opponent_forfeit"] = True
            if self.turn == 0:
                # Forfeit of the opening move, during reset: the agent's first step
                # carries the +1 (a reset has no reward to give).
                self._forfeit_pending = True
            else:
                self.add_reward(1.0)
                self.end_episode()
            return f"Your opponent ({mark}) made no legal move and forfeits. You win!"
        self.state = self.state.play(move)
        text = f"Your opponent ({mark}) played {self.rules.arg} {move + 1}."
        if self.state.is_over():
            text += " " + self._finish()
        return text

    async def play(self, value: int) -> str:
        """Play the agent's move `value` (1-based) and the opponent's reply.

        The game's rules refuse a move once the game is over or after this turn's
        move (`ToolRefused`); a bad move is a `ToolError`.
        """
        if self.ended or self._forfeit_pending:
            raise ToolRefused("the game is over")
        if self._moved_on_turn == self.turn:
            raise ToolRefused("one move per turn: wait for the next board")
        try:
            move = self._check(value, self.state)
        except ValueError as exc:
            raise ToolError(str(exc)) from None
        self.state = self.state.play(move)
        self._moved_on_turn = self.turn
        text = f"You played {self.rules.arg} {value}."
        if self.state.is_over():
            return f"{text} {self._finish()}\n{self._render()}"
        text += " " + await self._opponent_turn()
        tail = "" if self.ended else "\nYour move."
        return f"{text}\n{self._render()}{tail}"

    async def after_step(
        self, action: Message, outcomes: Sequence[ToolOutcome]
    ) -> Sequence[Message]:
        """Count the turn's legal move; a turn without one counts against `retries`.

        A legal move is an ``ok`` outcome of the ``move`` tool (the rules let at most
        one through per turn). The opening move's forfeit (the opponent failed to
        open) is paid here, on the agent's first step, whatever that step did.
        """
        if self._forfeit_pending:
            self._forfeit_pending = False
            self.add_reward(1.0)
            self.end_episode()
            return [Message.user("Your opponent forfeited its opening move: you win.")]
        moved = sum(1 for o in outcomes if o.tool == "move" and o.ok)
        if moved:
            self._moves += moved
            self.milestones["moves"] = self._moves
            self._illegal = 0
            return ()
        if self.ended:
            return ()
        self._illegal += 1
        if self._illegal <= self.retries:
            left = self.retries - self._illegal + 1
            return [
                Message.user(f"No legal move was played. {left} more illegal turn(s) and you lose.")
            ]
        self.outcome = "loss"
        self.milestones["outcome"] = "loss"
        self.milestones["illegal_forfeit"] = True
        self.add_reward(-1.0)
        self.end_episode()
        return [Message.user(f"{self.retries + 1} illegal turns in a row: you lose.")]

    async def reference_action(self) -> Message:
        """Perfect play (the first optimal move in the game's order); see docs/envs/games.md.

        With `reference_depth` set, the alpha-beta move at that depth instead.
        """
        if self.ended or self._forfeit_pending or self.state.is_over():
            return Message.assistant("The game is over.")
        if self.reference_depth is None:
            move = (await asyncio.to_thread(_optimal, self.state))[0]
        else:
            move = self._best(self.reference_depth)
        call = ToolCall.make("move", {self.rules.arg: move + 1}, id=f"ref-{self.turn}")
        return Message.assistant(tool_calls=[call])


class TicTacToeEnv(_GameEnv):
    """``gymforge/TicTacToe-v0``: TicTacToe against a seeded opponent, reward +1/0/-1.

    The agent calls ``move(cell=N)`` (cells 1-9). A turn without a legal move gets
    an error observation; after ``retries`` such turns in a row the agent loses.
    The opponent is random, alpha-beta at a depth, or another `Policy`
    (self-play). The reference action is perfect play (full-depth search).

    Args:
        opponent: "level" (by task difficulty 1-5), "random", "minimax", "perfect" or
            a `Policy`.
        depth: Search depth for ``opponent="minimax"`` (default: the full game).
        retries: Illegal turns in a row allowed before the agent loses.
        difficulty: Default task difficulty (the opponent's strength under "level").
        reference_depth: Search depth of `reference_action` (default: perfect play).
        opening: Plies of a seeded random opening played before the agent's first
            move (default 0, the empty board; at most 6).

    Example:
        >>> import asyncio
        >>> env = TicTacToeEnv(opponent="random")
        >>> obs, info = asyncio.run(env.reset(seed=0))
        >>> [t.name for t in info.tools]
        ['move']
    """

    game: ClassVar[Literal["tictactoe", "connectfour"]] = "tictactoe"
    rules = _TICTACTOE

    def _initial(self) -> GameState:
        return TicTacToe.initial()

    def _render(self) -> str:
        return cast(TicTacToe, self.state).render()

    def _best(self, depth: int) -> int:
        if depth >= 9 and isinstance(self.state, TicTacToe):
            return perfect_move(self.state)
        return super()._best(depth)

    @tool
    async def move(self, cell: int) -> str:
        """Put your mark on a cell.

        Args:
            cell: The cell number 1-9 (left to right, top to bottom); it must be free.
        """
        return await self.play(cell)


class ConnectFourEnv(_GameEnv):
    """``gymforge/ConnectFour-v0``: ConnectFour against a seeded opponent, reward +1/0/-1.

    The agent calls ``move(column=N)`` (columns 1-7). Illegal turns, opponents and
    self-play work as in `TicTacToeEnv`. Each task starts from a seeded random
    opening (8 plies by default). The reference action is perfect play from an
    exact solver (`gymforge.envs.games.optimal_moves`), as is ``opponent="perfect"``
    and difficulty 5.

    Args:
        opponent: "level" (by task difficulty 1-5), "random", "minimax", "perfect" or
            a `Policy`.
        depth: Search depth for ``opponent="minimax"`` (default 6).
        retries: Illegal turns in a row allowed before the agent loses.
        difficulty: Default task difficulty (the opponent's strength under "level").
        reference_depth: Search depth of `reference_action` (default: perfect play).
        opening: Plies of the seeded opening (default 8, at most 20). Perfect play
            from fewer than 8 stones can take minutes per move (docs/envs/games.md).

    Example:
        >>> import asyncio
        >>> env = ConnectFourEnv(opponent="random")
        >>> obs, info = asyncio.run(env.reset(seed=0))
        >>> " 1 2 3 4 5 6 7" in obs[-1].content.splitlines()
        True
    """

    game: ClassVar[Literal["tictactoe", "connectfour"]] = "connectfour"
    rules = _CONNECTFOUR

    def _initial(self) -> GameState:
        return ConnectFour.initial()

    def _render(self) -> str:
        return cast(ConnectFour, self.state).render()

    @tool
    async def move(self, column: int) -> str:
        """Drop your piece into a column.

        Args:
            column: The column number 1-7; it must not be full.
        """
        return await self.play(column)
