"""MED003 in a throwaway project: print resolution applies only to articles in an edition, and
an image is measured at the width it is placed (one column in the body, the full text width
for the hero image and single-column kinds)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from pipeline import gate
from pipeline import settings as settings_module

ROOT = Path(__file__).resolve().parent.parent
EDITION = """title = "January 2099"
date = 2099-01-01
volume = 1
number = 1
order = ["garden"]

[cover]
image = "images/cover.png"
alt = "A garden in snow"
"""


def _image(path: Path, width: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (width, width * 2 // 3), "olive").save(path)


def _article(folder: Path, slug: str, body: str, kind: str = "feature",
             hero: str = "") -> Path:
    hero_line = f'image: {{src: "{hero}", alt: "A garden"}}\n' if hero else ""
    path = folder / f"{slug}.md"
    path.write_text(f'---\ntitle: "A Winter Garden"\nauthors: ["Sam Ortiz"]\n'
                    f'date: 2099-01-01\nsection: "Green Living"\nkind: {kind}\n{hero_line}'
                    f"---\n\nSnow covers the beds.\n\n{body}\n", encoding="utf-8")
    return path


def _project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "publication.toml", tmp_path / "publication.toml")
    edition = tmp_path / "articles" / "2099-01"
    edition.mkdir(parents=True)
    (edition / "edition.toml").write_text(EDITION, encoding="utf-8")
    _image(edition / "images" / "cover.png", 2600)
    _image(edition / "images" / "small.png", 600)    # 179 ppi in a 3.36 in column
    _image(edition / "images" / "large.png", 1100)   # 327 ppi in a column, 158 ppi full width
    return edition


def _med003(root: Path, article: Path) -> list[tuple[int, str]]:
    settings = settings_module.load(root / "publication.toml")
    report = gate.check(settings, [article])
    return [(f.line, f.message) for f in report.findings if f.code == "MED003"]


def test_low_resolution_body_image_fires_and_large_one_does_not(tmp_path: Path) -> None:
    edition = _project(tmp_path)
    article = _article(edition, "garden", "![Frost on kale](images/small.png)\n\n"
                                          "![A snowy bench](images/large.png)")
    found = _med003(tmp_path, article)
    assert [line for line, _ in found] == [11]
    assert "600 px wide: 179 ppi" in found[0][1]


def test_an_image_just_below_the_minimum_does_not_read_as_reaching_it(tmp_path: Path) -> None:
    edition = _project(tmp_path)
    _image(edition / "images" / "edge.png", 1007)   # 299.7 ppi in a 3.36 in column
    _image(edition / "images" / "exact.png", 1008)  # 300.0 ppi
    article = _article(edition, "garden", "![Frost on kale](images/edge.png)\n\n"
                                          "![A snowy bench](images/exact.png)")
    found = _med003(tmp_path, article)
    assert [line for line, _ in found] == [11]
    assert "1007 px wide: 299.7 ppi" in found[0][1]


def test_raw_html_image_is_measured_too(tmp_path: Path) -> None:
    edition = _project(tmp_path)
    article = _article(edition, "garden", '<img src="images/small.png" alt="Frost on kale">')
    assert [line for line, _ in _med003(tmp_path, article)] == [11]


def test_hero_and_single_column_kinds_are_measured_at_full_width(tmp_path: Path) -> None:
    edition = _project(tmp_path)
    article = _article(edition, "garden", "![A snowy bench](images/large.png)",
                       hero="images/large.png")
    assert [line for line, _ in _med003(tmp_path, article)] == [7]  # the hero, not the body
    letter = _article(edition, "garden", "![A snowy bench](images/large.png)", kind="letter")
    assert [line for line, _ in _med003(tmp_path, letter)] == [11]


def test_web_only_article_is_not_held_to_print_resolution(tmp_path: Path) -> None:
    edition = _project(tmp_path)
    web = tmp_path / "articles" / "web"
    web.mkdir()
    shutil.copytree(edition / "images", web / "images")
    article = _article(web, "garden", "![Frost on kale](images/small.png)")
    assert _med003(tmp_path, article) == []


def _png_header(path: Path, width: int, height: int) -> None:
    """A PNG that claims `width` x `height` pixels in 60 bytes: a decompression bomb's header."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))


def test_an_empty_a_fake_or_a_bomb_image_is_med002_and_never_decoded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 0-byte picture, text named .jpg and a PNG claiming 20000 x 20000 pixels (a small file
    that unpacks to gigabytes) are MED002 at their line, as a hero, in the body or on the
    cover; a build forced past them renders the rest without a traceback."""
    edition = _project(tmp_path)
    images = edition / "images"
    (images / "empty.png").write_bytes(b"")
    (images / "notes.jpg").write_text("not a picture")
    _png_header(images / "bomb.png", 20000, 20000)
    _png_header(images / "cover.png", 30000, 30000)
    _article(edition, "garden", "![Beds](images/empty.png)\n\n![Seeds](images/"
               "notes.jpg)\n\n![Frost](images/bomb.png)", hero="images/bomb.png")
    settings = settings_module.load(tmp_path / "publication.toml")
    findings = gate.check(settings).findings
    med002 = sorted((f.line, f.message) for f in findings if f.code == "MED002")
    assert [line for line, _ in med002] == [7, 12, 14, 16]
    assert "'images/empty.png' is not an image that can be read" in med002[1][1]
    assert "'images/notes.jpg' is not an image that can be read" in med002[2][1]
    assert "'images/bomb.png' has more than 89 million pixels" in med002[3][1]
    assert any(f.code == "ED001" and "the cover image `images/cover.png` has more than" in
               f.message for f in findings)
    assert not any(f.code == "MED003" for f in findings)  # no size to judge: MED002's
    shutil.copytree(ROOT / "layouts", tmp_path / "layouts")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "4073587200")  # 2099-02-01: the edition is out
    from pipeline.build import build

    result = build(settings, "2099-01", only={"web", "feed"}, force=True)
    assert not result.blocked
    page = (tmp_path / "build/site/articles/garden/index.html").read_text()
    assert "Snow covers the beds." in page and "bomb-" not in page


def test_an_image_cut_short_is_med002(tmp_path: Path) -> None:
    """A JPEG or PNG whose copy was interrupted opens (its header is whole) but would print
    with a grey band where it stops; a JPEG with data after its end is whole. Also once
    WeasyPrint is loaded (it tells Pillow to fill cut images with grey, for every caller)."""
    import weasyprint  # noqa: F401 -- sets PIL.ImageFile.LOAD_TRUNCATED_IMAGES

    edition = _project(tmp_path)
    images = edition / "images"
    for name in ("whole.jpg", "whole.png"):
        Image.effect_noise((400, 300), 64).convert("RGB").save(images / name)
        data = (images / name).read_bytes()
        (images / f"cut-{name}").write_bytes(data[: len(data) // 2])
    # A phone's motion photo: data after the JPEG's end marker, the image whole.
    (images / "motion.jpg").write_bytes((images / "whole.jpg").read_bytes() + b"\0" * 5000)
    article = _article(edition, "garden", "![A](images/whole.jpg)\n\n![B](images/whole.png)"
                       "\n\n![C](images/cut-whole.jpg)\n\n![D](images/cut-whole.png)"
                       "\n\n![E](images/motion.jpg)")
    settings = settings_module.load(tmp_path / "publication.toml")
    found = [(f.line, f.message) for f in gate.check(settings, [article]).findings
             if f.code == "MED002"]
    assert found == [(15, "image file 'images/cut-whole.jpg' is cut short (it ends before "
                          "the image does: copy it again)"),
                     (17, "image file 'images/cut-whole.png' is cut short (it ends before "
                          "the image does: copy it again)")]
