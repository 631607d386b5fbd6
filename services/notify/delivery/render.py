"""Render alerts as email (text + HTML, from autoescaped templates), Telegram HTML, and plain chat text.

Every article field is escaped here; a single alert and a digest share the same layout.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from services.notify.delivery.view import StoryView, clip, group_stories, one_line, story_view
from shared.models import Alert

MAX_SUBJECT_CHARS = 200
MAX_TITLE_CHARS = 300
MAX_WHY_CHARS = 200
MAX_EMAIL_STORIES = 100
TELEGRAM_LIMIT = 4_096
TELEGRAM_BUDGET = 3_900
"""Visible characters we allow ourselves, under Telegram's limit measured after entity parsing."""

_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class EmailContent:
    """A rendered email before headers: one-line subject, text part, HTML part."""

    subject: str
    text: str
    html: str


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("services.notify.delivery", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,  # packaged templates never change while running: no stat() per message
    )


_ENV = _environment()


def subject(rule: str, alerts: list[Alert]) -> str:
    """``[rule] title`` for one alert, ``[rule] N stories: first title`` for a digest; one line, capped."""
    return _subject(rule, group_stories(alerts))


def _subject(rule: str, groups: list[tuple[Alert, tuple[str, ...]]]) -> str:
    lead = one_line(groups[0][0].tagged.article.title) or one_line(groups[0][0].tagged.article.text)[:80]
    head = f"[{one_line(rule)}] "
    if len(groups) > 1:
        head += f"{len(groups)} stories: "
    return clip(head + lead, MAX_SUBJECT_CHARS)


def _views(alerts: list[Alert], zone: ZoneInfo, limit: int) -> tuple[list[StoryView], int]:
    return _grouped_views(group_stories(alerts), zone, limit)


def _grouped_views(
    groups: list[tuple[Alert, tuple[str, ...]]], zone: ZoneInfo, limit: int
) -> tuple[list[StoryView], int]:
    views = [_capped(story_view(a, zone, also)) for a, also in groups[:limit]]
    return views, max(len(groups) - limit, 0)


def _capped(view: StoryView) -> StoryView:
    return StoryView(
        rule=clip(view.rule, MAX_TITLE_CHARS),
        title=clip(view.title, MAX_TITLE_CHARS),
        url=view.url,
        source=clip(view.source, 120),
        published=view.published,
        lang=view.lang,
        why=tuple(clip(w, MAX_WHY_CHARS) for w in view.why),
        snippet=view.snippet,
        also=tuple(clip(a, 60) for a in view.also[:10]),
    )


def email_content(rule: str, alerts: list[Alert], zone: ZoneInfo, unsubscribe_url: str | None = None) -> EmailContent:
    """Render one alert, or a digest of several, as a subject with text and HTML bodies."""
    context = _context(rule, alerts, zone, unsubscribe_url)
    text = _ENV.get_template("email.txt.j2").render(context)
    body = _ENV.get_template("email.html.j2").render(context)
    return EmailContent(subject=str(context["subject"]), text=text, html=body)


def _context(rule: str, alerts: list[Alert], zone: ZoneInfo, unsubscribe_url: str | None) -> dict[str, object]:
    groups = group_stories(alerts)
    views, more = _grouped_views(groups, zone, MAX_EMAIL_STORIES)
    subj = _subject(rule, groups)
    return {"stories": views, "more": more, "rule": one_line(rule), "subject": subj, "unsubscribe_url": unsubscribe_url}


def email_message(
    content: EmailContent,
    *,
    sender: str,
    recipient: str,
    message_id: str,
    date: datetime,
    unsubscribe_url: str | None = None,
) -> EmailMessage:
    """Assemble the MIME message: one recipient, stable Message-ID, RFC 3834 and RFC 8058 headers."""
    msg = EmailMessage()
    msg["From"] = Address("newsalert", addr_spec=sender)
    msg["To"] = Address(addr_spec=recipient)
    msg["Subject"] = content.subject
    msg["Date"] = format_datetime(date)
    domain = sender.rpartition("@")[2] or "newsalert.invalid"
    msg["Message-ID"] = f"<{re.sub(r'[^A-Za-z0-9.-]', '', message_id)}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(content.text)
    msg.add_alternative(content.html, subtype="html")
    return msg


def visible_length(markup: str) -> int:
    """Length of Telegram HTML after entity parsing, in UTF-16 code units as Telegram counts."""
    return len(html.unescape(_TAG.sub("", markup)).encode("utf-16-le")) // 2


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _telegram_story(view: StoryView, snippet: bool = True) -> str:
    title = f"<b>{_esc(view.title)}</b>"
    lines = [f'<a href="{html.escape(view.url, quote=True)}">{title}</a>' if view.url else title]
    meta = " · ".join(p for p in (view.source, view.published, view.lang) if p)
    if meta:
        lines.append(_esc(meta))
    if view.also:
        lines.append(f"Also: {_esc(', '.join(view.also))}")
    if view.why:
        lines.append(f"<i>Why:</i> {_esc('; '.join(view.why))}")
    if snippet and view.snippet:
        lines.append("".join(f"<b>{_esc(t)}</b>" if hit else _esc(t) for t, hit in view.snippet))
    return "\n".join(lines)


def telegram_html(rule: str, alerts: list[Alert], zone: ZoneInfo) -> str:
    """Render Telegram HTML within the visible-length budget; stories that do not fit are counted."""
    views, more = _views(alerts, zone, MAX_EMAIL_STORIES)
    head = f"<b>🔔 {_esc(clip(one_line(rule), MAX_TITLE_CHARS))}</b>"
    blocks: list[str] = []
    for view in views:
        block = _telegram_story(view, snippet=len(views) == 1)
        if visible_length("\n\n".join([head, *blocks, block])) > TELEGRAM_BUDGET:
            if not blocks:
                blocks.append(_telegram_story(view, snippet=False))
                continue
            more += len(views) - len(blocks)
            break
        blocks.append(block)
    tail = [f"… and {more} more."] if more else []
    return "\n\n".join([head, *blocks, *tail])


def plain_text(rule: str, alerts: list[Alert], zone: ZoneInfo) -> tuple[str, str]:
    """Title and text body for chat services other than Telegram (sent as TEXT, escaped by apprise)."""
    groups = group_stories(alerts)
    views, more = _grouped_views(groups, zone, MAX_EMAIL_STORIES)
    return _subject(rule, groups), text_body(views, more, one_line(rule))


def _text_story(view: StoryView) -> str:
    lines = [view.title]
    if view.url:
        lines.append(view.url)
    lines.append(" · ".join(p for p in (view.source, view.published, view.lang) if p))
    if view.also:
        lines.append(f"Also reported by: {', '.join(view.also)}")
    if view.why:
        lines.append(f"Why: {'; '.join(view.why)}")
    if view.snippet:
        lines += ["", "".join(f"*{t}*" if hit else t for t, hit in view.snippet)]
    return "\n".join(lines) + "\n\n"


def text_body(views: list[StoryView], more: int, rule: str) -> str:
    """The email text part's layout (``email.txt.j2`` without its unsubscribe line; held equal by tests),
    in plain Python: a chat message needs no template engine."""
    parts = ["----\n".join(_text_story(v) for v in views)]
    if more:
        parts.append(f"… and {more} more.\n")
    parts.append(f"\n--\nRule: {rule}\n")
    return "".join(parts)
