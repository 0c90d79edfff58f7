"""What a user sees of ``rg.Client`` before calling it: ``help()`` and ``inspect.signature`` list
every setting by name, and a wrong call is reported against ``Client()``, not the native
``__new__`` the keywords pass through."""

from __future__ import annotations

import inspect
import pathlib
import pydoc

import pytest
import rudder_group as rg

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def readme_settings() -> list[str]:
    """The first column of the README's settings table (generated from the settings table)."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index("| setting | default | accepts | what it does |") + 2
    names = []
    for line in lines[start:]:
        if not line.startswith("| `"):
            break
        names.append(line.split("`")[1])
    return names


def test_the_signature_lists_every_setting_and_no_catch_all() -> None:
    settings = readme_settings()
    assert len(settings) > 20 and "flush_at" in settings and "spool_dir" in settings
    parameters = inspect.signature(rg.Client).parameters
    assert list(parameters) == [*settings, "on_outcome", "exit_timeout"]
    assert all(p.kind is not inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    assert [p.kind for p in parameters.values()][:2] == [
        inspect.Parameter.POSITIONAL_OR_KEYWORD
    ] * 2
    assert all(parameters[name].kind is inspect.Parameter.KEYWORD_ONLY for name in settings[2:])


def test_help_shows_the_keywords() -> None:
    text = pydoc.render_doc(rg.Client, renderer=pydoc.plaintext)
    assert "**settings" not in text
    for name in readme_settings():
        assert f"{name}:" in text or f"{name}=" in text, name


@pytest.mark.parametrize(
    "call",
    [
        lambda: rg.Client("key", "http://127.0.0.1:9", flush_att=10),
        lambda: rg.Client("key"),
        lambda: rg.Client("key", "http://127.0.0.1:9", 10),
        lambda: rg.Client(data_plane_url="http://127.0.0.1:9"),
    ],
)
def test_a_wrong_call_names_client_not_new(call: object) -> None:
    with pytest.raises(TypeError) as error:
        call()  # type: ignore[operator]
    message = str(error.value)
    assert "__new__" not in message and "__init__" not in message, message
    assert message.startswith("Client()") or "Client()" in message, message


def test_help_lists_each_default_as_one_whole_bullet() -> None:
    """Each bullet of the defaults in ``help(rg.Client)`` is a whole clause: it ends with ``;`` or
    ``.``, so no sentence runs on into the next bullet."""
    doc = inspect.getdoc(rg.Client.__init__) or ""
    bullets: list[str] = []
    for line in doc.splitlines():
        if line.startswith("- "):
            bullets.append(line)
        elif bullets and line.startswith("  "):
            bullets[-1] += " " + line.strip()
        elif bullets and not line.strip():
            break
    assert len(bullets) > 20, bullets
    assert [b for b in bullets if not b.endswith((";", "."))] == []
