"""Print colour: the CMYK output profile, CMYK copies of placed images, CMYK crop marks.

WeasyPrint 70 writes a PDF/X output intent from `@color-profile device-cmyk` but converts
nothing: CSS colours keep their colour space, raster images are embedded as they are, and its
own crop marks are stroked in DeviceRGB. PDF/X-3 with a CMYK intent forbids device RGB, so the
print stylesheet uses a CMYK palette (layouts/print/pdfx.css), this module converts images
with LittleCMS (Pillow's ImageCms) and draws the crop marks as a page background in CMYK.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import PIL
from PIL import Image, ImageCms, ImageOps

from pipeline.content import image_size
from pipeline.errors import BuildError, EnvironmentProblem
from pipeline.files import atomic_write

CACHE_FOLDER = Path(".cache") / "cmyk"
"""Under the project root, because WeasyPrint may only read files inside the project; in its
.cache, which a run makes before it reads anything: making a folder in the project root while a
build runs would change the folder a missing input (the published feed) is judged by, and that
build could not vouch for its outputs (`stamp.settled`)."""
JPEG_QUALITY = 92
CONVERSION = f"relative-colorimetric;bpc;jpeg-q{JPEG_QUALITY};4:4:4;{PIL.__version__}"
"""Part of each copy's cache key: changing how images are converted makes new copies."""
RASTER_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".tif", ".tiff", ".bmp"}
REGISTRATION = "device-cmyk(1 1 1 1)"
"""Crop marks print on every plate, so the printer can align the sheets by them."""
MARK_WIDTH = 0.5
"""Crop mark line width in points: a hairline that survives the press."""

_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")')
_CSS_URL = re.compile(r'(url\(")([^"]+)("\))')


@dataclass(frozen=True)
class Profile:
    """The printer's CMYK ICC profile, checked to be one (`load_profile`)."""

    data: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def color_profile_rule(path: Path) -> str:
    """The @color-profile rule that makes WeasyPrint write the PDF/X output intent.

    `components` is required: without it WeasyPrint 70 fails with a TypeError.
    """
    return (f'@color-profile device-cmyk {{ src: url("{path.resolve().as_uri()}"); '
            "components: cyan, magenta, yellow, black; }")


MAX_PROFILE_BYTES = 16 * 2**20
"""CMYK output profiles run from a few hundred KB to a few MB."""


def load_profile(path: Path) -> Profile:
    """Read and check the CMYK profile named in publication.toml."""
    setting = f'[print] cmyk_profile "{path}"'
    try:
        if path.exists() and not path.is_file():  # a device (/dev/zero) or a pipe would be
            raise EnvironmentProblem(f"{setting} is not a file")  # read without end
        with path.open("rb") as stream:
            data = stream.read(MAX_PROFILE_BYTES + 1)
        if len(data) > MAX_PROFILE_BYTES:
            raise EnvironmentProblem(f"{setting} is over {MAX_PROFILE_BYTES // 2**20} MB, too "
                                     "large for an ICC profile")
    except OSError:
        raise EnvironmentProblem(
            f"{setting} cannot be read; install Debian's libgs-common "
            '(scripts/system-deps.sh), name another CMYK profile or set color = "srgb"') from None
    try:
        space = ImageCms.ImageCmsProfile(io.BytesIO(data)).profile.xcolor_space
    except (OSError, ImageCms.PyCMSError):
        raise EnvironmentProblem(f"{setting} is not an ICC profile") from None
    if space.strip() != "CMYK":
        raise EnvironmentProblem(f"{setting} is a {space.strip()} profile, not a CMYK one")
    return Profile(data)


def cmyk_images(document: str, base: Path, root: Path, profile: Profile) -> str:
    """`document` with every raster image it places (img src, CSS url) pointing at a CMYK copy.

    Relative references are resolved against `base`; references outside the project, missing
    or unreadable files and non-images are left as they are (WeasyPrint and the gate report
    them, and preflight's PRN006 would catch an RGB image that slipped through).
    """
    def swap(match: re.Match[str]) -> str:
        copy = _copy_for(html.unescape(match.group(2)), base, root, profile)
        if copy is None:
            return match.group(0)
        return match.group(1) + html.escape(os.path.relpath(copy, base)) + match.group(3)

    return _CSS_URL.sub(swap, _IMG_SRC.sub(swap, document))


def _copy_for(reference: str, base: Path, root: Path, profile: Profile) -> Path | None:
    if ":" in reference.split("/", 1)[0]:
        return None  # data:, file:, http: ... never images of ours to convert
    source = (base / reference).resolve()
    if source.suffix.lower() not in RASTER_SUFFIXES or not source.is_file() \
            or not source.is_relative_to(root.resolve()):
        return None
    try:
        data = source.read_bytes()
    except OSError:
        return None
    key = hashlib.sha256(data + profile.digest.encode() + CONVERSION.encode()).hexdigest()
    target = root.resolve() / CACHE_FOLDER / f"{key[:40]}.jpg"
    if target.is_file():
        return target
    try:
        converted = to_cmyk_jpeg(data, profile)
    except (OSError, Image.DecompressionBombError, ImageCms.PyCMSError):
        return None
    try:
        atomic_write(target, converted)
    except OSError as exc:
        raise BuildError(f"{target.parent}: cannot write the CMYK copy of {reference} "
                         f"({exc.strerror or exc})") from None
    return target


def to_cmyk_jpeg(data: bytes, profile: Profile) -> bytes:
    """The image as a CMYK JPEG for the profile, as it looks on screen (EXIF orientation applied,
    transparency flattened on white paper, its own ICC profile honoured, else sRGB)."""
    unusable = image_size(io.BytesIO(data))
    if isinstance(unusable, str):  # never decoded (MED002 reports it)
        raise OSError(f"the image {unusable}")
    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened)
        embedded = opened.info.get("icc_profile")
        dpi = opened.info.get("dpi")
    if image.mode != "CMYK":
        source = ImageCms.ImageCmsProfile(io.BytesIO(embedded)) if embedded and \
            image.mode in ("RGB", "RGBA") else ImageCms.createProfile("sRGB")
        transform = ImageCms.buildTransform(
            source, ImageCms.ImageCmsProfile(io.BytesIO(profile.data)), "RGB", "CMYK",
            renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
            flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)
        image = transform.apply(_on_paper(image))
    out = io.BytesIO()
    options = {"dpi": dpi} if dpi else {}
    image.save(out, "JPEG", quality=JPEG_QUALITY, subsampling=0, **options)
    return out.getvalue()


def _on_paper(image: Image.Image) -> Image.Image:
    """RGB pixels: transparent areas become white, as they would print on white paper."""
    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, "white")
        return Image.alpha_composite(paper, rgba).convert("RGB")
    return image.convert("RGB")


def crop_marks_layer(width: float, height: float, bleed: float) -> str:
    """A CSS background layer for @page drawing crop marks in the bleed, in points.

    The same marks as WeasyPrint's `marks: crop` (at the trim lines, in the outer half of the
    bleed), but in registration CMYK instead of its hard-coded RGB black.
    """
    full_width, full_height, half = width + 2 * bleed, height + 2 * bleed, bleed / 2
    lines = []
    for y in (bleed, bleed + height):
        lines += [f"M0 {y}h{half}", f"M{full_width} {y}h-{half}"]
    for x in (bleed, bleed + width):
        lines += [f"M{x} 0v{half}", f"M{x} {full_height}v-{half}"]
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{full_width}pt" '
           f'height="{full_height}pt" viewBox="0 0 {full_width} {full_height}">'
           f'<path d="{" ".join(lines)}" fill="none" stroke="{REGISTRATION}" '
           f'stroke-width="{MARK_WIDTH}"/></svg>')
    return (f'url("data:image/svg+xml,{quote(svg)}") -{bleed}pt -{bleed}pt / '
            f"{full_width}pt {full_height}pt no-repeat fixed")
