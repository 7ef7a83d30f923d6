"""metafor-ready pre/post table: one row per study x outcome with n, pre/post mean and SD.

Where a paper reports median with IQR or range, mean and SD are estimated (Luo et al. 2018 for
the mean, Wan et al. 2014 for the SD, chosen per the statistics available; see ``estimates``), and
every value says whether it was reported or estimated, and how, in its own column, and how sure
the extraction is of it (``confidence`` of the pair, ``link_confidence`` of its outcome,
``n_confidence`` of the sample size). Rows a curator
rejected, and rows without both sides or without n, are left out (and counted by the caller).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from itb_evidence.export.estimates import MeanSDEstimate, estimate_mean_sd

COLUMNS = [
    "study",
    "pmid",
    "outcome",
    "n",
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
    "p_comparator",
    "p_value",
    "source_text",
    # how sure each input is (extractors.confidence): the pair, its outcome link, and n
    "confidence",
    "link_confidence",
    "n_confidence",
]


def _num(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def side_estimate(row: pd.Series, side: str, n: int) -> MeanSDEstimate | None:
    """Mean/SD of one side of a pre/post row, or None when the statistics do not allow one."""
    stat, value = row[f"{side}_stat"], _num(row[f"{side}_value"])
    spread = row[f"{side}_spread_type"]
    lo, hi, sd = (
        _num(row[f"{side}_spread_lo"]),
        _num(row[f"{side}_spread_hi"]),
        _num(row[f"{side}_sd"]),
    )
    if value is None:
        return None
    try:
        if stat == "mean" and sd is not None:
            return estimate_mean_sd(n=n, mean=value, sd=sd)
        if stat == "median" and spread == "iqr" and lo is not None and hi is not None:
            return estimate_mean_sd(n=n, median=value, q1=lo, q3=hi)
        if stat == "median" and spread == "range" and lo is not None and hi is not None:
            return estimate_mean_sd(n=n, median=value, minimum=lo, maximum=hi)
    except ValueError:
        return None
    return None


def metafor_table(studies: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    included = studies[studies["included"].astype(bool)].set_index("pmid")
    rows: list[dict[str, Any]] = []
    for _, row in outcomes.iterrows():
        if row["row_kind"] != "result" or bool(row.get("rejected", False)):
            continue
        if row["pmid"] not in included.index:
            continue
        study = included.loc[row["pmid"]]
        n_value = _num(study["sample_size"])
        if n_value is None or n_value < 2:
            continue
        n = int(n_value)
        pre, post = side_estimate(row, "pre", n), side_estimate(row, "post", n)
        if pre is None or post is None:
            continue
        label = f"{str(study['citation']).split(',')[0].split('.')[0]} {study['year']}"
        rows.append(
            {
                "study": label,
                "pmid": row["pmid"],
                "outcome": row["outcome"],
                "n": n,
                "pre_mean": pre.mean,
                "pre_sd": pre.sd,
                "pre_mean_method": pre.mean_method,
                "pre_sd_method": pre.sd_method,
                "pre_estimated": pre.estimated,
                "post_mean": post.mean,
                "post_sd": post.sd,
                "post_mean_method": post.mean_method,
                "post_sd_method": post.sd_method,
                "post_estimated": post.estimated,
                "p_comparator": row["p_comparator"],
                "p_value": row["p_value"],
                "source_text": row["source_text"],
                "confidence": row.get("confidence"),
                "link_confidence": row.get("link_confidence"),
                "n_confidence": study.get("sample_size_confidence"),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
