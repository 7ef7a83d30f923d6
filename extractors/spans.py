"""Every provenance record of a study extraction, for span checks (``text == field[start:end]``)."""

from __future__ import annotations

from extractors.types import Provenance, StudyExtraction


def all_provenances(se: StudyExtraction) -> list[Provenance]:
    """Provenance of every mention, result, test statistic and the sample size and the
    follow-up, in that order."""
    provs: list[Provenance] = [o.prov for o in se.outcome_measures]
    provs += [d.prov for d in se.doses]
    provs += [p.prov for p in se.p_values]
    provs += [r.prov for r in se.results]
    provs += [t.prov for t in se.test_statistics if t.prov is not None]
    if se.sample_size is not None:
        provs.append(se.sample_size.prov)
    if se.follow_up is not None:
        provs.append(se.follow_up.prov)
    return provs
