"""`rudder-group send` of 20,000 events through a data plane that misbehaves by request number.

Run by `make bench`. By hand: python3 bench/send_faults.py [--send BIN] [--server BIN]

The data plane (`rudder-group serve`) answers data request n with: 503 for n = 1 to 3; 429 with
`Retry-After: 1` for n = 5; a closed connection for n = 8; 500 when n is a multiple of 10; a 300 ms
wait when n is a multiple of 7 (the first fault that matches wins, in this order). `send` runs with
its defaults on an NDJSON file of N events (about 560 bytes each, 1,000 user ids). Printed: the
median events/s over --repeats runs (from start until `send` exits, all delivered), and the
requests each run took. Plain python3, no venv: a script, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WRITE_KEY = "test-write-key"
FAULTS = [
    {"status": 503, "requests": [1, 3]},
    {"status": 429, "retry_after": "1", "requests": [5, 5]},
    {"drop": True, "requests": [8, 8]},
    {"status": 500, "every": 10},
    {"latency_ms": 300, "every": 7},
]
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def admin(url: str, method: str, path: str, body: object = None) -> object:
    data = json.dumps(body if body is not None else {}).encode() if method == "POST" else None
    req = urllib.request.Request(f"{url}/_rudder_group/{path}", method=method, data=data)
    with _opener.open(req, timeout=60) as resp:
        return json.loads(resp.read())


def write_events(path: Path, n: int) -> None:
    with path.open("w") as f:
        for i in range(n):
            event = {
                "groupId": "12345",
                "userId": f"user-{i % 1000}",
                "traits": {
                    "name": "MyGroup",
                    "industry": "IT",
                    "employees": 450,
                    "plan": "basic",
                    "website": "https://www.example.com",
                    "address": {"city": "San Francisco", "country": "USA"},
                    "tier": "enterprise",
                    "seats": 120,
                    "seq": i,
                },
                "context": {"ip": "10.0.0.1"},
            }
            f.write(json.dumps(event) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    built = sorted(REPO.glob("target/*/release/rudder-group")) + [
        REPO / "target" / "release" / "rudder-group"
    ]
    release = next((p for p in built if p.exists()), built[-1])
    parser.add_argument("--send", default=str(release), help="the rudder-group binary that sends")
    parser.add_argument(
        "--server", default=str(release), help="the rudder-group binary that serves"
    )
    parser.add_argument("-n", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    server = subprocess.Popen(
        [args.server, "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert server.stdout is not None
    url = server.stdout.readline().strip()
    rates, requests = [], []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            events = Path(tmp) / "events.ndjson"
            write_events(events, args.n)
            for _ in range(args.repeats):
                admin(url, "POST", "reset")
                admin(url, "POST", "faults", FAULTS)
                start = time.perf_counter()
                done = subprocess.run(
                    [
                        args.send,
                        "send",
                        "--write-key",
                        WRITE_KEY,
                        "--data-plane-url",
                        url,
                        str(events),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                    env={**os.environ, "NO_COLOR": "1"},
                    check=False,  # its exit status is reported below, with its stderr
                )
                seconds = time.perf_counter() - start
                stats = admin(url, "GET", "stats")
                if done.returncode != 0 or stats["events"] < args.n:  # type: ignore[index]
                    sys.exit(
                        f"send exited {done.returncode}, stored {stats}: {done.stderr[-2000:]}"
                    )
                rates.append(args.n / seconds)
                requests.append(stats["requests"])  # type: ignore[index]
    finally:
        server.terminate()
        server.wait(10)
    print(
        f"rudder-group send of {args.n:,} events through the fault sequence "
        f"(503 x3, 429 Retry-After 1, a dropped connection, 500 every 10th, 300 ms every 7th),\n"
        f"{os.cpu_count()} cores, {Path(args.send).name} from {Path(args.send).parent}, median of {args.repeats} runs:\n"
        f"  {statistics.median(rates):,.0f} events/s; requests stored per run: {requests}"
    )


if __name__ == "__main__":
    main()
