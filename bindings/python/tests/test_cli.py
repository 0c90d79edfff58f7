"""The `rudder-group` command as the package runs it (`python -m rudder_group`, the console script).

The wheel the tests install is built from the source tree and carries no command (only `make
dist` puts the release build in rudder_group/_bin/): running it must say so, not fail obscurely.
The packaged command itself is run from the release wheel by `make dist-check`.
"""

from __future__ import annotations

import subprocess
import sys

from rudder_group import _cli


def test_an_install_without_the_command_says_so_and_exits_127() -> None:
    assert _cli.binary() is None
    result = subprocess.run(
        [sys.executable, "-m", "rudder_group", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 127
    assert "has no rudder-group command" in result.stderr
    assert "cargo build --release -p rudder-group-cli" in result.stderr
