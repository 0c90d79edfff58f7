"""A script written against rudder-sdk-python 2.x, as its README shows it. The side-by-side test
runs it as it is, then with only its import line naming ``rudder_group.analytics``."""

import datetime
import os

import rudderstack.analytics as rudder_analytics

rudder_analytics.write_key = os.environ["WRITE_KEY"]
rudder_analytics.dataPlaneUrl = os.environ["RUDDER_DATA_PLANE_URL"]
rudder_analytics.max_retries = 3
rudder_analytics.debug = True
rudder_analytics.on_error = lambda error, batch: print("failed:", error, batch)

rudder_analytics.group(
    "user-7",
    "acme",
    {"name": "Acme", "employees": 450, "plan": "enterprise", "address": {"city": "Berlin", "country": "DE"}},
    context={"ip": "203.0.113.7", "locale": "de-DE"},
    integrations={"All": False, "Amplitude": True},
)
# A backfill: the time of the event is the caller's, stored as given.
rudder_analytics.group(
    "user-8",
    "globex",
    {"name": "Globex", "industry": "Energy", "createdAt": "2019-06-01T00:00:00Z"},
    timestamp=datetime.datetime(2024, 3, 1, 12, 30, 5, 678000, tzinfo=datetime.timezone.utc),
)
rudder_analytics.group(anonymous_id="anon-1", group_id=42, traits={"name": "Initech"}, message_id="initech-42")
rudder_analytics.flush()
