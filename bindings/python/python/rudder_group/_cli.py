"""The ``rudder-group`` command (``serve``, ``send``, ``validate``, ``demo``), as the wheel ships it.

A wheel carries the release build of the command in ``rudder_group/_bin/``; the console script
``rudder-group`` and ``python -m rudder_group`` run it with their arguments, replacing the Python
process (``exec``), so signals and the exit status are the command's own. An install built
from the sdist has the Python module only: running the command then says so and exits 127.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List, NoReturn, Optional

__all__ = ["binary", "main"]


def binary() -> Optional[Path]:
    """The packaged ``rudder-group`` executable, or ``None`` when this install has none."""
    path = (
        Path(__file__).resolve().parent
        / "_bin"
        / ("rudder-group.exe" if os.name == "nt" else "rudder-group")
    )
    return path if path.is_file() else None


def main(argv: Optional[List[str]] = None) -> NoReturn:
    """Runs the packaged command with ``argv`` (default: this process's arguments)."""
    args = sys.argv[1:] if argv is None else argv
    exe = binary()
    if exe is None:
        sys.stderr.write(
            "rudder-group: this install of the rudder-group package has no rudder-group command: "
            "it was built from source, which builds the Python module only. Install a wheel for "
            "this platform, or build the command from the source tree with "
            "`cargo build --release -p rudder-group-cli`.\n"
        )
        sys.exit(127)
    if not os.access(exe, os.X_OK):
        # An installer that dropped the mode bits: the file is ours to make executable.
        exe.chmod(exe.stat().st_mode | 0o111)
    if os.name == "nt":
        sys.exit(subprocess.call([str(exe), *args]))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(exe, [str(exe), *args])
