"""Print colour: the CMYK output profile and CMYK copies of placed images.

WeasyPrint 70 writes a PDF/X output intent from `@color-profile device-cmyk` but converts
nothing: CSS colours keep their colour space, raster images are embedded as they are, and its
own crop marks are stroked in DeviceRGB. PDF/X-3 with a CMYK intent forbids device RGB, so the
print stylesheet uses a CMYK palette (layouts/print/pdfx.css), this module converts images
with LittleCMS (Pillow's ImageCms), and the crop marks are drawn in CMYK (`marks`).

WeasyPrint embeds an image of 16 bits per channel as if it had 8, so RGB PDFs get 8-bit copies
of those (`embeddable_images`), and the CMYK copies are made from 8 bits too.
"""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import PIL
from PIL import Image, ImageCms, ImageOps

from pipeline.content import image_size
from pipeline.errors import BuildError, EnvironmentProblem
from pipeline.files import atomic_write

CACHE_FOLDER = Path(".cache") / "print-images"
"""Where the PDFs' copies of images are kept (CMYK copies, 8-bit copies). Under the project
root, because WeasyPrint may only read files inside the project; in its .cache, which a run
makes before it reads anything: making a folder in the project root while a build runs would
change the folder a missing input (the published feed) is judged by, and that build could not
vouch for its outputs (`stamp.settled`)."""
JPEG_QUALITY = 92
CONVERSION = f"relative-colorimetric;bpc;jpeg-q{JPEG_QUALITY};4:4:4;8-bit;{PIL.__version__}"
RASTER_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".tif", ".tiff", ".bmp"}

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
    return _placed_copies(document, base, root, _Copier(
        lambda data: to_cmyk_jpeg(data, profile), profile.digest + CONVERSION, ".jpg"))


def embeddable_images(document: str, base: Path, root: Path) -> str:
    """`document` for an RGB PDF (the screen PDF, an sRGB proof): the images WeasyPrint would
    embed wrongly point at an 8-bit copy (`eight_bit_png`), the others stay as they are."""
    return _placed_copies(document, base, root, _Copier(eight_bit_png, EIGHT_BIT, ".png"))


@dataclass(frozen=True)
class _Copier:
    convert: Callable[[bytes], bytes | None]
    """The copy's bytes, or None where the image serves as it is."""
    key: str
    """Part of each copy's cache key: changing how images are converted makes new copies."""
    suffix: str


def _placed_copies(document: str, base: Path, root: Path, copier: _Copier) -> str:
    def swap(match: re.Match[str]) -> str:
        copy = _copy_for(html.unescape(match.group(2)), base, root, copier)
        if copy is None:
            return match.group(0)
        return match.group(1) + html.escape(os.path.relpath(copy, base)) + match.group(3)

    return _CSS_URL.sub(swap, _IMG_SRC.sub(swap, document))


def _copy_for(reference: str, base: Path, root: Path, copier: _Copier) -> Path | None:
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
    key = hashlib.sha256(data + copier.key.encode()).hexdigest()
    target = root.resolve() / CACHE_FOLDER / f"{key[:40]}{copier.suffix}"
    if target.is_file():
        return target
    try:
        converted = copier.convert(data)
    except (OSError, Image.DecompressionBombError, ImageCms.PyCMSError):
        return None
    if converted is None:
        return None
    try:
        atomic_write(target, converted)
    except OSError as exc:
        raise BuildError(f"{target.parent}: cannot write the print copy of {reference} "
                         f"({exc.strerror or exc})") from None
    return target


EIGHT_BIT = f"8-bit;png;{PIL.__version__}"
_EMBEDDABLE = frozenset({"1", "L", "LA", "P", "RGB", "RGBA", "CMYK"})
"""Pillow modes WeasyPrint 70 embeds faithfully (it converts "1" and "P" to RGB itself).
Others it writes as 8-bit RGB whatever their layout: a 16-bit grey PNG (I;16) prints as noise."""


def eight_bit(image: Image.Image) -> Image.Image:
    """The image with 8 bits per channel. Pillow reads a 16-bit grey PNG as I;16 (0-65535), and
    its own `convert` clips such values at 255 instead of scaling them: converted as it is, the
    picture would come out white."""
    if not image.mode.startswith("I"):
        return image
    top = image.getextrema()[1]
    if image.mode == "I" and isinstance(top, int) and top <= 255:
        return image.convert("L")  # 32-bit samples of 8-bit values
    return image.convert("I").point(lambda value: value / 257).convert("L")


def eight_bit_png(data: bytes) -> bytes | None:
    """A PNG copy of an image WeasyPrint cannot embed as it is (`_EMBEDDABLE`), in 8 bits per
    channel; None for the others. A copy keeps the pixels' orientation, transparency, ICC
    profile and resolution."""
    with Image.open(io.BytesIO(data)) as opened:
        if opened.mode in _EMBEDDABLE:
            return None
        if isinstance(image_size(io.BytesIO(data)), str):  # never decoded (MED002 reports it)
            return None
        image = eight_bit(ImageOps.exif_transpose(opened))
        info = opened.info
    if image.mode not in _EMBEDDABLE:
        image = image.convert("RGBA" if "A" in image.mode or "transparency" in info else "RGB")
    options = {key: info[key] for key in ("icc_profile", "dpi") if info.get(key)}
    if image.mode not in ("RGB", "RGBA"):
        options.pop("icc_profile", None)  # an RGB profile on a grey copy would be wrong
    out = io.BytesIO()
    image.save(out, "PNG", **options)
    return out.getvalue()


def to_cmyk_jpeg(data: bytes, profile: Profile) -> bytes:
    """The image as a CMYK JPEG for the profile, as it looks on screen (EXIF orientation applied,
    transparency flattened on white paper, its own ICC profile honoured, else sRGB)."""
    unusable = image_size(io.BytesIO(data))
    if isinstance(unusable, str):  # never decoded (MED002 reports it)
        raise OSError(f"the image {unusable}")
    with Image.open(io.BytesIO(data)) as opened:
        image = eight_bit(ImageOps.exif_transpose(opened))
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
