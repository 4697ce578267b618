"""`pipeline new`: a new article that already passes the front-matter rules."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from pathlib import Path

import yaml

from pipeline.content import EDITION_ID
from pipeline.errors import ContentError
from pipeline.settings import Settings


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:60].rstrip("-") or "article"


def scaffold(settings: Settings, title: str, kind: str, edition: str | None,
             today: dt.date, ident: uuid.UUID) -> Path:
    """Write articles/<edition or web>/<slug>.md and return its path; never overwrite."""
    if not title.strip() or any(ord(char) < 32 for char in title):
        raise ContentError("the title must be one line of text, e.g. \"Fall Harvest Market\"")
    if kind not in settings.kinds:
        raise ContentError(f"unknown kind {kind!r}; kinds: {', '.join(sorted(settings.kinds))}")
    if edition is not None and not EDITION_ID.match(edition):
        raise ContentError(f"edition must look like YYYY-MM, not {edition!r}")
    folder = settings.root / "articles" / (edition or "web")
    if edition is not None and not (folder / "edition.toml").is_file():
        raise ContentError(f"no edition {edition}: articles/{edition}/edition.toml does not "
                           "exist (create the edition first, or leave out --edition for a "
                           "web-only article)")
    path = folder / f"{slugify(title)}.md"
    if path.exists():
        raise ContentError(f"{path.relative_to(settings.root)} already exists")
    spec = settings.kinds[kind]
    meta: dict[str, object] = {
        "title": title,
        "dek": "",
        "authors": ["Your Name"],
        "date": today,
        "section": "News",
        "kind": kind,
        "tags": [],
        "summary": "",
        "disclaimers": [],
        "id": str(ident),
        "draft": True,
    }
    if spec.sponsored:
        meta["sponsor"] = {"name": "Sponsor Name", "url": "https://example.com"}
        meta["disclaimers"] = ["sponsored"]
    sections = "".join(f"\n## {name}\n\nWrite this section.\n" for name in spec.required_sections)
    text = "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n\n" \
        + "Start writing here.\n" + sections
    folder.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as stream:
        stream.write(text)
    return path
