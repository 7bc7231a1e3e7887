from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gymforge.errors import ConfigError, NotFoundError
from gymforge.tasks import ArithmeticFamily, generate_tasks, load_tasks, save_tasks
from gymforge.types import Task

GOOD = '{"id": "a", "prompt": "p"}\n'
B = '{"id": "b", "prompt": "p"}\n'


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "tasks.jsonl"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    tasks = generate_tasks(ArithmeticFamily(), 50, seed=9)
    tasks.append(
        Task(
            id="rich/ü",
            prompt="Café τ\nline two",
            answer={"x": [1, 2.5, None, "s"]},
            family="custom",
            difficulty=None,
            metadata={"nested": {"k": [True, False]}},
        )
    )
    path = tmp_path / "sub" / "tasks.jsonl"
    assert save_tasks(path, tasks) == 51
    assert load_tasks(path) == tasks
    assert path.read_text(encoding="utf-8").count("\n") == 51
    assert not list(path.parent.glob(".*tmp"))


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.builds(
            Task,
            id=st.text(min_size=1),
            prompt=st.text(),
            answer=_json,
            difficulty=st.none() | st.integers(0, 9),
            metadata=st.dictionaries(st.text(), _json, max_size=3),
        ),
        max_size=5,
        unique_by=lambda t: t.id,
    )
)
def test_round_trip_property(tmp_path_factory: pytest.TempPathFactory, tasks: list[Task]) -> None:
    path = tmp_path_factory.mktemp("rt") / "t.jsonl"
    save_tasks(path, tasks)
    assert load_tasks(path) == tasks


def test_blank_lines_are_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "\n" + GOOD + "\n  \n" + GOOD.replace('"a"', '"b"'))
    assert [t.id for t in load_tasks(path)] == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD + B + '{"prompt": "p"}\n', "tasks.jsonl line 3: field 'id': field required"),
        (
            GOOD + '{"id": "b", "prompt": "p",}\n',
            "line 2: invalid JSON at column 27: Expecting property name",
        ),
        (GOOD + '{"id": "b", "pro', "line 2: invalid JSON at column 13: "),
        (GOOD + "[1, 2]\n", "line 2: expected a JSON object, got list"),
        ('{"id": "a", "prompt": "p", "colour": 1}\n', "line 1: field 'colour': extra inputs"),
        ('{"id": "a", "prompt": "p", "difficulty": "hard"}\n', "line 1: field 'difficulty': "),
        (GOOD + "\n" + GOOD, "line 3: duplicate task id 'a' (first on line 1)"),
        ('{"id": 1}\n', "line 1: field 'id': input should be a valid string; field 'prompt'"),
    ],
)
def test_bad_files_name_the_file_line_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_tasks(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_truncated_last_line_is_called_truncated(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + GOOD.replace('"a"', '"b"') + '{"id": "c", "prompt": "unfini')
    with pytest.raises(ConfigError, match=r"line 3: invalid JSON at column \d+: .*looks truncated"):
        load_tasks(path)


def test_non_utf8_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.encode() + b'{"id": "\xff", "prompt": "p"}\n')
    with pytest.raises(ConfigError, match="line 2: not UTF-8"):
        load_tasks(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        load_tasks(tmp_path / "nope.jsonl")


def test_save_rejects_non_tasks_and_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    save_tasks(path, [Task(id="old", prompt="p")])
    bad = [Task(id="new", prompt="p"), {"id": "a", "prompt": "p"}]
    with pytest.raises(TypeError, match="expected Task"):
        save_tasks(path, bad)  # type: ignore[arg-type]
    assert [t.id for t in load_tasks(path)] == ["old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.jsonl"]
