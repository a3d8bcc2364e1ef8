"""The CSV reader behind the import: line numbers survive blank and multi-line rows; a row is
staged in its checked form and read back as the schema loaded it."""
import io
import json
from types import SimpleNamespace

import pytest

from leads.commands.importing import _analyze_as_the_import_grows, _staged, lead_data, rows_of, staged_lead
from leads.domain.errors import InvalidField
from leads.schemas import LeadIn


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


def test_a_row_is_staged_checked_and_read_back_as_the_schema_loaded_it():
    fields = ["company", "phone", "budget", "expected_purchase_by", "received_at", "source", "product_lines"]
    values = ["深圳腾飞", "138-0013-8000", "1,250.50", "2031-01-31", "2030-05-06T10:15:00+08:00", "import", "CRM;erp"]
    staged = _staged(LeadIn(), "import-1", 2, fields, values, "CNY", record_duplicates=False)
    assert staged["status"] == "pending"
    json.dumps(staged["data"])  # storable as it is
    assert staged_lead(staged["data"]) == LeadIn().load(lead_data(fields, values, "CNY", False))
    assert staged_lead(staged["data"])["contact"] == {"phone": "+8613800138000"}


class _RecordingSession:
    def __init__(self, dialect: str):
        self.dialect, self.statements = dialect, []

    def get_bind(self):
        return SimpleNamespace(dialect=SimpleNamespace(name=self.dialect))

    def execute(self, statement):
        self.statements.append(str(statement))


def test_postgresql_statistics_are_refreshed_when_the_imported_leads_pass_a_batch_times_a_power_of_two():
    session = _RecordingSession("postgresql")
    analyzed_after = []
    imported = 0
    for batch_imported in [495] * 12:  # a few rows of each batch of 500 refused
        before = len(session.statements)
        _analyze_as_the_import_grows(session, imported, imported + batch_imported, 500)
        imported += batch_imported
        if len(session.statements) > before:
            analyzed_after.append(imported)
    assert analyzed_after == [990, 1485, 2475, 4455]  # past 500, 1,000, 2,000 and 4,000: once each
    assert session.statements[0] == "ANALYZE leads, lead_import_rows"
    sqlite = _RecordingSession("sqlite")
    _analyze_as_the_import_grows(sqlite, 0, 5000, 500)
    assert sqlite.statements == []
