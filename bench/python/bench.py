"""rudder_group against rudder-sdk-python: per-call cost of group() and end-to-end events/s.

Run by `make -C bindings/python bench`, which builds the release wheel and the release data plane.
By hand:

    python3 bench/python/bench.py --wheel target/python-wheels-release/rudder_group-*.whl \\
        --server target/x86_64-unknown-linux-gnu/release/rudder-group   # the host's target triple

The script makes its own venv (bench/python/.venv) with rudder-sdk-python from PyPI and the given
rudder_group wheel, re-runs itself there, starts one local data plane (`rudder-group serve`), and
for each SDK, N times in a row:

- per call: the caller's time for N group() calls of the same event, in microseconds per call;
- end to end: N group() calls, then flush and shutdown, until the data plane has stored all N
  (counted with its admin API), in events per second;
- the caller's cost alone: group() with nothing leaving the process (rudder_group's memory
  transport, rudder-sdk-python's `send=False`), `json.dumps` and `orjson.dumps` of the call,
  medians of 5 runs, as wall time and as the calling thread's CPU time; `--caller-only` prints
  this table alone.

The drop-in ``rudder_group.analytics`` runs too, called as rudder-sdk-python is called; its
per-call cost is also printed as a multiple of ``Client.group()``'s.

Each SDK gets a queue of N so that nothing is dropped. The figures are medians of the repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
import venv
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VENV = HERE / ".venv"
RUDDER_SDK = "rudder-sdk-python==2.1.9"
ORJSON = "orjson==3.13.0"
WRITE_KEY = "test-write-key"

TRAITS = {
    "name": "MyGroup",
    "industry": "IT",
    "employees": 450,
    "plan": "basic",
    "website": "https://mygroup.example.com",
    "region": "emea",
    "tier": "gold",
    "seats": 120,
}
GROUP_ID = "12345"
USER_ID = "u-1001"

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def setup_and_reexec(args: argparse.Namespace, script: str = __file__) -> None:
    """Creates the bench venv, installs both SDKs, and runs `script` again inside it."""
    if not venv_python().exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    py = str(venv_python())
    subprocess.run([py, "-m", "pip", "install", "--quiet", RUDDER_SDK, ORJSON], check=True)
    wheel = args.wheel or newest_wheel()
    subprocess.run(
        [py, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", wheel], check=True
    )
    argv = [py, str(Path(script).resolve()), "--inside", *sys.argv[1:]]
    os.execv(py, argv)


def newest_wheel() -> str:
    wheels = sorted((REPO / "target" / "python-wheels-release").glob("rudder_group-*.whl"))
    if not wheels:
        sys.exit("no wheel: run `make -C bindings/python bench`, or pass --wheel")
    return str(wheels[-1])


def server_binary(given: str) -> str:
    if given:
        return given
    for candidate in (
        os.environ.get("RUDDER_GROUP_BIN", ""),
        str(REPO / "target" / "release" / "rudder-group"),
        str(REPO / "target" / "debug" / "rudder-group"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    sys.exit("no rudder-group binary: cargo build --release -p rudder-group-cli")


class DataPlane:
    def __init__(self, binary: str) -> None:
        self.process = subprocess.Popen(
            [binary, "serve", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()

    def admin(self, method: str, path: str) -> Any:
        req = urllib.request.Request(
            f"{self.url}/_rudder_group/{path}",
            method=method,
            data=b"{}" if method == "POST" else None,
        )
        with _opener.open(req, timeout=60) as resp:
            return json.loads(resp.read())

    def events(self) -> int:
        return int(self.admin("GET", "stats")["events"])

    def reset(self) -> None:
        self.admin("POST", "reset")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def run_rudder_group(url: str, n: int) -> tuple[float, float, float]:
    """Returns (seconds for the N calls, seconds until flushed and closed, the calling thread's
    CPU seconds for the N calls)."""
    import rudder_group as rg

    client = rg.Client(WRITE_KEY, url, max_queue_events=max(n, 100_000))
    group = client.group
    start, cpu = time.perf_counter(), time.thread_time()
    for _ in range(n):
        group(GROUP_ID, TRAITS, user_id=USER_ID)
    calls, cpu = time.perf_counter() - start, time.thread_time() - cpu
    result = client.close()
    total = time.perf_counter() - start
    if result.delivered != n:
        sys.exit(f"rudder_group delivered {result.delivered} of {n}: {result}")
    return calls, total, cpu


def run_peer_style(client: Any, n: int) -> tuple[float, float, float]:
    """N calls as rudder-sdk-python is called, then its shutdown(): (seconds for the calls,
    seconds until shut down, the calling thread's CPU seconds for the calls)."""
    group = client.group
    start, cpu = time.perf_counter(), time.thread_time()
    for _ in range(n):
        group(user_id=USER_ID, group_id=GROUP_ID, traits=TRAITS)
    calls, cpu = time.perf_counter() - start, time.thread_time() - cpu
    client.shutdown()
    total = time.perf_counter() - start
    return calls, total, cpu


def run_dropin(url: str, n: int) -> tuple[float, float, float]:
    """rudder_group.analytics, called as rudder-sdk-python is called."""
    from rudder_group.analytics import Client

    return run_peer_style(Client(write_key=WRITE_KEY, host=url, max_queue_size=max(n, 100_000)), n)


def run_rudder_sdk(url: str, n: int) -> tuple[float, float, float]:
    from rudderstack.analytics.client import Client

    return run_peer_style(Client(write_key=WRITE_KEY, host=url, max_queue_size=n), n)


def measure(
    plane: DataPlane, run: Callable[[str, int], tuple[float, float, float]], n: int, repeats: int
) -> dict[str, float]:
    per_call: list[float] = []
    per_call_cpu: list[float] = []
    rates: list[float] = []
    for _ in range(repeats):
        plane.reset()
        calls, total, cpu = run(plane.url, n)
        # Delivery is confirmed by the data plane itself.
        deadline = time.monotonic() + 120
        while plane.events() < n and time.monotonic() < deadline:
            time.sleep(0.05)
        stored = plane.events()
        if stored != n:
            sys.exit(f"{run.__name__}: the data plane stored {stored} of {n} events")
        total = max(total, calls)
        per_call.append(calls / n * 1e6)
        per_call_cpu.append(cpu / n * 1e6)
        rates.append(n / total)
    return {
        "per_call_us": statistics.median(per_call),
        "per_call_cpu_us": statistics.median(per_call_cpu),
        "events_per_s": statistics.median(rates),
    }


def caller_cost(n: int, runs: int = 5) -> dict[str, float]:
    """The caller's cost of one group() in microseconds, medians of `runs`: rudder_group with the
    memory transport (validated, serialized and queued; nothing leaves the process),
    rudder-sdk-python with `send=False` (its message built; nothing queued), and `json.dumps`
    and `orjson.dumps` of the same call (type, ids and traits as one dict) as floors. Each as wall time and as the calling thread's CPU time
    (`<name>_cpu`): on a loaded machine the wall time also holds the waits for a core, which
    other threads (ours or not) cause, while the CPU time is the call's own work."""
    import rudder_group as rg
    from rudderstack.analytics.client import Client

    def timed(loop: Callable[[], None]) -> tuple[float, float]:
        start, cpu = time.perf_counter(), time.thread_time()
        loop()
        return time.perf_counter() - start, time.thread_time() - cpu

    def ours() -> tuple[float, float]:
        client = rg.Client(
            WRITE_KEY, "memory", transport="memory", max_queue_events=max(n, 100_000)
        )
        group = client.group

        def loop() -> None:
            for _ in range(n):
                group(GROUP_ID, TRAITS, user_id=USER_ID)

        took = timed(loop)
        client.close()
        return took

    def theirs() -> tuple[float, float]:
        group = Client(write_key=WRITE_KEY, host="http://127.0.0.1:9", send=False).group

        def loop() -> None:
            for _ in range(n):
                group(user_id=USER_ID, group_id=GROUP_ID, traits=TRAITS)

        return timed(loop)

    def dumps() -> tuple[float, float]:
        def loop() -> None:
            for _ in range(n):
                json.dumps({"groupId": GROUP_ID, "userId": USER_ID, "traits": TRAITS})

        return timed(loop)

    def orjson_dumps() -> tuple[float, float]:
        import orjson

        def loop() -> None:
            for _ in range(n):
                orjson.dumps(
                    {"type": "group", "groupId": GROUP_ID, "userId": USER_ID, "traits": TRAITS}
                )

        return timed(loop)

    times: dict[str, list[float]] = {}
    for _ in range(runs):
        for name, run in (
            ("ours", ours),
            ("theirs", theirs),
            ("dumps", dumps),
            ("orjson", orjson_dumps),
        ):
            wall, cpu = run()
            times.setdefault(name, []).append(wall / n * 1e6)
            times.setdefault(name + "_cpu", []).append(cpu / n * 1e6)
    return {name: statistics.median(values) for name, values in times.items()}


def event_size() -> int:
    import rudder_group as rg

    return len(rg.GroupEvent.build(GROUP_ID, TRAITS, user_id=USER_ID).to_json())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--wheel", default="", help="the rudder_group wheel to install (release build)"
    )
    parser.add_argument("--server", default="", help="the rudder-group binary (release build)")
    parser.add_argument("-n", type=int, default=100_000, help="group() calls per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per SDK (medians are printed)")
    parser.add_argument(
        "--caller-only", action="store_true", help="print the caller cost table alone"
    )
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.inside:
        setup_and_reexec(args)
        return
    if args.caller_only:
        print_caller_cost(caller_cost(min(args.n, 50_000)))
        return

    import logging

    logging.getLogger("rudderstack").setLevel(logging.CRITICAL)
    import rudder_group as rg
    from rudderstack.analytics.version import VERSION as SDK_VERSION

    plane = DataPlane(server_binary(args.server))
    try:
        # A short warm-up of both, so that imports and first connections are not measured.
        measure(plane, run_rudder_group, 1000, 1)
        measure(plane, run_rudder_sdk, 1000, 1)
        measure(plane, run_dropin, 1000, 1)
        ours = measure(plane, run_rudder_group, args.n, args.repeats)
        dropin = measure(plane, run_dropin, args.n, args.repeats)
        theirs = measure(plane, run_rudder_sdk, args.n, args.repeats)
    finally:
        plane.stop()
    cost = caller_cost(min(args.n, 50_000))

    print(
        f"group() of a {event_size()}-byte event, N={args.n:,} calls per run, median of {args.repeats} runs,\n"
        f"one local data plane ({plane.url}), Python {sys.version.split()[0]}, {os.cpu_count()} cores\n"
    )
    print(f"{'':28}{'per call (us)':>15}{'CPU (us)':>10}{'end to end (events/s)':>24}")
    for label, r in (
        ("rudder_group " + rg.__version__, ours),
        ("rudder_group.analytics", dropin),
        ("rudder-sdk-python " + SDK_VERSION, theirs),
    ):
        print(
            f"{label:28}{r['per_call_us']:>15.2f}{r['per_call_cpu_us']:>10.2f}{r['events_per_s']:>24,.0f}"
        )
    for label, r in (("ratio", ours), ("ratio, drop-in", dropin)):
        print(
            f"{label:28}{theirs['per_call_us'] / r['per_call_us']:>14.1f}x"
            f"{theirs['per_call_cpu_us'] / r['per_call_cpu_us']:>9.1f}x"
            f"{r['events_per_s'] / theirs['events_per_s']:>23.1f}x"
        )
    # What the drop-in's (success, message) costs over the package's own call, in this run.
    print(
        f"{'drop-in over Client.group()':28}{dropin['per_call_us'] / ours['per_call_us']:>14.2f}x"
        f"{dropin['per_call_cpu_us'] / ours['per_call_cpu_us']:>9.2f}x"
    )
    print_caller_cost(cost)
    # The peer has no in-memory mode that still queues: its per call above (sending to the
    # local data plane) is what a caller pays for it.
    print(
        f"{'ratio to the peer per call (data plane)':42}{theirs['per_call_us'] / cost['ours']:>9.1f}x"
        f"{theirs['per_call_cpu_us'] / cost['ours_cpu']:>9.1f}x"
    )


def print_caller_cost(cost: dict[str, float]) -> None:
    print(f"\ncaller cost of group(), median of 5 runs, load average {os.getloadavg()[0]:.1f}:")
    print(f"{'':42}{'wall (us)':>10}{'CPU (us)':>10}")
    for label, name in (
        ("rudder_group (memory transport)", "ours"),
        ("rudder-sdk-python (send=False)", "theirs"),
        ("json.dumps of the call", "dumps"),
        ("orjson.dumps of the call", "orjson"),
    ):
        print(f"{label:42}{cost[name]:>10.2f}{cost[name + '_cpu']:>10.2f}")
    print(
        f"{'ratio to rudder-sdk-python (send=False)':42}{cost['theirs'] / cost['ours']:>9.1f}x"
        f"{cost['theirs_cpu'] / cost['ours_cpu']:>9.1f}x"
    )
    print(
        f"{'rudder_group over orjson.dumps':42}{cost['ours'] / cost['orjson']:>9.2f}x"
        f"{cost['ours_cpu'] / cost['orjson_cpu']:>9.2f}x"
    )


if __name__ == "__main__":
    main()
