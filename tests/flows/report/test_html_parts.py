"""The page's building blocks: escaping, tags, tables and the number / rate cells."""

from __future__ import annotations

from flows.report.html_parts import Cell, Html, esc, num, pp_cell, rate_cell, share_cell, table, tag


def test_everything_from_the_inputs_is_escaped():
    assert esc("<b>&'\"") == "&lt;b&gt;&amp;&#x27;&quot;" and esc(None) == ""
    assert esc(Html("<i>ok</i>")) == "<i>ok</i>"
    assert tag("td", "<x>", cls="num", data_id='"q"') == '<td class="num" data-id="&quot;q&quot;">&lt;x&gt;</td>'


def test_table_cells():
    page = table(["a", "b"], [[1, Cell("x", "muted")], ["<t>", 2.5]], table_id="t", row_classes=["paper", None])
    assert '<table id="t">' in page and '<tr class="paper"><td class="num">1</td><td class="muted">x</td></tr>' in page
    assert "<td>&lt;t&gt;</td>" in page and '<td class="num">2.5</td>' in page


def test_number_and_rate_cells():
    assert num(None) == Cell("n/a", "num muted") and num(3) == Cell("3", "num") and num(2.345, 2).content == "2.35"
    assert rate_cell({"value": 0.5, "count": 1, "total": 2}).content == "50.0 % (1/2)"
    assert rate_cell({"value": None, "count": 0, "total": 0}).content == "n/a (0/0)" and rate_cell(None).content == "n/a"
    assert pp_cell(-0.125).content == "-12.5 pp" and share_cell(0.25).content == "25.0"
