"""Readable plain text from the HTML of an e-mail, with the stdlib only.

Half of the mail a support desk gets is HTML-only (web forms, Outlook,
phones). The duty lead needs the words, the paragraph breaks, list items
and where links point, not a renderer: script, style and head content is
dropped, block elements become line breaks, and a link whose text hides
its target shows the target too, so a suspicious link is visible as such.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["html_to_text"]

_DROP = {"script", "style", "head", "title", "template", "noembed", "noframes", "xml"}
_BLOCK = {
    "address", "article", "aside", "blockquote", "center", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header",
    "main", "nav", "ol", "section", "summary", "table", "tbody", "tfoot", "thead", "ul",
}
_PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)


def meta_charset(data: bytes) -> str | None:
    """The charset an HTML document declares in a <meta> tag, if any."""
    match = _META_CHARSET.search(data[:8192])
    return match.group(1).decode("ascii") if match else None


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.drop_depth = 0
        self.pre_depth = 0
        self.links: list[tuple[str, int]] = []  # (href, position in out)
        self.has_text = False

    def _newline(self, count: int = 1) -> None:
        if not self.has_text:
            return
        tail = "".join(self.out[-4:]).rstrip(" ")
        have = len(tail) - len(tail.rstrip("\n"))
        if have < count:
            self.out.append("\n" * (count - have))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            if tag not in _VOID:
                self.drop_depth += 1
            return
        if self.drop_depth:
            return
        if tag == "br":
            self.out.append("\n")
        elif tag == "hr":
            self._newline()
            self.out.append("----\n")
        elif tag in _PARAGRAPH:
            self._newline(2)
            if tag == "pre":
                self.pre_depth += 1
        elif tag == "li":
            self._newline()
            self.out.append("- ")
        elif tag == "tr":
            self._newline()
        elif tag in ("td", "th"):
            if self.out and not self.out[-1].endswith(("\n", " ")):
                self.out.append(" ")
        elif tag in _BLOCK:
            self._newline()
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append((href.strip(), len(self.out)))
        elif tag == "img":
            alt = (dict(attrs).get("alt") or "").strip()
            if alt:
                self.out.append(f"[{alt}]")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            return
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            if self.drop_depth:
                self.drop_depth -= 1
            return
        if self.drop_depth:
            return
        if tag in _PARAGRAPH:
            if tag == "pre" and self.pre_depth:
                self.pre_depth -= 1
            self._newline(2)
        elif tag in _BLOCK or tag in ("li", "tr"):
            self._newline()
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            shown = "".join(self.out[start:])
            if (
                href
                and re.match(r"(?i)(https?|ftp|mailto):", href)
                and href.lower().removeprefix("mailto:") not in shown.lower()
            ):
                self.out.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        if self.drop_depth:
            return
        if self.pre_depth:
            self.out.append(data)
            self.has_text = self.has_text or bool(data.strip())
            return
        text = _SPACES.sub(" ", data)
        if text == " " and (not self.out or self.out[-1].endswith(("\n", " "))):
            return
        if self.out and self.out[-1].endswith(("\n", " ")):
            text = text.lstrip(" ")
        if text:
            self.out.append(text)
            self.has_text = self.has_text or bool(text.strip())


def html_to_text(html: str) -> str:
    """Convert an HTML document or fragment to readable plain text.

    Never raises: if the parser gives up half-way, what it had so far is
    kept and the rest is stripped of tags crudely.
    """
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - broken HTML must still give text
        crude = re.sub(r"(?is)<(script|style|head)\b.*?(</\1\s*>|$)", " ", html)
        return _SPACES.sub(" ", re.sub(r"<[^>]*>", " ", crude)).strip()
    text = "".join(parser.out)
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")
