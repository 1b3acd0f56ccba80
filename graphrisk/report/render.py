"""The whole page: :func:`render_report` builds it, :func:`write_report` writes it to one file.

The page is self-contained: inline CSS, figures as ``data:`` PNG URIs, no script, and a
Content-Security-Policy that forbids the browser to fetch anything, so it opens offline and
can be mailed or archived as it is.

The rings come first (every ring, largest exposure first), then the next steps, the run and
the model's metrics. The ``graphrisk query`` commands have no copy button: a button needs a
script, which the page's policy forbids; instead a click on a command selects all of it
(CSS ``user-select: all``), ready for Ctrl+C, in every browser and with scripts off.
"""

from __future__ import annotations

from pathlib import Path

from graphrisk.report.calibration_section import calibration_section
from graphrisk.report.content import ReportContent
from graphrisk.report.markup import Safe, element
from graphrisk.report.ring_sections import ring_sections
from graphrisk.report.sections import (
    SECTION_IDS,
    metrics_section,
    next_steps_section,
    pr_curves_section,
    score_distributions_section,
    summary_section,
)

__all__ = ["render_report", "write_report"]

#: No network, no script: images from data URIs and the inline style sheet only.
_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       margin: 0 auto; max-width: 1200px; padding: 0 1.5rem 3rem; color: #222; line-height: 1.45; }
header { border-bottom: 2px solid #444; margin-bottom: 1rem; }
h1 { margin: 1.2rem 0 0.3rem; font-size: 1.7rem; }
h2 { margin-top: 2.2rem; border-bottom: 1px solid #ccc; font-size: 1.3rem; }
h3 { font-size: 1.05rem; margin-bottom: 0.3rem; }
nav ol { display: flex; flex-wrap: wrap; gap: 0.4rem 1.2rem; padding-left: 0; margin: 0.4rem 0 1rem;
         list-style-position: inside; }
a { color: #1f5fa8; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #d4d4d4; padding: 0.25rem 0.55rem; text-align: left; vertical-align: top; }
th { background: #f1f1f1; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.best { background: #d9f2d9; font-weight: 600; }
table.rings td { white-space: nowrap; }
table.rings td:last-child { white-space: normal; min-width: 14rem; overflow-wrap: anywhere; }
article.ring { border-top: 1px solid #ddd; margin-top: 1.6rem; padding-top: 0.2rem; }
article.ring h3 { font-size: 1.1rem; }
span.exposure { font-weight: normal; color: #444; }
p.facts { margin: 0.2rem 0 0.6rem; }
details { margin: 0.4rem 0; }
summary { cursor: pointer; font-weight: 600; }
ul.shared { margin: 0.3rem 0; overflow-wrap: anywhere; }
ul.queries { list-style: none; padding-left: 0; margin: 0.2rem 0; }
pre.command { background: #f6f6f6; padding: 0.4rem 0.7rem; margin: 0.2rem 0 0.5rem; white-space: pre-wrap;
              overflow-wrap: anywhere; }
pre.command code { user-select: all; -webkit-user-select: all; }
span.fraud { color: #b00020; font-weight: 600; }
span.more, p.note, footer { color: #666; }
p.note { font-size: 0.88rem; }
img.figure { max-width: 100%; height: auto; border: 1px solid #e3e3e3; }
figure { margin: 0.4rem 0; border: 1px solid #e3e3e3; padding: 0.4rem; max-width: 100%; width: fit-content; }
figure img { max-width: 100%; height: auto; display: block; }
ol.steps pre { background: #f6f6f6; padding: 0.5rem 0.7rem; white-space: pre-wrap; overflow-wrap: anywhere;
               margin: 0.3rem 0; }
footer { margin-top: 3rem; font-size: 0.8rem; border-top: 1px solid #ddd; padding-top: 0.5rem; }
"""


def render_report(content: ReportContent) -> str:
    """The report as one HTML page (a string).

    Parameters
    ----------
    content
        What to show (:class:`~graphrisk.report.ReportContent`).

    Returns
    -------
    str
        An HTML5 document with the sections of
        :data:`~graphrisk.report.sections.SECTION_IDS` in that order (``next-steps`` only when
        there are steps), each a ``<section>`` with that ``id``: every ring first, largest
        exposure first, then the run and the model's metrics.

    Raises
    ------
    TypeError
        ``content`` is not a ReportContent.
    """
    from graphrisk import __version__

    if not isinstance(content, ReportContent):
        raise TypeError(f"content must be a ReportContent, got {type(content).__name__}")
    sections = [
        *ring_sections(content),
        next_steps_section(content.next_steps),
        summary_section(content),
        metrics_section(content.comparison),
        pr_curves_section(content.comparison),
        score_distributions_section(content.comparison),
        calibration_section(content.calibration),
    ]
    shown = [i for i in SECTION_IDS if i != "next-steps" or content.next_steps]
    nav = element("nav", element("ol", *(element("li", element("a", SECTION_IDS[i], href=f"#{i}")) for i in shown)))
    head = element(
        "head",
        Safe('<meta charset="utf-8">'),
        element("meta", http_equiv="Content-Security-Policy", content=_POLICY),
        element("meta", name="viewport", content="width=device-width, initial-scale=1"),
        element("meta", name="generator", content=f"graphrisk {__version__}"),
        element("title", content.title),
        element("style", Safe(_CSS)),
    )
    body = element(
        "body",
        element("header", element("h1", content.title), nav),
        element("main", *sections),
        element("footer", f"Made by graphrisk {__version__}. Self-contained: no script, every figure embedded. "
                          "A click on a command selects it whole for copying."),
    )
    return "<!DOCTYPE html>\n" + element("html", head, body, lang="en") + "\n"


def write_report(path: str | Path, content: ReportContent) -> Path:
    """Write the report to one self-contained HTML file.

    Parameters
    ----------
    path
        File to write (parent folders are created; an existing file is replaced).
    content
        What to show.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from graphrisk import build_graph
    >>> tx = pd.DataFrame({"transaction_id": ["1", "2"], "timestamp": ["2024-01-01"] * 2,
    ...                    "user_id": ["a", "b"], "amount": [1.0, 2.0], "device_id": ["d", "d"]})
    >>> graph = build_graph(tx)[0]
    >>> scores = pd.DataFrame({"user_id": ["a", "b"], "risk_score": [0.9, 0.8], "flagged": [True, True]})
    >>> from graphrisk.rings import group_rings
    >>> rings = group_rings(graph, scores.set_index("user_id")["risk_score"], scores.set_index("user_id")["flagged"])
    >>> content = ReportContent("Demo", {"users": 2}, graph, scores, rings, next_steps=["MATCH (u:User) RETURN u"])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     page = write_report(f"{folder}/report.html", content).read_text(encoding="utf-8")
    >>> 'id="ring-details"' in page and "MATCH (u:User) RETURN u" in page
    True
    """
    path = Path(path)
    page = render_report(content)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path

