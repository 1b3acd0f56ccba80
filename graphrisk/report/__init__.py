"""The self-contained HTML report of a run: metrics beside the baselines, the top rings, drawings.

Build a :class:`ReportContent` and pass it to :func:`write_report`; the file has inline CSS
and embedded PNG figures only, so it opens offline. :func:`draw_ring` and
:func:`match_rings` are also useful on their own.
"""

from graphrisk.report.content import ReportContent
from graphrisk.report.drawing import draw_ring, ring_network
from graphrisk.report.figures import figure_png, png_data_uri
from graphrisk.report.matching import match_rings
from graphrisk.report.reliability import reliability_figure
from graphrisk.report.render import render_report, write_report
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
    "SECTION_IDS",
]
