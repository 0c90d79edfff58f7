"""The README's Python example runs against the local data plane."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dataplane import WRITE_KEY, DataPlane

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list:  # type: ignore[type-arg]
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_readme_example_runs(data_plane: DataPlane, monkeypatch: pytest.MonkeyPatch) -> None:
    [example] = python_blocks()
    monkeypatch.setenv("RUDDER_WRITE_KEY", WRITE_KEY)
    monkeypatch.setenv("RUDDER_DATA_PLANE_URL", data_plane.url)
    namespace: dict = {"__name__": "readme_example"}  # type: ignore[type-arg]
    exec(compile(example, str(README), "exec"), namespace)
    [event] = data_plane.events()
    assert event["messageId"] == namespace["message_id"]
    assert event["traits"] == {"name": "MyGroup", "employees": 450}
    assert namespace["client"].closed
