"""Bytes to text, keeping what write-back needs to put bytes back exactly."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class DecodedText:
    text: str  # line breaks normalised to "\n", no BOM, NUL replaced by U+FFFD
    has_bom: bool
    newline: str  # the document's dominant line break, for text pmsync inserts
    warnings: tuple[str, ...]


def decode(data: bytes) -> DecodedText:
    """Decode a document leniently: never raises, says what it had to repair."""
    warnings: list[str] = []
    has_bom = data.startswith(_UTF8_BOM)
    body = data[len(_UTF8_BOM) :] if has_bom else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        warnings.append(
            f"invalid UTF-8 at byte {err.start + (3 if has_bom else 0)}; "
            "undecodable bytes read as U+FFFD and left untouched on write"
        )
        text = body.decode("utf-8", errors="replace")
    if "\x00" in text:
        warnings.append("NUL bytes in the text were read as U+FFFD")
        text = text.replace("\x00", "\ufffd")
    crlf = text.count("\r\n")
    newline = "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"
    if "\r" in text:
        text = _LINE_BREAK.sub("\n", text)
    return DecodedText(text=text, has_bom=has_bom, newline=newline, warnings=tuple(warnings))


def looks_binary(data: bytes) -> bool:
    """A file whose first 8 KiB is more than 10% NUL is not a Markdown document."""
    head = data[:8192]
    return bool(head) and head.count(0) * 10 > len(head)
