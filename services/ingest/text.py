"""Clean text out of feed and page markup: charset repair, tags and entities gone, boilerplate dropped."""

from __future__ import annotations

import codecs
import re

import lxml.html  # type: ignore[import-untyped]
from lxml import etree

BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section"}
)
DROP_TAGS = ("script", "style", "noscript", "iframe", "form", "button", "figure", "figcaption")
BOILERPLATE = re.compile(
    r"^\s*(?:"
    r"(?:photo|cr[ée]dit(?:s)? photo|photo credit|image|illustration)\s*[:©/-].{0,100}"
    r"|©.{0,100}"
    r"|(?:publi[ée]|mis à jour|updated|published)(?: le| on)?\s*:?\s*\d.{0,60}"
    r"|(?:partager|share(?: this)?|suivez-nous|follow us)\b.{0,80}"
    r"|(?:laisser|laissez|leave|ajouter|add) (?:un |a )?(?:commentaire|comment|reply|réponse).{0,60}"
    r"|(?:à lire aussi|lire aussi|read also|read more|see also)\s*:?.{0,120}"
    r")\s*$",
    re.IGNORECASE,
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u200b-\u200d\ufeff]")
_LANG = re.compile(r"^[A-Za-z]{2,3}")


def _charset(name: str | None) -> str | None:
    if not name:
        return None
    try:
        found = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
    # WHATWG: pages labelled Latin-1 are decoded as windows-1252, a superset used in practice
    return "cp1252" if found in ("iso8859-1", "latin-1", "ascii") else found


def decode_html(body: bytes, content_type: str = "") -> str:
    """Decode a page: BOM, then the declared charsets, then UTF-8; windows-1252 when all of them lie."""
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", errors="replace")
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode(name, errors="replace")
    header = re.search(r"charset\s*=\s*([^\s;]+)", content_type, re.IGNORECASE)
    meta = _META_CHARSET.search(body[:4096])
    candidates: list[str | None] = [
        _charset(header.group(1) if header else None),
        _charset(meta.group(1).decode("ascii") if meta else None),
        "utf-8",
    ]
    for candidate in candidates:
        if candidate is None:
            continue
        try:
            return body.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("cp1252", errors="replace")


def tidy(text: str) -> str:
    """Collapse spaces within lines and blank runs between them; drop control characters."""
    text = _CONTROLS.sub("", text.replace("\u2028", "\n").replace("\u2029", "\n"))
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def one_line(text: str) -> str:
    """Turn a text into a single tidy line (titles)."""
    return " ".join(tidy(text).split())


def html_to_text(fragment: str) -> str:
    """Turn an HTML fragment (feed summary or content) into plain text, entities decoded."""
    if "<" not in fragment and "&" not in fragment:
        return tidy(fragment)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return tidy(fragment)
    for bad in root.iter(*DROP_TAGS):
        bad.drop_tree()
    for element in root.iter(*BLOCK_TAGS):
        element.tail = "\n" + (element.tail or "")
    return tidy(root.text_content())


def without_boilerplate(text: str, title: str = "") -> str:
    """Drop share prompts, photo credits, "published on" lines and a repeated title from a text."""
    wanted = one_line(title).casefold()
    kept = [
        line
        for line in text.split("\n")
        if not (len(line) < 160 and BOILERPLATE.match(line)) and not (wanted and line.casefold() == wanted)
    ]
    return tidy("\n".join(kept))


def language(tag: str | None) -> str | None:
    """Reduce a language tag (``fr-FR``, ``en_GB``) to its lower-case primary subtag."""
    if not tag:
        return None
    match = _LANG.match(tag.strip())
    return match.group(0).lower() if match else None
