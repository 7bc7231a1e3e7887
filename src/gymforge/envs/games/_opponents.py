"""Opponents for the two-player game envs: random, alpha-beta search, or any `Policy`."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from typing import Protocol

from gymforge._util import derive_seed
from gymforge.envs.games._search import GameState, choose_move
from gymforge.policy import Policy
from gymforge.types import Message, Sampling, ToolCall, ToolSpec

__all__ = ["Opponent", "PerfectOpponent", "PolicyOpponent", "RandomOpponent", "SearchOpponent"]


class Opponent(Protocol):
    """Picks the other side's moves. A fresh episode calls `start` first."""

    name: str
    """Short description, e.g. "minimax:4", recorded in `Info.extra`."""

    def start(self, *, seed: int, player: int, intro: str) -> None:
        """A new game: the episode seed, the opponent's side (1 or 2), the rules text."""
        ...

    async def choose(self, state: GameState, board: str, rng: random.Random) -> int | None:
        """The opponent's move (0-based) in `state`, or None when it forfeits."""
        ...


class RandomOpponent:
    """Uniformly random legal moves, drawn from the episode's rng (so seeded).

    Example:
        >>> import asyncio, random
        >>> from gymforge.envs.games._tictactoe import TicTacToe
        >>> opp = RandomOpponent()
        >>> move = asyncio.run(opp.choose(TicTacToe.initial(), "", random.Random(0)))
        >>> move in range(9)
        True
    """

    name = "random"

    def start(self, *, seed: int, player: int, intro: str) -> None:
        """Nothing to prepare."""

    async def choose(self, state: GameState, board: str, rng: random.Random) -> int | None:
        """A random legal move."""
        return rng.choice(state.legal_moves())


class SearchOpponent:
    """Alpha-beta at a fixed depth; ties between equally good moves broken by the rng.

    Example:
        >>> import asyncio, random
        >>> from gymforge.envs.games._tictactoe import TicTacToe
        >>> s = TicTacToe.initial().play(0).play(4).play(1)  # X threatens 0-1-2
        >>> asyncio.run(SearchOpponent(2).choose(s, "", random.Random(0)))
        2
    """

    def __init__(self, depth: int) -> None:
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
            raise ValueError(f"search depth must be an int >= 1, got {depth!r}")
        self.depth = depth
        self.name = f"minimax:{depth}"

    def start(self, *, seed: int, player: int, intro: str) -> None:
        """Nothing to prepare."""

    async def choose(self, state: GameState, board: str, rng: random.Random) -> int | None:
        """A best move by alpha-beta at `depth` plies."""
        return choose_move(state, self.depth, rng)


class PerfectOpponent:
    """Perfect play from an exact solver; ties between optimal moves broken by the rng.

    Args:
        optimal: Every optimal move of a position (the solver's answer). It runs in a
            worker thread, so a long search does not stall other episodes.

    Example:
        >>> import asyncio, random
        >>> from gymforge.envs.games._connect4 import ConnectFour
        >>> from gymforge.envs.games._solver import optimal_moves
        >>> s = ConnectFour.initial()
        >>> for col in (3, 3, 2, 2, 4, 4):
        ...     s = s.play(col)
        >>> opp = PerfectOpponent(lambda state: optimal_moves(state)[0])
        >>> asyncio.run(opp.choose(s, "", random.Random(0))) in (1, 5)  # either win
        True
    """

    name = "perfect"

    def __init__(self, optimal: Callable[[GameState], Sequence[int]]) -> None:
        self._optimal = optimal

    def start(self, *, seed: int, player: int, intro: str) -> None:
        """Nothing to prepare."""

    async def choose(self, state: GameState, board: str, rng: random.Random) -> int | None:
        """One of the optimal moves, drawn from the episode's rng."""
        moves = await asyncio.to_thread(self._optimal, state)
        return rng.choice(tuple(moves))


class PolicyOpponent:
    """Another `Policy` plays the other side (self-play).

    The opponent keeps its own conversation: a system text with the rules and its
    side, then for each of its turns a user message with the board as it sees it
    ("You are O"), and it answers with a call to the same `move` tool the agent
    has. An illegal or missing move is answered with an ``error:`` tool message
    and retried; after ``retries`` failed retries the opponent forfeits.

    Args:
        policy: The opponent's policy.
        tool: The `move` tool's spec (the same one the agent sees).
        parse: Turns one tool call into a 0-based move, or raises `ValueError` with
            a message for the model.
        retries: Failed attempts allowed per move before forfeiting.
        sampling: Sampling parameters for the opponent's calls.
    """

    def __init__(
        self,
        policy: Policy,
        *,
        tool: ToolSpec,
        parse: Callable[[ToolCall, GameState], int],
        retries: int = 3,
        sampling: Sampling | None = None,
    ) -> None:
        self.policy = policy
        self.name = f"policy:{policy.name}"
        self._tool = tool
        self._parse = parse
        self._retries = retries
        self._sampling = sampling or Sampling()
        self._seed = 0
        self._player = 2
        self._calls = 0
        self.messages: list[Message] = []
        """The opponent's conversation so far (for inspection and tests)."""

    def start(self, *, seed: int, player: int, intro: str) -> None:
        """Begin a new conversation for this episode."""
        self._seed, self._player, self._calls = seed, player, 0
        mark = "X" if player == 1 else "O"
        order = "first" if player == 1 else "second"
        self.messages = [Message.system(f"{intro}\nYou play {mark} and move {order}.")]

    async def choose(self, state: GameState, board: str, rng: random.Random) -> int | None:
        """Ask the policy for a move; None when it fails `retries + 1` times in a row."""
        mark = "X" if self._player == 1 else "O"
        self.messages.append(Message.user(f"{board}\nYou are {mark}. Your move."))
        for _attempt in range(self._retries + 1):
            self._calls += 1
            reply = await self.policy.act(
                self.messages,
                [self._tool],
                seed=derive_seed(self._seed, "opponent", self._calls),
                sampling=self._sampling,
            )
            self.messages.append(reply)
            move, problem = self._read(reply, state)
            if move is not None:
                return move
            self.messages.append(Message.user(f"That move was not played: {problem}. Try again."))
        return None

    def _read(self, reply: Message, state: GameState) -> tuple[int | None, str]:
        """Answer every tool call of `reply`; the first `move` call is the move."""
        name = self._tool.name
        move: int | None = None
        problem = f"call the {name} tool to make your move"
        tried = False
        for call in reply.tool_calls or ():
            if call.name != name:
                text = f"error: unknown tool {call.name!r}; available: {name}"
            elif tried:
                text = f"error: one {name} per turn; this call was not played"
            else:
                tried = True
                try:
                    move, text = self._parse(call, state), "ok"
                except ValueError as exc:
                    problem, text = str(exc), f"error: {exc}"
            self.messages.append(Message.tool(text, tool_call_id=call.id, name=call.name))
        return move, problem
