"""The service's contract with the others: what it publishes and consumes, and its API document."""
import pytest

from service_desk.bootstrap import spec
from service_desk.events import catalog

# Field names fixed by the cross-service event contract (producers may add more).
TICKET_CORE = {"ticket_id", "type", "priority", "channel", "customer_id", "order_id", "agent_id", "team", "region",
               "opened_at"}
CONTRACT = {
    "service.ticket.opened": TICKET_CORE,
    "service.ticket.responded": TICKET_CORE | {"responded_at", "within_sla"},
    "service.ticket.sla_breached": TICKET_CORE | {"target", "level", "due_at", "breached_at", "escalated_to"},
    "service.ticket.resolved": TICKET_CORE | {"resolved_at", "within_sla", "compensation_amount", "currency",
                                              "fx_rate"},
    "service.ticket.closed": TICKET_CORE | {"closed_at", "verdict"},
    "service.survey.sent": {"survey_id", "order_id", "ticket_id", "customer_id", "rep_id", "team", "region",
                            "answer_url", "expires_at", "reminder"},
    "service.survey.answered": {"survey_id", "order_id", "ticket_id", "customer_id", "rep_id", "team", "region",
                                "csat", "nps", "comment", "answered_at"},
    "service.interaction.logged": {"interaction_id", "agent_id", "team", "region", "channel", "customer_id",
                                   "started_at", "duration_seconds", "violation_count"},
    "service.qa.violation": {"interaction_id", "agent_id", "team", "region", "rule_id", "category", "severity",
                             "excerpt", "detected_at"},
    "service.care.task_due": {"task_id", "customer_id", "kind", "due_date", "agent_id", "abc_class"},
}


@pytest.mark.parametrize("event_type, fields", sorted(CONTRACT.items()))
def test_each_contract_event_is_published_with_at_least_the_contract_fields(event_type, fields):
    definition = catalog().get(event_type)
    assert fields <= set(definition.schema().fields)
    assert definition.summary


def test_every_example_is_valid_against_its_own_schema():
    events = list(catalog())
    assert len(events) == 12  # the contract's ten, plus ticket.reopened and care.task_completed
    for definition in events:
        assert definition.schema().load(definition.example), definition.type
        assert definition.example.keys() == definition.schema().fields.keys(), definition.type


def test_the_queue_is_bound_to_the_events_the_desk_consumes(desk):
    assert desk.runtime.subscriptions.bindings == [
        "kpi.customer.classified", "leads.customer.upserted", "orders.order.delivered"]
    assert [sweep.name for sweep in spec().sweeps(desk.runtime)] == [
        "sla-escalations", "survey-reminders", "care-schedule", "recording-retention"]


def test_the_openapi_document_describes_every_resource(desk):
    document = desk.get("/openapi.json", role=None).json
    assert {"/tickets", "/tickets/{ticket_id}/resolve", "/surveys/{token}", "/interactions", "/qa/rules",
            "/qa/reviews/sample", "/care/tasks/{task_id}/complete", "/customers", "/faq", "/sla-policies",
            "/fx-rates"} <= set(document["paths"])
    answer = document["paths"]["/surveys/{token}"]["post"]
    assert answer["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("SurveyAnswerIn")
    assert document["paths"]["/tickets/{ticket_id}/wait"]["post"]["summary"].startswith("Wait on the customer")


def test_an_unsigned_caller_is_turned_away_from_staff_resources(desk):
    response = desk.get("/tickets", role=None)
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert desk.get("/healthz", role=None).status_code == 200
