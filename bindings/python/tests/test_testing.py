"""rudder_group.testing.LocalDataPlane and the pytest plugin's `rudder_data_plane` fixture: a
client delivers to it, its admin API reads back and injects faults, a program that cannot run
is named in the error, and its process never outlives it (with block, garbage collection,
interpreter exit, a parent killed with SIGKILL)."""

from __future__ import annotations

import gc
import os
import socket
import stat
import subprocess
import sys
import textwrap
import time
import weakref
from pathlib import Path
from typing import Any, Dict, List

import pytest
import rudder_group as rg
from dataplane import binary
from rudder_group import testing
from rudder_group.testing import LocalDataPlane, LocalDataPlaneError


def statuses(plane: LocalDataPlane) -> List[int]:
    return [r["status"] for r in plane.requests()]


def send(
    plane: LocalDataPlane, *user_ids: str, write_key: str = "", **settings: Any
) -> rg.FlushResult:
    with rg.Client(write_key or plane.write_key, plane.url, **settings) as client:
        for user_id in user_ids:
            client.group("acme", {"plan": "pro"}, user_id=user_id)
        return client.flush(timeout=60)


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie, ended but not yet reaped by its new parent, does not)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return fields[0] not in ("Z", "X")


def ends(pid: int, deadline: float = 30.0) -> bool:
    """Polls until the process has ended, at most `deadline` seconds."""
    until = time.monotonic() + deadline
    while alive(pid) and time.monotonic() < until:
        time.sleep(0.05)
    return not alive(pid)


def test_a_client_delivers_to_it_and_events_reads_them_back() -> None:
    with LocalDataPlane(binary=binary()) as plane:
        assert plane.url.startswith("http://127.0.0.1:")
        assert not plane.closed and "running" in repr(plane)
        message_ids = []
        # One identity: its events reach the data plane in the order they were sent (two
        # identities may take two lanes, in either order).
        with rg.Client(plane.write_key, plane.url) as client:
            message_ids.append(client.group("acme", {"plan": "pro"}, user_id="u1"))
            message_ids.append(client.group("acme", {"plan": "max"}, user_id="u1"))
            assert client.flush(timeout=60).delivered == 2
        events = plane.events()
        assert [e["messageId"] for e in events] == message_ids
        assert [(e["type"], e["groupId"], e["userId"], e["traits"]["plan"]) for e in events] == [
            ("group", "acme", "u1", "pro"),
            ("group", "acme", "u1", "max"),
        ]
        assert set(statuses(plane)) == {200}
        assert plane.stats() == {"requests": len(plane.requests()), "events": 2}


def test_it_accepts_its_own_fresh_write_key_and_no_other() -> None:
    with LocalDataPlane(binary=binary()) as one, LocalDataPlane(binary=binary()) as other:
        assert one.write_key != other.write_key and len(one.write_key) >= 32
        result = send(one, "u1", write_key=other.write_key, retry_max_attempts=1)
        assert (result.delivered, result.failed) == (0, 1)
        assert statuses(one) == [401] and one.events() == []
    with LocalDataPlane(binary=binary(), write_key="my-key") as plane:
        assert plane.write_key == "my-key"
        assert send(plane, "u1").delivered == 1


def test_a_fault_is_answered_and_the_client_retries() -> None:
    with LocalDataPlane(binary=binary()) as plane:
        plane.fault(status=503, next=2)
        result = send(plane, "u1", retry_initial_backoff=0.005, retry_max_backoff=0.01)
        assert result.delivered == 1
        assert statuses(plane) == [503, 503, 200]
        assert len(plane.events()) == 1
        plane.fault(status=500, retry_after="0", requests=(1, 100))
        plane.clear_faults()
        assert send(plane, "u2").delivered == 1
        assert statuses(plane) == [503, 503, 200, 200]
        assert [e["userId"] for e in plane.events()] == ["u1", "u2"]


def test_a_fault_the_data_plane_refuses_is_a_value_error_with_its_reason() -> None:
    with LocalDataPlane(binary=binary()) as plane:
        with pytest.raises(ValueError, match=r'"status" must be 200..=999'):
            plane.fault(status=42)
        with pytest.raises(ValueError, match="exactly one of"):
            plane.fault(status=500, latency_ms=10)
        with pytest.raises(ValueError, match="exactly one of"):
            plane.fault()
        assert send(plane, "u1").delivered == 1
        assert statuses(plane) == [200]


def test_reset_forgets_events_requests_and_faults() -> None:
    with LocalDataPlane(binary=binary()) as plane:
        assert send(plane, "u1", "u2").delivered == 2
        plane.fault(status=500, next=1000)
        plane.reset()
        assert plane.events() == [] and plane.requests() == []
        assert plane.stats() == {"requests": 0, "events": 0}
        assert send(plane, "u3").delivered == 1
        assert statuses(plane) == [200]
        assert [e["userId"] for e in plane.events()] == ["u3"]


def test_the_process_ends_with_the_with_block_and_close_is_idempotent() -> None:
    with LocalDataPlane(binary=binary()) as plane:
        process = plane.process
        assert process.poll() is None and alive(process.pid)
    assert process.poll() is not None
    assert not alive(process.pid)
    assert plane.closed and "closed" in repr(plane)
    plane.close()
    plane.close()
    with pytest.raises(LocalDataPlaneError, match="is closed"):
        plane.events()


def test_the_process_ends_when_the_object_is_collected() -> None:
    plane = LocalDataPlane(binary=binary())
    process = plane.process
    collected = weakref.ref(plane)
    assert process.poll() is None
    del plane
    gc.collect()
    assert collected() is None
    assert process.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.kill(process.pid, 0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_it_listens_on_the_port_it_is_given() -> None:
    port = free_port()
    with LocalDataPlane(binary=binary(), port=port) as plane:
        assert plane.url == f"http://127.0.0.1:{port}"
        assert send(plane, "u1").delivered == 1


@pytest.mark.parametrize(
    "setting, value, option",
    [
        ("latency_ms", 600_001, "--latency-ms"),
        ("max_in_flight", 0, "--max-in-flight"),
        ("rate_limit", 0, "--rate-limit"),
    ],
)
def test_settings_reach_serve(setting: str, value: int, option: str) -> None:
    # A value serve refuses shows that the setting reached it: the error quotes serve's stderr.
    with pytest.raises(LocalDataPlaneError) as raised:
        LocalDataPlane(binary=binary(), **{setting: value})
    message = str(raised.value)
    assert "exited with status 2" in message and option in message, message
    with LocalDataPlane(binary=binary(), **{setting: 1}) as plane:
        assert send(plane, "u1").delivered == 1


def test_a_missing_binary_is_named_in_the_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-rudder-group"
    with pytest.raises(LocalDataPlaneError) as raised:
        LocalDataPlane(binary=missing)
    assert str(raised.value) == (
        f"cannot start the local data plane: {missing} (from binary=) does not exist"
    )
    assert raised.value.binary == str(missing)


def test_a_program_that_is_not_executable_or_fails_is_named_with_why(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_text("not a program\n")
    with pytest.raises(LocalDataPlaneError, match=f"{plain} \\(from binary=\\) is not executable"):
        LocalDataPlane(binary=plain)
    failing = tmp_path / "failing"
    failing.write_text("#!/bin/sh\necho 'no port for you' >&2\nexit 3\n")
    failing.chmod(failing.stat().st_mode | stat.S_IXUSR)
    with pytest.raises(LocalDataPlaneError) as raised:
        LocalDataPlane(binary=failing)
    assert str(raised.value) == (
        f"cannot start the local data plane: {failing} (from binary=) exited with status 3: no port for you"
    )
    chatty = tmp_path / "chatty"
    chatty.write_text("#!/bin/sh\necho hello\nsleep 600\n")
    chatty.chmod(chatty.stat().st_mode | stat.S_IXUSR)
    with pytest.raises(LocalDataPlaneError, match="printed 'hello' instead of its URL"):
        LocalDataPlane(binary=chatty)


def test_the_binary_comes_from_the_argument_the_environment_the_package_then_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = binary()
    monkeypatch.setenv("RUDDER_GROUP_BIN", str(tmp_path / "from-env"))
    with pytest.raises(
        LocalDataPlaneError, match=r"from-env \(from \$RUDDER_GROUP_BIN\) does not exist"
    ):
        LocalDataPlane()
    with LocalDataPlane(binary=real) as plane:
        assert plane.binary == real
    monkeypatch.delenv("RUDDER_GROUP_BIN")
    shipped = tmp_path / "package" / "_bin" / "rudder-group"
    monkeypatch.setattr(testing, "_shipped_binary", lambda: shipped)
    on_path = tmp_path / "path"
    on_path.mkdir()
    monkeypatch.setenv("PATH", str(on_path))
    with pytest.raises(LocalDataPlaneError) as raised:
        LocalDataPlane()
    assert str(raised.value) == (
        "cannot start the local data plane: no rudder-group program; looked for binary=, "
        f"$RUDDER_GROUP_BIN, {shipped} and rudder-group on PATH"
    )
    (on_path / "rudder-group").symlink_to(real)
    with LocalDataPlane() as plane:
        assert plane.binary == str(on_path / "rudder-group")
    shipped.parent.mkdir(parents=True)
    shipped.symlink_to(real)
    with LocalDataPlane() as plane:
        assert plane.binary == str(shipped)
        assert send(plane, "u1").delivered == 1


CHILD = """
import sys
from rudder_group.testing import LocalDataPlane

plane = LocalDataPlane(binary=sys.argv[1])
print(plane.process.pid, flush=True)
if sys.argv[2] == "wait":
    sys.stdin.read()
"""


@pytest.mark.parametrize("end", ["exit", "SIGKILL"])
def test_no_data_plane_outlives_the_process_that_started_it(end: str) -> None:
    # A process that ends without close(), and one killed before any Python code can run: the
    # first stops serve at interpreter exit, the second by the end of serve's stdin pipe.
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, binary(), "wait" if end == "SIGKILL" else "end"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    pid = int(child.stdout.readline())
    try:
        if end == "SIGKILL":
            assert alive(pid)
            assert b"serve" in Path(f"/proc/{pid}/cmdline").read_bytes()
            child.kill()
        assert child.wait(60) == (-9 if end == "SIGKILL" else 0)
        assert ends(pid), f"rudder-group serve (pid {pid}) still runs"
    finally:
        child.kill()
        child.wait()
        if child.stdin is not None:
            child.stdin.close()
        child.stdout.close()


USER_TESTS = """
import sys

import rudder_group as rg

urls = []


def test_the_plugin_loaded_nothing_heavy():
    assert "rudder_group._native" not in sys.modules
    assert "rudder_group._client" not in sys.modules


def test_first(rudder_data_plane):
    assert rudder_data_plane.events() == [] and rudder_data_plane.requests() == []
    urls.append(rudder_data_plane.url)
    with rg.Client(rudder_data_plane.write_key, rudder_data_plane.url) as client:
        client.group("acme", user_id="u1")
    assert [e["userId"] for e in rudder_data_plane.events()] == ["u1"]
    rudder_data_plane.fault(status=500, next=1000)


def test_second(rudder_data_plane):
    assert rudder_data_plane.events() == [] and rudder_data_plane.requests() == []
    assert rudder_data_plane.url == urls[0]
    with rg.Client(rudder_data_plane.write_key, rudder_data_plane.url) as client:
        client.group("acme", user_id="u2")
    assert [e["userId"] for e in rudder_data_plane.events()] == ["u2"]
    assert [r["status"] for r in rudder_data_plane.requests()] == [200]
"""


def test_the_pytest_plugin_gives_each_test_an_empty_data_plane(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TESTS))
    env = dict(os.environ, RUDDER_GROUP_BIN=binary())
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            str(tmp_path / "test_user.py"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout, result.stdout


def test_importing_the_plugin_and_the_testing_module_leaves_the_native_module_unloaded() -> None:
    script = (
        "import sys, rudder_group.pytest_plugin, rudder_group.testing\n"
        "print(sorted(m for m in sys.modules if m.startswith('rudder_group')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip()
        == "['rudder_group', 'rudder_group.pytest_plugin', 'rudder_group.testing']"
    )


def test_every_public_name_of_the_package_loads_on_first_use() -> None:
    homes: Dict[str, str] = rg._HOMES  # type: ignore[attr-defined]
    assert sorted(homes) == sorted(rg.__all__)
    script = (
        "import rudder_group as rg\n"
        "for name in rg.__all__:\n"
        "    assert getattr(rg, name) is getattr(getattr(rg, rg._HOMES[name]), name), name\n"
        "assert set(rg.__all__) <= set(dir(rg))\n"
        "try:\n"
        "    rg.Clinet\n"
        "except AttributeError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "module 'rudder_group' has no attribute 'Clinet'"
