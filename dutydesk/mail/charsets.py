"""Decode body and header bytes whose charset label may be a lie.

Russian clients' mail arrives in koi8-r, windows-1251 and utf-8, often
with a wrong, missing or made-up charset label. Nothing here trusts a
label: the declared charset is tried strictly, then the usual suspects,
and the reading that looks most like real text wins (see `plausibility`).

Pure functions: no I/O, nothing raises on odd input.
"""

from __future__ import annotations

import codecs
import functools
import math
import re
import unicodedata
from collections.abc import Iterable

__all__ = ["decode_bytes", "plausibility", "resolve_charset"]

# Labels seen in the wild mapped to the codec that really decodes them. The
# supersets (cp1252 for latin-1, gb18030 for gb2312, cp932 for shift_jis)
# are what the sending software actually produced in practice.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "ascii",
    "ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "windows-1251": "cp1251",
    "win-1251": "cp1251",
    "win1251": "cp1251",
    "cp-1251": "cp1251",
    "x-cp1251": "cp1251",
    "windows-1252": "cp1252",
    "koi8r": "koi8_r",
    "koi8-r": "koi8_r",
    "koi8-u": "koi8_u",
    "ibm866": "cp866",
    "x-mac-cyrillic": "mac_cyrillic",
    "unicode-1-1-utf-7": "utf_7",
    "utf-7": "utf_7",
    "utf7": "utf_7",
    "utf8": "utf_8",
    "utf-8": "utf_8",
    "iso-8859-8-i": "iso8859_8",
    "iso-8859-6-i": "iso8859_6",
    "iso-8859-8-e": "iso8859_8",
    "iso-8859-6-e": "iso8859_6",
}
# Labels that say "I do not know": decode by guessing, quietly.
_NO_CHARSET = {"", "unknown-8bit", "x-unknown", "unknown", "8bit", "x-user-defined", "default", "none"}
# Codecs whose strict success is itself strong evidence: random bytes
# rarely form valid sequences in them. Everything else (single-byte
# codecs, and gb18030 or big5, which accept almost any byte pair) has to
# prove itself by plausibility instead.
_SELF_VALIDATING = {
    "utf_8", "utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_7",
    "iso2022_jp_ext", "iso2022_jp", "iso2022_jp_2", "iso2022_kr", "hz",
}
# Seven-bit encodings: their data is ASCII bytes and must still be decoded.
_SEVEN_BIT = {"utf_7", "iso2022_jp_ext", "iso2022_jp", "iso2022_jp_2", "iso2022_kr", "hz"}
# The fallbacks of a Russian mailbox, in the order ties are broken.
_FALLBACKS = ("utf_8", "cp1251", "koi8_r")
_EAST_ASIAN = ("gb18030", "big5hkscs", "cp932", "euc_jp", "cp949")
# A label names a family more reliably than a member: mail labelled
# iso-2022-jp is often really Shift_JIS (Zammad's mail093), gb2312 big5.
_SIBLINGS = {
    "iso2022_jp_ext": ("cp932", "euc_jp"),
    "iso2022_jp": ("cp932", "euc_jp"),
    "iso2022_jp_2": ("cp932", "euc_jp"),
    "euc_jp": ("cp932",),
    "cp932": ("euc_jp",),
    "gb18030": ("big5hkscs",),
    "big5hkscs": ("gb18030",),
    "iso2022_kr": ("cp949",),
    "iso8859_5": ("cp1251", "koi8_r"),
    "cp866": ("cp1251", "koi8_r"),
    "mac_cyrillic": ("cp1251", "koi8_r"),
}


@functools.lru_cache(maxsize=512)
def resolve_charset(label: str | None) -> str | None:
    """Map a charset label to a Python codec name, or None if unusable.

    Cached: every header word and body part asks, and a mailbox uses a
    handful of labels (the cache is bounded against hostile variety).
    """
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = name.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*ru
    if name in _NO_CHARSET:
        return None
    # "iso-gb2312", "x-cp1251": strip the decorations mailers invent
    for candidate in (name, re.sub(r"^(x-|iso-|cs)", "", name)):
        candidate = _ALIASES.get(candidate, candidate)
        try:
            return codecs.lookup(candidate).name.replace("-", "_")
        except (LookupError, ValueError):
            continue
    return None


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


# --- plausibility -----------------------------------------------------------

# Russian letter frequencies (per cent, written Russian).
_RU_FREQUENCY = {
    "о": 10.97, "е": 8.45, "а": 8.01, "и": 7.35, "н": 6.70, "т": 6.26, "с": 5.47,
    "р": 4.73, "в": 4.54, "л": 4.40, "к": 3.49, "м": 3.21, "д": 2.98, "п": 2.81,
    "у": 2.62, "я": 2.01, "ы": 1.90, "ь": 1.74, "г": 1.70, "з": 1.65, "б": 1.59,
    "ч": 1.44, "й": 1.21, "х": 0.97, "ж": 0.94, "ш": 0.73, "ю": 0.64, "ц": 0.48,
    "щ": 0.36, "э": 0.32, "ф": 0.26, "ъ": 0.04, "ё": 0.04,
}
# Every Russian letter is somewhat plausible, frequent ones more: about
# +1 for "о", 0 for "х", -0.5 for "ъ". Readings of the wrong Cyrillic
# codec permute the alphabet and so collect less.
_RU_WEIGHT = {ch: max(-0.5, 0.5 + 0.5 * math.log(f / (100 / 33))) for ch, f in _RU_FREQUENCY.items()}
# Punctuation that real Russian (and most European) text uses.
_GOOD_PUNCTUATION = set("«»—–“”„‘’…№•€\u00a0\u00b7\u2116\u00b0\u00a9\u00ae")
_WORD = re.compile(r"[^\W\d_]+")


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0x3000 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF
        or 0xAC00 <= o <= 0xD7AF or 0xFF00 <= o <= 0xFFEF or 0xF900 <= o <= 0xFAFF
    )


# The commonest Russian letter pairs: a reading through the wrong
# Cyrillic codec permutes letters and rarely forms them.
_RU_BIGRAMS = frozenset(
    "ст но то на ен ов ни ра во ко ро ет ал ре пр ос ли по ол ер од ат ла ть ле ор ан те "
    "ва ит ел ка ск ин де го ны ам ми ем он не ме та ес им да ак ди ис ти ог ой ве ир ль "
    "ий ци ие ия ых ую ом ав ри ед мо ло бы че ча ый ая ое ые об от сь ся ев ру за уп зд "
    "сл вл вы ьн ше ща ещ".split()
)
_WESTERN_ACCENTED = set("äöüßéèêàâçñóíúáôûîëïÄÖÜÉÈÀÇÑÓÍÚÁ")


@functools.lru_cache(maxsize=4096)
def _cjk_weight(ch: str) -> float:
    """Kana, Hangul, CJK punctuation and *common* ideographs (GB2312
    level 1, Big5 level 1) score +0.8; a rare ideograph scores -2, because
    that is what a double-byte codec makes of bytes that are not its own."""
    o = ord(ch)
    if not (0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF):
        return 0.8
    for codec, low, high in (("gb2312", 0xB0, 0xD7), ("big5", 0xA4, 0xC6)):
        try:
            if low <= ch.encode(codec)[0] <= high:
                return 0.8
        except UnicodeEncodeError:
            continue
    return -2.0


def plausibility(text: str) -> float:
    """How much ``text`` looks like something a person wrote.

    Higher is better; only differences between readings of the same bytes
    mean anything. Common Russian letters score by their frequency, so the
    right one of cp1251/koi8-r wins (the wrong one permutes the alphabet
    and flips case: "пРИВЕТ"); box-drawing characters (koi8-r read as
    something else), replacement characters, controls, words that mix
    Cyrillic with Latin, and words made only of accented Latin letters
    ("Ñåðãåé", cp1251 read as latin-1) are penalised. Common CJK characters
    score mildly positive so that a correct gb2312 or shift_jis reading
    beats a Cyrillic mojibake of it, and rare ones negative.
    """
    text = text[:200_000]
    score = 0.0
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        has_ascii = any(c.isascii() for c in word)
        has_cyrillic = False
        prev_lower_cyrillic = False
        for position, ch in enumerate(word):
            if ch.isascii():
                prev_lower_cyrillic = False
                continue
            if _is_cyrillic(ch):
                has_cyrillic = True
                lower = ch.lower()
                weight = _RU_WEIGHT.get(lower, -1.0)
                if ch != lower:
                    # Most text is lower case; the wrong Cyrillic codec
                    # swaps case, and flips it inside words ("пРИВЕТ").
                    weight -= 4.0 if prev_lower_cyrillic else 0.2
                if has_ascii:
                    weight -= 3.0
                score += weight
                prev_lower_cyrillic = ch == lower
            elif _is_cjk(ch):
                # one ideograph between Latin letters ("m鰃liche") is latin-1
                # read as a double-byte charset, not Chinese
                between_latin = (
                    0 < position < len(word) - 1 and word[position - 1].isascii() and word[position + 1].isascii()
                )
                score += -3.0 if between_latin else _cjk_weight(ch)
                prev_lower_cyrillic = False
            else:
                o = ord(ch)
                if 0xC0 <= o <= 0x24F and not has_ascii:  # accented Latin only: "Ñåðãåé"?
                    score -= 0.2 if ch in _WESTERN_ACCENTED else 1.0
                elif unicodedata.category(ch) in ("Lo", "Lu", "Ll", "Lt", "Lm"):
                    score += 0.2
                prev_lower_cyrillic = False
        if has_cyrillic:
            lower_word = word.lower()
            score += 0.4 * sum(1 for i in range(len(lower_word) - 1) if lower_word[i : i + 2] in _RU_BIGRAMS)
            if has_ascii:
                score -= 1.0
    for ch in text:
        if ch.isascii() or ch.isalpha() or _is_cjk(ch):
            continue
        o = ord(ch)
        if ch == "\ufffd":
            score -= 8.0
        elif 0x2500 <= o <= 0x259F or 0x2320 <= o <= 0x2321 or o in (0x2219, 0x221A, 0x2248, 0x2264, 0x2265):
            score -= 4.0  # box drawing and koi8-r's other upper-half symbols
        elif ch in _GOOD_PUNCTUATION or ch.isspace() or ch.isdigit():
            continue
        else:
            cat = unicodedata.category(ch)
            if cat[0] == "C":
                score -= 8.0
            elif cat[0] in "SP":
                score -= 1.0
    return score


def _charset_normalizer_guess(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # an optional tie-breaker, never a requirement
        return None
    try:
        best = from_bytes(data[:65536]).best()
    except Exception:  # noqa: BLE001 - a guesser failing must not fail parsing
        return None
    return resolve_charset(best.encoding) if best is not None else None


def decode_bytes(
    data: bytes,
    declared: str | None,
    *,
    hints: Iterable[str] = (),
    problems: list[str] | None = None,
    where: str = "body",
) -> str:
    """Decode ``data`` whose charset label is ``declared`` (maybe a lie).

    1. A self-validating declared codec (UTF-8, UTF-7, iso-2022-*) that
       decodes strictly is taken as is.
    2. Bytes that are valid UTF-8 are UTF-8, whatever the label says.
    3. Otherwise every strict reading among the declared charset (and its
       family), cp1251, koi8-r, the ``hints`` (charsets declared elsewhere
       in the message) and cp1252 is scored by `plausibility`. The
       declared reading stays unless another is clearly better; without a
       label the best wins, charset-normalizer breaking near ties; when
       nothing reads well East Asian codecs get a chance too.

    Never raises. Every deviation from the label goes to ``problems``,
    e.g. "charset 'unknown-8bit' replaced by cp1251 in body".
    """
    if problems is None:
        problems = []
    if not data:
        return ""
    label = (declared or "").strip().strip("\"'")
    codec = resolve_charset(label)
    if label and codec is None and label.lower() not in _NO_CHARSET:
        problems.append(f"unknown charset {label!r} in {where}")

    if data.isascii():
        if codec in _SEVEN_BIT:
            text = _strict(data, codec)
            if text is not None:
                return text
        return data.decode("ascii")

    if codec is not None and codec != "ascii":
        text = _strict(data, codec)
        if text is None and codec == "cp1252":
            codec = "iso8859_1"  # latin-1 labelled mail with bytes cp1252 leaves undefined
        elif text is not None and codec in _SELF_VALIDATING:
            return text
    utf8 = _strict(data, "utf_8")
    if utf8 is not None:
        if codec not in (None, "ascii", "utf_8"):
            problems.append(f"charset {label!r} replaced by utf-8 in {where}")
        return utf8

    order: list[str] = []
    # cp1252 comes last: a western name or file name among Russian mail.
    for name in (codec, *_FALLBACKS[1:], *(resolve_charset(h) for h in hints), "cp1252"):
        for member in (name, *_SIBLINGS.get(name or "", ())):
            if member and member != "ascii" and member not in order:
                order.append(member)
    readings: list[tuple[float, int, str, str]] = []
    for index, name in enumerate(order):
        text = _strict(data, name)
        if text is not None:
            readings.append((plausibility(text), -index, name, text))
    if not readings:
        problems.append(f"charset {label or 'none'!r} undecodable in {where}, bytes replaced")
        return data.decode(codec or "utf_8", errors="replace")

    declared_reading = next((r for r in readings if r[2] == codec), None)
    best = max(readings)
    non_ascii = sum(1 for b in data[:200_000] if b > 0x7F)
    if declared_reading is None and best[0] < -0.25 * non_ascii:
        # Nothing familiar reads well (spam in Chinese without a label):
        # the East Asian double-byte codecs, then charset-normalizer's
        # guess for longer texts, get a chance.
        extra = list(_EAST_ASIAN)
        if sum(1 for b in data[:4096] if b > 0x7F) >= 64:
            extra.append(_charset_normalizer_guess(data))
        for name in extra:
            if name and name not in order:
                order.append(name)
                text = _strict(data, name)
                if text is not None:
                    readings.append((plausibility(text), -len(order), name, text))
        best = max(readings)
    if declared_reading is not None:
        # A label is evidence and short texts are ambiguous, but a latin-1
        # label on Russian text is the classic misconfigured mailer.
        if codec in ("cp1252", "iso8859_1"):
            margin = 1.0 + 0.03 * non_ascii
        else:
            margin = 2.0 + 0.05 * non_ascii
        if best[0] <= declared_reading[0] + margin:
            return declared_reading[3]
    else:
        tied = [r for r in readings if best[0] - r[0] < 1.0]
        if len(tied) > 1 and sum(1 for b in data[:4096] if b > 0x7F) >= 64:
            guess = _charset_normalizer_guess(data)
            for reading in tied:
                if reading[2] == guess:
                    best = reading
                    break
    if label:
        problems.append(f"charset {label!r} replaced by {_display(best[2])} in {where}")
    else:
        problems.append(f"no charset in {where}, decoded as {_display(best[2])}")
    return best[3]


def _display(codec: str) -> str:
    return {"koi8_r": "koi8-r", "utf_8": "utf-8", "koi8_u": "koi8-u"}.get(codec, codec)
