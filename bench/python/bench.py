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
  transport, rudder-sdk-python's `send=False`) and `json.dumps` of the call, medians of 5 runs.

The drop-in ``rudder_group.analytics`` runs too, called as rudder-sdk-python is called.

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
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VENV = HERE / ".venv"
RUDDER_SDK = "rudder-sdk-python==2.1.9"
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
    subprocess.run([py, "-m", "pip", "install", "--quiet", RUDDER_SDK], check=True)
    wheel = args.wheel or newest_wheel()
    subprocess.run([py, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", wheel], check=True)
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
            [binary, "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()

    def admin(self, method: str, path: str) -> Any:
        req = urllib.request.Request(f"{self.url}/_rudder_group/{path}", method=method, data=b"{}" if method == "POST" else None)
        with _opener.open(req, timeout=60) as resp:
            return json.loads(resp.read())

    def events(self) -> int:
        return int(self.admin("GET", "stats")["events"])

    def reset(self) -> None:
        self.admin("POST", "reset")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def run_rudder_group(url: str, n: int) -> Tuple[float, float]:
    """Returns (seconds for the N calls, seconds until flushed and closed)."""
    import rudder_group as rg

    client = rg.Client(WRITE_KEY, url, max_queue_events=max(n, 100_000))
    group = client.group
    start = time.perf_counter()
    for _ in range(n):
        group(GROUP_ID, TRAITS, user_id=USER_ID)
    calls = time.perf_counter() - start
    result = client.close()
    total = time.perf_counter() - start
    if result.delivered != n:
        sys.exit(f"rudder_group delivered {result.delivered} of {n}: {result}")
    return calls, total


def run_dropin(url: str, n: int) -> Tuple[float, float]:
    """rudder_group.analytics, called as rudder-sdk-python is called."""
    from rudder_group.analytics import Client

    client = Client(write_key=WRITE_KEY, host=url, max_queue_size=max(n, 100_000))
    group = client.group
    start = time.perf_counter()
    for _ in range(n):
        group(user_id=USER_ID, group_id=GROUP_ID, traits=TRAITS)
    calls = time.perf_counter() - start
    client.shutdown()
    total = time.perf_counter() - start
    return calls, total


def run_rudder_sdk(url: str, n: int) -> Tuple[float, float]:
    from rudderstack.analytics.client import Client

    client = Client(write_key=WRITE_KEY, host=url, max_queue_size=n)
    group = client.group
    start = time.perf_counter()
    for _ in range(n):
        group(user_id=USER_ID, group_id=GROUP_ID, traits=TRAITS)
    calls = time.perf_counter() - start
    client.shutdown()
    total = time.perf_counter() - start
    return calls, total


def measure(plane: DataPlane, run: Callable[[str, int], Tuple[float, float]], n: int, repeats: int) -> Dict[str, float]:
    per_call: List[float] = []
    rates: List[float] = []
    for _ in range(repeats):
        plane.reset()
        calls, total = run(plane.url, n)
        # Delivery is confirmed by the data plane itself.
        deadline = time.monotonic() + 120
        while plane.events() < n and time.monotonic() < deadline:
            time.sleep(0.05)
        stored = plane.events()
        if stored != n:
            sys.exit(f"{run.__name__}: the data plane stored {stored} of {n} events")
        total = max(total, calls)
        per_call.append(calls / n * 1e6)
        rates.append(n / total)
    return {"per_call_us": statistics.median(per_call), "events_per_s": statistics.median(rates)}


def caller_cost(n: int, runs: int = 5) -> Dict[str, float]:
    """The caller's cost of one group() in microseconds, medians of `runs`: rudder_group with the
    memory transport (validated, serialized and queued; nothing leaves the process),
    rudder-sdk-python with `send=False` (its message built; nothing queued), and `json.dumps`
    of the same call as a floor."""
    import rudder_group as rg
    from rudderstack.analytics.client import Client

    def ours() -> float:
        client = rg.Client(WRITE_KEY, "memory", transport="memory", max_queue_events=max(n, 100_000))
        group = client.group
        start = time.perf_counter()
        for _ in range(n):
            group(GROUP_ID, TRAITS, user_id=USER_ID)
        took = time.perf_counter() - start
        client.close()
        return took

    def theirs() -> float:
        group = Client(write_key=WRITE_KEY, host="http://127.0.0.1:9", send=False).group
        start = time.perf_counter()
        for _ in range(n):
            group(user_id=USER_ID, group_id=GROUP_ID, traits=TRAITS)
        return time.perf_counter() - start

    def dumps() -> float:
        start = time.perf_counter()
        for _ in range(n):
            json.dumps({"groupId": GROUP_ID, "userId": USER_ID, "traits": TRAITS})
        return time.perf_counter() - start

    times: Dict[str, List[float]] = {"ours": [], "theirs": [], "dumps": []}
    for _ in range(runs):
        for name, run in (("ours", ours), ("theirs", theirs), ("dumps", dumps)):
            times[name].append(run() / n * 1e6)
    return {name: statistics.median(values) for name, values in times.items()}


def event_size() -> int:
    import rudder_group as rg

    return len(rg.GroupEvent.build(GROUP_ID, TRAITS, user_id=USER_ID).to_json())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", default="", help="the rudder_group wheel to install (release build)")
    parser.add_argument("--server", default="", help="the rudder-group binary (release build)")
    parser.add_argument("-n", type=int, default=100_000, help="group() calls per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per SDK (medians are printed)")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.inside:
        setup_and_reexec(args)
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
    print(f"{'':28}{'per call (us)':>15}{'end to end (events/s)':>24}")
    print(f"{'rudder_group ' + rg.__version__:28}{ours['per_call_us']:>15.2f}{ours['events_per_s']:>24,.0f}")
    print(f"{'rudder_group.analytics':28}{dropin['per_call_us']:>15.2f}{dropin['events_per_s']:>24,.0f}")
    print(f"{'rudder-sdk-python ' + SDK_VERSION:28}{theirs['per_call_us']:>15.2f}{theirs['events_per_s']:>24,.0f}")
    print(
        f"{'ratio':28}{theirs['per_call_us'] / ours['per_call_us']:>14.1f}x"
        f"{ours['events_per_s'] / theirs['events_per_s']:>23.1f}x"
    )
    print(
        f"{'ratio, drop-in':28}{theirs['per_call_us'] / dropin['per_call_us']:>14.1f}x"
        f"{dropin['events_per_s'] / theirs['events_per_s']:>23.1f}x"
    )
    print(
        f"\ncaller cost of group(), median of 5 runs: rudder_group (memory transport) {cost['ours']:.2f} us, "
        f"rudder-sdk-python (send=False) {cost['theirs']:.2f} us: {cost['theirs'] / cost['ours']:.1f}x; "
        f"json.dumps of the call {cost['dumps']:.2f} us"
    )


if __name__ == "__main__":
    main()
