"""Process life: exit without close delivers, exit waits are bounded, fork gives the child a
working client. Each scenario runs as its own Python process (POSIX: fork and signals)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections import Counter
from typing import Any, Dict, List

import pytest
import rudder_group as rg
from dataplane import WRITE_KEY, DataPlane


def run(script: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def users(data_plane: DataPlane) -> Dict[str, int]:
    return dict(Counter(e["userId"].split("-")[0] for e in data_plane.events()))


def test_a_script_that_never_closes_delivers_everything(data_plane: DataPlane) -> None:
    run(
        """
        import sys
        import rudder_group as rg

        client = rg.Client(sys.argv[1], sys.argv[2], flush_interval=60)
        for i in range(500):
            client.group("g", {"i": i}, user_id=f"script-{i}")
        """,
        WRITE_KEY,
        data_plane.url,
    )
    events = data_plane.events()
    assert len(events) == 500
    assert sorted(e["traits"]["i"] for e in events) == list(range(500))


def test_exit_waits_at_most_the_exit_timeout() -> None:
    # The data plane holds the requests far longer than the exit timeouts: the process still
    # ends, and says what it could not deliver. A data plane of its own, so that the held
    # requests cannot reach another test's.
    plane = DataPlane()
    try:
        plane.fault(latency_ms=60_000, next=2)
        result = run(
            """
            import logging, sys
            import rudder_group as rg

            logging.basicConfig(level=logging.WARNING)
            rg.set_exit_timeout(0.2)
            client = rg.Client(sys.argv[1], sys.argv[2])
            client.group("g", user_id="slow")
            other = rg.Client(sys.argv[1], sys.argv[2], exit_timeout=0.1)
            other.group("g", user_id="slow")
            """,
            WRITE_KEY,
            plane.url,
            timeout=50,
        )
    finally:
        plane.close()
    assert "at exit, 1 event was not delivered within 200 ms; it was dropped" in result.stderr
    assert "at exit, 1 event was not delivered within 100 ms; it was dropped" in result.stderr


def test_exit_hands_every_outcome_to_on_outcome_before_the_process_ends() -> None:
    # 100 events, a data plane that refuses every connection, and an exit timeout far shorter
    # than the retries: the exit hook reports all 100 as dropped, and on_outcome has seen each
    # before the process ends (an atexit hook registered before the package's runs after it).
    result = run(
        """
        import atexit, socket, sys

        seen = []
        atexit.register(lambda: print("seen", sum(o.count for o in seen), "kinds", sorted({o.kind for o in seen})))
        import rudder_group as rg

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        client = rg.Client("key", f"http://127.0.0.1:{port}", flush_at=10, exit_timeout=0.3, on_outcome=seen.append)
        for i in range(100):
            client.group("g", user_id=f"exit-{i}")
        """
    )
    assert "seen 100 kinds ['dropped']" in result.stdout, result.stdout + result.stderr
    assert (
        "at exit, 100 events were not delivered within 300 ms; they were dropped" in result.stderr
    )


def test_a_close_out_of_time_hands_over_every_outcome_before_it_raises(
    data_plane: DataPlane,
) -> None:
    # Requests held 3 s by the data plane, a close given 0.3 s once one is under way: when the
    # close raises, on_outcome has seen all 60 events, those of the requests under way as
    # abandoned in flight; the late answers report nothing more.
    data_plane.reset()
    data_plane.fault(latency_ms=3000, fraction=1.0)
    seen: List[Any] = []
    client = rg.Client(
        WRITE_KEY, data_plane.url, flush_at=10, max_concurrent_requests=2, on_outcome=seen.append
    )
    for i in range(60):
        client.group("g", user_id=f"late-{i}")
    assert data_plane.wait_for(lambda: client.stats["batches"] > 0)
    with pytest.raises(rg.FlushTimeoutError) as raised:
        client.close(0.3)
    assert (raised.value.pending, raised.value.dropped, raised.value.kept) == (60, 60, 0)
    assert sum(o.count for o in seen) == 60
    assert {o.kind for o in seen} == {"dropped"}
    assert any(o.reason == "abandoned in flight; may have been delivered" for o in seen)
    at_return = len(seen)
    assert data_plane.wait_for(
        lambda: data_plane.stats()["requests"] >= client.stats["batches"], timeout=20
    )
    time.sleep(0.3)
    assert len(seen) == at_return
    data_plane.clear_faults()


def test_exit_closes_every_client_at_once() -> None:
    # Four clients whose data plane never answers: the exit hook closes them all at once (every
    # close starts before any ends), each within its exit timeout, and reports their events as
    # dropped.
    result = run(
        """
        import atexit, logging, socket, sys

        steps = []
        # Registered before the package's hook, so it runs after it.
        atexit.register(lambda: print("\\n".join(steps)))
        import rudder_group as rg

        class Recorded(rg.Client):
            def close(self, timeout=None):
                steps.append("start")
                try:
                    return super().close(timeout)
                finally:
                    steps.append("end")

        class Steps(logging.Handler):
            def emit(self, record):
                steps.append(record.getMessage())

        logging.getLogger("rudder_group").addHandler(Steps())
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = "http://127.0.0.1:%d" % silent.getsockname()[1]
        clients = [Recorded("key", url, request_timeout=3600, exit_timeout=3) for _ in range(4)]
        for n, client in enumerate(clients):
            client.group("g", user_id=f"exit-{n}")
        """
    )
    steps = result.stdout.splitlines()
    assert steps[:4] == ["start"] * 4, steps
    assert steps.count("end") == 4, steps
    dropped = "at exit, 1 event was not delivered within 3.0 s; it was dropped"
    assert steps.count(dropped) == 4, steps


def test_os_fork_child_gets_a_fresh_client(data_plane: DataPlane) -> None:
    run(
        """
        import os, sys
        import rudder_group as rg

        seen = []
        client = rg.Client(sys.argv[1], sys.argv[2], flush_interval=60, on_outcome=seen.append)
        for i in range(10):
            client.group("g", user_id=f"before-{i}")
        pid = os.fork()
        if pid == 0:
            # The child: an empty queue, fresh counters, a working worker and outcome thread.
            assert client.stats["queued"] == 0 and client.stats["enqueued"] == 0, client.stats
            seen.clear()
            for i in range(20):
                client.group("g", user_id=f"child-{i}")
            assert client.flush(timeout=30).delivered == 20
            assert sum(len(o.message_ids) for o in seen) == 20
            for i in range(5):
                client.group("g", user_id=f"childexit-{i}")
            sys.exit(0)  # no close(): the exit hook delivers
        _, status = os.waitpid(pid, 0)
        assert status == 0, status
        for i in range(10):
            client.group("g", user_id=f"after-{i}")
        assert client.close(timeout=30).delivered == 20
        assert sum(len(o.message_ids) for o in seen) == 20
        """,
        WRITE_KEY,
        data_plane.url,
    )
    assert users(data_plane) == {"before": 10, "child": 20, "childexit": 5, "after": 10}
    ids = [e["messageId"] for e in data_plane.events()]
    assert len(set(ids)) == len(ids)


def test_multiprocessing_fork_children_send_and_exit_cleanly(data_plane: DataPlane) -> None:
    run(
        """
        import multiprocessing, sys
        import rudder_group as rg

        client = rg.Client(sys.argv[1], sys.argv[2], flush_interval=60)

        def work(n):
            for i in range(25):
                client.group("g", {"worker": n}, user_id=f"mp-{n}-{i}")
            # No close(): multiprocessing ends the child with os._exit(), after its finalizers.

        if __name__ == "__main__":
            client.group("g", user_id="parent-0")
            ctx = multiprocessing.get_context("fork")
            procs = [ctx.Process(target=work, args=(n,)) for n in range(3)]
            for p in procs:
                p.start()
            for p in procs:
                p.join(60)
                assert p.exitcode == 0, p.exitcode
            pool = ctx.Pool(2)
            pool.map(work, [10, 11])
            pool.close()  # workers end normally (terminate() would kill them with their queues)
            pool.join()
            client.group("g", user_id="parent-1")
            assert client.close(timeout=30).delivered == 2
        """,
        WRITE_KEY,
        data_plane.url,
    )
    assert users(data_plane) == {"mp": 125, "parent": 2}


def test_fork_while_other_threads_send_hangs_nothing(data_plane: DataPlane) -> None:
    run(
        """
        import os, sys, threading
        import rudder_group as rg

        client = rg.Client(sys.argv[1], sys.argv[2], flush_at=5, on_outcome=lambda o: None)
        stop = threading.Event()

        def busy():
            i = 0
            while not stop.is_set():
                client.group("g", user_id=f"busy-{i}")
                i += 1
                if i % 50 == 0:
                    client.flush()

        threads = [threading.Thread(target=busy) for _ in range(2)]
        for t in threads:
            t.start()
        for n in range(8):
            pid = os.fork()
            if pid == 0:
                for i in range(3):
                    client.group("g", user_id=f"forked-{n}-{i}")
                client.close(timeout=30)
                os._exit(0)
            _, status = os.waitpid(pid, 0)
            assert status == 0, status
        stop.set()
        for t in threads:
            t.join()
        client.close(timeout=30)
        """,
        WRITE_KEY,
        data_plane.url,
    )
    counts = users(data_plane)
    assert counts["forked"] == 24 and counts["busy"] > 0
