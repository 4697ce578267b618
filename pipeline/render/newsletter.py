"""The edition's email newsletter: email-safe HTML (tables, inlined CSS), a plain-text part
written from the same content, and the MIME message with list headers (RFC 2369, 2919, 8058).

The HTML and text are rendered once with a placeholder for the reader's unsubscribe link;
`message` fills it in per recipient, so a send never re-renders templates.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import textwrap
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

import css_inline
import jinja2

from pipeline.errors import ConfigError
from pipeline.model import Edition
from pipeline.render import ArticleView, cover_lines, environment
from pipeline.render.web import IMAGE_WIDTHS, article_url, picture
from pipeline.settings import Newsletter as NewsletterSettings
from pipeline.settings import Settings

UNSUBSCRIBE = "https://unsubscribe.invalid/TOKEN"
"""Placeholder for the reader's own unsubscribe URL, replaced per recipient."""
PROOF_TOKEN = "proof"
"""Token in the built newsletter.eml, which is the proof copy, not a reader's."""
GMAIL_CLIP_BYTES = 102 * 1024
"""Gmail clips HTML bodies larger than this and hides the rest (and the unsubscribe link)."""
IMAGE_WIDTH = 560
"""Pixel width of images inside the 600px message column (20px padding each side)."""
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


@dataclass(frozen=True)
class Item:
    """One article as the newsletter shows it."""

    view: ArticleView
    url: str
    image_url: str | None
    image_height: int | None


@dataclass(frozen=True)
class Newsletter:
    edition: str
    subject: str
    preheader: str
    html: str
    """Inlined HTML with the UNSUBSCRIBE placeholder."""
    text: str
    """Plain text with the UNSUBSCRIBE placeholder."""
    date: dt.datetime
    settings: NewsletterSettings
    domain: str

    def message(self, to: str, token: str) -> EmailMessage:
        """The multipart/alternative message for one reader, with their unsubscribe link."""
        unsubscribe = self.settings.unsubscribe_url.format(token=token)
        message = EmailMessage(policy=_POLICY)
        message["From"] = self.settings.sender
        message["To"] = to
        message["Subject"] = self.subject
        message["Date"] = format_datetime(self.date)
        message["Message-ID"] = f"<{self.edition}.{token}@{self.domain}>"
        list_name = self.settings.sender.split("<")[0].strip()
        message["List-Id"] = f"{list_name} <{self.settings.list_id}>"
        mailto = f"mailto:{self.settings.unsubscribe_mailto}?subject=unsubscribe%20{token}"
        message["List-Unsubscribe"] = f"<{unsubscribe}>, <{mailto}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(self.text.replace(UNSUBSCRIBE, unsubscribe), cte="quoted-printable")
        message.add_alternative(self.html.replace(UNSUBSCRIBE, unsubscribe), subtype="html",
                                cte="quoted-printable")
        return message

    def files(self) -> dict[str, bytes]:
        """newsletter.html, .txt and .eml: the proof copy addressed to the list itself."""
        unsubscribe = self.settings.unsubscribe_url.format(token=PROOF_TOKEN)
        to = str(Address(addr_spec=parseaddr(self.settings.sender)[1]))
        return {
            "newsletter.html": self.html.replace(UNSUBSCRIBE, unsubscribe).encode(),
            "newsletter.txt": self.text.replace(UNSUBSCRIBE, unsubscribe).encode(),
            "newsletter.eml": self.message(to, PROOF_TOKEN).as_bytes(),
        }


_POLICY = policy.default.clone(max_line_length=998)
"""Headers are folded only past RFC 5322's hard limit: a List-Unsubscribe URL longer than the
default 78 was turned into RFC 2047 encoded words, which no mail client reads as a link."""


def unsubscribe_token(address: str, secret: str) -> str:
    """A reader's unguessable, stable token: HMAC of the address, so no table is needed."""
    digest = hmac.new(secret.encode(), address.strip().lower().encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:16]).decode().rstrip("=")


def render(edition: Edition, views: list[ArticleView], settings: Settings,
           layouts: Path) -> Newsletter:
    """The newsletter for one edition's published articles, in print order."""
    if settings.newsletter is None:
        raise ConfigError("publication.toml has no [newsletter] section (sender, list_id, "
                          "unsubscribe_url, unsubscribe_mailto)")
    manifest = edition.manifest
    assert manifest is not None, "only valid editions are sent"
    site = settings.site
    items = [_item(view, settings) for view in views]
    lines = cover_lines(edition, settings)
    # The subject leads with the first line that promotes no sponsored content.
    lead = next((line for line in lines if not line.label), None)
    subject = f"{site.title}, {manifest.title}: {lead.text}" if lead \
        else f"{site.title}, {manifest.title}"
    preheader = "; ".join(map(str, [line for line in lines if line is not lead][:3])) \
        or site.tagline
    context = {"site": site, "manifest": manifest, "items": items, "preheader": preheader,
               "cover_lines": lines,
               "unsubscribe": UNSUBSCRIBE, "image_width": IMAGE_WIDTH,
               "edition_url": f"{site.base_url}/editions/{edition.id}/", "subject": subject}
    html = environment(layouts / "newsletter", settings.root) \
        .get_template("newsletter.html.j2").render(context)
    text = _text_environment(layouts / "newsletter").get_template("newsletter.txt.j2") \
        .render(context)
    return Newsletter(
        edition=edition.id, subject=subject, preheader=preheader, html=_INLINER.inline(html),
        text=text, date=dt.datetime.combine(manifest.date, dt.time(7, 0), tzinfo=dt.UTC),
        settings=settings.newsletter, domain=parseaddr(settings.newsletter.sender)[1]
        .rpartition("@")[2] or "localhost",
    )


def _item(view: ArticleView, settings: Settings) -> Item:
    url = article_url(settings, view.slug)
    image = view.meta.image
    if image is None or "://" in image.src:
        return Item(view, url, None, None)
    folder = f"articles/{view.slug}/{Path(image.src).parent.as_posix()}/".replace("/./", "/")
    pic = picture(view.article.path.parent / image.src, folder, "", [], settings.root)
    if pic is None:
        return Item(view, url, None, None)
    # The smallest variant that stays sharp at the column width on most screens.
    wide = [(p, w) for p, w in pic.variants if w >= min(IMAGE_WIDTHS[1], pic.width)]
    path = wide[0][0] if wide else pic.src
    return Item(view, url, f"{settings.site.base_url}/{path}",
                round(pic.height * IMAGE_WIDTH / pic.width))


def _text_environment(folder: Path) -> jinja2.Environment:
    """Plain text is not HTML: no escaping; lines wrapped to 72 columns by `wrap`."""
    env = environment(folder, text=True)
    env.filters["wrap"] = lambda text, indent="": textwrap.fill(
        " ".join(str(text).split()), 72, initial_indent=indent, subsequent_indent=indent)
    env.filters["underline"] = lambda text, char="=": f"{text}\n{char * len(str(text))}"
    return env
