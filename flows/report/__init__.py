"""The self-contained HTML report of a cross-modal run (attack -> render -> pose extraction
-> evaluation): :func:`build_report` writes ``report.html`` (one page that opens offline)
and ``report.json`` (the same content as data) from a :class:`ReportInputs`.

Modules: :mod:`~flows.report.inputs` (what the report reads), :mod:`~flows.report.content`
(the content as data), :mod:`~flows.report.figures` (paper-style figures, reusable for the
docs), :mod:`~flows.report.html` (the page), :mod:`~flows.report.build` (writing it).
Nothing here imports prefect; matplotlib and OpenCV are imported when figures are drawn.
"""

from flows.report.build import build_report, read_report
from flows.report.content import PAPER_CROSSMODAL, REPORT_FORMAT, REPORT_VERSION
from flows.report.inputs import ReportInputs, ReportPaths

__all__ = ["PAPER_CROSSMODAL", "REPORT_FORMAT", "REPORT_VERSION", "ReportInputs", "ReportPaths", "build_report",
           "read_report"]
