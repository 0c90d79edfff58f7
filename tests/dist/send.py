"""Sends COUNT group calls through the installed `rudder_group` wheel to RUDDER_DATA_PLANE_URL.

Run by check.sh from a fresh venv; exits non-zero unless every event was delivered.
"""

import os
import sys

import rudder_group as rg

COUNT = 5

url = os.environ["RUDDER_DATA_PLANE_URL"]
here = os.path.dirname(os.path.abspath(rg.__file__))
if "site-packages" not in here:
    sys.exit(f"rudder_group was imported from {here}, not from the venv's site-packages")

with rg.Client("test-write-key", url, flush_at=2) as client:
    for i in range(COUNT):
        client.group("dist-python", user_id=f"user-{i}", traits={"name": "Acme", "seat": i})
    result = client.flush(timeout=30)
if result.delivered != COUNT or result.failed or result.dropped:
    sys.exit(f"expected {COUNT} delivered, got {result}")
print(f"python: {COUNT} delivered by rudder_group {rg.__version__} from {here}")
