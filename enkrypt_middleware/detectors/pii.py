"""``pii``: personal data, secrets, IP addresses and URLs, by validated regular expressions.

Entity groups (Enkrypt's ``entities``) and the labels of their spans:

- ``pii``: EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD (Luhn and issuer prefix checked), US_SSN (area,
  group and serial rules), IBAN_CODE (country length and mod-97 checked).
- ``secrets``: AWS_ACCESS_KEY, GITHUB_TOKEN, GITLAB_TOKEN, SLACK_TOKEN, STRIPE_KEY, OPENAI_API_KEY,
  ANTHROPIC_API_KEY, GOOGLE_API_KEY, TWILIO_API_KEY, SENDGRID_API_KEY, NPM_TOKEN, HUGGINGFACE_TOKEN,
  PRIVATE_KEY, JWT, and GENERIC_SECRET (a high-entropy value assigned to a password/secret/token/key).
- ``ip_address``: IP_ADDRESS (IPv4 and IPv6).
- ``url``: URL (http, https, ftp, ftps, sftp, and bare ``www.`` hosts).

How it stays fast: the text is mapped once, with ``bytes.translate``, to a skeleton in which digits
are ``0``, ``[A-Za-z_-]`` are ``a`` and everything else is a space (one byte per character, so offsets
agree). Every family then starts only where it can: the number patterns are tried at the start of each
digit run (found with ``find`` on the skeleton), e-mail at each ``@``, URLs at each ``://`` and ``www.``,
IPv6 at each ``:`` between hex digits, token formats at each run of 16 or more token characters, and
generic secrets at each ``=``/``:``. A text with none of these costs a few ``find`` calls. Every
pattern is matched anchored at such a position and has bounded repetitions, so hostile input stays
linear.

Overlapping candidates resolve to the longest (then the most specific), so an e-mail's domain or a
URL's host IP is not reported twice.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import Field

from ._common import DetectorConfig
from .base import Finding, Located, Report, Span, compact_json

__all__ = ["ENTITY_GROUPS", "PIIConfig", "PIIDetector", "assign_placeholders"]

Entity = Literal["pii", "secrets", "ip_address", "url"]

#: Enkrypt's entity groups, in the order ``details.pii`` lists them.
ENTITY_GROUPS: tuple[Entity, ...] = ("pii", "secrets", "ip_address", "url")

_CLEAN = Finding(detected=False)
#: ``details`` when no text had a span, as JSON: the same every time.
_NOTHING_JSON = compact_json({group: {} for group in ENTITY_GROUPS})


class PIIConfig(DetectorConfig):
    """Options of the ``pii`` detector (the threshold is not used: any validated match fires)."""

    name: Literal["pii"] = "pii"
    entities: list[Entity] = Field(
        default_factory=lambda: list(ENTITY_GROUPS),
        description="Entity groups to detect: pii, secrets, ip_address, url. An empty list means all four.",
    )

    def build(self) -> PIIDetector:
        return PIIDetector(self.entities, block_message=self.block_message)


# --- placeholders and the report ---------------------------------------------------------------------


def assign_placeholders(findings: Sequence[Located]) -> dict[str, str]:
    """Original value -> placeholder (``<LABEL_i>``), numbered per label from 0 in order of first appearance.

    Findings are taken in the order given and spans by start; a value seen again keeps its placeholder.
    The engine redacts with this same function, so the numbers in ``details`` and in the redacted text
    agree.
    """
    placeholders: dict[str, str] = {}
    per_label: dict[str, int] = {}
    for item in findings:
        text = item.text
        for span in sorted(item.finding.spans, key=lambda s: s.start):
            value = text[span.start : span.end]
            if value not in placeholders:
                number = per_label.get(span.label, 0)
                per_label[span.label] = number + 1
                placeholders[value] = f"<{span.label}_{number}>"
    return placeholders


# --- the skeleton ---------------------------------------------------------------------------------------


def _skeleton_table() -> bytes:
    table = bytearray(b" " * 256)
    for byte in b"0123456789":
        table[byte] = ord("0")
    for byte in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-":
        table[byte] = ord("a")
    return bytes(table)


_SKELETON = _skeleton_table()
_LONG_RUN = b"a" * 16  # token formats and unlabelled secrets are at least this long

# --- numbers: IPv4, SSN, credit card, IBAN, phone -----------------------------------------------------

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}")
_VERSION_WORDS = re.compile(r"\b(?:version|release|build|ver|v)[ .:#=]{0,2}\Z", re.IGNORECASE)
_SSN = re.compile(r"([0-9]{3})([ \-])([0-9]{2})\2([0-9]{4})")
_CARD = re.compile(r"[0-9]{13,19}|[0-9]{4}(?:[ \-][0-9]{3,6}){2,4}")
_CARD_GROUPS = re.compile(r"[ \-]")
_IBAN = re.compile(r"[A-Za-z]{2}[0-9]{2}(?: ?[A-Za-z0-9]{1,4}){1,9}")
_PHONE = re.compile(
    r"(?P<cc>\+[0-9]{1,3}[ .\-]?)?"
    r"(?:\((?P<area>[0-9]{1,5})\)[ .\-]?)?"
    r"(?P<body>[0-9]{1,12}(?:(?P<sep>[ .\-])[0-9]{2,8}(?:(?P=sep)[0-9]{2,8}){0,4})?)"
    r"(?P<ext>[ ]{0,2}(?:x|ext\.?|extension)[ ]{0,2}[0-9]{1,6})?"
)

#: IBAN length per country (ISO 13616 registry).
_IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
    "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
    "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
    "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip


_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def _luhn(digits: str) -> bool:
    odd = sum(ord(char) - 48 for char in digits[-1::-2])
    even = sum(_LUHN_DOUBLED[ord(char) - 48] for char in digits[-2::-2])
    return (odd + even) % 10 == 0


def _card_prefix_ok(digits: str) -> bool:
    """Issuer prefixes: Visa 4; Mastercard 51-55, 2221-2720; Mir 2200-2204; Amex 34, 37; Diners 30, 36,
    38, 39; JCB 35, and 1800 and 2131 (15 digits); Discover, UnionPay, Maestro 6; Maestro 50, 56-58."""
    first = digits[0]
    if first == "4" or first == "6":
        return True
    two = int(digits[:2])
    if first == "5":
        return two != 59
    if first == "3":
        return two in (30, 34, 35, 36, 37, 38, 39)
    four = int(digits[:4])
    if first == "2":
        return 2221 <= four <= 2720 or 2200 <= four <= 2204 or (four == 2131 and len(digits) == 15)
    return four == 1800 and len(digits) == 15


def _iban_ok(compact: str) -> bool:
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _entropy(value: str) -> float:
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


# --- e-mail, URLs, IPv6 -------------------------------------------------------------------------------------

_EMAIL_LOCAL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-'")
_EMAIL = re.compile(
    r"[A-Za-z0-9_%+\-'](?:[A-Za-z0-9._%+\-']{0,63})@"
    r"(?:[A-Za-z0-9\-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)
_URL_SCHEMES = {"http": 4, "https": 5, "ftp": 3, "ftps": 4, "sftp": 4}
_URL_REST = re.compile(r"[^\s<>\"'`{}|\\^]{1,2048}")
_WWW = re.compile(
    r"www\.[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,8}(?:[/?#:][^\s<>\"'`{}|\\^]{0,2048})?",
    re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?*'\""
_HEX = frozenset("0123456789abcdefABCDEF")
_IPV6_RUN = re.compile(r"[0-9A-Fa-f:.]+")
_IPV6_MAX = 45  # the longest textual IPv6 address (with an embedded IPv4 one)
_IPV6_ZONE = re.compile(r"%[A-Za-z0-9]{1,16}")

# --- secrets -----------------------------------------------------------------------------------------------

_TOKENS = re.compile(
    r"(?P<AWS_ACCESS_KEY>(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA)[A-Z0-9]{16})"
    r"|(?P<GITHUB_TOKEN>gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,244})"
    r"|(?P<GITLAB_TOKEN>glpat-[A-Za-z0-9_\-]{20,64})"
    r"|(?P<SLACK_TOKEN>xox[abposr]-[A-Za-z0-9\-]{10,250})"
    r"|(?P<STRIPE_KEY>(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,247})"
    r"|(?P<ANTHROPIC_API_KEY>sk-ant-[A-Za-z0-9_\-]{32,250})"
    r"|(?P<OPENAI_API_KEY>sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{20,250}|sk-[A-Za-z0-9]{20,250})"
    r"|(?P<GOOGLE_API_KEY>AIza[0-9A-Za-z_\-]{35})"
    r"|(?P<TWILIO_API_KEY>(?:SK|AC)[0-9a-f]{32})"
    r"|(?P<SENDGRID_API_KEY>SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})"
    r"|(?P<NPM_TOKEN>npm_[A-Za-z0-9]{36})"
    r"|(?P<HUGGINGFACE_TOKEN>hf_[A-Za-z0-9]{30,40})"
    r"|(?P<JWT>eyJ[A-Za-z0-9_\-]{10,4096}\.[A-Za-z0-9_\-]{2,8192}\.[A-Za-z0-9_\-]{0,4096})"
)
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_PRIVATE_KEY_BEGIN = re.compile(r"-----BEGIN (?:[A-Z0-9]{1,16} ){0,4}PRIVATE KEY(?: BLOCK)?-----")
_PRIVATE_KEY_END = re.compile(r"-----END (?:[A-Z0-9]{1,16} ){0,4}PRIVATE KEY(?: BLOCK)?-----")
_PRIVATE_KEY_BODY = re.compile(r"[A-Za-z0-9+/=\s]{0,16384}")
_PRIVATE_KEY_SPAN = 16384 + 512

#: A secret-sounding name just before an assignment (searched in the lower-cased 40 characters before it).
_SECRET_NAME = re.compile(
    r"(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_\-. ]?key|apikey|access[_\-]?key|auth[_\-]?key"
    r"|private[_\-]?key|signing[_\-]?key|credentials?|bearer)"
    r"[a-z0-9_\-.]{0,20}[\"'\]]?[ \t]{0,3}(?:=>|[=:]|is)?[ \t]{0,3}[\"'`]?\Z"
)
_ASSIGNED_VALUE = re.compile(r">?[ \t]{0,3}[\"'`]?([^\s\"'`,;()<>{}\[\]]{12,256})")
_PLACEHOLDER_VALUE = re.compile(
    r"^[$%*.<{\[]|your[_\-]|example|placeholder|redacted|xxxx|\*\*\*|changeit|<|>", re.IGNORECASE
)

# --- labels, groups and priorities ------------------------------------------------------------------------

_PII, _SECRETS, _IP, _URL = ENTITY_GROUPS
#: Candidates carry a priority: on a tie in length the lower one wins an overlap. Token formats and
#: private keys 0, pii 1, ip_address 2, url 3, and an unlabelled (generic) secret last.
_GENERIC_PRIORITY = 4

_Candidate = tuple[int, int, str, str, int]  # start, end, label, group, priority


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


# --- numbers ------------------------------------------------------------------------------------------------


def _numbers(text: str, skeleton: bytes, found: list[_Candidate], pii: bool, ip: bool) -> None:
    """Try the number patterns at the start of every digit run."""
    n = len(text)
    pos = skeleton.find(b"0")
    while pos >= 0:
        end = pos + 1
        if pos == 0 or skeleton[pos - 1] != 48:
            result = _number_at(text, pos, pii, ip)
            if isinstance(result, tuple):
                found.append(result)
                end = result[1]
            elif result is not None:  # a number-shaped thing that failed validation: skip all of it
                end = result
        while end < n and skeleton[end] == 48:  # never resume inside a digit run
            end += 1
        pos = skeleton.find(b"0", end)


def _number_at(text: str, p: int, pii: bool, ip: bool) -> _Candidate | int | None:
    """The candidate starting at digit ``p``; else where to resume (an int), or None for the next run.

    The length of the digit run and the character after it decide which patterns can apply at all.
    """
    n = len(text)
    prev = text[p - 1] if p else " "
    if prev.isalpha():  # only an IBAN starts with letters: "GB82 WEST ...", "DE89370400440532013000"
        if pii and p >= 2 and text[p - 2].isalpha() and (p == 2 or not _is_word(text[p - 3])):
            return _iban_at(text, p - 2)
        return None
    if prev == "_" or (prev in ".-/:," and p >= 2 and text[p - 2].isdigit()):
        return None  # inside a longer token or number
    end = p + 1
    while end < n and "0" <= text[end] <= "9":
        end += 1
    run = end - p
    after = text[end] if end < n else ""
    if run < 7 and not (end + 1 < n and after in " .-)" and (text[end + 1] in "0123456789(" or after == ")")):
        return None  # a short number on its own ("in 2024", "35 people", "12%"): no pattern fits
    if ip and after == "." and run <= 3:
        match = _IPV4.match(text, p)
        if match is not None:
            stop = match.end()
            if (
                prev != "."
                and (stop == n or not (_is_word(text[stop]) or (text[stop] in ".-" and _next_is_digit(text, stop))))
                and _VERSION_WORDS.search(text, max(0, p - 12), p) is None
            ):
                return (p, stop, "IP_ADDRESS", _IP, 2)
            if pii:  # a dotted number that is not an address is not a phone either
                return stop
    if not pii:
        return None
    if run == 3 and after in " -":
        found = _ssn_at(text, p)
        if found is not None:
            return found
    if prev != "+" and (run >= 13 or (run == 4 and after in " -")):
        card = _CARD.match(text, p)
        if card is not None:
            value = card.group()
            found = _card_at(text, p, value)
            if found is not None:
                return found
            if len(value) - value.count(" ") - value.count("-") >= 13:
                return card.end()  # a failed card number is not a phone number either
    return _phone_at(text, p, prev)


def _next_is_digit(text: str, i: int) -> bool:
    return i + 1 < len(text) and text[i + 1].isdigit()


def _ends_cleanly(text: str, end: int, separators: str) -> bool:
    """No word character right after ``end``, and the number does not go on after a separator."""
    if end >= len(text):
        return True
    char = text[end]
    return not _is_word(char) and not (char in separators and _next_is_digit(text, end))


def _ssn_at(text: str, p: int) -> _Candidate | None:
    match = _SSN.match(text, p)
    if match is None or not _ends_cleanly(text, match.end(), "-" + match.group(2)):
        return None
    area, group, serial = int(match.group(1)), int(match.group(3)), int(match.group(4))
    if area == 0 or area == 666 or area >= 900 or group == 0 or serial == 0:
        return None
    return (p, match.end(), "US_SSN", _PII, 1)


def _card_at(text: str, p: int, value: str) -> _Candidate | None:
    """``value``: what ``_CARD`` matched at ``p``."""
    if value.isdigit():  # contiguous form
        if not _ends_cleanly(text, p + len(value), "-"):
            return None
        return (p, p + len(value), "CREDIT_CARD", _PII, 1) if _card_ok(value) else None
    # Grouped form: the pattern may have taken a following number (an expiry, a CVV) as a last group.
    groups = _CARD_GROUPS.split(value)
    for count in range(len(groups), 2, -1):
        end = p + sum(map(len, groups[:count])) + count - 1
        if _ends_cleanly(text, end, "-") and _card_ok("".join(groups[:count])):
            return (p, end, "CREDIT_CARD", _PII, 1)
    return None


def _card_ok(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and _card_prefix_ok(digits) and _luhn(digits)


def _iban_at(text: str, start: int) -> _Candidate | int | None:
    """An IBAN at ``start``; else the end of the IBAN-shaped text to skip, or None."""
    match = _IBAN.match(text, start)
    if match is None:
        return None
    length = _IBAN_LENGTHS.get(text[start : start + 2].upper())
    if length is None:  # skip what looks like an IBAN of a country we do not know, not just its first digits
        return match.end() if len(match.group()) - match.group().count(" ") >= 15 else None
    # Take exactly the country's number of characters, spaces allowed between groups.
    value = match.group()
    taken = 0
    for index, char in enumerate(value):
        if char != " ":
            taken += 1
            if taken == length:
                end = start + index + 1
                compact = value[: index + 1].replace(" ", "").upper()
                if _ends_cleanly(text, end, "") and _iban_ok(compact):
                    return (start, end, "IBAN_CODE", _PII, 1)
                break
    return match.end()


def _phone_at(text: str, p: int, prev: str) -> _Candidate | None:
    start = p - 1 if prev in "+(" else p
    match = _PHONE.match(text, start)
    if match is None:
        return None
    cc, area, body, separator = match.group("cc", "area", "body", "sep")
    end = match.end()
    if (prev == "(" and area is None) or not _ends_cleanly(text, end, ".-"):
        return None
    groups = body.split(separator) if separator else [body]
    if len(groups) > 1 and len(groups[0]) > 8:
        return None
    cc_digits = len(cc.rstrip(" .-")) - 1 if cc else 0
    shape = _phone_shape(groups, separator or "", cc_digits, len(area) if area else 0)
    if shape == _PHONE_SURE or (shape == _PHONE_IF_CONTEXT and _phone_context(text, start, end)):
        return (start, end, "PHONE_NUMBER", _PII, 1)
    return None


_PHONE_NO, _PHONE_IF_CONTEXT, _PHONE_SURE = 0, 1, 2
#: Words that make a bare group of digits a phone number, before it ("Phone:", "call me on") or after it
#: ("... office", "... mobile").
_PHONE_CONTEXT_BEFORE = re.compile(
    r"\b(?:phone|telephone|tel|mobile|cell|cellphone|fax|call|calling|dial|sms|text|whatsapp|contact|reach"
    r"|desk|landline|hotline|mob|ph)\b"
)
_PHONE_CONTEXT_AFTER = re.compile(r"(?:phone|telephone|tel|mobile|cell|fax|desk|office|home|work|landline)\b")


def _phone_context(text: str, start: int, end: int) -> bool:
    return (
        _PHONE_CONTEXT_BEFORE.search(text[max(0, start - 32) : start].lower()) is not None
        or _PHONE_CONTEXT_AFTER.match(text[end : end + 12].lower().lstrip(" -,\\/(")) is not None
    )


def _phone_shape(groups: list[str], separator: str, cc_digits: int, area_digits: int) -> int:
    """How sure the digit count and grouping make us of a phone number (``separator``: between groups)."""
    body_digits = sum(map(len, groups))
    total = cc_digits + area_digits + body_digits
    if cc_digits:  # +44 20 7946 0958, +14155552671
        return _PHONE_SURE if 8 <= total <= 15 else _PHONE_NO
    if not 7 <= total <= 15:
        return _PHONE_NO
    if area_digits:  # (555) 123-4567
        return _PHONE_SURE if total >= 9 else _PHONE_IF_CONTEXT
    sizes = [len(group) for group in groups]
    if len(groups) >= 3:
        if separator in ".-" and (sizes[:3] == [4, 2, 2] or sizes[:3] == [2, 2, 4] or sizes == [1, 2, 4]):
            return _PHONE_NO  # a date
        if separator == "." and len(groups) == 4 and max(sizes) <= 3:
            return _PHONE_NO  # an IPv4 address with leading zeros, or a version
        return _PHONE_SURE if 10 <= total <= 13 else _PHONE_IF_CONTEXT
    if len(groups) == 2:
        if sizes == [3, 4] and separator == "-":
            return _PHONE_SURE  # 555-1234
        if groups[0][0] == "0" and 2 <= sizes[0] <= 5 and 5 <= sizes[1] <= 8:
            return _PHONE_SURE  # 030 1234567
        return _PHONE_IF_CONTEXT
    return _PHONE_IF_CONTEXT if total <= 12 else _PHONE_NO  # 9498777106 after "Fax:"


# --- e-mail, URLs, IPv6 -------------------------------------------------------------------------------------


def _emails(text: str, found: list[_Candidate]) -> None:
    n = len(text)
    pos = 0
    while (at := text.find("@", pos)) >= 0:
        start = at
        low = max(pos, at - 64)
        while start > low and text[start - 1] in _EMAIL_LOCAL_CHARS:
            start -= 1
        while start < at and text[start] in ".'":
            start += 1
        match = _EMAIL.match(text, start, min(n, at + 512)) if start < at else None
        if match is not None:
            found.append((start, match.end(), "EMAIL_ADDRESS", _PII, 1))
            pos = match.end()
        else:
            pos = at + 1


def _url_end(text: str, start: int, end: int) -> int:
    """Drop trailing punctuation and unbalanced closing brackets from a URL."""
    while end > start:
        char = text[end - 1]
        if char in _URL_TRAILING:
            end -= 1
        elif char == ")" and text.count("(", start, end) < text.count(")", start, end):
            end -= 1
        elif char == "]" and text.count("[", start, end) < text.count("]", start, end):
            end -= 1
        else:
            break
    return end


def _urls(text: str, found: list[_Candidate]) -> None:
    last_end = 0
    if "/" in text:
        pos = 0
        while (colon := text.find("://", pos)) >= 0:
            pos = colon + 3
            start = -1
            for scheme, length in _URL_SCHEMES.items():
                begin = colon - length
                if begin >= 0 and text[begin:colon].lower() == scheme and (begin == 0 or not _is_word(text[begin - 1])):
                    start = begin
                    break
            if start < 0 or pos >= len(text) or not (text[pos].isalnum() or text[pos] == "["):
                continue
            match = _URL_REST.match(text, pos)
            if match is None:
                continue
            end = _url_end(text, start, match.end())
            found.append((start, end, "URL", _URL, 3))
            pos = last_end = end
    for needle in ("www.", "WWW."):
        pos = 0
        while (start := text.find(needle, pos)) >= 0:
            pos = start + 4
            if start < last_end and any(c[0] <= start < c[1] and c[2] == "URL" for c in found):
                continue
            if start and (_is_word(text[start - 1]) or text[start - 1] in "./@-"):
                continue
            match = _WWW.match(text, start)
            if match is not None:
                end = _url_end(text, start, match.end())
                found.append((start, end, "URL", _URL, 3))
                pos = end


def _ipv6(text: str, found: list[_Candidate]) -> None:
    n = len(text)
    pos = 0
    while (colon := text.find(":", pos)) >= 0:
        pos = colon + 1
        after = text[colon + 1] if colon + 1 < n else ""
        if not (after == ":" or (colon and text[colon - 1] in _HEX and after in _HEX)):
            continue
        # The whole run of hex digits, colons and dots around this colon; nothing in it is visited again.
        start = colon
        low = max(0, colon - _IPV6_MAX)
        while start > low and (text[start - 1] in _HEX or text[start - 1] in ":."):
            start -= 1
        match = _IPV6_RUN.match(text, colon)
        end = match.end() if match is not None else colon + 1
        pos = end
        while end > start and text[end - 1] == ".":
            end -= 1
        if end - start > _IPV6_MAX or (start and _is_word(text[start - 1])) or (end < n and _is_word(text[end])):
            continue
        value = text[start:end]
        if value.count(":") < 2 or sum(c in _HEX for c in value) < 4:  # "::1", "a[1::2]": too little
            continue
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            continue
        zone = _IPV6_ZONE.match(text, end)
        found.append((start, zone.end() if zone else end, "IP_ADDRESS", _IP, 2))


# --- secrets -----------------------------------------------------------------------------------------------


def _looks_secret(value: str, min_entropy: float) -> bool:
    """A value with mixed characters, high entropy, and not a placeholder, path or URL."""
    if _PLACEHOLDER_VALUE.search(value) or "://" in value or value[0] in "/~":
        return False
    has_lower = has_upper = has_digit = has_other = False
    for char in value:
        if char.isdigit():
            has_digit = True
        elif char.islower():
            has_lower = True
        elif char.isupper():
            has_upper = True
        else:
            has_other = True
    classes = has_lower + has_upper + has_digit + has_other
    if classes < 2 or (not has_digit and classes < 3):
        return False
    return _entropy(value) >= min_entropy


def _named_secret_before(text: str, start: int) -> bool:
    return _SECRET_NAME.search(text[max(0, start - 48) : start].lower()) is not None


def _secrets(text: str, skeleton: bytes, found: list[_Candidate], min_entropy: float) -> None:
    n = len(text)
    # Token formats, and unlabelled long tokens after a secret-sounding name.
    runs = skeleton.replace(b"0", b"a")
    start = runs.find(_LONG_RUN)
    while start >= 0:
        end = runs.find(b" ", start)
        if end < 0:
            end = n
        begin = start - 3 if start >= 3 and text[start - 3 : start] == "SG." else start
        match = _TOKENS.match(text, begin)
        if match is not None and (match.end() == n or text[match.end()] not in _TOKEN_CHARS):
            found.append((begin, match.end(), match.lastgroup or "SECRET", _SECRETS, 0))
            end = max(end, match.end())
        elif _named_secret_before(text, start) and _looks_secret(text[start:end], min_entropy):
            found.append((start, end, "GENERIC_SECRET", _SECRETS, _GENERIC_PRIORITY))
        start = runs.find(_LONG_RUN, end)
    # PEM private keys.
    if "-----BEGIN" in text:
        pos = 0
        while (begin := text.find("-----BEGIN", pos)) >= 0:
            pos = begin + 10
            header = _PRIVATE_KEY_BEGIN.match(text, begin)
            if header is None:
                continue
            stop = _PRIVATE_KEY_END.search(text, header.end(), header.end() + _PRIVATE_KEY_SPAN)
            if stop is not None:
                end = stop.end()
            else:  # truncated: the header and the base64 body that follows
                body = _PRIVATE_KEY_BODY.match(text, header.end())
                end = body.end() if body else header.end()
                while end > header.end() and text[end - 1].isspace():
                    end -= 1
            found.append((begin, end, "PRIVATE_KEY", _SECRETS, 0))
            pos = end
    # Values assigned to a secret-sounding name: password = "...", api_key: ..., secret=...
    for operator in "=:":
        pos = text.find(operator)
        while pos >= 0:
            match = _ASSIGNED_VALUE.match(text, pos + 1)
            if match is not None:
                value_start = match.start(1)
                if _named_secret_before(text, value_start) and _looks_secret(match.group(1), min_entropy):
                    found.append((value_start, match.end(1), "GENERIC_SECRET", _SECRETS, _GENERIC_PRIORITY))
                pos = text.find(operator, match.end(1))  # an "=" inside this value is not another assignment
            else:
                pos = text.find(operator, pos + 1)


# --- overlaps --------------------------------------------------------------------------------------------


def _resolve(found: list[_Candidate]) -> list[_Candidate]:
    """Non-overlapping candidates sorted by start: of overlapping ones the longest, then the most specific."""
    if len(found) == 1:
        return found
    found.sort(key=lambda c: (c[0], c[0] - c[1], c[4]))
    kept: list[_Candidate] = []
    for candidate in found:
        if kept and candidate[0] < kept[-1][1]:
            previous = kept[-1]
            if (candidate[1] - candidate[0], -candidate[4]) > (previous[1] - previous[0], -previous[4]):
                kept[-1] = candidate
        else:
            kept.append(candidate)
    return kept


# --- the detector ----------------------------------------------------------------------------------------


class PIIDetector:
    """Finds PII, secrets, IP addresses and URLs; ``report`` gives Enkrypt's placeholder -> value maps."""

    name = "pii"
    inline = True
    DEFAULT_BLOCK_MESSAGE = "Sensitive information detected"
    #: Shannon entropy (bits per character) a GENERIC_SECRET value must reach.
    GENERIC_MIN_ENTROPY = 3.0

    __slots__ = ("_ip", "_pii", "_secrets", "_url", "block_message", "entities")

    def __init__(self, entities: Iterable[str] = ENTITY_GROUPS, *, block_message: str | None = None) -> None:
        wanted = frozenset(entities) or frozenset(ENTITY_GROUPS)
        unknown = wanted - set(ENTITY_GROUPS)
        if unknown:
            raise ValueError(f"unknown pii entities {sorted(unknown)}; expected some of {list(ENTITY_GROUPS)}")
        self.entities: tuple[str, ...] = tuple(group for group in ENTITY_GROUPS if group in wanted)
        self.block_message: str = block_message or self.DEFAULT_BLOCK_MESSAGE
        self._pii = _PII in wanted
        self._secrets = _SECRETS in wanted
        self._ip = _IP in wanted
        self._url = _URL in wanted

    def detect(self, text: str) -> Finding:
        if not text:
            return _CLEAN
        found: list[_Candidate] = []
        # One byte per character ("?" for non-ASCII), so skeleton offsets are text offsets.
        skeleton = text.encode("ascii", "replace").translate(_SKELETON)
        if self._pii or self._ip:
            _numbers(text, skeleton, found, self._pii, self._ip)
        if self._pii and "@" in text:
            _emails(text, found)
        if self._ip and ":" in text:
            _ipv6(text, found)
        if self._url:
            _urls(text, found)
        if self._secrets:
            _secrets(text, skeleton, found, self.GENERIC_MIN_ENTROPY)
        if not found:
            return _CLEAN
        spans = tuple(
            Span(start=start, end=end, label=label, group=group) for start, end, label, group, _ in _resolve(found)
        )
        return Finding(detected=True, score=1.0, spans=spans)

    def report(self, findings: Sequence[Located]) -> Report:
        detected = any(item.finding.detected for item in findings)
        if not any(item.finding.spans for item in findings):  # the common case: nothing to number
            nothing: dict[str, dict[str, str]] = {group: {} for group in ENTITY_GROUPS}
            return Report(
                detected=detected, summary={"pii": int(detected)}, details=nothing, details_json=_NOTHING_JSON
            )
        placeholders = assign_placeholders(findings)
        details: dict[str, dict[str, str]] = {group: {} for group in ENTITY_GROUPS}
        for item in findings:
            text = item.text
            for span in item.finding.spans:
                value = text[span.start : span.end]
                details.setdefault(span.group or _PII, {})[placeholders[value]] = value
        return Report(detected=detected, summary={"pii": int(detected)}, details=details)
