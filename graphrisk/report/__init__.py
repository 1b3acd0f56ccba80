"""The self-contained HTML report of a run: every ring by exposure first, then the model's metrics.

Build a :class:`ReportContent` and pass it to :func:`write_report`; the file has inline CSS
and embedded PNG figures only, so it opens offline. The page is for investigators first: a
table of every ring, largest exposure first (:func:`rings_by_exposure`), then one part per
ring with every member and its risk, what ties them, the transfers between them and the
``graphrisk query`` commands that open it (:func:`ring_query_commands`); the model's metrics
come after. :func:`draw_ring` and :func:`match_rings` are also useful on their own.
"""

from graphrisk.report.content import ReportContent
from graphrisk.report.drawing import draw_ring, ring_network
from graphrisk.report.figures import figure_png, png_data_uri
from graphrisk.report.matching import match_rings
from graphrisk.report.reliability import reliability_figure
from graphrisk.report.render import render_report, write_report
from graphrisk.report.ring_facts import EXPOSURE_MEANING, rings_by_exposure
from graphrisk.report.ring_queries import ring_query_commands
from graphrisk.report.sections import SECTION_IDS

__all__ = [
    "ReportContent",
    "write_report",
    "render_report",
    "draw_ring",
    "ring_network",
    "match_rings",
    "figure_png",
    "png_data_uri",
    "reliability_figure",
    "rings_by_exposure",
    "ring_query_commands",
    "EXPOSURE_MEANING",
    "SECTION_IDS",
]
