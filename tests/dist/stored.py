"""Checks what the local data plane stored: COUNT events for each LIBRARY:GROUP_ID, and no other.

Usage: stored.py DATA_PLANE_URL COUNT LIBRARY:GROUP_ID...
"""

import collections
import json
import sys
import urllib.request


def main() -> int:
    url, count, *expected = sys.argv[1:]
    with urllib.request.urlopen(f"{url}/_rudder_group/events", timeout=30) as answer:
        events = json.load(answer)
    stored = collections.Counter(
        f"{event['context']['library']['name']}:{event['groupId']}" for event in events
    )
    wanted = collections.Counter({key: int(count) for key in expected})
    for key in sorted(set(stored) | set(wanted)):
        print(f"dist-check: stored {stored[key]} of {wanted[key]} from {key}")
    if stored != wanted:
        print("dist-check: the data plane did not store what was sent", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
