"""The written policy the agent must follow, and its rule checks over a transcript.

The rules are checked in the style of rule-based rewards: each is a small,
deterministic function of the transcript (tool calls, their results and the
user's words), reported by name with the turn where it was broken.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gymforge.envs.retail._tools import READ_TOOLS, WRITE_TOOLS
from gymforge.types import ToolOutcome, Trajectory

__all__ = ["POLICY", "RULES", "Violation", "check_policy"]

POLICY = """\
# Customer-service policy of the shop

You are a customer-service agent of an online shop. You help one customer per
conversation with their orders, returns, exchanges and account, using the tools.

## Authentication
- Before anything else, authenticate the customer: find their user id by email,
  or by first name, last name and zip code. Do this even if they give you a user
  id or an order id. Before that, call no other tool than the two look-ups (and
  calculate).
- Help only the authenticated customer, with their own orders and account. Refuse
  requests about another person's orders or account, even on their behalf.

## Acting on the customer's behalf
- Before every action that changes something (cancel, modify, return, exchange,
  address change), tell the customer exactly what you will do and get an explicit
  "yes". One "yes" covers one action. If a call fails for a technical reason,
  you may retry that same call without asking again.
- Make at most one tool call that changes something per message.
- Never make up information (ids, prices, options): look it up with the tools.

## Orders
- Only pending orders can be cancelled or modified. The reason for a
  cancellation must be "no longer needed" or "ordered by mistake".
- A pending order may be modified once only: its address, its items or its
  payment method — one modification in total. Collect everything the customer
  wants changed before you make it.
- Items can only be changed to another available variant of the same product
  type. A price difference is charged to or refunded to a payment method of the
  customer; a gift card must have enough balance.
- Only delivered orders can be returned or exchanged. A refund goes to the
  original payment method or to one of the customer's gift cards.
- If an order cannot be changed, say why (for example its status).

## Transfers to a human agent
- Transfer to a human agent (transfer_to_human_agents) when the customer asks for
  something these tools cannot do (disputes with a bank, compensation, closing an
  account), or when a tool keeps failing ("service unavailable") so you cannot
  finish the request. A transfer ends the conversation.
"""
"""The policy text given to the agent (system message and `Info.policy`)."""

RULES = {
    "auth_first": "a tool other than the identity look-ups was called before authentication",
    "confirm_before_write": "a write was made without an explicit yes for it",
    "one_modification": "a pending order was modified more than once",
    "refused_request": "the agent acted on a request the policy says to refuse",
    "other_customer": "the agent changed another customer's order or account",
}
"""Every rule the grader checks, with what breaking it means."""

_YES = re.compile(
    r"\b(yes|yeah|yep|sure|go ahead|please do|confirm(?:ed)?|ok(?:ay)?|correct)\b", re.I
)
_MODIFY = (
    "modify_pending_order_address",
    "modify_pending_order_items",
    "modify_pending_order_payment",
)
_BEFORE_AUTH = ("find_user_id_by_email", "find_user_id_by_name_zip", "calculate")
_NOT_RUN = frozenset({"unknown_tool", "bad_arguments", "after_end", "duplicate_id"})
"""Outcome kinds of calls the env never ran: they break no rule (and do nothing)."""


@dataclass(frozen=True)
class Violation:
    """One broken rule."""

    rule: str
    """A key of `RULES`."""
    turn: int
    """Index of the assistant message (in the transcript) that broke it."""
    detail: str
    """What happened."""


def _args(outcome: ToolOutcome | None) -> dict[str, Any]:
    args = outcome.arguments if outcome is not None else None
    return args if isinstance(args, dict) else {}


def check_policy(
    trajectory: Trajectory,
    *,
    user_id: str,
    owners: dict[str, str],
    forbidden: Sequence[dict[str, str]] = (),
) -> list[Violation]:
    """The policy rules broken in an episode.

    Reads the transcript for the order of turns (the customer's words, the agent's
    messages) and each call's recorded outcome for what the call did: a call counts
    as made when the env ran it (any kind but ``unknown_tool``, ``bad_arguments``,
    ``after_end`` or ``duplicate_id``) and as successful when its kind is ``ok``.

    Args:
        trajectory: The finished episode.
        user_id: The customer the conversation is with.
        owners: Order id -> owner's user id, for the whole world.
        forbidden: Writes the task says to refuse: {"tool", "order_id"} pairs.

    Example:
        >>> from gymforge.types import Message, Task, ToolCall, ToolOutcome, Turn
        >>> call = ToolCall.make("cancel_pending_order", {"order_id": "#W1", "reason": "x"}, id="c")
        >>> out = ToolOutcome(call_id="c", tool=call.name, arguments=call.parsed_arguments(),
        ...                   kind="tool_raised", writes=True, reply="error: order not found")
        >>> traj = Trajectory(run_id="r", env_id="e", task_id="t", sample=0, seed=0, policy="p",
        ...     task=Task(id="t", prompt="?"), messages=(Message.user("cancel #W1"),
        ...     Message.assistant(tool_calls=[call]), out.message()),
        ...     turns=(Turn(reward=0.0, tool_outcomes=(out,)),))
        >>> [v.rule for v in check_policy(traj, user_id="u", owners={})]
        ['auth_first', 'confirm_before_write']
    """
    by_message: dict[int, list[ToolOutcome | None]] = {}
    for index, _call, outcome in trajectory.paired_calls():
        by_message.setdefault(index, []).append(outcome)
    out: list[Violation] = []
    authenticated = False
    consent = False
    asked = False
    modified: dict[str, int] = {}
    for turn, msg in enumerate(trajectory.messages):
        if msg.role == "user":
            consent = asked and bool(_YES.search(msg.content or ""))
            asked = False
            continue
        if msg.role != "assistant":
            continue
        if not msg.tool_calls:
            asked = True
            continue
        for call, outcome in zip(msg.tool_calls, by_message.get(turn, []), strict=False):
            name, args = call.name, _args(outcome)
            if outcome is None or outcome.kind in _NOT_RUN:
                continue
            ok = outcome.kind == "ok"
            if name not in READ_TOOLS and name not in WRITE_TOOLS:
                continue
            if not authenticated and name not in _BEFORE_AUTH:
                out.append(Violation("auth_first", turn, f"{name} before authentication"))
            if name.startswith("find_user_id") and ok and outcome.reply.strip() == user_id:
                authenticated = True
            if name not in WRITE_TOOLS or name == "transfer_to_human_agents":
                continue
            order = str(args.get("order_id", ""))
            if order and not order.startswith("#"):
                order = "#" + order
            if not consent:
                out.append(
                    Violation(
                        "confirm_before_write",
                        turn,
                        f"{name} on {order or args.get('user_id')} without a yes",
                    )
                )
            if ok:
                consent = False
            if any(f["tool"] == name and f["order_id"] == order for f in forbidden):
                out.append(
                    Violation(
                        "refused_request", turn, f"{name} on {order}, which had to be refused"
                    )
                )
            owner = owners.get(order) if order else args.get("user_id")
            if owner is not None and owner != user_id:
                out.append(
                    Violation("other_customer", turn, f"{name} on {order or owner} of {owner}")
                )
            if ok and name in _MODIFY:
                modified[order] = modified.get(order, 0) + 1
                if modified[order] == 2:
                    out.append(
                        Violation("one_modification", turn, f"second modification of {order}")
                    )
    return out
