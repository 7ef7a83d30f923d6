"""The names this module used to define, kept for callers: the scope model lives in
``extractors.scope`` (``FieldContext`` is ``Scope``, ``build_context`` is ``build_scope``)."""

from __future__ import annotations

from extractors.scope import (
    INLINE_SECTION_LABEL,
    NON_FINAL_ABBREVIATIONS,
    SENTENCE_BREAK,
    Scope,
    build_scope,
    split_sentences,
)

FieldContext = Scope
build_context = build_scope

__all__ = [
    "INLINE_SECTION_LABEL",
    "NON_FINAL_ABBREVIATIONS",
    "SENTENCE_BREAK",
    "FieldContext",
    "build_context",
    "split_sentences",
]
