"""Highlight extracted spans in a text as HTML, without ever changing the text.

Reviewers check every number against the abstract, so the highlighted abstract must read exactly
like the stored one: the concatenated text of the output equals the input (all of it HTML-escaped
once, here, and nowhere else). Spans may nest (a p-value inside a pre->post result) or cross; a
span that contains another becomes its parent element, and a span that crosses another is split
into parts that share one ``data-mention`` id, so no element is ever closed out of order.

The walk is the classic one for overlapping markup: cut the text at every span boundary, and for
each piece open/close elements so the stack of open elements equals the spans covering the piece,
ordered outermost first (earlier start, then later end).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape


@dataclass(frozen=True, slots=True)
class HighlightSpan:
    """One span to highlight; ``attrs`` become ``data-*`` attributes, ``tooltip`` the title."""

    mention_id: str
    start: int
    end: int
    kind: str
    tooltip: str = ""
    attrs: Mapping[str, str] = field(default_factory=dict)
    css_class: str = ""


def _order_key(span: HighlightSpan, kind_rank: Mapping[str, int]) -> tuple[int, int, int, str]:
    return (span.start, -span.end, kind_rank.get(span.kind, len(kind_rank)), span.mention_id)


def _open_tag(span: HighlightSpan, part: int) -> str:
    classes = " ".join(c for c in ("hl", f"hl-{span.kind}", span.css_class) if c)
    attrs = {
        "class": classes,
        "data-mention": span.mention_id,
        "data-kind": span.kind,
        "data-part": str(part),
        **{f"data-{k}": v for k, v in span.attrs.items()},
    }
    if span.tooltip:
        attrs["title"] = span.tooltip
    rendered = " ".join(f'{name}="{escape(value)}"' for name, value in attrs.items())
    return f"<mark {rendered}>"


def highlight(
    text: str, spans: Sequence[HighlightSpan], *, kind_order: Sequence[str] = ()
) -> Markup:
    """``text`` as escaped HTML with every span wrapped in ``<mark>`` elements.

    Spans must satisfy ``0 <= start < end <= len(text)`` (callers drop the others and report
    them; see ``report_model``). Among identical spans, ``kind_order`` decides which is outer.
    """
    for s in spans:
        if not 0 <= s.start < s.end <= len(text):
            raise ValueError(
                f"span {s.mention_id} [{s.start}, {s.end}) is empty or outside a text of "
                f"{len(text)} characters"
            )
    kind_rank = {k: i for i, k in enumerate(kind_order)}
    ordered = sorted(spans, key=lambda s: _order_key(s, kind_rank))
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    out: list[str] = []
    stack: list[HighlightSpan] = []
    parts: dict[str, int] = {}
    for lo, hi in itertools.pairwise(cuts):
        wanted = [s for s in ordered if s.start <= lo and hi <= s.end]
        keep = 0
        while keep < min(len(stack), len(wanted)) and stack[keep] is wanted[keep]:
            keep += 1
        while len(stack) > keep:
            stack.pop()
            out.append("</mark>")
        for s in wanted[keep:]:
            part = parts.get(s.mention_id, 0)
            parts[s.mention_id] = part + 1
            out.append(_open_tag(s, part))
            stack.append(s)
        out.append(str(escape(text[lo:hi])))
    out.extend("</mark>" for _ in stack)
    return Markup("".join(out))
