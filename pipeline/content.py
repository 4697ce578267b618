"""Read articles and editions from disk into the model, keeping source positions.

Nothing here raises for bad content: an unreadable file, broken YAML or an invalid
edition.toml becomes a `Problem` on the article or edition, which the checks report.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

import yaml
from pydantic import ValidationError

from pipeline.errors import ContentError, validation_problem
from pipeline.files import MAX_ARTICLE_BYTES, read_source
from pipeline.model import Article, Edition, Position, Problem, Project
from pipeline.root import markdown_files
from pipeline.schema import EditionManifest, FrontMatter
from pipeline.settings import toml_line

EDITION_ID = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_FENCE = re.compile(r"^---[ \t]*$", re.MULTILINE)


def read_article(path: Path, root: Path) -> bytes | Problem:
    """The bytes of an article file, or the SRC001 problem that kept them unread
    (`files.read_source`)."""
    read = read_source(path, root, MAX_ARTICLE_BYTES)
    return read if isinstance(read, bytes) else Problem("SRC001", read.reason, hint=read.hint)


def load_article(path: Path, root: Path, edition: str | None = None,
                 data: bytes | None = None) -> Article:
    """Read one article (or take its bytes as `read_article` read them, within the size
    limit); problems are recorded on it, never raised."""
    article = Article(
        path=path, display=_display(path, root), slug=path.stem, edition=edition
    )
    read = read_article(path, root) if data is None else data
    if isinstance(read, Problem):
        article.problem = read
        return article
    data = read
    nul = data.find(b"\0")
    if nul >= 0:
        article.problem, is_text = _nul_problem(data, nul)
        if is_text:  # shown with its lines
            article.text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        return article
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        article.problem = Problem(
            "SRC001",
            f"file is not UTF-8 (byte 0x{data[exc.start]:02x})",
            line=line,
            hint="Save the file as UTF-8.",
        )
        return article
    article.data = data
    article.text = text.replace("\r\n", "\n").replace("\r", "\n")
    _split_front_matter(article)
    return article


def _nul_problem(data: bytes, nul: int) -> tuple[Problem, bool]:
    """A file with NUL bytes: binary, unless it is text with a stray one (a bad paste), which
    is shown where it is; and whether it is text."""
    try:
        data.replace(b"\0", b"").decode("utf-8-sig")
    except UnicodeDecodeError:
        text = False
    else:
        text = data.count(b"\0") <= max(3, len(data) // 100)
    if not text:
        return Problem("SRC001", "file is binary, not a Markdown article",
                       hint="Check the file name."), False
    line_start = data.rfind(b"\n", 0, nul) + 1
    return Problem("SRC001", "file holds a NUL byte, an invisible control character",
                   line=data[:nul].count(b"\n") + 1,
                   column=len(data[line_start:nul].decode("utf-8", "replace")) + 1,
                   hint="Delete it (it came with a paste or a broken editor)."), True


def _split_front_matter(article: Article) -> None:
    text = article.text
    if not text.startswith("---"):
        article.body = text
        article.problem = Problem(
            "FM001",
            "no front matter: the article must start with a '---' line and YAML fields",
            hint="Run `pipeline new` to see the fields, or copy them from another article.",
        )
        return
    first_end = text.find("\n") + 1 if "\n" in text else len(text)
    closing = _FENCE.search(text, first_end)
    if closing is None:
        article.problem = Problem(
            "FM002", "front matter is not closed: add a '---' line after the YAML fields"
        )
        return
    yaml_text = text[first_end : closing.start()]
    body_start = text.find("\n", closing.end())
    body_start = len(text) if body_start == -1 else body_start + 1
    article.body = text[body_start:]
    article.body_line = text.count("\n", 0, body_start) + 1
    _parse_yaml(article, yaml_text)


def _parse_yaml(article: Article, yaml_text: str) -> None:
    # libyaml's parser when PyYAML has it: same safe constructors, marks and errors, 5x faster.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(yaml_text)
    try:
        node = loader.get_single_node()
        raw = loader.construct_document(node) if node is not None else {}
    except yaml.YAMLError as exc:
        # Point at the start of the unclosed construct when YAML knows it, else the problem.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        article.problem = Problem(
            "FM002",
            f"front matter is not valid YAML: {reason}",
            line=(mark.line + 2) if mark else 2,
            column=(mark.column + 1) if mark else 1,
            hint="Quote values that contain ':' or start with a special character.",
        )
        return
    except (ValueError, TypeError, RecursionError) as exc:
        # YAML that reads but holds no Python value: a date such as 2022-13-01.
        article.problem = _unbuildable(node, exc)
        return
    finally:
        loader.dispose()
    if not isinstance(raw, dict):
        article.problem = Problem("FM002", "front matter must be a mapping of `key: value` lines")
        return
    duplicates = []
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            key = str(key_node.value)
            if key in article.key_positions:  # YAML keeps the last value, silently
                duplicates.append({"type": "duplicate_key", "loc": (key,),
                                   "msg": "given twice; only the last value is used"})
            article.key_positions[key] = Position(
                key_node.start_mark.line + 2, key_node.start_mark.column + 1
            )
    # A key that is not text is named as YAML writes it (`null:`, not Python's `None`).
    article.raw_meta = {"null" if k is None else str(k): v for k, v in raw.items()}
    try:
        article.meta = FrontMatter.model_validate(article.raw_meta)
    except ValidationError as exc:
        article.meta_errors = [dict(err) for err in exc.errors()]
        if all(err["type"] == "extra_forbidden" for err in article.meta_errors):
            # Misspelt keys only (FM003): the rest is valid, and the rules judge it too
            # instead of going quiet until the typo is fixed.
            unknown = {str(err["loc"][0]) for err in article.meta_errors if err["loc"]}
            known = {k: v for k, v in article.raw_meta.items() if k not in unknown}
            with contextlib.suppress(ValidationError):
                article.meta = FrontMatter.model_validate(known)
    article.meta_errors += duplicates


def _unbuildable(node: yaml.Node | None, exc: Exception) -> Problem:
    """FM002 at the first timestamp of `node` that is no real date, else at the document."""
    reason = str(exc) or type(exc).__name__
    pending = [node] if node is not None else []  # a stack: document order
    while pending:
        current = pending.pop()
        if isinstance(current, yaml.ScalarNode):
            if current.tag.endswith(":timestamp"):
                try:
                    yaml.SafeLoader("").construct_yaml_timestamp(current)
                except ValueError as bad:
                    return Problem(
                        "FM002", f"front matter: {current.value} is not a date ({bad})",
                        line=current.start_mark.line + 2, column=current.start_mark.column + 1,
                        hint="Write dates as YYYY-MM-DD with a real month and day.")
        elif isinstance(current, yaml.SequenceNode):
            pending.extend(reversed(current.value))
        elif isinstance(current, yaml.MappingNode):
            pending.extend(reversed([child for pair in current.value for child in pair]))
    return Problem("FM002", f"front matter has a value that cannot be read: {reason}")


def load_edition(folder: Path, root: Path) -> Edition:
    """Read edition.toml and every article in the folder."""
    manifest_path = folder / "edition.toml"
    edition = Edition(id=folder.name, folder=folder, manifest_path=manifest_path)
    for path in sorted(folder.glob("*.md")):
        edition.articles[path.stem] = load_article(path, root, edition=folder.name)
    try:
        text = manifest_path.read_text(encoding="utf-8-sig")  # a byte-order mark is no error
        data = tomllib.loads(text)
    except FileNotFoundError:
        edition.problems.append(Problem("ED001", "edition.toml is missing"))
        return edition
    except (OSError, UnicodeDecodeError) as exc:
        edition.problems.append(Problem("ED001", f"edition.toml cannot be read: {exc}"))
        return edition
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(str(exc))
        edition.problems.append(Problem("ED001", f"edition.toml is not valid TOML: {exc}", line))
        return edition
    try:
        edition.manifest = EditionManifest.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            where, reason = validation_problem(err)
            edition.problems.append(
                Problem("ED001", f"edition.toml: `{where}`: {reason}",
                        toml_line(text, err["loc"]))
            )
    return edition


def _toml_error_line(message: str) -> int:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else 1


def load_project(root: Path) -> Project:
    """Every edition under articles/ and the web-only articles."""
    project = Project(root=root)
    articles = root / "articles"
    if not articles.is_dir():
        return project
    for folder in sorted(articles.iterdir()):
        if folder.is_dir() and EDITION_ID.match(folder.name):
            project.editions[folder.name] = load_edition(folder, root)
    web = articles / "web"
    if web.is_dir():
        for path in sorted(web.glob("*.md")):
            project.web_only[path.stem] = load_article(path, root)
    return project


def collect_paths(paths: list[Path], root: Path) -> list[Path]:
    """Markdown files named on the command line, folders searched recursively (see
    `markdown_files`)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(markdown_files(path))
        elif path.exists():
            found.append(path)
        else:
            raise ContentError(f"{path}: no such file or folder")
    return found


MAX_IMAGE_PIXELS = 89_478_485
"""Images with more pixels are refused (MED002) and never decoded: Pillow's own threshold for a
decompression bomb (a small file that unpacks to gigabytes), about a 100-megapixel photo."""


def image_size(path: Path | BinaryIO) -> tuple[int, int] | str:
    """(width, height) from the image header (Pillow decodes no pixel data), or why the file
    (or bytes) is no image the outputs can use. A file's header is read once while its size and
    modification time stay the same: MED002, MED003, the edition's cover check and the web's
    hero sizes all ask."""
    if isinstance(path, Path):
        try:
            stat = path.stat()
        except OSError as exc:
            return f"is not an image that can be read ({type(exc).__name__})"
        return _file_image_size(path, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns,
                                stat.st_ino)
    return _header_size(path)


@lru_cache(maxsize=1024)
def _file_image_size(path: Path, *state: int) -> tuple[int, int] | str:
    """`state`: size, mtime, ctime and inode (a copy with its mtime kept, `cp -p`, or a chmod
    changes the ctime)."""
    return _header_size(path)


_TAIL = 64
"""The last bytes of a PNG looked at for its IEND chunk."""


def _cut_short(image: Any) -> bool:
    """Whether a JPEG or PNG file ends before its image does (an interrupted copy or download:
    it opens, and prints with a grey band where it stops). A PNG ends with its IEND chunk; a
    JPEG is decoded at an eighth of its size (a few milliseconds: the whole entropy-coded data
    is read, not the pixels made), since phones write data after its end marker (motion
    photos)."""
    stream = image.fp
    if image.format == "PNG" and stream is not None:
        stream.seek(max(0, stream.seek(0, 2) - _TAIL))
        return b"IEND" not in stream.read(_TAIL)
    if image.format == "JPEG":
        from PIL import ImageFile

        width, height = image.size
        image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
        # WeasyPrint, once imported, lets Pillow fill a cut image with grey: not here.
        tolerant, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            image.load()
        except OSError:  # "image file is truncated"
            return True
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = tolerant
    return False


def _header_size(path: Path | BinaryIO) -> tuple[int, int] | str:
    from PIL import Image, UnidentifiedImageError  # only what has images needs it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # judged below
            with Image.open(path) as image:
                width, height = image.size
                if _cut_short(image):
                    return "is cut short (it ends before the image does: copy it again)"
    except Image.DecompressionBombError:
        return f"has more than {MAX_IMAGE_PIXELS / 1e6:.0f} million pixels"
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        return f"is not an image that can be read ({type(exc).__name__})"
    if width * height > MAX_IMAGE_PIXELS:
        return (f"is {width}x{height} pixels, over the {MAX_IMAGE_PIXELS / 1e6:.0f} million "
                "an image may have")
    return width, height


def project_file(path: Path, root: Path) -> Path | None:
    """The resolved file if it exists inside the project, else None: article content (images
    above all) may make the pipeline read nothing outside the project."""
    resolved = path.resolve()
    return resolved if resolved.is_relative_to(root.resolve()) and resolved.is_file() else None


def _display(path: Path, root: Path) -> str:
    """The path as findings show it: relative to the project when inside it."""
    if path.is_absolute() and ".." not in path.parts and path.is_relative_to(root):
        return str(path.relative_to(root))  # already spelled from the root: no file system call
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def front_matter_schema() -> dict[str, Any]:
    """JSON Schema of the article front matter, for editors' tooling."""
    schema = FrontMatter.model_json_schema()
    schema["title"] = "Article front matter"
    return schema
