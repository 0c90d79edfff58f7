"""The Python examples of docs/recipes/ run: each block marked ```` ```python file=NAME ```` is
written to a scratch directory as NAME and run the way its page says, against the local data
plane; the test counts what the data plane stored. Where the platform cannot run here, the test
does to a process what the platform does (a SIGSTOP freeze for a function platform, SIGTERM for
Kubernetes and for a pool's terminate)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
from dataplane import REPO, WRITE_KEY, DataPlane

RECIPES = REPO / "docs" / "recipes"
VENV_BIN = Path(sys.executable).parent


def examples(page: str, directory: Path) -> Dict[str, Path]:
    """Writes every ```python file=NAME block of a page into `directory`; NAME -> path."""
    text = (RECIPES / page).read_text(encoding="utf-8")
    written = {}
    for name, body in re.findall(r"^```python file=(\S+)\n(.*?)^```$", text, flags=re.S | re.M):
        path = directory / name
        path.write_text(body, encoding="utf-8")
        written[name] = path
    assert written, f"{page} has no ```python file= block"
    return written


@pytest.fixture
def env(data_plane: DataPlane) -> Iterator[Dict[str, str]]:
    """The environment every example reads."""
    yield dict(os.environ, RUDDER_WRITE_KEY=WRITE_KEY, RUDDER_DATA_PLANE_URL=data_plane.url)


def stored_groups(data_plane: DataPlane) -> List[str]:
    return sorted(e["groupId"] for e in data_plane.events())


def piped(args: List[str], env: Dict[str, str]) -> "subprocess.Popen[str]":
    """A child process the test writes lines to and reads lines from."""
    return subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)


def test_every_page_with_python_has_its_test() -> None:
    pages = {
        p.name
        for p in RECIPES.glob("*.md")
        if re.search(r"^```python file=", p.read_text(encoding="utf-8"), re.M)
    }
    assert pages == {
        "serverless.md",
        "asyncio.md",
        "prefork.md",
        "multiprocessing.md",
        "kubernetes.md",
    }


DRIVER = """
import json, sys
sys.path.insert(0, sys.argv[1])
import lambda_function
for line in sys.stdin:
    print(json.dumps(lambda_function.handler(json.loads(line), None)), flush=True)
"""


@pytest.mark.parametrize("spool", [False, True], ids=["memory", "spool"])
def test_serverless_a_handler_that_flushes_loses_nothing_to_a_freeze(
    data_plane: DataPlane, env: Dict[str, str], tmp_path: Path, spool: bool
) -> None:
    examples("serverless.md", tmp_path)
    if spool:
        env["RUDDER_SPOOL_DIR"] = str(tmp_path / "spool")
    child = piped([sys.executable, "-c", DRIVER, str(tmp_path)], env)
    assert child.stdin is not None and child.stdout is not None
    try:
        for n in range(4):
            child.stdin.write(
                json.dumps({"group_id": f"acme-{n}", "user_id": f"u{n}", "plan": "pro"}) + "\n"
            )
            child.stdin.flush()
            assert json.loads(child.stdout.readline()) == {"statusCode": 200, "delivered": 1}
            # The invocation returned: the platform freezes the process; what was queued before
            # the flush is at the data plane already.
            os.kill(child.pid, signal.SIGSTOP)
            assert stored_groups(data_plane) == [f"acme-{i}" for i in range(n + 1)]
            time.sleep(0.2)  # frozen for a while: nothing depends on how long
            os.kill(child.pid, signal.SIGCONT)
        child.stdin.close()
        assert child.wait(timeout=60) == 0
    finally:
        child.kill()
        child.wait()
    assert len(data_plane.events()) == 4


def test_asyncio_the_example_delivers_every_event(
    data_plane: DataPlane, env: Dict[str, str], tmp_path: Path
) -> None:
    files = examples("asyncio.md", tmp_path)
    out = subprocess.run(
        [sys.executable, str(files["app_async.py"])],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "20 delivered\n"
    assert len(data_plane.events()) == 20


def test_prefork_gunicorn_workers_deliver_every_request(
    data_plane: DataPlane, env: Dict[str, str], tmp_path: Path
) -> None:
    examples("prefork.md", tmp_path)
    sock = tmp_path / "gunicorn.sock"
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"unix:{sock}",
            "wsgi_app:app",
        ],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        answers = [_get_over_unix_socket(sock, f"/acme-{n % 3}", server) for n in range(12)]
        assert answers == ["200"] * 12
        server.send_signal(signal.SIGTERM)  # a deployment stops the master; it stops the workers
        _, err = server.communicate(timeout=60)
        assert server.returncode == 0, err
    finally:
        server.kill()
        server.wait()
    assert stored_groups(data_plane) == sorted(f"acme-{n % 3}" for n in range(12))
    workers = {e["userId"] for e in data_plane.events()}
    assert all(w.startswith("worker-") for w in workers), workers


def _get_over_unix_socket(sock: Path, path: str, server: "subprocess.Popen[str]") -> str:
    """The status of one GET to gunicorn on its unix socket, once it listens."""
    import socket

    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.connect(str(sock))
                s.sendall(f"GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n".encode())
                answer = b""
                while chunk := s.recv(4096):
                    answer += chunk
            return answer.split(b" ", 2)[1].decode()
        except (FileNotFoundError, ConnectionRefusedError):
            assert server.poll() is None, "gunicorn ended before it listened"
            assert time.monotonic() < deadline, "gunicorn did not listen"
            time.sleep(0.05)


@pytest.mark.parametrize("mode", ["close-and-join", "pool-block-and-spool"])
def test_multiprocessing_both_ways_deliver_every_event(
    data_plane: DataPlane, env: Dict[str, str], tmp_path: Path, mode: str
) -> None:
    files = examples("multiprocessing.md", tmp_path)
    out = subprocess.run(
        [sys.executable, str(files["pool_jobs.py"]), mode],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    # At least once: a worker killed between a delivery and its mark in the spool sends that
    # event again, with its messageId.
    ids = {e["messageId"] for e in data_plane.events()}
    assert len(ids) == 20
    assert sorted({e["userId"] for e in data_plane.events()}) == sorted(
        f"user-{n}" for n in range(20)
    )


def test_kubernetes_sigterm_closes_the_client_and_delivers(
    data_plane: DataPlane, env: Dict[str, str], tmp_path: Path
) -> None:
    files = examples("kubernetes.md", tmp_path)
    child = piped([sys.executable, str(files["service.py"])], env)
    assert child.stdin is not None and child.stdout is not None
    try:
        for n in range(10):
            child.stdin.write(f"acme-{n % 2} user-{n}\n")
            child.stdin.flush()
            assert child.stdout.readline() == "accepted\n"
        child.send_signal(signal.SIGTERM)  # the kubelet's stop; the pipe stays open
        assert child.wait(timeout=60) == 0
    finally:
        child.kill()
        child.wait()
    assert len(data_plane.events()) == 10
