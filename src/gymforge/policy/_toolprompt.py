"""A small text protocol for tool calls, for models without native tool calling.

The protocol, as the model sees it:

- The tool specs are rendered into the system prompt (`render_tool_instructions`), with
  the instruction to call a tool by writing one block per call::

      <tool_call>{"name": "lookup_order", "arguments": {"order_id": 12}}</tool_call>

- `parse_tool_calls` turns the model's text back into `ToolCall` objects. It accepts one
  or more blocks (a last block whose closing tag is missing is accepted too, because
  small models often stop right before it), a JSON *list* of calls inside one block
  (the format SmolLM2-1.7B and Hermes-style models were trained on), the key
  ``"parameters"`` as an alias of ``"arguments"``, and, when the text has no block at
  all, a bare JSON object (or list) with ``"name"`` (a tool offered this turn) and
  ``"arguments"``. Call ids are deterministic:
  ``call_<turn>_<k>`` for the k-th call of assistant turn ``turn``. Text outside the
  blocks stays the message content; a block that does not parse stays in the content
  as it was written, so the env answers it like any other text.
- History is rendered back in the same protocol (`render_history`): an assistant
  message's tool calls become blocks after its text, and tool results become a user
  turn of ``<tool_response id=... name=...>...</tool_response>`` blocks (consecutive
  results share one turn), so that plain system/user/assistant chat templates work.

Example:
    >>> from gymforge.types import ToolSpec
    >>> spec = ToolSpec(name="add", description="Add two ints.", parameters={"type": "object"})
    >>> "<tool_call>" in render_tool_instructions([spec])
    True
    >>> content, calls = parse_tool_calls(
    ...     'Sure. <tool_call>{"name": "add", "arguments": {"a": 1}}</tool_call>', turn=0
    ... )
    >>> content, calls[0].id, calls[0].name, calls[0].function.arguments
    ('Sure.', 'call_0_0', 'add', '{"a": 1}')
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence
from typing import Any

from gymforge.types import Message, ToolCall, ToolSpec

__all__ = [
    "TOOL_CALL_CLOSE",
    "TOOL_CALL_OPEN",
    "assistant_turn",
    "parse_tool_calls",
    "render_history",
    "render_tool_call",
    "render_tool_instructions",
    "tool_call_id",
]

TOOL_CALL_OPEN = "<tool_call>"
"""Opening tag of a tool-call block."""
TOOL_CALL_CLOSE = "</tool_call>"
"""Closing tag of a tool-call block."""

_BLOCK = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.DOTALL)
_FENCE = re.compile(r"\A```(?:json)?\s*(.*?)\s*```\Z", re.DOTALL)

_INSTRUCTIONS = """\
You can call tools. To call a tool, write one block per call, exactly like this:
<tool_call>{"name": "TOOL_NAME", "arguments": {"ARG": "VALUE"}}</tool_call>
The arguments must be a JSON object that follows the tool's JSON Schema. \
Tool results come back inside <tool_response> blocks. \
When you do not need a tool, answer in plain text.

Available tools:"""


def tool_call_id(turn: int, k: int) -> str:
    """The deterministic id of the `k`-th tool call of assistant turn `turn`.

    Example:
        >>> tool_call_id(2, 0)
        'call_2_0'
    """
    return f"call_{turn}_{k}"


def assistant_turn(messages: Sequence[Message]) -> int:
    """Index of the assistant turn that answers `messages` (assistant messages so far).

    Example:
        >>> assistant_turn([Message.user("a"), Message.assistant("b"), Message.user("c")])
        1
    """
    return sum(1 for m in messages if m.role == "assistant")


def render_tool_instructions(tools: Sequence[ToolSpec]) -> str:
    """The system-prompt text that offers `tools` and explains the block protocol.

    Returns an empty string when there are no tools.

    Example:
        >>> render_tool_instructions([])
        ''
    """
    if not tools:
        return ""
    lines = [_INSTRUCTIONS]
    for spec in tools:
        schema = json.dumps(spec.parameters, sort_keys=True)
        lines.append(f"- {spec.name}: {spec.description}\n  arguments schema: {schema}")
    return "\n".join(lines)


def render_tool_call(call: ToolCall) -> str:
    """One call as a ``<tool_call>`` block (arguments re-encoded when they are JSON).

    Example:
        >>> render_tool_call(ToolCall.make("add", {"a": 1}, id="call_0_0"))
        '<tool_call>{"name": "add", "arguments": {"a": 1}}</tool_call>'
    """
    try:
        arguments: Any = json.loads(call.function.arguments)
    except ValueError:
        arguments = call.function.arguments
    body = json.dumps({"name": call.name, "arguments": arguments}, ensure_ascii=False)
    return f"{TOOL_CALL_OPEN}{body}{TOOL_CALL_CLOSE}"


def _call_of(obj: object) -> tuple[str, str] | None:
    """(name, arguments JSON) of one decoded call object, or None when it is not one."""
    if not isinstance(obj, dict):
        return None
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        return None
    arguments = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(arguments, str):
        return name, arguments
    return name, json.dumps(arguments, ensure_ascii=False)


def _decode_calls(text: str) -> list[tuple[str, str]] | None:
    """The calls in one block's body: an object, or a list of them; None if neither."""
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1)
    try:
        obj, end = json.JSONDecoder().raw_decode(body)
    except ValueError:
        return None
    if body[end:].strip():
        return None
    items = obj if isinstance(obj, list) and obj else [obj]
    calls = [_call_of(item) for item in items]
    if any(call is None for call in calls):
        return None
    return [call for call in calls if call is not None]


def parse_tool_calls(
    text: str, *, turn: int, tool_names: Collection[str] | None = None
) -> tuple[str | None, tuple[ToolCall, ...]]:
    """Split model text into (content, tool calls) following the block protocol.

    Args:
        text: What the model wrote.
        turn: Index of this assistant turn in the conversation (for the call ids).
        tool_names: The tools offered this turn. A bare JSON object (no block) counts as
            a call only when its name is one of them; blocks are always parsed, and an
            unknown name is left for the env to answer.

    Returns:
        The text outside parsed blocks (stripped; None when empty and there are calls),
        and the calls in order.

    Example:
        >>> bare = '{"name": "add", "arguments": {}}'
        >>> parse_tool_calls(bare, turn=1, tool_names={"add"})[1][0].id
        'call_1_0'
        >>> parse_tool_calls("<tool_call>not json</tool_call>", turn=0)
        ('<tool_call>not json</tool_call>', ())
    """
    calls: list[ToolCall] = []
    kept: list[str] = []
    pos = 0
    for match in _BLOCK.finditer(text):
        decoded = _decode_calls(match.group(1))
        if decoded is None:
            continue
        kept.append(text[pos : match.start()])
        pos = match.end()
        for name, arguments in decoded:
            calls.append(ToolCall.make(name, arguments, id=tool_call_id(turn, len(calls))))
    kept.append(text[pos:])
    content = "".join(kept).strip()
    if not calls and tool_names and TOOL_CALL_OPEN not in text:
        bare = _decode_calls(text)
        if bare and all(name in tool_names for name, _ in bare):
            return None, tuple(
                ToolCall.make(name, args, id=tool_call_id(turn, k))
                for k, (name, args) in enumerate(bare)
            )
    if calls and not content:
        return None, tuple(calls)
    return content, tuple(calls)


def _tool_response(message: Message) -> str:
    attrs = f' id="{message.tool_call_id or ""}"'
    if message.name:
        attrs += f' name="{message.name}"'
    return f"<tool_response{attrs}>\n{message.content or ''}\n</tool_response>"


def render_history(
    messages: Sequence[Message], tools: Sequence[ToolSpec] = ()
) -> list[dict[str, str]]:
    r"""The conversation as plain ``{"role", "content"}`` dicts in the block protocol.

    The tool instructions are appended to the first system message (or become one).
    Only the roles system, user and assistant remain, so any chat template renders it.

    Example:
        >>> history = render_history(
        ...     [
        ...         Message.user("hi"),
        ...         Message.assistant(tool_calls=[ToolCall.make("t", {}, id="c0")]),
        ...         Message.tool("ok", tool_call_id="c0"),
        ...     ]
        ... )
        >>> [m["role"] for m in history]
        ['user', 'assistant', 'user']
        >>> history[2]["content"]
        '<tool_response id="c0">\nok\n</tool_response>'
    """
    out: list[dict[str, str]] = []
    instructions = render_tool_instructions(tools)
    after_tool = False
    for message in messages:
        if message.role == "system":
            text = message.content or ""
            if instructions and not any(m["role"] == "system" for m in out):
                text = f"{text}\n\n{instructions}" if text else instructions
            out.append({"role": "system", "content": text})
        elif message.role == "assistant":
            parts = [message.content] if message.content else []
            parts.extend(render_tool_call(c) for c in message.tool_calls or ())
            out.append({"role": "assistant", "content": "\n".join(parts)})
        elif message.role == "tool":
            block = _tool_response(message)
            if after_tool:
                out[-1] = {"role": "user", "content": f"{out[-1]['content']}\n{block}"}
            else:
                out.append({"role": "user", "content": block})
        else:
            out.append({"role": "user", "content": message.content or ""})
        after_tool = message.role == "tool"
    if instructions and not any(m["role"] == "system" for m in out):
        out.insert(0, {"role": "system", "content": instructions})
    return out
