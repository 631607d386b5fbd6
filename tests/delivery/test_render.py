"""Rendering: escaped everywhere, one-line subjects, the why line, highlights, Telegram's length limit."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from services.notify.delivery import render
from services.notify.delivery.view import snippet, why_lines
from shared.models import Alert, Mention, TermEvidence
from tests.delivery.factory import ENGLISH_TEXT, ENGLISH_TITLE, HOSTILE_TITLE, alert

NIAMEY = ZoneInfo("Africa/Niamey")


def test_email_of_hostile_title_is_escaped_and_on_one_subject_line() -> None:
    content = render.email_content("aes-russia", [alert(title=HOSTILE_TITLE)], NIAMEY)
    assert "\r" not in content.subject
    assert "\n" not in content.subject
    assert content.subject.startswith("[aes-russia] </b><script>")
    assert "<script>" not in content.html
    assert "javascript:x" not in content.html.replace("javascript:x&#34;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;a href=&#34;javascript:x&#34;&gt;Hi Bcc:" in content.html
    message = render.email_message(
        content, sender="a@newsalert.test", recipient="r@example.test", message_id="x1", date=datetime.now(UTC)
    )
    assert message.get_all("Bcc") is None
    assert message.get_all("To") == ["r@example.test"]


def test_subject_is_capped_at_200_characters_without_controls() -> None:
    long_title = "Sahel\x00 \u2028" + "très long titre " * 40
    subject = render.subject("rule\tname", [alert(title=long_title)])
    assert 190 <= len(subject) <= 200
    assert subject.endswith("…")
    assert all(c.isprintable() for c in subject)
    assert subject.startswith("[rule name] Sahel très")


def test_email_says_why_and_links_the_article() -> None:
    content = render.email_content("aes-russia", [alert()], NIAMEY, "https://alerts.test/unsubscribe/t")
    assert "Why: Russia: 'Russie' in the title, 'Moscou' in the text; AES: 'AES' in the text" in content.text
    assert '<a href="https://www.aniamey.com/article/russie-aes.html">' in content.html
    assert "<mark>Moscou</mark>" in content.html
    assert "*Moscou*" in content.text
    assert "2026-11-27 09:30 WAT" in content.text  # 08:30 UTC in Niamey's zone
    assert "https://alerts.test/unsubscribe/t" in content.text


def test_email_headers_are_stable_and_unsubscribable() -> None:
    content = render.email_content("aes-russia", [alert()], NIAMEY)
    kwargs = {"sender": "alerts@newsalert.test", "recipient": "r@example.test", "date": datetime.now(UTC)}
    first = render.email_message(content, message_id="abc", unsubscribe_url="https://a.test/u/t", **kwargs)
    again = render.email_message(content, message_id="abc", **kwargs)
    assert first["Message-ID"] == again["Message-ID"] == "<abc@newsalert.test>"
    assert first["Auto-Submitted"] == "auto-generated"
    assert first["List-Unsubscribe"] == "<https://a.test/u/t>"
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert again["List-Unsubscribe"] is None
    assert [p.get_content_type() for p in first.iter_parts()] == ["text/plain", "text/html"]


def test_telegram_html_escapes_every_article_field() -> None:
    hostile = alert(title=HOSTILE_TITLE, source="<i>evil</i>.example", url='https://x.test/a?b=1&c="2"')
    text = render.telegram_html("<b>rule</b>", [hostile], NIAMEY)
    assert "<script>" not in text
    assert "<i>evil" not in text
    assert "<b>rule</b>" not in text
    assert "&lt;script&gt;" in text
    assert "&lt;b&gt;rule&lt;/b&gt;" in text
    assert '<a href="https://x.test/a?b=1&amp;c=&quot;2&quot;">' in text


def test_telegram_digest_stays_within_the_limit_and_counts_the_rest() -> None:
    alerts = [
        alert(story=f"story-{i}", seed=f"s{i}", title=f"{ENGLISH_TITLE} ({i})" + " — analyse" * 25, text=ENGLISH_TEXT)
        for i in range(60)
    ]
    text = render.telegram_html("aes-russia", alerts, NIAMEY)
    assert render.visible_length(text) <= render.TELEGRAM_LIMIT
    assert text.rstrip().endswith("more.")


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        ((), ()),
        (
            (TermEvidence(term="lang:fr", kind="lang", ref="fr", held=True),),
            ("lang:fr",),
        ),
        (
            (
                TermEvidence(term="Mali", kind="actor", ref="mali", held=False),
                TermEvidence(term="coup", kind="keyword", ref="coup", held=True, negated=True),
            ),
            ("not coup: absent",),
        ),
        (
            (
                TermEvidence(
                    term="Russia",
                    kind="actor",
                    ref="russia",
                    held=True,
                    mentions=(
                        Mention(field="title", start=0, end=8, text="Moscou\n"),
                        Mention(field="text", start=0, end=8, text="Kremlin"),
                        Mention(field="text", start=9, end=15, text="Kremlin"),
                    ),
                ),
            ),
            ("Russia: 'Moscou' in the title, 'Kremlin' in the text",),
        ),
    ],
)
def test_why_lines(terms: tuple[TermEvidence, ...], expected: tuple[str, ...]) -> None:
    assert why_lines(terms) == expected


def test_snippet_highlights_matches_even_when_offsets_drift() -> None:
    text = "Le sommet de Bamako réunira les dirigeants. Moscou enverra une délégation."
    why = (
        TermEvidence(
            term="Russia",
            kind="actor",
            ref="russia",
            held=True,
            mentions=(Mention(field="text", start=3, end=9, text="Moscou"),),  # wrong offsets: found by text
        ),
    )
    segments = snippet(text, why)
    assert ("Moscou", True) in segments
    assert "".join(t for t, _ in segments) == text


def test_digest_lists_the_most_relevant_story_first() -> None:
    weak = alert(story="weak", seed="w", title=ENGLISH_TITLE, text=ENGLISH_TEXT)  # no evidence at all
    strong = alert(story="strong", seed="s")  # Russia in title and text, AES in text
    content = render.email_content("aes-russia", [weak, strong], NIAMEY)
    assert content.subject.startswith("[aes-russia] 2 stories: Niamey : la Russie")
    assert content.text.index("Niamey : la Russie") < content.text.index(ENGLISH_TITLE)


def _digest(n: int) -> list[Alert]:
    return [
        alert(story=f"story-{i}", seed=f"d{i}", title=f"{ENGLISH_TITLE} ({i})", text=ENGLISH_TEXT) for i in range(n)
    ]


@pytest.mark.parametrize(
    "alerts",
    [
        [alert()],
        [alert(title=HOSTILE_TITLE, url=None, source="")],
        [alert(text="")],  # no snippet
        [alert(title=ENGLISH_TITLE, text=ENGLISH_TEXT)],  # no evidence: no why line
        [alert(seed="a"), alert(seed="b", source="rfi.fr"), alert(seed="c", source="lemonde.fr", story="other")],
        _digest(render.MAX_EMAIL_STORIES + 2),  # "… and 2 more."
    ],
)
def test_chat_text_is_the_email_text_without_a_template(alerts: list[Alert]) -> None:
    title, body = render.plain_text("aes\trussia", alerts, NIAMEY)
    content = render.email_content("aes\trussia", alerts, NIAMEY)
    assert (title, body) == (content.subject, content.text)
