"""The one spaCy pipeline of the extractors, built once per process.

``spacy.blank("en")`` tokenizer, trimmed (``make_tokenizer``), and two PhraseMatchers over the
lexicons (LOWER for names and short forms, ORTH for case-sensitive abbreviations). Sentences come
from a regex splitter (scope.py): measured, the sentencizer cost a third of the tokeniser's time.
Why PhraseMatcher and regexes rather than many Matcher patterns: Matcher cost grows with the
pattern count (NOTES.md), PhraseMatcher cost barely does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import spacy
from spacy.attrs import LOWER
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.util import compile_infix_regex

from extractors.lexicon import LexiconEntry, load_entries
from extractors.scan import GatedPattern

LEXICON_FILES = ("outcomes.jsonl", "exclusions.jsonl", "drugs.jsonl", "concepts.jsonl")
# Section labels glued to the previous sentence: "injuries (TBI).Design: Case series." The blank
# tokenizer keeps "TBI).Design" as one token, so the sentencizer cannot split there.
GLUED_SENTENCE_INFIX = r"(?<=[A-Za-z0-9)\]])\.(?=[A-Z][a-z]+)"


@dataclass(frozen=True, slots=True)
class Pipeline:
    nlp: Language
    # Synonyms and short forms, case-insensitive, in one matcher (one pass over the doc).
    names: PhraseMatcher
    abbreviations: PhraseMatcher  # abbreviations, case-sensitive
    # Match key -> (lexicon file, entry): entry ids, and the keys of short forms (below).
    entries: dict[str, tuple[str, LexiconEntry]]
    # Short-form match key -> its entry id: forms that name an entry only by reference
    # ("Ashworth", "spasm score"; extractors/references.py decides).
    short_form_keys: dict[str, str]
    by_phrase: dict[str, tuple[str, LexiconEntry]]  # lower-cased surface form -> entry
    title_itb: GatedPattern  # ITB concept terms, for titles (a regex: no tokenising needed)
    title_hsp: GatedPattern
    # Bare-form match key -> its entry id: a construct's bare word ("spasticity"), an outcome
    # only where the gate finds a finding on it (extractors/outcome_gate.py).
    bare_form_keys: dict[str, str]
    # (generic scale id, construct id) -> the construct's version of the scale ("outcome.nrs",
    # "outcome.pain") -> Pain Numeric Rating Scale; LexiconEntry.rates).
    rated_scales: dict[tuple[str, str], LexiconEntry]
    # Ids of the generic scales that have a construct's version (Numeric Rating Scale).
    generic_scales: frozenset[str]
    # Lower-cased words of the constructs those scales rate (synonyms and bare forms) -> the
    # construct's id: "spasticity" read as a construct where it also refers to an Ashworth scale.
    construct_words: dict[str, str]


# Suffix of the match key under which an entry's short forms are added to the names matcher.
SHORT_FORM_KEY = " (short form)"
BARE_FORM_KEY = " (bare form)"
# Typeset names join words with other dashes than the lexicon's hyphen-minus: "Barry–Albright".
DASH_VARIANTS = ("\u2010", "\u2011", "\u2013", "\u2014")
# Surface-form rules for lexicon data (the data lists a name once; these write its variants):
# an instrument head also appears as "<name> score(s)", a scale as its score and back.
_SCORED_HEADS = ("scale", "index", "test", "questionnaire", "inventory", "measure", "profile")
_HEAD_SWAPS = {"scale": "score", "score": "scale"}
# American and British spellings of the same name ("visual analog scale", "10-meter walk test").
_SPELLINGS = (
    ("analogue", "analog"),
    ("metre", "meter"),
    ("behaviour", "behavior"),
    ("ising", "izing"),
    ("isation", "ization"),
    ("paediatric", "pediatric"),
)


def _head_forms(phrase: str) -> list[str]:
    words = phrase.split()
    if len(words) < 2:
        return [phrase]
    last = words[-1].lower()
    out = [phrase]
    if last in _SCORED_HEADS:
        out.append(phrase + " score")
    if last in _HEAD_SWAPS:
        out.append(" ".join([*words[:-1], _HEAD_SWAPS[last]]))
    return out


def _spelling_forms(phrase: str) -> list[str]:
    out = [phrase]
    for british, american in _SPELLINGS:
        for a, b in ((british, american), (american, british)):
            swapped = re.sub(rf"{a}(?![a-z])", b, phrase, flags=re.I)
            if swapped != phrase:
                out.append(swapped)
                break
    return out


def _plural(phrase: str) -> str | None:
    if not phrase[-1:].isalpha() or phrase.endswith("s"):
        return None
    return phrase + ("es" if phrase.endswith(("x", "ch", "sh")) else "s")


def surface_variants(phrase: str) -> list[str]:
    """The phrase and the forms the rules above write for it: head word variants ("Ashworth
    scale" -> "Ashworth score", "Ashworth scale score"), spellings, plurals ("Ashworth scores"),
    a hyphen written as a space or as a typeset dash ("Barry–Albright"). Order: the phrase first."""
    forms = [v for h in _head_forms(phrase) for v in _spelling_forms(h)]
    forms += [p for p in map(_plural, list(forms)) if p]
    if "-" in phrase:
        forms += [f.replace("-", " ") for f in list(forms)]
        forms += [f.replace("-", dash) for f in list(forms) if "-" in f for dash in DASH_VARIANTS]
    return list(dict.fromkeys(forms))


def make_tokenizer() -> Language:
    """``spacy.blank("en")`` as the extractors use it: the glued-section infix, only LOWER, no
    URL matching, no special cases.

    Only LOWER and ORTH are read (the two PhraseMatchers; offsets come from ``Token.idx``). Every
    other lexical attribute getter (shape, like_num, like_url, stop words, norms ...) runs once
    per new word: on a first pass over new abstracts that was half of the tokenising time
    (measured in benchmarks/extract_throughput.py), for values nothing reads. Tokens are the
    same: the getters fill attributes, they do not split text."""
    nlp = spacy.blank("en")
    vocab: Any = nlp.vocab
    vocab.lex_attr_getters = {LOWER: str.lower}
    infixes: list[Any] = [*(nlp.Defaults.infixes or ()), GLUED_SENTENCE_INFIX]
    tokenizer: Any = nlp.tokenizer
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    # The URL regex is tried on every new word and only keeps URLs whole, which no lexicon term
    # is: 8% of first-pass tokenising, tokens unchanged except inside URLs (measured on 374
    # abstracts: one URL split differently, extraction output identical).
    tokenizer.url_match = None
    # Nor are the English special cases ("don't", "a.m.", "e.g.", emoticons) part of any lexicon
    # term; dropped, they no longer cost a lookup per new word (extraction output identical on
    # 374 abstracts and every gold file, measured).
    tokenizer.rules = {}
    # A purely alphabetic string has no prefix, suffix or infix: every English affix pattern
    # needs punctuation, a symbol or a digit. Skipping the three regex searches for such words
    # (most words of an abstract) nearly halves first-pass tokenising; tokens are unchanged.
    prefix_search, suffix_search, infix_finditer = (
        tokenizer.prefix_search,
        tokenizer.suffix_search,
        tokenizer.infix_finditer,
    )
    tokenizer.prefix_search = lambda s: None if s.isalpha() else prefix_search(s)
    tokenizer.suffix_search = lambda s: None if s.isalpha() else suffix_search(s)
    tokenizer.infix_finditer = lambda s: iter(()) if s.isalpha() else infix_finditer(s)
    return nlp


@cache
def get_pipeline() -> Pipeline:
    """Build the tokenizer and matchers once per process."""
    nlp = make_tokenizer()
    names = PhraseMatcher(nlp.vocab, attr="LOWER")
    abbreviations = PhraseMatcher(nlp.vocab, attr="ORTH")
    entries: dict[str, tuple[str, LexiconEntry]] = {}
    short_form_keys: dict[str, str] = {}
    bare_form_keys: dict[str, str] = {}
    by_phrase: dict[str, tuple[str, LexiconEntry]] = {}
    for lexicon in LEXICON_FILES:
        for entry in load_entries(lexicon):
            entries[entry.id] = (lexicon, entry)
            # The canonical name is matched only when no synonyms are listed: two entries may share
            # a canonical name ("baclofen" for oral and intrathecal) but not their surface forms.
            surface = entry.synonyms or (entry.canonical,)
            phrases = [v for s in surface for v in surface_variants(s)]
            for phrase in phrases:
                by_phrase.setdefault(phrase.lower(), (lexicon, entry))
            names.add(entry.id, [nlp.make_doc(p) for p in dict.fromkeys(phrases)])
            if entry.abbreviations:
                abbreviations.add(entry.id, [nlp.make_doc(a) for a in entry.abbreviations])
            if entry.short_forms:
                key = f"{entry.id}{SHORT_FORM_KEY}"
                entries[key] = (lexicon, entry)
                short_form_keys[key] = entry.id
                forms = dict.fromkeys(v for s in entry.short_forms for v in surface_variants(s))
                names.add(key, [nlp.make_doc(f) for f in forms])
            if entry.bare_forms:
                key = f"{entry.id}{BARE_FORM_KEY}"
                entries[key] = (lexicon, entry)
                bare_form_keys[key] = entry.id
                forms = dict.fromkeys(v for s in entry.bare_forms for v in surface_variants(s))
                names.add(key, [nlp.make_doc(f) for f in forms])
    # The tokenizer caches at most ``max_cache_size`` (10,000) distinct strings, and the ~10,000
    # pattern docs above filled it with lexicon words: no abstract word was cached any more and a
    # second pass over the same abstracts tokenised 4x slower (measured: 195 vs 45 us/abstract).
    # Setting the (empty) rules again is spaCy's public way to empty that cache.
    tokenizer: Any = nlp.tokenizer
    tokenizer.rules = {}
    rated_scales = {
        (entry.rates[0], entry.rates[1]): entry
        for _, entry in entries.values()
        if len(entry.rates) == 2
    }
    return Pipeline(
        nlp,
        names,
        abbreviations,
        entries,
        short_form_keys,
        by_phrase,
        _concept_regex(entries, "itb"),
        _concept_regex(entries, "hsp"),
        bare_form_keys,
        rated_scales,
        frozenset(scale for scale, _ in rated_scales),
        {
            word.lower(): construct
            for _, construct in rated_scales
            for word in (*entries[construct][1].synonyms, *entries[construct][1].bare_forms)
        },
    )


def _concept_regex(entries: dict[str, tuple[str, LexiconEntry]], kind: str) -> GatedPattern:
    """One alternation of a concept's surface forms (names case-insensitive, abbreviations not),
    gated by the longest word of each name and by the abbreviations themselves."""
    names: list[str] = []
    abbreviations: list[str] = []
    for _, entry in entries.values():
        if entry.kind == kind:
            names += entry.synonyms
            abbreviations += entry.abbreviations
    name_alt = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    abbr_alt = "|".join(re.escape(a) for a in sorted(abbreviations, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-])(?:(?i:{name_alt})|{abbr_alt})(?![\w])")
    longest_words = {max(n.lower().split(), key=len) for n in names}
    return GatedPattern(pattern, tuple(sorted(longest_words)), tuple(sorted(set(abbreviations))))
