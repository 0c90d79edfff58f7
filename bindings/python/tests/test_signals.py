"""Ctrl-C reaches a flush, a close and a blocking group() that wait on a data plane that never
answers: KeyboardInterrupt is raised, the events stay queued, and the process ends with it.
Each scenario runs as its own Python process (POSIX signals)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest

SCRIPT = """
import socket, sys
import rudder_group as rg

# Accepts connections (the kernel's backlog) and never answers: a request waits an hour.
silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(16)
url = "http://127.0.0.1:%d" % silent.getsockname()[1]
client = rg.Client(
    "key", url, flush_at=1, max_queue_events=1, overflow="block", block_timeout=3600,
    request_timeout=3600, exit_timeout=0.1,
)
client.group("g", user_id="u")  # one identity: one lane, in flight
while client.stats["batches"] == 0:
    pass
client.group("g", user_id="u")  # queued behind it
print("waiting", flush=True)
try:
    if sys.argv[1] == "flush":
        client.flush()
    elif sys.argv[1] == "close":
        client.close()
    else:
        client.group("g", user_id="u")  # blocks: the queue is full
except KeyboardInterrupt:
    print("interrupted", client.stats["queued"], client.stats["dropped"], flush=True)
    raise
print("returned", flush=True)
"""


@pytest.mark.parametrize("call", ["flush", "close", "group"])
def test_ctrl_c_interrupts_a_wait_and_loses_nothing(call: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(SCRIPT), call],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "waiting\n"
        # Give the call time to start waiting; were it not yet waiting, Python would raise
        # KeyboardInterrupt before it instead.
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        # Without a wait that looks for signals, the call would return after an hour.
        stdout, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
        process.wait()
    assert stdout == "interrupted 2 0\n", stdout + stderr
    assert "KeyboardInterrupt" in stderr
    assert process.returncode == -signal.SIGINT, stderr
