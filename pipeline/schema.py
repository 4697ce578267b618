"""Schemas of what writers and editors type: article front matter and edition.toml.

`pipeline schema` exports FrontMatter as JSON Schema so editors' editors can validate and complete.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)


def _one_line(value: str) -> str:
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise ValueError("must be one line, without line breaks or control characters")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1),
                 AfterValidator(_one_line)]
"""One line of text: titles, names, sections (they end up in headers, file names, <title>)."""
Tag = Annotated[Text, StringConstraints(max_length=60)]
"""A topic: its page's address is made from it, so it is a few words, not a sentence."""
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class ImageRef(_Strict):
    src: Text
    """Path relative to the article's folder, e.g. images/ldn.jpg."""
    alt: str = ""
    """Text alternative for readers who cannot see the image (MED001 when empty)."""
    credit: str = ""
    """Photographer or source, printed beside the image."""
    caption: str = ""
    """Optional caption."""


class Sponsor(_Strict):
    name: Text
    """The business that paid for the piece, named in the sponsor label."""
    url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    """The sponsor's web site."""
    phone: str | None = None
    """The sponsor's phone number as it should be printed."""


class FrontMatter(_Strict):
    """The YAML block at the top of every article."""

    title: Text
    """Headline."""
    dek: str = ""
    """One-sentence standfirst under the headline."""
    authors: Annotated[list[Text], Field(min_length=1)]
    """People who wrote the piece; `author: "..."` is accepted as a one-item list."""
    date: dt.date
    """Publication date (YYYY-MM-DD)."""
    section: Text
    """Magazine section, e.g. "Healing Ways"; running heads and section pages use it."""
    kind: Text = "article"
    """A kind defined in publication.toml (feature, column, brief, advertorial, ...)."""
    tags: list[Tag] = []
    """Topics for tag pages and feed categories (up to 60 characters each)."""
    summary: str = ""
    """One or two sentences for listings, feeds and the newsletter."""
    image: ImageRef | None = None
    """Hero image."""
    sponsor: Sponsor | None = None
    """Required for sponsored kinds (advertorial)."""
    disclaimers: list[Text] = []
    """Ids of canonical disclaimer texts in publication.toml, e.g. [medical, sponsored]."""
    reviewed_by: str | None = None
    """Medical reviewer, with credentials."""
    id: Annotated[str, Field(min_length=8, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")] | None = None
    """Stable identifier; feeds use it as the item GUID. `pipeline new` writes a UUID."""
    draft: bool = False
    """Drafts are checked but never published."""

    @model_validator(mode="before")
    @classmethod
    def _author_alias(cls, data: Any) -> Any:
        if isinstance(data, dict) and "author" in data and "authors" not in data:
            data = dict(data)
            author = data.pop("author")
            data["authors"] = [author] if isinstance(author, str) else author
        return data


FRONT_MATTER_FIELDS = set(FrontMatter.model_fields) | {"author"}


class CoverLine(_Strict):
    text: Text
    article: Slug | None = None
    """The article the line promotes: where it is sponsored, the line carries the sponsor
    label on the cover, the site and in the newsletter."""

    def __str__(self) -> str:
        return self.text


class Cover(_Strict):
    image: Text
    """Cover photo, relative to the edition folder; printed to the bleed."""
    alt: str = ""
    credit: str = ""
    lines: list[CoverLine] = []
    """Cover lines (teasers) printed on the cover: each a text, or a table naming the article
    it promotes (`{text = "...", article = "slug"}`)."""

    @field_validator("lines", mode="before")
    @classmethod
    def _texts_are_lines(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        return [{"text": line} if isinstance(line, str) else line for line in value]
    masthead: Literal["light", "dark"] = "light"
    """Ink of the masthead and issue line: light on a dark photo, dark on a light one."""


class Ad(_Strict):
    name: Text
    """Advertiser or house-ad name, listed in the advertiser index."""
    size: Literal["full", "half", "quarter"] = "full"
    image: str | None = None
    """Finished artwork relative to the edition folder; without it `text` is set in type."""
    text: str = ""
    url: str | None = None
    after: Slug | None = None
    """Print the ad right after this article (a half or quarter ad shares the article's last
    page when it fits); without it the ad goes to the back of the book."""


class PageBudget(_Strict):
    """Pages the edition, and each article named, may fill (PRN005)."""

    edition: Annotated[int, Field(ge=4)] | None = None
    """The whole edition's printed pages."""
    articles: dict[Slug, Annotated[int, Field(ge=1)]] = {}
    """Pages an article may fill, from its first page up to the next piece, by slug."""


class EditionManifest(_Strict):
    """articles/<edition>/edition.toml."""

    title: Text
    date: dt.date
    volume: Annotated[int, Field(ge=1)]
    number: Annotated[int, Field(ge=1)]
    cover: Cover
    order: Annotated[list[Slug], Field(min_length=1)]
    """Article slugs in print order, grouped by section."""
    ads: list[Ad] = []
    page_budget: Annotated[int, Field(ge=4)] | PageBudget | None = None
    """Maximum printed pages (`page_budget = 24`), or a table with the edition's (`edition`)
    and each article's (`articles = {slug = 4}`); over it is PRN005."""

    def budget(self) -> PageBudget:
        """`page_budget` in its table form, whichever form edition.toml uses."""
        if isinstance(self.page_budget, PageBudget):
            return self.page_budget
        return PageBudget(edition=self.page_budget)
