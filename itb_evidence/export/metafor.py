"""metafor-ready pre/post table: one row per study x outcome with n, pre/post mean and SD, ri.

Each side is converted by ``meta.conversions`` (reported mean ± SD as is; SE and 95% CI turned
into an SD; median with IQR or range estimated by Luo 2018 / Wan 2014 / Shi 2020), and every
value says how in its own column. ``ni``, ``ri`` and ``pi`` are metafor's argument names, so

    escalc(measure="SMCR", m1i=post_mean, m2i=pre_mean, sd1i=pre_sd, ni=ni, ri=ri, data=dat)

runs on the file as it is (MC and SMCC also take ``sd2i=post_sd``): ``ri`` is the pre-post
correlation recovered from a paired t(n - 1) the paper reports, else the assumed 0.5
(``ri_source`` says which); ``pi`` is that test's exact p signed as post - pre, for metafor >= 4,
which can derive ri from it. Rows a curator rejected, and rows without both sides or without n,
are left out (and counted by the caller); a row ``itb-evidence meta`` would not pool (a skewed
median summary, a second timepoint of the same study, a retracted study) is exported with the
reason in ``meta_note``, for the reviewer to decide. How sure the extraction is of each input:
``confidence`` of the pair, ``link_confidence`` of its outcome, ``n_confidence`` of the sample size.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from itb_evidence.meta.effects import DEFAULT_RI, resolve_ri
from itb_evidence.meta.studies import study_rows

COLUMNS = [
    "study",
    "pmid",
    "outcome",
    "timepoint",
    "n",
    "ni",
    "pre_mean",
    "pre_sd",
    "pre_mean_method",
    "pre_sd_method",
    "pre_estimated",
    "post_mean",
    "post_sd",
    "post_mean_method",
    "post_sd_method",
    "post_estimated",
    "ri",
    "ri_source",
    "pi",
    "p_comparator",
    "p_value",
    "meta_note",
    "source_text",
    # how sure each input is (extractors.confidence): the pair, its outcome link, and n
    "confidence",
    "link_confidence",
    "n_confidence",
]


def metafor_table(studies: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    kept = outcomes
    if "rejected" in outcomes:
        kept = outcomes[~outcomes["rejected"].fillna(False).astype(bool)]
    by_span = {
        (str(r["pmid"]), r["outcome"], r["span_start"]): r
        for _, r in kept[kept["row_kind"] == "result"].iterrows()
    }
    n_confidence = (
        {str(r["pmid"]): r.get("sample_size_confidence") for _, r in studies.iterrows()}
        if "sample_size_confidence" in studies
        else {}
    )
    rows: list[dict[str, Any]] = []
    for s in study_rows(studies, kept):
        if s.pre is None or s.post is None or s.n is None:
            continue
        corr = resolve_ri(
            n=s.n,
            pre_mean=s.pre.mean,
            pre_sd=s.pre.sd,
            post_mean=s.post.mean,
            post_sd=s.post.sd,
            t=s.t,
            signed_p=s.signed_p,
            assumed=DEFAULT_RI,
        )
        source = by_span.get((s.pmid, s.outcome, s.span_start))
        rows.append(
            {
                "study": s.study,
                "pmid": s.pmid,
                "outcome": s.outcome,
                "timepoint": s.timepoint,
                "n": s.n,
                "ni": s.n,
                "pre_mean": s.pre.mean,
                "pre_sd": s.pre.sd,
                "pre_mean_method": s.pre.mean_method,
                "pre_sd_method": s.pre.sd_method,
                "pre_estimated": s.pre.estimated,
                "post_mean": s.post.mean,
                "post_sd": s.post.sd,
                "post_mean_method": s.post.mean_method,
                "post_sd_method": s.post.sd_method,
                "post_estimated": s.post.estimated,
                "ri": corr.ri,
                "ri_source": corr.source + (f" ({corr.note})" if corr.note else ""),
                "pi": s.signed_p,
                "p_comparator": None if source is None else source["p_comparator"],
                "p_value": None if source is None else source["p_value"],
                "meta_note": s.reason,
                "source_text": s.source_text,
                "confidence": None if source is None else source.get("confidence"),
                "link_confidence": None if source is None else source.get("link_confidence"),
                "n_confidence": n_confidence.get(s.pmid),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
