"""The report page's HTML building blocks: the inline CSS, safe markup (:class:`Html`,
:func:`esc`, :func:`tag`, :func:`join`), tables (:class:`Cell`, :func:`table`) and the
number, rate and percentage-point cells every section uses.

Everything taken from the inputs is HTML-escaped when it is put into a fragment.
"""

from __future__ import annotations

import html as _html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flows.report.values import pct

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d232a;
       margin: 0; background: #f6f7f9; }
main { max-width: 1240px; margin: 0 auto; padding: 18px 28px 60px; background: #fff; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 20px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #d8dde3; }
h3 { font-size: 15px; margin: 20px 0 8px; }
.meta { color: #56606b; margin: 0 0 12px; }
nav a { margin-right: 14px; }
.headline { font-size: 16px; background: #eef5ff; border-left: 4px solid #2f6fdb; padding: 10px 14px; margin: 14px 0; }
.headline .paper { color: #45505c; font-size: 14px; }
table { border-collapse: collapse; margin: 6px 0 14px; font-size: 13px; }
th, td { border: 1px solid #d5dae0; padding: 4px 8px; vertical-align: top; }
th { background: #eef1f4; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.paper td { background: #fbf7e9; font-style: italic; }
.na { background: #fff6e0; border: 1px solid #e7c66b; padding: 8px 12px; border-radius: 4px; }
.ok { color: #176b2c; } .bad { color: #b3261e; } .target { color: #b3261e; font-weight: 600; }
.muted { color: #6b7580; }
details { margin: 8px 0; } summary { cursor: pointer; font-weight: 600; }
pre { background: #f4f5f7; padding: 10px; overflow: auto; max-height: 520px; font-size: 12px; }
figure { margin: 12px 0 22px; } figure img { max-width: 100%; border: 1px solid #e1e4e8; }
figcaption { color: #45505c; font-size: 13px; margin-top: 4px; }
.scroll { overflow-x: auto; }
"""


#: Longer per-sample tables of the extraction start collapsed.
OPEN_ROWS = 40


class Html(str):
    """Markup that is already safe (escaped or built here)."""


def esc(value: Any) -> Html:
    """``value`` as safe markup: :class:`Html` unchanged, anything else as escaped text
    (None as an empty string)."""
    if isinstance(value, Html):
        return value
    return Html(_html.escape("" if value is None else str(value), quote=True))


def join(parts: Iterable[Any], sep: str = "") -> Html:
    return Html(sep.join(esc(p) for p in parts))


def tag(name: str, *content: Any, **attrs: Any) -> Html:
    """``<name attrs>content</name>``; attribute ``cls`` is ``class``; None attributes are
    left out."""
    attr = "".join(f' {"class" if k == "cls" else k.replace("_", "-")}="{esc(v)}"'
                   for k, v in attrs.items() if v is not None)
    return Html(f"<{name}{attr}>{join(content)}</{name}>")


@dataclass(frozen=True)
class Cell:
    """A table cell: content plus CSS class (``num`` right-aligns numbers)."""

    content: Any
    cls: str | None = None


def table(headers: Sequence[Any], rows: Iterable[Sequence[Any]], *, table_id: str | None = None,
          row_classes: Sequence[str | None] | None = None) -> Html:
    """A table (``table_id``: its id in the page); a cell is a :class:`Cell`, markup or a value
    (numbers right-aligned)."""
    head = tag("tr", *(tag("th", h) for h in headers))
    body = []
    for i, row in enumerate(rows):
        cells = []
        for c in row:
            if isinstance(c, Cell):
                cells.append(tag("td", c.content, cls=c.cls))
            elif isinstance(c, (int, float)) and not isinstance(c, bool):
                cells.append(tag("td", c, cls="num"))
            else:
                cells.append(tag("td", c))
        body.append(tag("tr", *cells, cls=None if row_classes is None else row_classes[i]))
    return tag("div", tag("table", tag("thead", head), tag("tbody", *body), id=table_id), cls="scroll")


def not_available(reason: Any) -> Html:
    return tag("p", "not available: ", reason, cls="na")


def num(value: Any, digits: int = 1) -> Cell:
    """A number cell (``n/a`` for None)."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return Cell("n/a", "num muted")
    return Cell(f"{value:.{digits}f}" if isinstance(value, float) else str(value), "num")


def rate_cell(rate: dict[str, Any] | None) -> Cell:
    """``38.9 % (7/18)``; ``n/a`` without a rate or a total."""
    if rate is None or rate.get("value") is None:
        return Cell("n/a" if rate is None else f"n/a (0/{rate.get('total', 0)})", "num muted")
    return Cell(f"{pct(rate['value'])} ({rate['count']}/{rate['total']})", "num")


def pp_cell(value: float | None) -> Cell:
    """A difference of shares in percentage points."""
    return Cell("n/a", "num muted") if value is None else Cell(f"{100 * value:.1f} pp", "num")


def difference_cell(d: dict[str, Any] | None) -> Cell:
    """A paired difference of shares (``{"value", "low", "high"}``, fractions) as
    ``12.5 pp [1.0, 24.0]``; ``n/a`` without a value."""
    if d is None or d.get("value") is None:
        return Cell("n/a", "num muted")
    low, high = d.get("low"), d.get("high")
    span = "" if low is None or high is None else f" [{100 * low:.1f}, {100 * high:.1f}]"
    return Cell(f"{100 * d['value']:.1f} pp{span}", "num")


def share_cell(value: float | None) -> Cell:
    """A share in [0, 1] as a percent number cell."""
    return num(None if value is None else 100.0 * value)
