"""The documentation site's pages and its link check (make docs).

`build_site.py pages SITE`: the landing page and the guides, rendered from the repository's
Markdown (the READMEs, docs/migrating.md, docs/recipes/, the error codes, the settings tables
`make generate` writes into the bindings' READMEs); a link between them points to the rendered page, a link
to another file of the repository points to it in the repository.

`build_site.py check SITE`: fails on a broken internal link anywhere in the site: every relative
href and src names a file that exists, and an anchor into a guide names an id of that page.

The API references (pdoc, TypeDoc, Doxygen, rustdoc) are built by the Makefile into SITE/api/.
"""

from __future__ import annotations

import html
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, List, Set, Tuple
from urllib.parse import unquote, urlsplit

import markdown

REPO = Path(__file__).resolve().parents[2]
REPOSITORY_URL = "https://github.com/rudder-group/rudder-group/blob/main/"

# Source (relative to the repository) -> page (relative to the site), and its title.
GUIDES: Dict[str, Tuple[str, str]] = {
    "README.md": ("guides/overview.html", "Overview"),
    "bindings/python/README.md": ("guides/python.html", "Python"),
    "bindings/node/README.md": ("guides/node.html", "Node"),
    "bindings/c/README.md": ("guides/c.html", "C and C++"),
    "docs/migrating.md": ("guides/migrating.html", "Migrating from the official SDKs"),
    "docs/recipes/README.md": ("guides/recipes/index.html", "Recipes"),
}
for recipe in sorted((REPO / "docs" / "recipes").glob("*.md")):
    if recipe.name != "README.md":
        title = recipe.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
        GUIDES[f"docs/recipes/{recipe.name}"] = (f"guides/recipes/{recipe.stem}.html", title)

API = [
    ("api/python/rudder_group.html", "Python", "pdoc, from the typed facade and the native module's stub"),
    ("api/node/index.html", "Node", "TypeDoc, from the .d.ts"),
    ("api/c/index.html", "C and C++", "Doxygen, from rudder_group.h and rudder_group.hpp"),
    ("api/rust/rudder_group/index.html", "Rust: rudder-group", "rustdoc: the model"),
    ("api/rust/rudder_group_client/index.html", "Rust: rudder-group-client", "rustdoc: delivery"),
    ("api/rust/rudder_group_dataplane/index.html", "Rust: rudder-group-dataplane", "rustdoc: the local data plane"),
]

STYLE = """
body { font: 16px/1.55 system-ui, sans-serif; max-width: 60rem; margin: 0 auto; padding: 1rem 2rem; color: #1d2330; }
nav { font-size: 0.9rem; border-bottom: 1px solid #d9dde5; padding-bottom: 0.5rem; margin-bottom: 1rem; }
nav a { margin-right: 0.8rem; }
code, pre { font-family: ui-monospace, monospace; font-size: 0.88em; }
pre { background: #f4f6f9; padding: 0.8rem; overflow-x: auto; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #d9dde5; padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }
p.file { margin-bottom: 0; font-size: 0.85rem; color: #556; }
"""


def page(title: str, body: str, depth: int) -> str:
    up = "../" * depth
    nav = " ".join(
        f'<a href="{up}{href}">{label}</a>'
        for href, label in [
            ("index.html", "Home"),
            ("guides/overview.html", "Overview"),
            ("guides/python.html", "Python"),
            ("guides/node.html", "Node"),
            ("guides/c.html", "C/C++"),
            ("guides/recipes/index.html", "Recipes"),
            ("guides/settings.html", "Settings"),
            ("guides/error-codes.html", "Error codes"),
            ("guides/migrating.html", "Migrating"),
        ]
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · rudder-group</title><style>{STYLE}</style></head>\n"
        f"<body><nav>{nav}</nav>\n<main>\n{body}\n</main></body></html>\n"
    )


def render(text: str) -> str:
    # A recipe's tested block names its file: shown above the block.
    text = re.sub(r"^```(\w+) file=(\S+)$", r'<p class="file">\2</p>\n\n```\1', text, flags=re.M)
    return markdown.markdown(
        text, extensions=["tables", "fenced_code", "toc", "sane_lists"], extension_configs={"toc": {"permalink": False}}
    )


def relink(body: str, source: str, out: str) -> str:
    """Links to other guides point to their pages; links to other files of the repository to
    the repository."""
    source_dir = Path(source).parent
    out_dir = Path(out).parent

    def fix(match: re.Match[str]) -> str:
        attr, href = match.group(1), html.unescape(match.group(2))
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or href.startswith("#") or not parts.path:
            return match.group(0)
        target = (source_dir / unquote(parts.path)).as_posix()
        target = str(Path(target).resolve().relative_to(REPO)) if (REPO / target).exists() else target
        anchor = f"#{parts.fragment}" if parts.fragment else ""
        if target in GUIDES:
            rel = Path(GUIDES[target][0])
            link = Path(*[".."] * len(out_dir.parts), rel).as_posix() if out_dir.parts else rel.as_posix()
            return f'{attr}="{html.escape(link + anchor)}"'
        if target.rstrip("/") in {g.rsplit("/", 1)[0] for g in GUIDES if g.endswith("README.md")}:
            readme = target.rstrip("/") + "/README.md"
            rel = Path(GUIDES[readme][0])
            link = Path(*[".."] * len(out_dir.parts), rel).as_posix()
            return f'{attr}="{html.escape(link + anchor)}"'
        return f'{attr}="{html.escape(REPOSITORY_URL + target + anchor)}"'

    return re.sub(r'(href|src)="([^"]*)"', fix, body)


def section(markdown_text: str, heading: str) -> str:
    """One `## heading` section of a Markdown text, heading included."""
    match = re.search(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", markdown_text, flags=re.S | re.M)
    if match is None:
        raise SystemExit(f"build_site: no section '## {heading}'")
    return match.group(0)


def settings_markdown() -> str:
    """The settings tables `make generate` writes into each binding's README, from the one
    settings table of the client crate."""
    tables = []
    for readme, title in [("bindings/python/README.md", "Python: keywords of rudder_group.Client"),
                          ("bindings/node/README.md", "Node: options of new Client()"),
                          ("bindings/c/README.md", "C: rudder_client_config setters")]:
        text = (REPO / readme).read_text(encoding="utf-8")
        match = re.search(r"<!-- BEGIN GENERATED: settings table -->\n(.*?)<!-- END GENERATED: settings table -->",
                          text, flags=re.S)
        if match is None:
            raise SystemExit(f"build_site: no generated settings table in {readme}")
        table = "\n".join(line for line in match.group(1).splitlines() if not line.startswith("<!--"))
        tables.append(f"## {title}\n\n{table.strip()}\n")
    return (
        "# Client settings\n\nEvery binding reads its settings from one table, "
        "`crates/rudder-group-client/settings.toml`: the same names, defaults and ranges in every "
        "language. `make generate` writes these tables from it.\n\n" + "\n".join(tables)
    )


def build_pages(site: Path) -> None:
    for source, (out, title) in GUIDES.items():
        body = relink(render((REPO / source).read_text(encoding="utf-8")), source, out)
        write(site / out, page(title, body, len(Path(out).parts) - 1))
    codes = section((REPO / "README.md").read_text(encoding="utf-8"), "Error codes")
    body = relink(render(codes.replace("## Error codes", "# Error codes", 1)), "README.md", "guides/error-codes.html")
    write(site / "guides/error-codes.html", page("Error codes", body, 1))
    write(site / "guides/settings.html", page("Client settings", render(settings_markdown()), 1))
    guides = "".join(
        f'<li><a href="{out}">{html.escape(title)}</a></li>'
        for _, (out, title) in GUIDES.items()
        if not out.startswith("guides/recipes/") or out.endswith("index.html")
    )
    recipes = "".join(
        f'<li><a href="{out}">{html.escape(title)}</a></li>'
        for _, (out, title) in GUIDES.items()
        if out.startswith("guides/recipes/") and not out.endswith("index.html")
    )
    api = "".join(f'<li><a href="{href}">{label}</a>: {html.escape(what)}</li>' for href, label, what in API)
    body = (
        "<h1>rudder-group</h1><p>RudderStack group calls, built once in Rust, for Rust, Python, Node "
        "and C: validated events, canonical JSON, and a client that batches, retries and reports "
        "every outcome.</p>"
        f"<h2>Guides</h2><ul>{guides}"
        '<li><a href="guides/settings.html">Client settings</a></li>'
        '<li><a href="guides/error-codes.html">Error codes</a></li></ul>'
        f"<h2>Recipes</h2><ul>{recipes}</ul>"
        f"<h2>API reference</h2><ul>{api}</ul>"
    )
    write(site / "index.html", page("Documentation", body, 0))
    # rustdoc's help and settings pages link an index of the crates, which it writes for one crate
    # alone: this is it (the Makefile copies rustdoc's output beside it).
    crates = "".join(
        f'<li><a href="{href.removeprefix("api/rust/")}">{label.removeprefix("Rust: ")}</a>: {html.escape(what)}</li>'
        for href, label, what in API
        if href.startswith("api/rust/")
    )
    write(site / "api/rust/index.html", page("Rust crates", f"<h1>Rust crates</h1><ul>{crates}</ul>", 2))


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: List[str] = []
        self.ids: Set[str] = set()

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None and tag != "link" or (tag == "link" and name == "href" and value):
                self.links.append(value or "")
            if name in ("id", "name") and value:
                self.ids.add(value)


def check(site: Path) -> int:
    parsed: Dict[Path, Links] = {}

    def links_of(path: Path) -> Links:
        if path not in parsed:
            parser = Links()
            parser.feed(path.read_text(encoding="utf-8", errors="replace"))
            parsed[path] = parser
        return parsed[path]

    broken = []
    pages = sorted(site.rglob("*.html"))
    for path in pages:
        for href in links_of(path).links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("javascript:", "data:", "mailto:")):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if parts.path.endswith("/") or target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{path.relative_to(site)}: {href} (no {target})")
                continue
            # Anchors are checked on the guides, whose ids the build writes.
            if parts.fragment and target.suffix == ".html" and "guides" in target.relative_to(site.resolve()).parts:
                if unquote(parts.fragment) not in links_of(target).ids:
                    broken.append(f"{path.relative_to(site)}: {href} (no id {parts.fragment!r})")
    for line in broken:
        print(f"build_site: broken link in {line}", file=sys.stderr)
    print(f"build_site: {len(pages)} pages checked, {len(broken)} broken internal links")
    return 1 if broken else 0


if __name__ == "__main__":
    command, site_dir = sys.argv[1], Path(sys.argv[2])
    if command == "pages":
        build_pages(site_dir)
        sys.exit(0)
    sys.exit(check(site_dir.resolve()))
