"""Masking is the service desk's: the console shows a complainant's contacts exactly as the API gives them."""
from __future__ import annotations

import pytest

COMPLAINANT = {"name": "李雷", "phone": "13812345678", "email": "li.lei@example.cn"}


@pytest.fixture
def complaint(services):
    body = {"type": "complaint", "channel": "phone", "customer_id": "c-r-1", "subject": "延迟交付",
            "description": "货物晚到三天", "region": "east", "complainant": COMPLAINANT}
    response = services["service-desk"].post("/tickets", json=body, role="admin")
    assert response.status_code == 201, response.json
    return response.json


def as_operator(services):
    """Operations sees every ticket, without the right to personal data."""
    return services["service-desk"].get("/tickets?type=complaint", role="ops", user="op-1", team=None,
                                        region=None).json["items"][0]["complainant"]


def test_operations_sees_the_masked_contacts_the_api_gives_it(services, complaint, signed_in):
    given = as_operator(services)
    assert given["phone"] != COMPLAINANT["phone"], "the service masks contacts for ops"
    page = signed_in("ops", "op-1").get("/complaints").get_data(as_text=True)
    assert given["phone"] in page and COMPLAINANT["phone"] not in page
    assert COMPLAINANT["email"] not in page


def test_a_supervisor_of_the_team_sees_the_contacts_in_full(services, complaint, signed_in):
    page = signed_in("supervisor", "s-1", "team-1", "east").get("/complaints").get_data(as_text=True)
    assert COMPLAINANT["phone"] in page and 'data-sla="on_track"' in page


def test_a_rep_is_shown_no_complaint_the_service_does_not_list_for_them(services, complaint, signed_in):
    page = signed_in("rep", "r-1", "team-1", "east").get("/complaints").get_data(as_text=True)
    assert "No open complaints" in page and COMPLAINANT["name"] not in page
