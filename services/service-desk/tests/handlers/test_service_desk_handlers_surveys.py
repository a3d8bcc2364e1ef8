"""Surveys: one per delivered order, a single-use unguessable link, one reminder."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import text, update

from service_desk.models import SurveyRow
from service_desk_client import data_of, delivered_order

DELIVERED = delivered_order()


def deliver(desk, **changes):
    return desk.deliver("orders.order.delivered", {**DELIVERED, **changes})


def link_token(desk, index=0) -> str:
    url = data_of(desk, "service.survey.sent")[index]["answer_url"]
    assert url.startswith("https://desk.test/surveys/")
    return url.rsplit("/", 1)[1]


def answer(desk, token, **body):
    return desk.post(f"/surveys/{token}", json=body, role=None)


def rows(desk, sql):
    with desk.runtime.database.session() as session:
        return session.execute(text(sql)).all()


def test_a_delivered_order_gets_one_survey_and_its_link(desk):
    assert deliver(desk).value == "handled"
    [sent] = data_of(desk, "service.survey.sent")
    assert {k: sent[k] for k in ("order_id", "ticket_id", "customer_id", "rep_id", "team", "region", "reminder")} == {
        "order_id": "O-100", "ticket_id": None, "customer_id": "C-7", "rep_id": "rep-3", "team": "sales-1",
        "region": "east", "reminder": False}
    sent_at = datetime.fromisoformat(sent["sent_at"])
    assert datetime.fromisoformat(sent["expires_at"]) - sent_at == timedelta(days=30)
    token = link_token(desk)
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    [(token_hash,)] = rows(desk, "select token_hash from survey_links")
    assert token not in token_hash and len(token_hash) == 64  # only the SHA-256 is kept
    [(name, phone)] = rows(desk, "select name, contact_phone from customers where id = 'C-7'")
    assert (name, phone) == ("华东机电", "13900001111")


def test_the_same_delivery_twice_makes_one_survey(desk):
    envelope = desk.envelope("orders.order.delivered", DELIVERED)
    assert desk.deliver_envelope(envelope).value == "handled"
    assert desk.deliver_envelope(envelope).value == "duplicate"
    assert deliver(desk).value == "handled"  # a producer's retry under a new event id
    assert rows(desk, "select count(*) from surveys") == [(1,)]
    assert len(data_of(desk, "service.survey.sent")) == 1


def test_a_malformed_delivery_is_refused_before_anything_happens(desk):
    import pytest
    from salesloop.messaging.processor import PermanentFailure

    with pytest.raises(PermanentFailure, match="order_id"):
        desk.deliver("orders.order.delivered", {"customer_id": "C-7"})
    assert rows(desk, "select count(*) from surveys") == [(0,)]


def test_the_customer_answers_once(desk):
    deliver(desk)
    token = link_token(desk)
    page = desk.get(f"/surveys/{token}", role=None)
    assert page.status_code == 200
    assert page.json["answered"] is False and page.json["about"] == "order"
    assert page.json["scales"] == {"csat": [1, 5], "nps": [0, 10]}
    answered = answer(desk, token, csat=4, nps=9, comment="送货很快，安装师傅很专业")
    assert answered.status_code == 200, answered.json
    [event] = data_of(desk, "service.survey.answered")
    assert {k: event[k] for k in ("order_id", "customer_id", "rep_id", "team", "region", "csat", "nps",
                                  "nps_category", "comment")} == {
        "order_id": "O-100", "customer_id": "C-7", "rep_id": "rep-3", "team": "sales-1", "region": "east",
        "csat": 4, "nps": 9, "nps_category": "promoter", "comment": "送货很快，安装师傅很专业"}
    again = answer(desk, token, csat=1, nps=0)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert len(data_of(desk, "service.survey.answered")) == 1
    assert desk.get(f"/surveys/{token}", role=None).json["answered"] is True


def test_a_wrong_token_finds_nothing(desk):
    deliver(desk)
    token = link_token(desk)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert answer(desk, forged, csat=5, nps=10).status_code == 404
    assert desk.get("/surveys/not-a-token", role=None).status_code == 404
    assert data_of(desk, "service.survey.answered") == []


def test_scores_out_of_range_are_refused_field_by_field_and_nothing_is_written(desk):
    deliver(desk)
    token = link_token(desk)
    refused = answer(desk, token, csat=6, nps=-1, comment="x" * 2001)
    assert refused.status_code == 422
    assert refused.json["errors"] == {"csat": ["Must be a whole number from 1 to 5."],
                                      "nps": ["Must be a whole number from 0 to 10."],
                                      "comment": ["Longer than maximum length 2000."]}
    assert answer(desk, token, csat="5", nps=7.5).json["errors"].keys() == {"csat", "nps"}
    assert answer(desk, token, csat=5, nps=9, rating=5).json["errors"] == {"rating": ["Unknown field."]}
    assert answer(desk, token, nps=9).json["errors"] == {"csat": ["Missing data for required field."]}
    assert rows(desk, "select answered_at from surveys") == [(None,)]
    assert answer(desk, token, csat=5, nps=10).status_code == 200  # the link is still good


def test_an_expired_link_is_gone(desk):
    deliver(desk)
    token = link_token(desk)
    with desk.runtime.database.session() as session:
        session.execute(update(SurveyRow).values(expires_at=datetime.now(timezone.utc) - timedelta(minutes=1)))
        session.commit()
    gone = answer(desk, token, csat=3, nps=5)
    assert gone.status_code == 410 and gone.json["type"].endswith("survey-expired")
    assert desk.get(f"/surveys/{token}", role=None).json["expired"] is True


def test_one_reminder_after_the_delay_with_a_link_that_also_works(desk):
    deliver(desk)
    first = link_token(desk)
    now = datetime.now(timezone.utc)
    desk.run_sweeps(now + timedelta(days=2, hours=23))
    assert len(data_of(desk, "service.survey.sent")) == 1
    desk.run_sweeps(now + timedelta(days=3, minutes=1))
    desk.run_sweeps(now + timedelta(days=5))
    sent = data_of(desk, "service.survey.sent")
    assert [s["reminder"] for s in sent] == [False, True]
    second = link_token(desk, 1)
    assert second != first
    assert answer(desk, second, csat=5, nps=10).status_code == 200
    assert answer(desk, first, csat=5, nps=10).status_code == 409  # one answer per survey, whichever link


def test_an_answered_survey_gets_no_reminder(desk):
    deliver(desk)
    answer(desk, link_token(desk), csat=5, nps=10)
    desk.run_sweeps(datetime.now(timezone.utc) + timedelta(days=4))
    assert [s["reminder"] for s in data_of(desk, "service.survey.sent")] == [False]


def test_the_reminder_delay_is_configurable(make_desk):
    desk = make_desk(survey_remind_after_hours=1, survey_expires_days=2)
    deliver(desk)
    desk.run_sweeps(datetime.now(timezone.utc) + timedelta(hours=1, minutes=1))
    sent = data_of(desk, "service.survey.sent")
    assert [s["reminder"] for s in sent] == [False, True]
    assert datetime.fromisoformat(sent[0]["expires_at"]) - datetime.fromisoformat(sent[0]["sent_at"]) == \
        timedelta(days=2)


def test_the_public_link_is_rate_limited(make_desk):
    desk = make_desk(public_rate_limit="3/minute")
    deliver(desk)
    token = link_token(desk)
    statuses = [desk.get(f"/surveys/{token}", role=None).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_staff_see_the_surveys_of_their_scope(desk):
    deliver(desk)
    deliver(desk, order_id="O-200", rep_id="rep-9", team="sales-2", region="west")
    mine = desk.get("/surveys", role="rep", user="rep-3", team="sales-1")
    assert [s["order_id"] for s in mine.json["items"]] == ["O-100"]
    assert "token" not in str(mine.json)
    assert {s["order_id"] for s in desk.get("/surveys", role="director", user="d-1").json["items"]} == {"O-100", "O-200"}
    assert [s["order_id"] for s in desk.get("/surveys?answered=false&rep_id=rep-9", role="admin").json["items"]] == ["O-200"]
