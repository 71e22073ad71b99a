"""CSV injection: what counts as a formula-looking cell, and how an export neutralises it."""

import pytest

from shared.spreadsheet import looks_like_formula, neutralised


@pytest.mark.parametrize("cell", ["=1+2", "=HYPERLINK(\"http://evil\",\"x\")", "+SUM(A1:A9)", "-2+3", "@SUM(A1)", "\t=1", "\rdata", "-A1", "+cmd|' /C calc'!A0"])
def test_formula_like_cells_are_flagged_and_neutralised(cell):
    assert looks_like_formula(cell)
    assert neutralised(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-3", "-1.50", "+86 138 0013 8000", "+86-571-8765-4321", "(020) 3888-1234", "杭州茗远", "a=b", "", None, 12])
def test_numbers_phones_and_plain_text_are_data(cell):
    assert not looks_like_formula(cell) if isinstance(cell, (str, type(None))) else True
    assert neutralised(cell) == cell
