"""What a burst of queued events costs in memory, for each binding and its peer SDK.

Run by `make bench` after the Python and Node benchmarks (it uses their venv and node_modules):

    bench/python/.venv/bin/python bench/memory.py --server target/<triple>/release/rudder-group

For each SDK, in a process of its own: one event sent and flushed (the process warmed up), then
the data plane made slow (its next request answers after 3 s, so nothing drains meanwhile), N
group() calls of the bench event, then a flush until the data plane has stored all N, and 3 s of
rest (Node: after `global.gc()`). The RSS is read from /proc before the burst, with the burst
queued, and after the drain. Then, for the two Python SDKs, the same end to end with the data
plane answering at once: each process's peak RSS (VmHWM), set against each other. Per event is the growth divided by N; "x wire" sets it against the
event's size on the wire (rudder_group's, `sentAt` included). The goal for this package: at most
1.25x the wire bytes + 64 bytes per event, and back within 16 MiB of the start after the drain.

C (the shared library of bindings/c through `rudder_group.h`): bench/c/memory.c, compiled
here with `cc` against the `librudder_group.so` beside `--server` (the release build `make bench`
makes), does what the Python child does, with the traits set by `rudder_event_builder_set_trait_json`
in their order. It uses the system allocator (glibc's malloc), so it also reports what malloc
holds free 3 s after the drain, in how many arenas, and its RSS once `malloc_trim(0)` has given
the free pages back: the line under the table.

`rudder-group send` (the Rust client) reads the burst from a file: its RSS is sampled while it
runs, and its peak is set against its RSS when it started; it exits once it has delivered.

The Node peer re-serializes its whole queue on every enqueue (quadratic), so it runs with 20,000
events; every other SDK with N; `--skip` leaves SDKs out of a run (the default runs them all).
A script, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rudder_group.testing import LocalDataPlane

REPO = Path(__file__).resolve().parents[1]
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
SLOW = {"latency_ms": 3000, "next": 1}
MIB = 1024 * 1024

PYTHON_CHILD = r"""
import gc, json, sys, time
def rss(key="VmRSS"):
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith(key))
sdk, url, n, traits = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
if sdk == "rudder_group":
    import rudder_group as rg
    client = rg.Client("test-write-key", url, max_queue_events=n + 10)
    send = lambda: client.group("12345", traits, user_id="u-1001")
else:
    from rudderstack.analytics import Client
    client = Client("test-write-key", host=url, max_queue_size=n + 10, upload_size=100)
    send = lambda: client.group("u-1001", "12345", traits)
send(); client.flush()
print("ready", flush=True); sys.stdin.readline()
gc.collect(); before = rss()
for _ in range(n):
    send()
queued = rss()
client.flush()
print("flushed", flush=True); sys.stdin.readline()
time.sleep(3); gc.collect()
print(json.dumps({"before": before, "queued": queued, "drained": rss(), "peak": rss("VmHWM")}), flush=True)
"""

NODE_CHILD = r"""
const [sdk, url, n, traits] = [process.argv[2], process.argv[3], Number(process.argv[4]), JSON.parse(process.argv[5])]
const readline = require('node:readline')
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const rss = () => process.memoryUsage().rss
const peak = () => Number(/VmHWM:\s+(\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]) * 1024
async function main () {
  let client, send
  if (sdk === 'rudder-group') {
    const { Client } = require(process.env.PACKAGE)
    client = new Client({ writeKey: 'test-write-key', dataPlaneUrl: url, maxQueueEvents: n + 10 })
    send = () => client.group({ groupId: '12345', userId: 'u-1001', traits })
  } else {
    const Analytics = require('@rudderstack/rudder-sdk-node')
    client = new Analytics('test-write-key', { dataPlaneUrl: url, maxInternalQueueSize: n + 10, flushAt: 100, logLevel: 'error' })
    send = () => client.group({ groupId: '12345', userId: 'u-1001', traits })
  }
  send(); await client.flush()
  console.log('ready'); await lines.next()
  global.gc(); const before = rss()
  for (let i = 0; i < n; i++) send()
  const queued = rss()
  await client.flush()
  console.log('flushed'); await lines.next()
  await new Promise((resolve) => setTimeout(resolve, 3000)); global.gc()
  console.log(JSON.stringify({ before, queued, drained: rss(), peak: peak() }))
  if (client.close) await client.close()
  process.exit(0)
}
main()
"""


def build_c_child(server: str, out: Path) -> Path:
    """bench/c/memory.c compiled against the release librudder_group.so beside `server`, run
    through a link named by the library's soname (as `make install` writes it)."""
    library = Path(server).resolve().parent / "librudder_group.so"
    if not library.exists():
        sys.exit(f"no {library}: run `make -C bindings/c build` (or `make bench`)")
    dynamic = subprocess.run(
        ["objdump", "-p", str(library)], check=True, capture_output=True, text=True
    ).stdout
    soname = re.search(r"SONAME\s+(\S+)", dynamic)
    if soname is None:
        sys.exit(f"{library} has no SONAME")
    lib_dir = out / "lib"
    lib_dir.mkdir()
    (lib_dir / soname.group(1)).symlink_to(library)
    exe = out / "memory"
    cc = os.environ.get("CC", "cc")
    subprocess.run(
        [cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror"]
        + ["-I", str(REPO / "bindings" / "c" / "include"), str(REPO / "bench" / "c" / "memory.c")]
        + ["-o", str(exe), str(library), f"-Wl,-rpath,{lib_dir}"],
        check=True,
    )
    return exe


def wait_stored(plane: LocalDataPlane, count: int, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while plane.stats()["events"] < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the data plane stored {plane.stats()['events']} of {count}")
        time.sleep(0.1)


def run_child(
    plane: LocalDataPlane,
    argv: list[str],
    n: int,
    env: dict[str, str] | None = None,
    slow: bool = True,
) -> dict[str, int]:
    plane.reset()
    child = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, **(env or {})),
    )
    assert child.stdin and child.stdout
    try:
        assert child.stdout.readline().strip() == "ready"
        wait_stored(plane, 1)
        if slow:
            plane.fault(**SLOW)
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "flushed"
        wait_stored(plane, n + 1)
        child.stdin.write("measure\n")
        child.stdin.flush()
        result = json.loads(child.stdout.readline())
    finally:
        child.stdin.close()
        child.wait(timeout=60)
        plane.clear_faults()
    return result


def run_send(plane: LocalDataPlane, server: str, n: int) -> dict[str, int]:
    """`rudder-group send` of a file of N events: its RSS at start, its peak (VmHWM)."""
    plane.reset()
    line = json.dumps({"type": "group", "groupId": "12345", "userId": "u-1001", "traits": TRAITS})
    with tempfile.NamedTemporaryFile("w", suffix=".ndjson", delete=False) as f:
        f.write((line + "\n") * n)
    plane.fault(**SLOW)
    child = subprocess.Popen(
        [server, "send", "--write-key", WRITE_KEY, "--data-plane-url", plane.url, f.name],
        stdout=subprocess.DEVNULL,
    )
    first: int | None = None
    peak = 0
    try:
        while child.poll() is None:
            try:
                status = Path(f"/proc/{child.pid}/status").read_text()
            except OSError:
                break
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if "VmRSS" in fields:
                rss = int(fields["VmRSS"].split()[0]) * 1024
                first = rss if first is None else first
                peak = max(peak, int(fields["VmHWM"].split()[0]) * 1024)
            time.sleep(0.01)
        assert child.wait(timeout=300) == 0
        wait_stored(plane, n)
    finally:
        os.unlink(f.name)
        plane.clear_faults()
    return {"before": first or 0, "queued": peak}


# The SDKs a run measures, by the name `--skip` takes.
SDKS = {
    "python": "rudder_group (Python)",
    "python-peer": "rudder-sdk-python",
    "node": "rudder-group (Node)",
    "node-peer": "@rudderstack/rudder-sdk-node",
    "c": "rudder-group (C)",
    "send": "rudder-group send (Rust)",
}
# Ours: held to the goal (the peers are shown for comparison).
OURS = {"python", "node", "c", "send"}
KEPT_GOAL = 16 * MIB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True, help="the release rudder-group binary")
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=sorted(SDKS),
        help="leave this SDK out of the run (repeatable)",
    )
    args = parser.parse_args()
    import rudder_group as rg

    n = args.n
    wire = len(rg.GroupEvent.build("12345", TRAITS, user_id="u-1001").to_json()) + len(
        ',"sentAt":"2022-02-01T19:14:18.381Z"'
    )
    goal = 1.25 * wire + 64
    node_modules = REPO / "bench" / "node" / "node_modules"
    node_env = {"NODE_PATH": str(node_modules), "PACKAGE": str(REPO / "bindings" / "node")}
    traits_json = [json.dumps(TRAITS)]
    trait_pairs = [part for key, value in TRAITS.items() for part in (key, json.dumps(value))]
    rows = []
    peaks = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        LocalDataPlane(binary=args.server, write_key=WRITE_KEY) as plane,
    ):
        node_child = Path(tmp) / "child.js"
        node_child.write_text(NODE_CHILD)
        python = [sys.executable, "-c", PYTHON_CHILD]
        node = ["node", "--expose-gc", str(node_child)]
        children = [
            ("python", python + ["rudder_group"], n, None, traits_json),
            ("python-peer", python + ["peer"], n, None, traits_json),
            ("node", node + ["rudder-group"], n, node_env, traits_json),
            ("node-peer", node + ["peer"], min(n, 20_000), node_env, traits_json),
        ]
        if "c" not in args.skip:
            c_child = build_c_child(args.server, Path(tmp))
            children.append(("c", [str(c_child)], n, None, trait_pairs))
        for key, argv, count, env, traits in children:
            if key in args.skip:
                continue
            print(f"{SDKS[key]}: {count:,} events", file=sys.stderr, flush=True)
            argv = argv + [plane.url, str(count)] + traits
            rows.append((key, count, run_child(plane, argv, count, env)))
            if argv[0] == sys.executable:
                peaks.append((key, count, run_child(plane, argv, count, env, slow=False)))
        if "send" not in args.skip:
            print(f"{SDKS['send']}: {n:,} events", file=sys.stderr, flush=True)
            rows.append(("send", n, run_send(plane, args.server, n)))

    print(
        f"\nmemory of {n:,} queued group() calls behind a slow data plane"
        f" (the event: {wire} bytes on the wire),"
    )
    print(
        f"RSS in MiB; per event and x wire from the growth; goal: at most {goal:.0f} bytes an"
        f" event and at most {KEPT_GOAL // MIB} MiB kept\n"
    )
    print(
        f"{'sdk':<30}{'events':>9}{'before':>9}{'queued':>9}{'drained':>9}{'B/event':>10}"
        f"{'x wire':>8}{'kept':>7}  goal"
    )
    for key, count, r in rows:
        growth = r["queued"] - r["before"]
        drained = r.get("drained")
        kept = "" if drained is None else f"{(drained - r['before']) / MIB:.0f}"
        missed = []
        if growth / count > goal:
            missed.append("B/event")
        if drained is not None and drained - r["before"] > KEPT_GOAL:
            missed.append("kept")
        verdict = ("missed: " + ", ".join(missed) if missed else "met") if key in OURS else ""
        print(
            f"{SDKS[key]:<30}{count:>9,}{r['before'] / MIB:>9.0f}{r['queued'] / MIB:>9.0f}"
            f"{'' if drained is None else f'{drained / MIB:.0f}':>9}{growth / count:>10.0f}"
            f"{growth / count / wire:>8.2f}{kept:>7}  {verdict}"
        )
    print(
        "\nqueued: RSS with the burst queued (rudder-group send: its peak); kept: MiB above `before`"
        " 3 s after the drain"
    )
    for key, _, r in rows:
        if key == "c":
            print(
                f"C, 3 s after the drain: glibc's malloc holds {r['malloc_free'] / MIB:.0f} MiB free"
                f" of {r['malloc_arena'] / MIB:.0f} MiB in {r['malloc_arenas']} arenas;"
                f" after malloc_trim(0) {(r['trimmed'] - r['before']) / MIB:.0f} MiB are kept"
            )
    if peaks:
        print(
            "\nend to end (the data plane answering at once), the process's peak RSS (VmHWM)"
            " in MiB:\n"
        )
        print(f"{'sdk':<30}{'events':>9}{'peak':>9}")
        for key, count, r in peaks:
            print(f"{SDKS[key]:<30}{count:>9,}{r['peak'] / MIB:>9.0f}")
    if len(peaks) == 2:
        ours, peer = peaks[0][2]["peak"], peaks[1][2]["peak"]
        print(f"{'Python: rudder_group / peer':<30}{'':>9}{ours / peer:>9.2f}")


if __name__ == "__main__":
    main()
