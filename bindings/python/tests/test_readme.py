"""The README's Python examples run: the client's against the local data plane, the tests of
"Testing your code" under pytest with the package's plugin, and its LocalDataPlane example."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
from dataplane import WRITE_KEY, DataPlane, binary

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks(section: str) -> List[str]:
    """The Python examples of one `## ` section of the README."""
    text = README.read_text(encoding="utf-8")
    [body] = [part for part in text.split("\n## ") if part.startswith(section + "\n")]
    return re.findall(r"```python\n(.*?)```", body, flags=re.S)


def test_the_readme_example_runs(data_plane: DataPlane, monkeypatch: pytest.MonkeyPatch) -> None:
    [example] = python_blocks("Use")
    monkeypatch.setenv("RUDDER_WRITE_KEY", WRITE_KEY)
    monkeypatch.setenv("RUDDER_DATA_PLANE_URL", data_plane.url)
    namespace: dict = {"__name__": "readme_example"}  # type: ignore[type-arg]
    exec(compile(example, str(README), "exec"), namespace)
    [event] = data_plane.events()
    assert event["messageId"] == namespace["message_id"]
    assert event["traits"] == {"name": "MyGroup", "employees": 450}
    assert namespace["client"].closed


def test_the_readme_tests_pass_with_the_fixture(tmp_path: Path) -> None:
    [tests, _] = python_blocks("Testing your code")
    (tmp_path / "test_readme_example.py").write_text(tests)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_readme_example.py"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, RUDDER_GROUP_BIN=binary()),
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout, result.stdout


def test_the_readme_local_data_plane_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    [_, example] = python_blocks("Testing your code")
    monkeypatch.setenv("RUDDER_GROUP_BIN", binary())
    namespace: dict = {"__name__": "readme_example"}  # type: ignore[type-arg]
    exec(compile(example, str(README), "exec"), namespace)
    plane = namespace["plane"]
    assert plane.closed and plane.process.poll() is not None
