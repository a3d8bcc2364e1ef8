"""The CSV reader behind the import: line numbers survive blank and multi-line rows."""
import io

import pytest

from leads.commands.importing import rows_of
from leads.domain.errors import InvalidField


def test_rows_carry_the_line_they_start_on_and_blank_lines_are_skipped():
    text = io.StringIO('company,phone\n深圳腾飞,13800138000\n\n"多行\n公司",13900139000\n')
    fields, rows = rows_of(text)
    assert fields == ["company", "phone"]
    assert list(rows) == [(2, ["深圳腾飞", "13800138000"]), (4, ["多行\n公司", "13900139000"])]


def test_a_header_without_a_way_to_reach_the_lead_is_refused():
    with pytest.raises(InvalidField, match="phone or e-mail"):
        rows_of(io.StringIO("company,region\n腾飞,华南\n"))


def test_an_unknown_column_is_named_with_the_known_ones():
    with pytest.raises(InvalidField, match="unknown column.s. notes; known columns: company"):
        rows_of(io.StringIO("company,phone,notes\n腾飞,13800138000,hello\n"))
