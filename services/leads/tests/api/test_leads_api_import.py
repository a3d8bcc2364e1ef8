"""POST /leads/import: a CSV with bad rows imports the good ones and reports the bad ones by line."""
import io

SUP = {"role": "supervisor", "user": "sup-1", "team": "team-1", "region": "east"}

FILE = (
    "\ufeff公司,联系人,手机,邮箱,行业,地区,需求,意向产品,预算,来源\n"
    '深圳市腾飞科技有限公司,王伟,138-0013-8000,wang@tengfei.cn,manufacturing,east,"需要报价\n尽快",crm;erp,200000,referral\n'
    "上海华联,李娜,12345,,retail,east,,,,\n"
    ",张三,13900139000,,,,,,,\n"
    "北京星河,赵六,13700137000,zhao@xinghe.cn,,east,,crm,abc,phone\n"
    "广州白云,钱七,13600136000,,,,,,,fax\n"
    "深圳市腾飞科技 有限公司,王伟,13811112222,,,,,,,\n"
    "成都天府,孙八,13500135000,sun@tianfu.cn,,west,,,,\n"
    "\n"
    "杭州西湖,周九,+86 135 0013 5001,,,east,,,,trade_show\n"
)


def upload(leads, content: str | bytes, *, query="", filename="leads.csv", **auth):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return leads.post(f"/leads/import{query}", data={"file": (io.BytesIO(data), filename)},
                      content_type="multipart/form-data", **(auth or SUP))


def test_good_rows_are_imported_and_bad_rows_reported_with_their_line(leads):
    leads.rep("rep-1", capacity=100)
    response = upload(leads, FILE)
    assert response.status_code == 201, response.json
    report = response.json
    assert (report["status"], report["total_rows"], report["imported"], report["rejected"]) == ("done", 8, 3, 5)
    errors = {error["line"]: error["errors"] for error in report["errors"]}
    first_lead = leads.events("leads.lead.captured")[0]["lead_id"]
    assert errors == {
        4: {"phone": ["is not a valid phone number"]},
        5: {"company": ["Give the company or the person's name."]},
        6: {"budget": ['Send a decimal as a string of digits, e.g. "1234.50".']},
        7: {"source": ["Must be one of: web_form, referral, campaign, social, trade_show, phone, storefront, "
                       "import."]},
        8: {"duplicate": [f"same company as lead {first_lead}"]},
    }
    captured = leads.events("leads.lead.captured")
    assert [c["company"] for c in captured] == ["深圳市腾飞科技有限公司", "成都天府", "杭州西湖"]
    assert [c["source"] for c in captured] == ["referral", "import", "trade_show"]
    assert len(leads.events("leads.lead.graded")) == 3 and len(leads.events("leads.lead.assigned")) == 3
    first = leads.get(f"/leads/{first_lead}", **SUP).json
    assert first["needs"] == "需要报价\n尽快" and first["product_lines"] == ["crm", "erp"]
    assert first["budget"] == {"amount": "200000.0000", "currency": "CNY"}
    assert first["contact"]["phone"] == "+8613800138000" and first["captured_by"] == "sup-1"
    assert leads.get(f"/leads/imports/{report['id']}", **SUP).json["errors"] == report["errors"]
    assert leads.get(f"/leads/imports/{report['id']}", role="rep", user="rep-9").status_code == 404


def test_duplicates_can_be_imported_as_linked_records(leads):
    response = upload(leads, FILE, query="?record_duplicates=true")
    assert (response.json["imported"], response.json["rejected"]) == (4, 4)
    assert leads.events("leads.lead.captured")[1]["duplicate_of"] == leads.events("leads.lead.captured")[0]["lead_id"]


def test_a_plain_text_csv_body_with_english_columns_and_no_bom_is_read(leads):
    body = "company,phone,email,source,campaign_code\nAcme,+1 212 555 0123,ops@acme.com,campaign,SPRING24\n"
    response = leads.post("/leads/import", data=body.encode(), content_type="text/csv", **SUP)
    assert response.status_code == 201 and response.json["imported"] == 1
    captured = leads.last_event("leads.lead.captured")
    assert captured["source_detail"] == {"campaign_code": "SPRING24", "referrer": None}


def test_a_file_that_cannot_be_read_is_refused_whole(leads):
    unknown = upload(leads, "company,phone,colour\nAcme,13800138000,red\n")
    assert unknown.status_code == 422 and unknown.json["errors"]["file"][0].startswith("unknown column(s) colour")
    gbk = upload(leads, "公司,手机\n腾飞,13800138000\n".encode("gbk"))
    assert gbk.status_code == 422 and gbk.json["errors"]["file"][0].startswith("is not UTF-8 text")
    empty = upload(leads, "")
    assert empty.json["errors"] == {"file": ["is empty: the first line must name the columns"]}
    missing = leads.post("/leads/import", data={}, content_type="multipart/form-data", **SUP)
    assert missing.status_code == 422 and "file" in missing.json["errors"]
    assert leads.post("/leads/import", json={"rows": []}, **SUP).status_code == 415
    assert leads.count("leads") == 0 and leads.count("lead_imports") == 0


def test_a_large_file_is_staged_and_imported_by_the_worker_in_batches(make_leads):
    leads = make_leads(extra={"import_sync_rows": 10, "import_batch_rows": 25})
    rows = "".join(f"公司{n},1390000{n:04d},import\n" for n in range(60))
    response = upload(leads, "company,phone,source\n" + rows)
    assert response.status_code == 202 and response.headers["Location"] == f"/leads/imports/{response.json['id']}"
    assert (response.json["status"], response.json["pending"]) == ("pending", 60)
    progress = []
    for _ in range(4):
        leads.run_sweeps()
        progress.append(leads.get(f"/leads/imports/{response.json['id']}", **SUP).json["imported"])
    assert progress == [25, 50, 60, 60]
    report = leads.get(f"/leads/imports/{response.json['id']}", **SUP).json
    assert report["status"] == "done" and report["pending"] == 0
    assert len(leads.events("leads.lead.captured")) == 60


def test_a_small_file_is_imported_in_the_request_in_committed_batches(make_leads):
    leads = make_leads(extra={"import_sync_rows": 500, "import_batch_rows": 100})
    leads.rep("rep-1", capacity=5000)
    rows = "".join(f"公司{n},1390000{n:04d},n{n}@example.com,referral\n" for n in range(250))
    response = upload(leads, "company,phone,email,source\n" + rows)
    assert response.status_code == 201 and response.json["imported"] == 250
    assert leads.count("leads", owner_rep_id="rep-1") == 250
    assert len(leads.events("leads.lead.assigned")) == 250
    assert leads.count("lead_import_rows", status="imported") == 250


def test_a_file_over_the_import_limit_is_refused_before_it_is_read(make_leads):
    """A 7 MB file used to be accepted whatever the limit said."""
    leads = make_leads(extra={"import_max_bytes": 1024})
    rows = "".join(f"公司{n},1390000{n:04d},import\n" for n in range(200))
    response = upload(leads, "company,phone,source\n" + rows)
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    problem = response.json
    assert problem["limit"] == 1024 and "LEADS_IMPORT_MAX_BYTES" in problem["detail"]
    assert leads.count("lead_imports") == 0 and leads.events("leads.lead.captured") == []


def test_a_chunked_file_without_a_length_is_cut_off_at_the_limit_and_nothing_is_staged(make_leads):
    leads = make_leads(extra={"import_max_bytes": 1024})
    rows = "".join(f"公司{n},1390000{n:04d},import\n" for n in range(200)).encode()
    response = leads.post("/leads/import", input_stream=io.BytesIO(b"company,phone,source\n" + rows),
                          headers={"Content-Type": "text/csv", "Transfer-Encoding": "chunked"},
                          environ_overrides={"wsgi.input_terminated": True}, **SUP)  # as gunicorn sets it
    assert response.status_code == 413 and response.mimetype == "application/problem+json", response.json
    assert leads.count("lead_imports") == 0
