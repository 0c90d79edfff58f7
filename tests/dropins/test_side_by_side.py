"""The drop-ins side by side with the official SDKs they replace.

Each peer-style app (``peer_app.py`` for rudder-sdk-python, ``peer-app.ts`` for
@rudderstack/rudder-sdk-node) runs twice against a local data plane that is down for the first
1.5 s (1 s for Node) of the run: as it is, with the peer SDK, then with only its import line
naming the drop-in. The events the data plane stored are then compared field by field. Values
that belong to the run (the time of a call, a fresh messageId) are compared by kind; every other
difference must be one of those listed below, each documented in docs/migrating.md. A new
difference fails the test, and so does one listed that no longer happens.

Both peers ride through their outage: rudder-sdk-python's waits are drawn with full jitter, so
its process runs with Python's ``random`` seeded (its waits are then 0.84, 1.52 and 1.68 s); the
Node peer's waits are at least 200, 400 and 800 ms. The drop-ins ride through on their own draws.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set, Tuple

import pytest

from rudder_group.testing import LocalDataPlane

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
NODE_PACKAGE = REPO / "bindings" / "node"
WRITE_KEY = "side-by-side-key"
PYTHON_IMPORTS = ("import rudderstack.analytics as rudder_analytics",
                  "import rudder_group.analytics as rudder_analytics")
NODE_IMPORTS = ("import Analytics = require('@rudderstack/rudder-sdk-node')",
                "import Analytics = require('rudder-group/compat')")
# The peer's backoff draws its waits from Python's `random`: seeded, the run is repeatable.
SEEDED = "import random, runpy, sys; random.seed(0); runpy.run_path(sys.argv[1], run_name='__main__')"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
ABSENT = "<absent>"

# (path, the peer's value, the drop-in's value), for each event by its groupId. "<now>" is a time
# taken during the run, "<uuid>" a fresh UUID v4, VERSION this package's version.
VERSION = "<version>"
PYTHON_DIFFERENCES = {
    "acme": {
        ("/anonymousId", None, ABSENT),
        ("/context/library/name", "analytics-python", "rudder-group-python"),
        ("/context/library/version", "2.1.9", VERSION),
        ("/originalTimestamp", ABSENT, "<now>"),
        ("/sentAt", ABSENT, "<now>"),
    },
    "globex": {
        ("/anonymousId", None, ABSENT),
        ("/context/library/name", "analytics-python", "rudder-group-python"),
        ("/context/library/version", "2.1.9", VERSION),
        # The caller's time, also as the time of the event (the peer sent none).
        ("/originalTimestamp", ABSENT, "2024-03-01T12:30:05.678Z"),
        ("/sentAt", ABSENT, "<now>"),
    },
    "42": {
        ("/userId", None, ABSENT),
        ("/groupId", 42, "42"),
        ("/context/library/name", "analytics-python", "rudder-group-python"),
        ("/context/library/version", "2.1.9", VERSION),
        ("/originalTimestamp", ABSENT, "<now>"),
        ("/sentAt", ABSENT, "<now>"),
    },
}
NODE_DIFFERENCES = {
    "acme": {
        ("/context/library/name", "analytics-node", "rudder-group-node"),
        ("/context/library/version", "3.0.13", VERSION),
        ("/_metadata/nodeVersion", "<node>", ABSENT),
    },
    "globex": {
        ("/context/library/name", "analytics-node", "rudder-group-node"),
        ("/context/library/version", "3.0.13", VERSION),
        ("/_metadata/nodeVersion", "<node>", ABSENT),
        ("/integrations/All", ABSENT, True),
    },
    "initech": {
        ("/context/library/name", "analytics-node", "rudder-group-node"),
        ("/context/library/version", "3.0.13", VERSION),
        ("/_metadata/nodeVersion", "<node>", ABSENT),
        ("/integrations/All", ABSENT, True),
    },
}


def package_version() -> str:
    text = (REPO / "Cargo.toml").read_text()
    found = re.search(r'^version = "([^"]+)"', text, re.MULTILINE)
    assert found
    return found.group(1)


def rudder_group_bin() -> str:
    return os.environ.get("RUDDER_GROUP_BIN") or str(REPO / "target" / "debug" / "rudder-group")


@pytest.fixture
def plane() -> Iterator[LocalDataPlane]:
    with LocalDataPlane(binary=rudder_group_bin(), write_key=WRITE_KEY) as p:
        yield p


def with_import(source: str, imports: Tuple[str, str]) -> str:
    """``source`` with its peer import line replaced by the drop-in's: one line, nothing else."""
    peer, ours = imports
    assert source.count(peer) == 1
    changed = source.replace(peer, ours)
    differing = [(a, b) for a, b in zip(source.splitlines(), changed.splitlines()) if a != b]
    assert differing == [(peer, ours)]
    return changed


class Run:
    """One app's run: its output and what the data plane stored, between two instants."""

    def __init__(self, plane: LocalDataPlane, argv: List[str], outage_ms: int, cwd: Path) -> None:
        env = dict(os.environ, WRITE_KEY=WRITE_KEY, RUDDER_DATA_PLANE_URL=plane.url)
        env.pop("DEBUG", None)
        plane.reset()
        self.start = datetime.now(timezone.utc) - timedelta(seconds=1)
        plane.fault(outage_ms=outage_ms)
        done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
        self.end = datetime.now(timezone.utc) + timedelta(seconds=1)
        self.output = done.stdout + done.stderr
        assert done.returncode == 0, self.output
        self.events = plane.events()
        plane.clear_faults()

    def kind(self, value: Any) -> Any:
        """A value that belongs to the run, as its kind; any other as it is."""
        if isinstance(value, str):
            if UUID.fullmatch(value):
                return "<uuid>"
            try:
                at = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value
            if at.tzinfo is not None and self.start <= at <= self.end:
                return "<now>"
        return value

    def by_group(self) -> Dict[str, Dict[str, Any]]:
        return {str(e["groupId"]): flatten(e, self) for e in self.events}


def flatten(value: Any, run: Run, path: str = "") -> Dict[str, Any]:
    if isinstance(value, dict) and value:
        out: Dict[str, Any] = {}
        for key, inner in value.items():
            out.update(flatten(inner, run, f"{path}/{key}"))
        return out
    return {path: run.kind(value)}


def differences(peer: Run, ours: Run, node: bool = False) -> Dict[str, Set[Tuple[str, Any, Any]]]:
    version = package_version()
    theirs, mine = peer.by_group(), ours.by_group()
    assert sorted(theirs) == sorted(mine)
    found: Dict[str, Set[Tuple[str, Any, Any]]] = {}
    for group, fields in theirs.items():
        other = mine[group]
        diff = set()
        for path in sorted(set(fields) | set(other)):
            a, b = fields.get(path, ABSENT), other.get(path, ABSENT)
            if a == b:
                continue
            if b == version:
                b = VERSION
            if node and path == "/_metadata/nodeVersion" and isinstance(a, str):
                a = "<node>"
            diff.add((path, a, b))
        found[group] = diff
    return found


def test_the_python_drop_in_stores_what_rudder_sdk_python_stored(plane: LocalDataPlane, tmp_path: Path) -> None:
    source = (HERE / "peer_app.py").read_text()
    (tmp_path / "peer_app.py").write_text(source)
    (tmp_path / "app.py").write_text(with_import(source, PYTHON_IMPORTS))

    peer = Run(plane, [sys.executable, "-c", SEEDED, "peer_app.py"], 1500, tmp_path)
    ours = Run(plane, [sys.executable, "-c", SEEDED, "app.py"], 1500, tmp_path)

    for run in (peer, ours):
        assert len(run.events) == 3 and "failed:" not in run.output, run.output
    assert differences(peer, ours) == PYTHON_DIFFERENCES
    # The explicit timestamp is stored as the caller gave it, by both.
    stored = {str(e["groupId"]): e for e in peer.events}, {str(e["groupId"]): e for e in ours.events}
    assert [s["globex"]["timestamp"] for s in stored] == ["2024-03-01T12:30:05.678000+00:00"] * 2
    # `debug = True` shows each request and each retry through the outage.
    requests = re.findall(r"POST /v1/batch: .*attempt (\d+)", ours.output)
    assert len(requests) > 3 and max(map(int, requests)) > 1, ours.output
    assert re.search(r"retr", ours.output), ours.output


def node_tree(tmp_path: Path) -> Path:
    """A folder whose node_modules holds the peer, its typings' dependencies and rudder-group."""
    modules = tmp_path / "node_modules"
    (modules / "@rudderstack").mkdir(parents=True)
    (modules / "@types").mkdir()
    installed = HERE / "node_modules"
    (modules / "@rudderstack" / "rudder-sdk-node").symlink_to(installed / "@rudderstack" / "rudder-sdk-node")
    (modules / "@types" / "node").symlink_to(installed / "@types" / "node")
    (modules / "rudder-group").symlink_to(NODE_PACKAGE)
    (tmp_path / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {
            "strict": True, "target": "es2022", "module": "commonjs", "moduleResolution": "node10",
            "types": ["node"], "skipLibCheck": False, "outDir": "out",
        },
        "files": ["peer-app.ts", "app.ts"],
    }))
    return tmp_path


def test_the_node_drop_in_stores_what_rudder_sdk_node_stored(plane: LocalDataPlane, tmp_path: Path) -> None:
    source = (HERE / "peer-app.ts").read_text()
    tree = node_tree(tmp_path)
    (tree / "peer-app.ts").write_text(source)
    (tree / "app.ts").write_text(with_import(source, NODE_IMPORTS))
    # Both compile under --strict: the peer's type names are the drop-in's.
    tsc = HERE / "node_modules" / "typescript" / "bin" / "tsc"
    compiled = subprocess.run(["node", str(tsc), "-p", str(tree)], capture_output=True, text=True, timeout=300)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr

    peer = Run(plane, ["node", "out/peer-app.js"], 1000, tree)
    ours = Run(plane, ["node", "out/app.js"], 1000, tree)

    for run in (peer, ours):
        assert len(run.events) == 3 and "failed:" not in run.output, run.output
        assert "callback: initech-42" in run.output and "flushed" in run.output, run.output
    assert differences(peer, ours, node=True) == NODE_DIFFERENCES
    stored = {e["groupId"]: e for e in peer.events}, {e["groupId"]: e for e in ours.events}
    assert [s["globex"]["timestamp"] for s in stored] == ["2024-03-01T12:30:05.678Z"] * 2
    # logLevel 'debug' shows each request and each retry through the outage, on the console.
    requests = re.findall(r"\[rudder-group\] debug: POST /v1/batch: .*attempt (\d+)", ours.output)
    assert len(requests) > 3 and max(map(int, requests)) > 1, ours.output
    assert re.search(r"\[rudder-group\] debug: retr", ours.output), ours.output

