"""Report stage: one static, self-contained HTML file for reviewers (``itb-evidence report``).

Self-contained on purpose: the file is mailed around and opened offline, so CSS, the sort script
and the plots are inline, and nothing is fetched (no fonts, no CDN, no images by URL). The
template is autoescaped; the only pre-rendered HTML it receives is what ``report_spans`` (the
highlighted abstract) and ``report_plots`` (SVG) built and escaped themselves, plus the PRISMA
SVG, which is parsed and checked to be a script-free ``<svg>`` before it is inlined.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from lxml import etree
from markupsafe import Markup

from itb_evidence.report.fulltext import load_fulltext_views
from itb_evidence.report.model import load_report_model
from itb_evidence.report.views import KIND_LABELS, MENTION_KINDS
from itb_evidence.store.store import EvidenceStore

log = logging.getLogger(__name__)

TEMPLATE = "report.html.j2"
SVG_NS = "http://www.w3.org/2000/svg"


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("itb_evidence.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def checked_svg(svg: str) -> Markup:
    """``svg`` as inline markup, after checking it is one well-formed, script-free ``<svg>``."""
    try:
        root = etree.fromstring(svg.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"PRISMA diagram is not well-formed SVG/XML: {exc}") from exc
    if etree.QName(root).localname != "svg":
        raise ValueError(f"PRISMA diagram must be an <svg> element, got <{root.tag}>")
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name = etree.QName(el).localname.lower()
        handlers = [a for a in el.attrib if str(a).lower().startswith("on")]
        if name in ("script", "foreignobject") or handlers:
            raise ValueError(f"PRISMA diagram contains active content (<{name}> {handlers})")
    if root.nsmap.get(None) is None:
        root.set("xmlns", SVG_NS)
    return Markup(etree.tostring(root, encoding="unicode"))


def render_report(
    store: EvidenceStore,
    *,
    prisma_svg: str | None = None,
    changes: Sequence[str] = (),
    generated_at: datetime | None = None,
) -> str:
    """The report as an HTML string (deterministic for a fixed ``generated_at``)."""
    model = load_report_model(store)
    when = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    template = _environment().get_template(TEMPLATE)
    return template.render(
        model=model,
        prisma=checked_svg(prisma_svg) if prisma_svg else None,
        changes=list(changes),
        generated_at=when,
        kinds=[(k, KIND_LABELS[k]) for k in MENTION_KINDS],
        fulltext=load_fulltext_views(store),
    )


def write_report(
    store: EvidenceStore,
    out: Path,
    *,
    prisma_svg: str | None = None,
    changes: Sequence[str] = (),
    generated_at: datetime | None = None,
) -> Path:
    """Render and write ``out`` (UTF-8), creating its directory; returns ``out``."""
    html = render_report(store, prisma_svg=prisma_svg, changes=changes, generated_at=generated_at)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    log.info("wrote report %s (%d bytes)", out, len(html.encode("utf-8")))
    return out
