"""A user's own test of code that sends group calls, as it would be written against the installed
wheel: the `rudder_data_plane` fixture of the package's pytest plugin starts the packaged
`rudder-group serve` once and empties it before each test. Run by check.sh with pytest from the
wheel's venv, with no RUDDER_GROUP_BIN set: the data plane is the one the wheel ships."""

import rudder_group as rg


def test_a_group_call_reaches_the_local_data_plane(rudder_data_plane) -> None:  # type: ignore[no-untyped-def]
    with rg.Client(rudder_data_plane.write_key, rudder_data_plane.url) as client:
        client.group("dist-user-test", {"name": "Acme"}, user_id="u1")
    events = rudder_data_plane.events()
    assert [(e["groupId"], e["traits"]["name"]) for e in events] == [("dist-user-test", "Acme")]


def test_each_test_starts_with_an_empty_data_plane(rudder_data_plane) -> None:  # type: ignore[no-untyped-def]
    assert rudder_data_plane.events() == []
