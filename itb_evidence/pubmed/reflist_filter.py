"""Drop every ``<ReferenceList>`` element from an XML byte stream before libxml2 sees it.

About 60% of the elements of a PubMed efetch document are the cited references
(``PubmedData/ReferenceList``), which the parser never reads; building and freeing their tree
was most of the time spent reading XML. :class:`WithoutReferenceLists` wraps a binary stream and
removes those elements (nested ones included) so libxml2 never builds them.

It only removes what it can delimit for certain from the bytes alone. The moment the document
holds anything that could hide markup from a byte scan -- a comment, a CDATA section, a
processing instruction (other than the XML declaration), a DOCTYPE with an internal subset or any
other ``<!`` declaration -- or a ``ReferenceList`` tag it cannot read, the rest of the document
passes through unchanged, so libxml2 and the entity refusal in
:mod:`itb_evidence.pubmed.xmlreader` see exactly the bytes received (PubMed sends none of these).
A removed element is replaced by its line breaks plus one space per character after its last
line break, so libxml2's line and column numbers in error messages stay those of the original.
The raw cache never reads through this filter: it keeps the bytes as received.
"""

from __future__ import annotations

import re
from typing import Protocol

CHUNK = 1 << 16
# A ReferenceList tag's name, and what may follow it: the end of a start tag (attributes, which
# PubMed's DTD has none of, with quoted values that may hold '>'), or of an end tag.
_OPEN = b"<ReferenceList"
_NAME = b"ReferenceList"
_NAME_ENDS = b" \t\r\n/>"
_START_TAG_REST = re.compile(rb"""(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")
_END_TAG_REST = re.compile(rb"\s*>")
_XML_DECLARATION_AT = (0, 3)  # at the start, or after a UTF-8 byte order mark
_UTF8_BOM = b"\xef\xbb\xbf"
_LONGEST_TAG_REST = 4096  # a ReferenceList tag not ended within this is not one we can read
_LONGEST_PADDING = 1024  # see _placeholder
MAX_REGION = 64 << 20  # a ReferenceList larger than this is passed through, not buffered


class Readable(Protocol):
    """A binary stream, as far as the filter needs one."""

    def read(self, size: int = ..., /) -> bytes: ...


class WithoutReferenceLists:
    """``source``'s bytes minus its ``ReferenceList`` elements (see the module docstring)."""

    def __init__(self, source: Readable) -> None:
        self._source = source
        self._pending = b""  # bytes not yet decided on: an unfinished tag or ReferenceList
        self._offset = 0  # document offset of _pending[0]
        self._depth = 0  # open ReferenceLists in the region at the start of _pending
        self._resume = 0  # where to go on scanning that region, in _pending
        self._ready = b""
        self._passthrough = False  # gave up: everything from here on passes unchanged
        self._eof = False
        self.removed = 0  # how many top-level ReferenceList elements were removed
        name = getattr(source, "name", None)
        if isinstance(name, str):
            self.name = name  # lxml names the file in its error messages by this

    @property
    def passthrough(self) -> bool:
        """Whether the filter gave up on this document (the rest passes unchanged)."""
        return self._passthrough

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes (all if negative), short only at the end, as a file reads: libxml2
        words some errors by where its reads end, so they end where a file's would."""
        wanted = size if size is not None and size >= 0 else -1
        while (wanted < 0 or len(self._ready) < wanted) and not (self._eof and not self._pending):
            if self._passthrough and not self._pending:
                more = self._source.read(wanted - len(self._ready) if wanted >= 0 else -1)
                if not more:
                    self._eof = True
                self._ready += more
                continue
            chunk = b"" if self._eof else self._source.read(CHUNK)
            if not chunk:
                self._eof = True
            self._pending += chunk
            self._ready += self._scan()
        if wanted < 0 or wanted >= len(self._ready):
            data, self._ready = self._ready, b""
        else:
            data, self._ready = self._ready[:wanted], self._ready[wanted:]
        return data

    def close(self) -> None:
        close = getattr(self._source, "close", None)
        if close is not None:
            close()

    # ---- scanning -------------------------------------------------------------------------

    def _give_up(self, out: list[bytes], buf: bytes, pos: int) -> bytes:
        self._passthrough = True
        self._depth = self._resume = 0
        out.append(buf[pos:])
        self._pending = b""
        return b"".join(out)

    def _hold(self, out: list[bytes], buf: bytes, pos: int) -> bytes:
        """Keep ``buf[pos:]`` for when more bytes came (all of it, at the end of the input)."""
        if self._eof:  # the end: an unfinished tag or ReferenceList goes to libxml2 as it is
            if self._depth:
                return self._give_up(out, buf, pos)
            out.append(buf[pos:])
            self._pending = b""
            return b"".join(out)
        self._pending = buf[pos:]
        self._offset += pos
        return b"".join(out)

    def _scan(self) -> bytes:
        """Emit what is decided in ``_pending``; keep the undecided rest."""
        buf, pos = self._pending, 0
        out: list[bytes] = []
        if self._passthrough:
            self._pending = b""
            return buf
        while True:
            if self._depth:  # inside a ReferenceList that starts at pos
                end = self._region_end(buf, pos)
                if end is None:
                    if len(buf) - pos > MAX_REGION:
                        return self._give_up(out, buf, pos)
                    self._resume -= pos  # _pending will start at pos
                    return self._hold(out, buf, pos)
                if end < 0:
                    return self._give_up(out, buf, pos)
                if _find_markup(buf, pos, end) >= 0:
                    return self._give_up(out, buf, pos)
                out.append(_placeholder(buf, pos, end))
                self.removed += 1
                pos = end
                continue
            ref = buf.find(_OPEN, pos)
            limit = len(buf) if ref < 0 else ref
            markup = _find_markup(buf, pos, limit)
            if markup >= 0:
                after = self._markup_end(buf, markup)
                if after is None:
                    out.append(buf[pos:markup])
                    return self._hold(out, buf, markup)
                if after < 0:
                    return self._give_up(out, buf, pos)
                out.append(buf[pos:after])
                pos = after
                continue
            if ref < 0:
                # a tag name split at the end stays pending: hold back the last bytes
                keep = max(pos, len(buf) - (len(_OPEN) + 1))
                keep = max(keep, buf.rfind(b"<", keep))  # never split "<!" or "<?" either
                out.append(buf[pos:keep])
                return self._hold(out, buf, keep)
            if ref + len(_OPEN) >= len(buf):
                out.append(buf[pos:ref])
                return self._hold(out, buf, ref)
            if buf[ref + len(_OPEN)] not in _NAME_ENDS:
                out.append(buf[pos : ref + len(_OPEN)])  # another name, e.g. ReferenceListX
                pos = ref + len(_OPEN)
                continue
            out.append(buf[pos:ref])
            pos, self._depth, self._resume = ref, _START, ref

    def _markup_end(self, buf: bytes, at: int) -> int | None:
        """Where the allowed ``<!``/``<?`` markup at ``at`` ends; ``None``: need more bytes;
        ``-1``: not allowed (give up). Allowed: the XML declaration and a DOCTYPE without an
        internal subset."""
        rest = buf[at : at + 9]
        if rest.startswith(b"<?"):
            if self._offset + at in _XML_DECLARATION_AT and buf[:at] in (b"", _UTF8_BOM):
                end = buf.find(b"?>", at)
                if end < 0:
                    return None if len(buf) - at < _LONGEST_TAG_REST else -1
                return end + 2
            return -1
        if len(rest) < 9 and b"<!DOCTYPE".startswith(rest):
            return None
        if rest != b"<!DOCTYPE":
            return -1
        end = buf.find(b">", at)
        if end < 0:
            return None if len(buf) - at < _LONGEST_TAG_REST else -1
        if b"[" in buf[at:end]:
            return -1
        return end + 1

    def _region_end(self, buf: bytes, start: int) -> int | None:
        """End of the ReferenceList starting at ``buf[start]``; ``None``: need more bytes (the
        scan resumes where it stopped); ``-1``: give up."""
        depth, at = max(self._depth, 0), self._resume
        while True:
            name = buf.find(_NAME, at)  # bytes.find: far faster than a regex over the region
            if name < 0 or name + len(_NAME) >= len(buf):
                self._depth = depth or _START
                self._resume = (
                    max(at, len(buf) - len(_NAME) - 2) if name < 0 else max(start, name - 2)
                )
                return None
            closing = buf[name - 2 : name] == b"</"
            if not (closing or buf[name - 1 : name] == b"<") or buf[name + len(_NAME)] not in (
                _NAME_ENDS
            ):
                at = name + len(_NAME)  # the word in text, or another name (ReferenceListing)
                continue
            rest = (_END_TAG_REST if closing else _START_TAG_REST).match(buf, name + len(_NAME))
            if rest is None:
                if len(buf) - name < _LONGEST_TAG_REST and not self._eof:
                    self._depth, self._resume = depth or _START, max(start, name - 2)
                    return None
                return -1
            depth += -1 if closing else 0 if rest.group(1) else 1
            at = rest.end()
            if depth <= 0:
                self._depth, self._resume = 0, 0
                return at if depth == 0 and at > start else -1


_START = -1  # _depth while a region's start tag is not read yet


def _find_markup(buf: bytes, start: int, end: int) -> int:
    """The first ``<!`` or ``<?`` in ``buf[start:end]``, or -1. Found by their rare second byte
    (``bytes.find`` of one byte is a memchr; of ``b"<!"`` it stops at every ``<``)."""
    first = -1
    for mark in b"!?":
        at = buf.find(mark, start, end)
        while at >= 0 and (at <= start or buf[at - 1] != 0x3C):  # 0x3C: "<"
            at = buf.find(mark, at + 1, end)
        if at > 0 and (first < 0 or at - 1 < first):
            first = at - 1
            end = first  # the other mark only matters before this one
    return first


def _placeholder(buf: bytes, start: int, end: int) -> bytes:
    """As many line breaks as ``buf[start:end]`` holds, then -- if its last line is short, as in
    efetch's one-element-a-line output -- a space per character of that line. A long last line (a
    whole document on one line) is not padded: that would hand libxml2 nearly as many bytes as
    the element, so there only columns on the rest of that line shift in libxml2's errors."""
    breaks = b"\n" * buf.count(b"\n", start, end)
    last = max(start, buf.rfind(b"\n", start, end) + 1)
    if end - last > _LONGEST_PADDING:
        return breaks
    return breaks + b" " * len(buf[last:end].decode("utf-8", "replace"))
