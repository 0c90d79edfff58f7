"""Delivery over a far data plane: end-to-end events/s from Python at 0, 20 and 50 ms per answer.

Run by `make -C bindings/python bench` after bench.py. By hand:

    python3 bench/python/wire.py --wheel target/python-wheels-release/rudder_group-*.whl \\
        --server target/x86_64-unknown-linux-gnu/release/rudder-group   # the host's target triple

For each latency L, one local data plane answers every data request L ms late
(`rudder-group serve --latency-ms L`, as a hosted data plane that far away would). On it, each SDK
runs --repeats times with its default settings: rudder_group as `Client(write_key, url)`;
rudder-sdk-python with only its queue raised to its N, so that it drops nothing. A run calls
group() N times as fast as it can, then closes (rudder_group) or shuts down (rudder-sdk-python), and
ends when the data plane has stored every event. Printed per SDK and latency, medians of the runs:

- calls/s: the caller's rate, N over the time of the N group() calls alone (end to end cannot be
  faster than this);
- events/s: N over the time from the first call until the data plane stored the last event;
- requests: data requests the data plane answered;
- CPU us/event: this process's user + system CPU (the caller and the SDK's threads) per event;
- lost: events the data plane never stored (dropped by a full queue, or failed).

The peer runs fewer events (--peer-n): the figure is a rate, and at 50 ms it sends about 2,000/s.
`--set name=value` changes one rudder_group setting (repeatable), to compare settings by measurement.
A script, not a test: it prints figures and asserts nothing about them.
"""

from __future__ import annotations

import argparse
import ast
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import GROUP_ID, TRAITS, USER_ID, WRITE_KEY, DataPlane, server_binary, setup_and_reexec  # noqa: E402


class FarDataPlane(DataPlane):
    """A local data plane answering every data request `latency_ms` late."""

    def __init__(self, binary: str, latency_ms: int) -> None:
        self.process = subprocess.Popen(
            [binary, "serve", "--port", "0", "--latency-ms", str(latency_ms)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()

    def requests(self) -> int:
        return int(self.admin("GET", "stats")["requests"])


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_rudder_group(url: str, n: int, settings: dict[str, Any]) -> float:
    import rudder_group as rg

    client = rg.Client(WRITE_KEY, url, **settings)
    group = client.group
    start = time.perf_counter()
    for i in range(n):
        try:
            group(GROUP_ID, TRAITS, user_id=f"{USER_ID}-{i % 1000}")
        except rg.QueueFullError:
            pass  # counted as lost: the data plane never stores it
    calls = time.perf_counter() - start
    client.close(timeout=600)
    return calls


def run_rudder_sdk(url: str, n: int, settings: dict[str, Any]) -> float:
    from rudderstack.analytics.client import Client

    client = Client(write_key=WRITE_KEY, host=url, max_queue_size=n)
    group = client.group
    start = time.perf_counter()
    for i in range(n):
        group(user_id=f"{USER_ID}-{i % 1000}", group_id=GROUP_ID, traits=TRAITS)
    calls = time.perf_counter() - start
    client.shutdown()
    return calls


def measure(
    plane: FarDataPlane,
    run: Callable[[str, int, dict[str, Any]], float],
    n: int,
    repeats: int,
    settings: dict[str, Any],
) -> dict[str, float]:
    rates: list[float] = []
    calls: list[float] = []
    requests: list[int] = []
    cpu: list[float] = []
    lost: list[int] = []
    for _ in range(repeats):
        plane.reset()
        cpu0 = cpu_seconds()
        start = time.perf_counter()
        calls.append(n / run(plane.url, n, settings))
        # The end is the data plane's: the last event stored (or nothing more arriving).
        stored, still = plane.events(), 0
        while stored < n and still < 40:
            time.sleep(0.05)
            now = plane.events()
            still = still + 1 if now == stored else 0
            stored = now
        total = time.perf_counter() - start
        cpu.append((cpu_seconds() - cpu0) / n * 1e6)
        rates.append(stored / total)
        requests.append(plane.requests())
        lost.append(n - stored)
    return {
        "n": n,
        "events_per_s": statistics.median(rates),
        "calls_per_s": statistics.median(calls),
        "requests": statistics.median(requests),
        "cpu_us": statistics.median(cpu),
        "lost": max(lost),
    }


def parse_settings(pairs: list[str]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        try:
            settings[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            settings[name] = value
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--wheel", default="", help="the rudder_group wheel to install (release build)"
    )
    parser.add_argument("--server", default="", help="the rudder-group binary (release build)")
    parser.add_argument("-n", type=int, default=200_000, help="rudder_group's events per run")
    parser.add_argument(
        "--peer-n", type=int, default=10_000, help="rudder-sdk-python's events per run"
    )
    parser.add_argument("--latencies", default="0,20,50", help="ms per answer, comma-separated")
    parser.add_argument(
        "--repeats", type=int, default=5, help="runs per SDK and latency (medians are printed)"
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="a rudder_group setting"
    )
    parser.add_argument("--no-peer", action="store_true", help="measure rudder_group only")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.inside:
        setup_and_reexec(args, __file__)
        return

    import logging

    logging.getLogger("rudderstack").setLevel(logging.CRITICAL)
    import rudder_group as rg
    from rudderstack.analytics.version import VERSION as SDK_VERSION

    settings = parse_settings(args.set)
    binary = server_binary(args.server)
    rows = []
    for latency in [int(x) for x in args.latencies.split(",")]:
        plane = FarDataPlane(binary, latency)
        try:
            measure(
                plane, run_rudder_group, 2_000, 1, settings
            )  # warm-up: imports, first connections
            ours = measure(plane, run_rudder_group, args.n, args.repeats, settings)
            rows.append((latency, f"rudder_group {rg.__version__}", ours))
            if not args.no_peer:
                measure(plane, run_rudder_sdk, 1_000, 1, {})
                theirs = measure(plane, run_rudder_sdk, args.peer_n, args.repeats, {})
                rows.append((latency, f"rudder-sdk-python {SDK_VERSION}", theirs))
                rows.append(
                    (
                        latency,
                        "ratio",
                        {"events_per_s": ours["events_per_s"] / theirs["events_per_s"]},
                    )
                )
        finally:
            plane.stop()

    shown = ", ".join(f"{k}={v!r}" for k, v in settings.items()) or "defaults"
    print(
        f"end to end over a far data plane, rudder_group with {shown}, medians of {args.repeats} runs,\n"
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, the data plane on the same machine\n"
    )
    print(
        f"{'ms':>4}  {'sdk':26}{'events':>9}{'calls/s':>10}{'events/s':>12}{'requests':>10}{'CPU us/event':>14}{'lost':>7}"
    )
    for latency, sdk, r in rows:
        if sdk == "ratio":
            print(f"{latency:>4}  {'ratio':26}{'':>19}{r['events_per_s']:>11.1f}x")
            continue
        print(
            f"{latency:>4}  {sdk:26}{r['n']:>9,}{r['calls_per_s']:>10,.0f}{r['events_per_s']:>12,.0f}{r['requests']:>10,.0f}"
            f"{r['cpu_us']:>14.1f}{r['lost']:>7,}"
        )


if __name__ == "__main__":
    main()
