"""An import captures its staged rows a chunk at a time: duplicates within the chunk are caught,
ties are spread and capacities hold, a chunk the database refuses is retried row by row and
leaves no event of a row it did not write, and a row staged in the older, unchecked form still imports."""
import io
import itertools

from sqlalchemy import insert

from leads.commands import capture, importing
from leads.models import LeadImportRow

SUP = {"role": "supervisor", "user": "sup-1", "team": "team-1", "region": "east"}


def upload(leads, content: str):
    return leads.post("/leads/import", data={"file": (io.BytesIO(content.encode()), "leads.csv")},
                      content_type="multipart/form-data", **SUP)


def test_a_chunk_refuses_a_later_row_with_the_contact_of_an_earlier_one_and_keeps_capacities(make_leads):
    leads = make_leads(extra={"import_batch_rows": 100})
    for rep_id in ("rep-a", "rep-b", "rep-c"):
        leads.rep(rep_id, capacity=10)
    rows = "".join(f"公司{n},1390000{n:04d},import\n" for n in range(40))
    again = "另一家公司,13900000003,import\n"  # the phone of row 3, in the same chunk
    response = upload(leads, "company,phone,source\n" + rows + again)
    assert response.status_code == 201, response.json
    assert (response.json["imported"], response.json["rejected"]) == (40, 1)
    first_of_phone = leads.events("leads.lead.captured")[3]["lead_id"]
    assert response.json["errors"] == [{"line": 42, "errors": {"duplicate": [f"same phone as lead {first_of_phone}"]}}]
    # 30 slots for 40 leads: each rep filled exactly to capacity, the other ten in the pool.
    assert [leads.count("leads", owner_rep_id=rep_id) for rep_id in ("rep-a", "rep-b", "rep-c")] == [10, 10, 10]
    assert leads.count("leads", status="new") == 10
    assigned = leads.events("leads.lead.assigned")
    assert len(assigned) == 30 and all(event["explanation"]["candidates"] for event in assigned)
    # Every lead's events in order: captured, graded, then assigned (or not, when pooled).
    order = [(envelope["type"], envelope["data"]["lead_id"]) for envelope in leads.published()
             if envelope["type"].startswith("leads.lead.")]
    by_lead = {}
    for event_type, lead_id in order:
        by_lead.setdefault(lead_id, []).append(event_type.rsplit(".", 1)[1])
    assert {tuple(kinds) for kinds in by_lead.values()} == {("captured", "graded", "assigned"),
                                                            ("captured", "graded")}


def test_a_chunk_the_database_refuses_is_run_row_by_row_and_only_written_rows_have_events(leads, monkeypatch):
    leads.rep("rep-1", capacity=100)
    # Each run of the four rows gives the third lead the second one's key: an IntegrityError.
    ids = (f"lead-{run}-{n}" for run in itertools.count() for n in (1, 2, 2, 3))
    monkeypatch.setattr(capture, "new_id", lambda: next(ids))
    rows = "".join(f"公司{n},1390000{n:04d},import\n" for n in range(4))
    response = upload(leads, "company,phone,source\n" + rows)
    assert response.status_code == 201, response.json
    assert (response.json["imported"], response.json["rejected"]) == (3, 1)
    [error] = response.json["errors"]
    assert error["line"] == 4 and error["errors"]["row"][0].startswith("the database refused the row")
    captured = [event["lead_id"] for event in leads.events("leads.lead.captured")]
    assert sorted(captured) == sorted(set(captured)) and len(captured) == 3 == leads.count("leads")
    assert len(leads.events("leads.lead.assigned")) == 3 == leads.count("lead_history", action="assigned")


def test_a_row_staged_unchecked_is_checked_when_it_is_captured(leads):
    leads.rep("rep-1", capacity=100)
    job = upload(leads, "company,phone,source\n").json
    unit = leads.runtime.uow()
    try:
        unit.session.execute(insert(LeadImportRow), [
            {"import_id": job["id"], "line": 2, "status": "pending", "errors": None, "lead_id": None,
             "data": {"company": "老格式公司", "contact": {"phone": "138-0013-8000"}, "source": "import",
                      "budget": {"amount": "1,000", "currency": "CNY"}}},
            {"import_id": job["id"], "line": 3, "status": "pending", "errors": None, "lead_id": None,
             "data": {"company": "老格式公司二", "contact": {"phone": "139-0013-9000"}, "source": "import",
                      "budget": {"amount": "1000", "currency": "CNY"}, "expected_purchase_by": "2031-01-31"}}])
        job_row = unit.session.get(importing.LeadImport, job["id"])
        job_row.status, job_row.total_rows = "pending", 2
        unit.commit()
        importing.process_all(unit, job_row, 100)
    finally:
        unit.close()
    status = leads.get(f"/leads/imports/{job['id']}", **SUP).json
    assert (status["imported"], status["rejected"]) == (1, 1)
    assert status["errors"][0]["line"] == 2 and "budget" in status["errors"][0]["errors"]["row"][0]
    [lead] = leads.events("leads.lead.captured")
    assert lead["company"] == "老格式公司二"
