"""ESearch: complete results past the 9,999-id window by date splitting, and PubMed's
ErrorList/WarningList (real responses from ../shared/eutils_xml) as clear errors/warnings."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from itb_evidence.pubmed.entrez import EutilsErrorResponse, top_level_errors
from itb_evidence.pubmed.search import ESEARCH_WINDOW, SearchError, parse_esearch, search_pubmed
from itb_evidence.pubmed.xmlreader import MalformedXMLError, parse_safely
from tests.conftest import shared_path
from tests.support.fake_eutils import FakeEutils, Fault


def _eutils(name: str) -> Path:
    return shared_path("eutils_xml", name)


# ----------------------------------------------------------------------------- plain search


def test_search_returns_count_translation_history_and_all_ids(fake_eutils: FakeEutils) -> None:
    result = search_pubmed("intrathecal baclofen")
    served = fake_eutils.search("intrathecal baclofen", "edat", None, None)
    assert result.count == len(served) >= 1
    assert set(result.pmids) == set(served) and len(result.pmids) == len(served)
    assert "31507512" in result.pmids
    assert result.query_translation == "intrathecal baclofen[All Fields]"
    assert result.webenv is not None and result.webenv.startswith("MCID_fake_")
    assert result.query_key == "1"
    assert result.warnings == ()
    assert len(result.slices) == 1 and result.slices[0].mindate is None
    (request,) = fake_eutils.requests
    assert request.params["usehistory"] == "y"
    assert request.params["retmax"] == str(ESEARCH_WINDOW)
    assert "mindate" not in request.params


def test_date_window_is_sent_and_applied(fake_eutils: FakeEutils) -> None:
    result = search_pubmed(
        "baclofen", since=date(2019, 1, 1), until=date(2019, 12, 31), datetype="pdat"
    )
    (request,) = fake_eutils.requests
    assert (request.params["mindate"], request.params["maxdate"]) == ("2019/01/01", "2019/12/31")
    assert request.params["datetype"] == "pdat"
    expected = fake_eutils.search("baclofen", "pdat", date(2019, 1, 1), date(2019, 12, 31))
    assert set(result.pmids) == set(expected)
    assert "31507512" in result.pmids  # published September 2019
    assert result.slices[0].mindate == date(2019, 1, 1)


def test_empty_result_is_never_silent(fake_eutils: FakeEutils) -> None:
    result = search_pubmed("zzzznotawordanywhere")
    assert result.count == 0 and result.pmids == ()
    assert result.warnings == ("PubMed found no records for this query and window",)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="datetype"):
        search_pubmed("x", datetype="year")
    with pytest.raises(ValueError, match="after"):
        search_pubmed("x", since=date(2020, 1, 2), until=date(2020, 1, 1))


# ----------------------------------------------------------------------------- > 9,999 records


def _synthetic(n: int, start: date, days: int, seed: int) -> list[tuple[str, date]]:
    rng = random.Random(seed)
    pmids = rng.sample(range(10_000_000, 40_000_000), n)
    return [(str(p), start + timedelta(days=rng.randrange(days))) for p in pmids]


def test_more_than_9999_records_are_collected_by_date_splitting(
    fake_eutils: FakeEutils, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NCBI_API_KEY", "test-key")  # 10 requests/s keeps this test short
    entries = _synthetic(25_000, date(2001, 1, 1), 20 * 365, seed=3)
    # Two records re-dated while the search ran: each is listed under two dates.
    early = next(pmid for pmid, day in entries if day.year < 2004)
    late = next(pmid for pmid, day in entries if day.year > 2017)
    entries += [(early, date(2019, 6, 1)), (late, date(2002, 2, 2))]
    fake_eutils.add_synthetic("spastic paraplegia all", entries)

    result = search_pubmed(
        "spastic paraplegia all", since=date(2001, 1, 1), until=date(2020, 12, 31)
    )

    expected = {pmid for pmid, _ in entries}
    assert result.count == 25_000
    assert len(result.pmids) == len(set(result.pmids)) == 25_000
    assert set(result.pmids) == expected
    assert result.warnings == ()
    # The slices tile the window without gap or overlap, each under the window limit.
    assert result.slices[0].mindate == date(2001, 1, 1)
    assert result.slices[-1].maxdate == date(2020, 12, 31)
    for before, after in zip(result.slices, result.slices[1:], strict=False):
        assert before.maxdate is not None and after.mindate is not None
        assert after.mindate == before.maxdate + timedelta(days=1)
    assert all(0 < s.count <= ESEARCH_WINDOW for s in result.slices)
    assert sum(s.count for s in result.slices) == 25_002  # the two re-dated ones counted twice
    assert len(result.slices) == 4  # 25,000 over 20 years: halves hold ~12.5k, quarters ~6.2k
    # Every slice request joined the first request's history (one WebEnv).
    requests = fake_eutils.requests
    assert len(requests) == 1 + 2 + 4
    assert {r.params.get("WebEnv") for r in requests[1:]} == {result.webenv}


@pytest.mark.shared  # needs more records than the bundled snapshot holds
def test_forced_large_count_for_wide_windows_splits_a_real_search(
    fake_eutils: FakeEutils, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fake claims 20,000 hits for any window wider than ~4 years; the split still finds
    exactly the ids the unsplit search finds, and the disagreement is reported."""
    monkeypatch.setenv("NCBI_API_KEY", "test-key")
    plain = search_pubmed("baclofen", since=date(1990, 1, 1), until=date(2024, 12, 31))

    def forced(term: str, lo: date | None, hi: date | None) -> int | None:
        if lo is not None and hi is not None and (hi - lo).days > 4 * 366:
            return 20_000
        return None

    fake_eutils.count_override = forced
    split = search_pubmed("baclofen", since=date(1990, 1, 1), until=date(2024, 12, 31))
    assert split.count == 20_000
    assert set(split.pmids) == set(plain.pmids) and len(split.pmids) == len(plain.pmids) > 0
    assert all(
        s.maxdate and s.mindate and (s.maxdate - s.mindate).days <= 4 * 366 for s in split.slices
    )
    assert len(split.slices) == 16  # 35 years halved four times
    assert any("Count 20000" in w and f"{len(plain.pmids)} distinct" in w for w in split.warnings)


def test_a_single_day_over_the_window_is_a_clear_error(
    fake_eutils: FakeEutils, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NCBI_API_KEY", "test-key")
    day = date(2010, 5, 5)
    fake_eutils.add_synthetic("bulk load", [(str(20_000_000 + i), day) for i in range(10_500)])
    with pytest.raises(SearchError, match=r"edat 2010/05/05 alone holds 10500 records"):
        search_pubmed("bulk load", since=date(2010, 5, 1), until=date(2010, 5, 8))


# ----------------------------------------------------------------------------- real responses


def test_real_error_list_response_is_a_clear_search_error(fake_eutils: FakeEutils) -> None:
    fake_eutils.inject(Fault("replay", body=_eutils("biopython-esearch8.xml").read_bytes()))
    with pytest.raises(SearchError) as raised:
        search_pubmed("abcXYZ")
    message = str(raised.value)
    assert "PhraseNotFound: abcXYZ" in message
    assert "OutputMessage: No items found." in message
    assert "correct the query" in message


def test_warning_list_is_kept_on_the_result(fake_eutils: FakeEutils) -> None:
    body = (
        b"<eSearchResult><Count>1</Count><RetMax>1</RetMax><RetStart>0</RetStart>"
        b"<IdList><Id>31507512</Id></IdList><TranslationSet/>"
        b"<QueryTranslation>baclofen[All Fields]</QueryTranslation><WarningList>"
        b'<PhraseIgnored>of</PhraseIgnored><QuotedPhraseNotFound>"itb hsp"</QuotedPhraseNotFound>'
        b"</WarningList></eSearchResult>"
    )
    fake_eutils.inject(Fault("replay", body=body))
    result = search_pubmed('baclofen of "itb hsp"')
    assert result.pmids == ("31507512",)
    assert result.warnings == ("PhraseIgnored: of", 'QuotedPhraseNotFound: "itb hsp"')


def test_top_level_error_is_retried_then_reported(fake_eutils: FakeEutils) -> None:
    body = b"<eSearchResult><ERROR>Search Backend failed: timeout</ERROR></eSearchResult>"
    fake_eutils.inject(Fault("replay", body=body), times=4)
    with pytest.raises(SearchError, match=r"failed after 4 tries.*Search Backend failed: timeout"):
        search_pubmed("baclofen")


@pytest.mark.parametrize(
    ("name", "count", "n_ids", "translation", "webenv", "query_key"),
    [
        ("biopython-esearch1.xml", 63, 20, '"biopython"[All Fields]', None, None),
        ("biopython-esearch2.xml", 42249, 100, None, "MCID_6927d6e7fee3e90f880ec190", "1"),
        (
            "biopython-esearch3.xml",
            2651,
            6,
            '"proc natl acad sci u s a"[Journal] AND "97"[Volume]',
            None,
            None,
        ),
        ("biopython-esearch4.xml", 177, 20, "obstetrics[All Fields]", None, None),
        (
            "biopython-esearch9.xml",
            2,
            2,
            "#2",
            "NCID_1_214573425_130.14.18.34_9001_1448030770_1520095147_0MetA0_S_MegaStore_F_1",
            "19",
        ),
    ],
)
def test_real_esearch_responses_parse(
    name: str,
    count: int,
    n_ids: int,
    translation: str | None,
    webenv: str | None,
    query_key: str | None,
) -> None:
    page = parse_esearch(_eutils(name).read_bytes())
    assert (page.count, len(page.ids)) == (count, n_ids)
    if translation is not None:
        assert page.query_translation == translation
    assert (page.webenv, page.query_key) == (webenv, query_key)
    assert page.errors == () and page.warnings == ()


def test_every_real_esearch_response_parses_or_reports() -> None:
    files = sorted(shared_path("eutils_xml").glob("biopython-esearch*.xml"))
    assert len(files) == 9
    with_errors = {f.name for f in files if parse_esearch(f.read_bytes()).errors}
    assert with_errors == {"biopython-esearch8.xml"}
    page = parse_esearch(_eutils("biopython-esearch8.xml").read_bytes())
    assert page.errors == ("PhraseNotFound: abcXYZ",)
    assert page.warnings == ("OutputMessage: No items found.",)


@pytest.mark.parametrize(
    ("name", "errors"),
    [
        ("biopython-epost2.xml", ["Invalid db name specified: nothing"]),
        (
            "biopython-epost3.xml",
            [
                "Empty ID list; Nothing to store",
                "Some IDs have invalid value and were omitted. "
                "Maximum ID value 18446744073709551615",
            ],
        ),
        ("biopython-esummary8.xml", ["Neither query_key nor id specified"]),
        ("biopython-espell.xml", []),  # an empty <ERROR/> is not an error
        ("biopython-einfo1.xml", []),
    ],
)
def test_top_level_errors_in_real_responses(name: str, errors: list[str]) -> None:
    assert top_level_errors(parse_safely(_eutils(name).read_bytes(), what=name)) == errors


def test_non_esearch_documents_are_refused_clearly() -> None:
    with pytest.raises(MalformedXMLError, match="expected <eSearchResult>, got <ePostResult>"):
        parse_esearch(_eutils("biopython-epost2.xml").read_bytes())
    with pytest.raises(EutilsErrorResponse, match="Invalid query"):
        parse_esearch(b"<eSearchResult><ERROR>Invalid query</ERROR></eSearchResult>")
    with pytest.raises(MalformedXMLError, match="Count"):
        parse_esearch(b"<eSearchResult><IdList/></eSearchResult>")


def test_an_empty_window_is_informational_other_warnings_are_not() -> None:
    from itb_evidence.pubmed.search import NO_RESULTS, is_informational

    assert is_informational(NO_RESULTS)
    assert is_informational("OutputMessage: No items found.")
    assert not is_informational("QuotedPhraseNotFound: spastic foo")
