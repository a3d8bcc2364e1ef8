from demo_service import alpha_spec, app_factory, beta_spec, count


def test_a_write_and_its_event_commit_together(service_harness):
    alpha = service_harness(alpha_spec(), app_factory)
    response = alpha.post("/notes", json={"text": "hello"}, role="rep", user="rep-7")
    assert response.status_code == 201, response.json
    [event] = alpha.published("demo.note.created")
    assert event["data"] == {"note_id": response.json["id"], "text": "hello", "author": "rep-7"}
    assert event["specversion"] == "1.0" and event["source"] == "/salesloop/alpha"
    assert event["dataschema"] == "urn:salesloop:event:demo.note.created:v1"


def test_the_same_event_twice_has_one_effect(service_harness):
    beta = service_harness(beta_spec(), app_factory)
    envelope = beta.envelope("demo.note.created", {"note_id": 1, "text": "x"})
    assert beta.deliver_envelope(envelope).value == "handled"
    assert beta.deliver_envelope(envelope).value == "duplicate"
    assert count(beta.runtime, "tallies") == 1
    assert len(beta.published("demo.note.counted")) == 1
