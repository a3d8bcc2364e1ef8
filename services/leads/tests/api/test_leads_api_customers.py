"""/customers: accounts, contacts, dedupe, visibility, masking and the upserted event."""
REP = {"role": "rep", "user": "rep-1", "team": "team-1", "region": "east"}
ACCOUNT = {"name": "华联超市", "company": "上海华联超市股份有限公司", "category": "key_account", "industry": "Retail",
           "region": "East", "preferences": {"contact_by": "wechat"}, "birthday": None,
           "contacts": [{"name": "李娜", "title": "采购总监", "phone": "021-6888 8888", "email": "Li.Na@hualian.com",
                         "birthday": "1985-03-08"}]}


def test_a_customer_is_created_with_contacts_and_published(leads):
    response = leads.post("/customers", json=ACCOUNT, **REP)
    assert response.status_code == 201, response.json
    customer = response.json
    assert (customer["owner_rep_id"], customer["team"], customer["region"], customer["industry"]) == (
        "rep-1", "team-1", "east", "retail")
    [contact] = customer["contacts"]
    assert (contact["phone"], contact["email"], contact["is_primary"]) == ("+862168888888", "li.na@hualian.com",
                                                                          True)
    assert customer["purchase_history"] == {"won_count": 0, "lost_count": 0, "won_totals": [],
                                            "won_total_company": {"amount": "0", "currency": "CNY"},
                                            "last_deal_at": None}
    event = leads.last_event("leads.customer.upserted")
    assert event["customer_id"] == customer["id"] and event["created"] is True
    assert event["category"] == "key_account" and event["abc_class"] is None
    assert event["contact"] == {"name": "李娜", "phone": "+862168888888", "email": "li.na@hualian.com"}
    assert (event["owner_rep_id"], event["rep_id"], event["team"]) == ("rep-1", "rep-1", "team-1")


def test_a_known_customer_is_refused_with_its_id_and_bad_input_names_the_field(leads):
    first = leads.post("/customers", json=ACCOUNT, **REP).json
    again = leads.post("/customers", json={"name": "Hualian", "company": "上海华联超市 股份有限公司"}, **REP)
    assert again.status_code == 409 and again.json["existing_id"] == first["id"]
    bad = leads.post("/customers", **REP, json={"name": "", "category": "vip", "contacts": [{"name": "x"}],
                                                 "tier": 1})
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"name", "category", "contacts", "tier"}
    assert bad.json["errors"]["contacts"] == {"0": {"phone": ["Give a phone number or an e-mail address."]}}
    assert leads.count("customers") == 1 and len(leads.events("leads.customer.upserted")) == 1


def test_a_change_publishes_the_customer_again(leads):
    customer = leads.post("/customers", json=ACCOUNT, **REP).json
    response = leads.patch(f"/customers/{customer['id']}", **REP, json={"category": "smb",
                                                                         "preferences": {"contact_by": "phone"}})
    assert response.status_code == 200 and response.json["category"] == "smb"
    event = leads.last_event("leads.customer.upserted")
    assert event["created"] is False and event["category"] == "smb"
    added = leads.post(f"/customers/{customer['id']}/contacts", **REP,
                       json={"name": "王强", "phone": "13911112222", "is_primary": True})
    assert added.status_code == 201 and added.json["is_primary"] is True
    assert leads.last_event("leads.customer.upserted")["contact"]["name"] == "王强"
    assert len(leads.events("leads.customer.upserted")) == 3
    unchanged = leads.patch(f"/customers/{customer['id']}", **REP, json={"category": "smb"})
    assert unchanged.status_code == 200 and len(leads.events("leads.customer.upserted")) == 3


def test_customers_are_seen_by_their_owner_team_and_region_and_masked_for_others(leads):
    mine = leads.post("/customers", json=ACCOUNT, **REP).json
    other = {"role": "rep", "user": "rep-2", "team": "team-2", "region": "east"}
    assert leads.get(f"/customers/{mine['id']}", **other).status_code == 404
    assert leads.get("/customers", **other).json["total"] == 0
    assert leads.get("/customers", role="supervisor", team="team-1").json["total"] == 1
    assert leads.get("/customers?category=key_account&q=华联", role="manager", region="east").json["total"] == 1
    assert leads.get("/customers?abc_class=A", role="manager", region="east").json["total"] == 0
    as_ops = leads.get(f"/customers/{mine['id']}", role="ops").json["contacts"][0]
    assert (as_ops["phone"], as_ops["email"], as_ops["masked"]) == ("216***8888", "l***@hualian.com", True)
    listed = leads.get("/customers", role="ops").json["items"][0]["contacts"][0]
    assert listed["phone"] == "216***8888"


def test_a_customer_cannot_be_filed_under_another_team_region_or_rep(leads):
    """Fields in bodies are checked against the caller's scope (OWASP API1)."""
    rep = {"role": "rep", "user": "rep-1", "team": "team-1", "region": "east"}
    supervisor = {"role": "supervisor", "user": "sup-1", "team": "team-1", "region": "east"}
    for caller, body, field in ((rep, {"team": "team-2"}, "team"), (rep, {"owner_rep_id": "rep-2"}, "owner"),
                                (rep, {"region": "west"}, "region"), (supervisor, {"team": "team-2"}, "team")):
        refused = leads.post("/customers", json={"name": "外队客户", **body}, **caller)
        assert refused.status_code == 422 and field in refused.json["errors"], (body, refused.json)
    mine = leads.post("/customers", json={"name": "本队客户"}, **supervisor)
    assert mine.status_code == 201 and mine.json["team"] == "team-1"
    assert leads.count("customers") == 1
