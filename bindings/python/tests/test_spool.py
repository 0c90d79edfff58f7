"""The durable spool through Python: ``spool_dir=`` keeps what ``group()`` accepted across a
client that could not deliver, a second client on the directory is refused with the holder's
pid, and a forked child's client runs without its parent's spool."""

from __future__ import annotations

import os
import pathlib
import socket
import subprocess
import sys
import textwrap

import pytest
import rudder_group as rg
from dataplane import WRITE_KEY, DataPlane


def refusing_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_the_spool_keeps_events_for_the_next_client(
    data_plane: DataPlane, tmp_path: pathlib.Path
) -> None:
    spool = tmp_path / "spool"
    down = rg.Client(WRITE_KEY, refusing_url(), spool_dir=spool, flush_interval=60)
    # One identity: one lane, so the next client resends them in the order they were enqueued.
    ids = [down.group("g", user_id="spooled") for _ in range(30)]
    with pytest.raises(rg.ConfigError) as held:
        rg.Client(WRITE_KEY, data_plane.url, spool_dir=str(spool))
    assert held.value.setting == "spool_dir"
    assert f"process {os.getpid()}" in str(held.value)
    with pytest.raises(rg.FlushTimeoutError):
        down.close(timeout=0)
    assert down.stats["dropped"] == 0
    # The second close waits for the lanes to stop, which releases the spool.
    down.close()

    seen: list[rg.Outcome] = []
    with rg.Client(
        WRITE_KEY, data_plane.url, spool_dir=spool, spool_sync="event", on_outcome=seen.append
    ) as up:
        assert up.flush(timeout=60).delivered == 30
        assert up.stats["recovered"] == 30
        assert up.stats["spool_skipped"] == 0
        # Flushed to disk per event (the GIL released while it waits).
        fresh = up.group("g", user_id="fresh")
        assert up.flush(timeout=60).delivered == 1
    stored = [e["messageId"] for e in data_plane.events()]
    assert stored == ids + [fresh]
    assert sorted(i for o in seen for i in o.message_ids) == sorted(ids + [fresh])
    assert [p.name for p in spool.iterdir()] == ["LOCK"]


def test_a_forked_child_does_not_use_the_parents_spool(
    data_plane: DataPlane, tmp_path: pathlib.Path
) -> None:
    script = """
        import os, sys
        import rudder_group as rg

        client = rg.Client(sys.argv[1], sys.argv[2], spool_dir=sys.argv[3], flush_interval=60)
        for i in range(10):
            client.group("g", user_id=f"parent-{i}")
        pid = os.fork()
        if pid == 0:
            # An empty memory queue, no spool: the parent's events stay the parent's.
            assert client.stats["queued"] == 0 and client.stats["recovered"] == 0, client.stats
            for i in range(5):
                client.group("g", user_id=f"child-{i}")
            assert client.close(timeout=30).delivered == 5
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        assert status == 0, status
        assert client.close(timeout=30).delivered == 10
    """
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(script),
            WRITE_KEY,
            data_plane.url,
            str(tmp_path / "spool"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    users = sorted(e["userId"].split("-")[0] for e in data_plane.events())
    assert users == ["child"] * 5 + ["parent"] * 10
