"""The types: mypy --strict accepts typical use and refuses misuse; stubtest finds the native
module's stub true to the runtime; help() shows every setting."""

from __future__ import annotations

import pydoc
import subprocess
import sys
from pathlib import Path

import rudder_group as rg

HERE = Path(__file__).resolve().parent

MISUSE = """\
import rudder_group as rg

rg.GroupEvent.build("g", user_id=1.5)
rg.GroupEvent.build("g", validation="loose")
client = rg.Client("k", "http://x", flush_att=3)
count: str = client.flush().delivered
rg.validate(42)
from rudder_group.testing import LocalDataPlane
LocalDataPlane(port="80").fault(staus=500)
"""


def mypy(*args: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *args],
        capture_output=True,
        text=True,
        cwd=HERE,
    )


def test_typed_usage_passes_mypy_strict() -> None:
    result = mypy(str(HERE / "typed_usage.py"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_misuse_is_refused_by_mypy(tmp_path: Path) -> None:
    path = tmp_path / "misuse.py"
    path.write_text(MISUSE)
    result = mypy(str(path))
    assert result.returncode == 1
    lines = {int(line.split(":")[1]) for line in result.stdout.splitlines() if ": error:" in line}
    assert lines == {3, 4, 5, 6, 7, 9}, result.stdout


def test_stubs_match_the_runtime() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "rudder_group"],
        capture_output=True,
        text=True,
        cwd=HERE,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_help_shows_every_setting_with_its_default() -> None:
    # The README's settings table is the settings table's rendering (the Rust tests check it).
    readme = (HERE.parent / "README.md").read_text()
    table = readme.split("| setting | default |", 1)[1].split("\n\n", 1)[0]
    rows = [line.split("|") for line in table.splitlines() if line.startswith("| `")]
    settings = {
        row[1].strip().strip("`"): row[2].strip() for row in rows if row[2].strip() != "required"
    }
    assert len(settings) == len(rows) - 2 and len(settings) >= 20  # all but the two required
    text = pydoc.render_doc(rg.Client, renderer=pydoc.plaintext)
    for name, default in settings.items():
        assert f" {name}: " in text, name
        assert f"{name}`` {default.strip('`')}" in text, name
    assert "exit_timeout" in text and "on_outcome" in text
