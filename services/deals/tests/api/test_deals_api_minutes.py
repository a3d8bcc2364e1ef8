"""/deals/{id}/minutes: negotiation minutes."""
from datetime import datetime, timedelta, timezone


def test_minutes_record_what_was_agreed_and_what_is_open(api):
    deal = api.open_deal(stage="negotiation")["id"]
    held_at = (datetime.now(timezone.utc) - timedelta(hours=2)).replace(microsecond=0)
    minutes = api.ok(api.harness.post(f"/deals/{deal}/minutes", json={
        "held_at": held_at.isoformat(), "subject": "价格谈判",
        "attendees": [{"name": "王丽", "title": "采购总监"}, {"name": "王丽"}, {"name": "rep-1", "side": "ours"}],
        "agreed_points": ["10 % discount on licences", "  "], "open_points": ["payment terms"],
        "next_steps": [{"action": "send revised proposal", "owner": "rep-1", "due": "2031-01-10"}],
    }, **api.REP), 201)
    assert minutes["attendees"] == [{"name": "王丽", "side": "customer", "title": "采购总监"},
                                    {"name": "rep-1", "side": "ours", "title": ""}]
    assert minutes["agreed_points"] == ["10 % discount on licences"] and minutes["open_points"] == ["payment terms"]
    assert minutes["next_steps"] == [{"action": "send revised proposal", "owner": "rep-1", "due": "2031-01-10"}]
    assert (minutes["settled"], minutes["recorded_by"], minutes["subject"]) == (False, "rep-1", "价格谈判")
    assert datetime.fromisoformat(minutes["held_at"]) == held_at
    later = api.ok(api.harness.post(f"/deals/{deal}/minutes", json={
        "held_at": (held_at + timedelta(hours=1)).isoformat(), "attendees": [{"name": "王丽"}],
        "agreed_points": ["net 30"]}, **api.REP), 201)
    listed = api.ok(api.harness.get(f"/deals/{deal}/minutes", **api.REP))
    assert [m["id"] for m in listed] == [later["id"], minutes["id"]] and listed[0]["settled"] is True


def test_minutes_need_attendees_a_past_meeting_and_an_open_deal(api):
    deal = api.open_deal()["id"]
    no_one = api.harness.post(f"/deals/{deal}/minutes", json={"held_at": "2024-01-01T09:00:00+08:00",
                                                              "attendees": []}, **api.REP)
    assert no_one.status_code == 422 and "attendees" in no_one.json["errors"]
    future = api.harness.post(f"/deals/{deal}/minutes", json={
        "held_at": (datetime.now(timezone.utc) + timedelta(days=1)).isoformat(), "attendees": [{"name": "A"}]},
        **api.REP)
    assert future.status_code == 422 and future.json["errors"] == {"held_at": ["minutes record a meeting that already took place"]}
    bad_side = api.harness.post(f"/deals/{deal}/minutes", json={"held_at": "2024-01-01T09:00:00+08:00",
                                                                "attendees": [{"name": "A", "side": "vendor"}]}, **api.REP)
    assert bad_side.status_code == 422 and "side" in bad_side.json["errors"]["attendees"]["0"]
    assert api.count("negotiation_minutes") == 0
    api.step(f"/deals/{deal}/stage", json={"to_stage": "lost", "reason": "went silent"})
    closed = api.harness.post(f"/deals/{deal}/minutes", json={"held_at": "2024-01-01T09:00:00+08:00",
                                                              "attendees": [{"name": "A"}]}, **api.REP)
    assert closed.status_code == 409
