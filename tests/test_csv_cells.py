"""Every CSV csbot writes opens in a spreadsheet as text, never as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from bot import csv_cells


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_a_spreadsheet_would_run_gets_a_quote_and_comes_back(text):
    out = io.StringIO()
    csv_cells.Writer(out).writerow([text, -0.5, 3, None, "plain"])
    (row,) = csv.reader(io.StringIO(out.getvalue()))
    assert row == ["'" + text, "-0.5", "3", "", "plain"]  # numbers are not formulas
    assert csv_cells.restore(row[0]) == text
    assert csv_cells.restore("'quoted") == "'quoted"


def test_dict_writer_quotes_cells_and_keeps_the_header():
    out = io.StringIO()
    writer = csv_cells.DictWriter(out, fieldnames=["text", "n"])
    writer.writeheader()
    writer.writerows([{"text": "=2*3", "n": 1}])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["text", "n"], ["'=2*3", "1"]]
