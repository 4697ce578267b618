"""The print PDF/X: CMYK copies of images, the output profile, crop marks, inert links, and
preflight's PRN006 (colour) and PRN007 (annotations)."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pytest
from PIL import Image, ImageCms
from pypdf import PdfReader
from weasyprint import CSS, HTML

from pipeline.build import build
from pipeline.errors import EnvironmentProblem
from pipeline.preflight import PrintSpec, preflight
from pipeline.render import colour, marks, pdf
from pipeline.settings import Settings
from tests.conftest import SAMPLE

GHOSTSCRIPT = Path("/usr/share/color/icc/ghostscript")
CMYK_PROFILE = GHOSTSCRIPT / "default_cmyk.icc"
DATES = ('<meta name="dcterms.created" content="2022-10-01T00:00:00Z">'
         '<meta name="dcterms.modified" content="2022-10-01T00:00:00Z">')


@pytest.fixture(scope="module")
def profile() -> colour.Profile:
    return colour.load_profile(CMYK_PROFILE)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_an_image_over_the_pixel_limit_is_refused_undecoded(profile: colour.Profile) -> None:
    """90 million pixels: over the limit (MED002) but under the twice-the-limit at which
    Pillow itself refuses; refused from its header, with no warning on the terminal."""
    huge = _png(Image.new("1", (10_000, 9_000)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(OSError, match="million"):
            colour.to_cmyk_jpeg(huge, profile)


def _back_to_srgb(image: Image.Image, profile: colour.Profile) -> Image.Image:
    cmyk = ImageCms.ImageCmsProfile(io.BytesIO(profile.data))
    transform = ImageCms.buildTransform(cmyk, ImageCms.createProfile("sRGB"), "CMYK", "RGB")
    return transform.apply(image)


def test_cmyk_copy_looks_like_the_original_on_white_paper(profile: colour.Profile) -> None:
    original = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    original.paste((200, 30, 40, 255), (0, 0, 20, 20))  # red left half, transparent right
    with Image.open(io.BytesIO(colour.to_cmyk_jpeg(_png(original), profile))) as copy:
        assert copy.mode == "CMYK" and copy.size == (40, 20)
        red, paper = copy.getpixel((5, 10)), copy.getpixel((35, 10))
        seen = _back_to_srgb(copy, profile)
    assert red[1] > 200 and red[2] > 150  # magenta and yellow carry the red
    assert all(channel < 8 for channel in paper)  # no ink where the image was transparent
    back = seen.getpixel((5, 10))
    assert abs(back[0] - 200) < 30 and back[1] < 80 and back[2] < 80


def test_images_point_at_cached_copies_inside_the_project(
        tmp_path: Path, profile: colour.Profile) -> None:
    edition = tmp_path / "articles" / "2022-10"
    (edition / "images").mkdir(parents=True)
    (edition / "images" / "a.png").write_bytes(_png(Image.new("RGB", (8, 8), "green")))
    (edition / "notes.txt").write_text("not an image")
    (edition / "images" / "broken.jpg").write_bytes(b"not a JPEG")
    outside = tmp_path.parent / "outside.png"
    outside.write_bytes(_png(Image.new("RGB", (8, 8), "blue")))
    document = ('<img src="images/a.png" alt=""><style>@page { background: url("images/a.png") }'
                '</style><img src="../../../outside.png"><img src="missing.png">'
                '<img src="notes.txt"><img src="images/broken.jpg">'
                '<img src="data:image/png;base64,AAAA">')
    converted = colour.cmyk_images(document, edition, tmp_path, profile)
    copies = list((tmp_path / colour.CACHE_FOLDER).iterdir())
    assert len(copies) == 1
    relative = f"../../{colour.CACHE_FOLDER}/{copies[0].name}"
    assert converted.count(relative) == 2
    assert converted.replace(relative, "images/a.png") == document
    stamp = copies[0].stat().st_mtime_ns
    assert colour.cmyk_images(document, edition, tmp_path, profile) == converted
    assert copies[0].stat().st_mtime_ns == stamp  # converted once, then read from the cache


def _grey16(size: tuple[int, int] = (40, 20)) -> tuple[Image.Image, bytes]:
    """A ramp from black (left) to white in 8-bit grey, and the same ramp as a 16-bit grey
    PNG (as scanners write)."""
    ramp = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90).resize(size)
    wide = Image.new("I;16", size)
    wide.putdata([value * 257 for value in ramp.get_flattened_data()])
    return ramp, _png(wide)


def test_a_16_bit_image_keeps_its_tones_in_both_pdfs(tmp_path: Path,
                                                      profile: colour.Profile) -> None:
    """WeasyPrint writes a 16-bit grey PNG's samples as 8-bit RGB (noise), and Pillow's own
    conversion clips them at 255 (white): the screen PDF gets an 8-bit copy, the CMYK copy is
    made from one."""
    ramp, data = _grey16()
    folder = tmp_path / "articles" / "2022-10"
    folder.mkdir(parents=True)
    (folder / "scan.png").write_bytes(data)
    (folder / "plain.png").write_bytes(_png(ramp))
    document = ('<style>@page { size: 2in 1in; margin: 0 } img { display: block; width: 40px }'
                '</style><img src="scan.png"><img src="plain.png">')
    screen = colour.embeddable_images(document, folder, tmp_path)
    assert "plain.png" in screen and "scan.png" not in screen  # only what needs it is copied
    written = HTML(string=screen, base_url=str(folder / "x.html")).write_pdf()
    placed = [image.image for image in PdfReader(io.BytesIO(written)).pages[0].images]
    assert [image.mode for image in placed] == ["L", "L"]
    assert list(placed[0].get_flattened_data()) == list(ramp.get_flattened_data())
    with Image.open(io.BytesIO(colour.to_cmyk_jpeg(data, profile))) as copy:
        seen = _back_to_srgb(copy, profile).convert("L")
    dark, light = seen.getpixel((0, 10)), seen.getpixel((39, 10))
    assert dark < 60 and light > 200  # a ramp from black to white, not a white box


def test_profile_must_exist_and_be_cmyk(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentProblem, match="libgs-common"):
        colour.load_profile(tmp_path / "missing.icc")
    with pytest.raises(EnvironmentProblem, match="not a CMYK one"):
        colour.load_profile(GHOSTSCRIPT / "srgb.icc")
    (tmp_path / "junk.icc").write_bytes(b"junk")
    with pytest.raises(EnvironmentProblem, match="not an ICC profile"):
        colour.load_profile(tmp_path / "junk.icc")


def test_crop_marks_continue_the_trim_lines_outside_the_bleed() -> None:
    """Each mark lies on a trim line and runs from the bleed's edge outwards into the slug."""
    assert marks.MARK_LENGTH == 18 and marks.SLUG > marks.MARK_LENGTH
    lines = marks.mark_lines((0.0, 0.0, 600.0, 800.0), bleed=9.0)
    assert sorted(lines) == sorted([
        (-27, 0, -9, 0), (609, 0, 627, 0), (-27, 800, -9, 800), (609, 800, 627, 800),
        (0, -27, 0, -9), (0, 809, 0, 827), (600, -27, 600, -9), (600, 809, 600, 827)])


def test_srgb_setting_writes_no_output_intent(settings: Settings) -> None:
    srgb = settings.model_copy(
        update={"print": settings.print.model_copy(update={"color": "srgb"})})
    assert "@color-profile" not in pdf.page_css(srgb, screen=False)
    assert "marks: none" in pdf.page_css(srgb, screen=False)  # ours, in the slug
    assert "finisher" in pdf.write_options(srgb, screen=False)
    assert "finisher" not in pdf.write_options(srgb, screen=True)
    assert "pdf_variant" not in pdf.write_options(srgb, screen=False)
    assert [s.name for s in pdf.stylesheets(srgb, Path("layouts"), False)] == ["magazine.css"]
    assert pdf.write_options(settings, screen=False)["pdf_variant"] == "pdf/x-3"
    assert pdf.write_options(settings, screen=True)["pdf_variant"] == "pdf/ua-1"


def _pdf(tmp_path: Path, body: str, with_profile: bool = True, variant: str = "pdf/x-3") -> Path:
    rule = colour.color_profile_rule(CMYK_PROFILE) if with_profile else ""
    profiles: dict[str, object] = {}
    sheet = CSS(string=rule + "@page { size: 3in 3in } html { color: device-cmyk(0 0 0 1) }",
                color_profiles=profiles)
    document = HTML(string=f"<html><head>{DATES}<title>t</title></head><body>{body}</body>",
                    base_url=str(tmp_path) + "/").render(stylesheets=[sheet],
                                                         color_profiles=profiles)
    target = tmp_path / "test.pdf"
    document.write_pdf(target, pdf_variant=variant)
    return target


def _prn006(path: Path) -> list[str]:
    spec = PrintSpec(216, 216, 0)
    return [f.message for f in preflight(path, spec) if f.code == "PRN006"]


def test_prn006_passes_a_cmyk_pdfx_file(tmp_path: Path) -> None:
    assert _prn006(_pdf(tmp_path, '<p style="border: 1pt solid device-cmyk(1 0 0 0)">ok</p>')) \
        == []


def test_prn006_finds_rgb_colour_rgb_images_and_transparency(tmp_path: Path) -> None:
    Image.new("RGB", (30, 30), "orange").save(tmp_path / "photo.jpg")
    found = _prn006(_pdf(tmp_path, '<p style="color: #c00">red</p>'))
    assert len(found) == 1 and "device RGB colour on 1 page (1)" in found[0]
    found = _prn006(_pdf(tmp_path, '<img src="photo.jpg">'))
    assert len(found) == 1 and "device RGB" in found[0]
    found = _prn006(_pdf(tmp_path, '<p style="opacity: 0.5">faint</p>'))
    assert len(found) == 1 and "transparency on 1 page (1)" in found[0]


def test_prn006_needs_a_cmyk_output_intent(tmp_path: Path) -> None:
    found = _prn006(_pdf(tmp_path, "<p>no profile</p>", with_profile=False))
    assert len(found) == 1 and "no PDF/X output intent" in found[0]


def _prn007(path: Path) -> list[str]:
    return [f.message for f in preflight(path, PrintSpec(216, 216, 0)) if f.code == "PRN007"]


def test_prn007_finds_links_on_the_printed_area_of_pdfx_files(tmp_path: Path) -> None:
    linked = _pdf(tmp_path, '<p><a href="https://example.org">a link</a></p>')
    found = _prn007(linked)
    assert len(found) == 1 and "1 page (1)" in found[0]
    inert = _pdf(tmp_path, pdf.inert_links('<p><a href="https://example.org">a link</a></p>'))
    assert _prn007(inert) == []
    plain = tmp_path / "plain.pdf"
    HTML(string='<a href="https://example.org">a link</a>').write_pdf(plain)
    assert _prn007(plain) == []


def test_inert_links_keep_the_target_for_page_numbers() -> None:
    html = '<a class="x" href="#article-a">A</a> <a href="https://example.org">B</a>'
    assert pdf.inert_links(html) == ('<a class="x" data-href="#article-a">A</a> '
                                     '<a data-href="https://example.org">B</a>')


def test_prn006_judges_only_files_that_claim_pdfx(tmp_path: Path) -> None:
    plain = tmp_path / "plain.pdf"
    HTML(string='<p style="color: #c00; opacity: 0.5">red</p>').write_pdf(plain)
    assert _prn006(plain) == []


def test_build_without_the_profile_stops_with_one_sentence(settings: Settings,
                                                            tmp_path: Path) -> None:
    missing = settings.model_copy(update={"print": settings.print.model_copy(
        update={"cmyk_profile": tmp_path / "gone.icc"})})
    with pytest.raises(EnvironmentProblem, match=r'cmyk_profile ".*gone.icc" cannot be read'):
        build(missing, SAMPLE, only={"pdf"}, out=tmp_path)
    assert not (tmp_path / SAMPLE).exists()
