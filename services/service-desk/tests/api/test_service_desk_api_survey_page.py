"""The survey link in a browser: a form in Chinese or English that needs no
JavaScript, answered once, with a clear page for a link that cannot be used.
Programs asking for JSON get the API exactly as before."""
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
from sqlalchemy import text, update

from service_desk.models import SurveyRow
from service_desk_client import data_of, delivered_order

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
CHINESE = "zh-CN,zh;q=0.9,en;q=0.8"
ENGLISH = "en-US,en;q=0.9"
SITE = "https://desk.test"  # the configured link base's origin (conftest: survey_url)
DELIVERED = delivered_order(order_id="O-300", order_number="SO-2026-0300")


class Page(HTMLParser):
    """What a test reads off a page: its tags, headings, error messages and form."""

    def __init__(self, html: str):
        super().__init__()
        self.tags, self.radios, self.text_of, self.attrs = [], {}, {}, []
        self._open: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append(tag)
        self.attrs.append((tag, attributes))
        if tag == "input" and attributes.get("type") == "radio":
            self.radios.setdefault(attributes["name"], []).append(attributes["value"])
        if tag not in ("input", "meta", "link", "br"):
            self._open.append((tag, attributes))

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data):
        for tag, attributes in self._open[-1:]:
            key = attributes.get("id") or tag
            self.text_of[key] = self.text_of.get(key, "") + data

    def first(self, tag):
        return next(attributes for name, attributes in self.attrs if name == tag)


def deliver(desk, **changes):
    assert desk.deliver("orders.order.delivered", {**DELIVERED, **changes}).value == "handled"
    return data_of(desk, "service.survey.sent")[-1]["answer_url"].rsplit("/", 1)[1]


def open_link(desk, token, language=CHINESE, query=""):
    return desk.get(f"/surveys/{token}{query}", role=None, headers={"Accept": BROWSER, "Accept-Language": language})


def send_form(desk, token, form, *, language=CHINESE, origin=SITE, query=""):
    headers = {"Accept": BROWSER, "Accept-Language": language}
    if origin is not None:
        headers["Origin"] = origin
    return desk.post(f"/surveys/{token}/form{query}", role=None, headers=headers, data=form)


def page(response) -> Page:
    assert response.mimetype == "text/html", (response.status_code, response.get_data(as_text=True)[:500])
    return Page(response.get_data(as_text=True))


def answers(desk):
    with desk.runtime.database.session() as session:
        return session.execute(text("select csat, nps, comment from surveys where answered_at is not null")).all()


def expire(desk):
    with desk.runtime.database.session() as session:
        session.execute(update(SurveyRow).values(expires_at=datetime.now(timezone.utc) - timedelta(minutes=1)))
        session.commit()


# -- the form ------------------------------------------------------------------------------------------


def test_the_link_opens_a_chinese_form_for_a_chinese_browser(desk):
    token = deliver(desk)
    shown = open_link(desk, token)
    assert shown.status_code == 200
    html = page(shown)
    assert html.first("html")["lang"] == "zh-CN"
    assert html.text_of["h1"] == "满意度调查"
    assert "您有多大可能向朋友或同事推荐我们？" in shown.get_data(as_text=True)
    assert html.radios == {"csat": ["1", "2", "3", "4", "5"], "nps": [str(n) for n in range(11)]}
    form = html.first("form")
    assert form["method"] == "post" and form["action"] == f"/surveys/{token}/form?lang=zh"
    assert html.first("textarea")["maxlength"] == "2000"
    assert html.text_of["h1"] and html.first("a")["href"] == f"/surveys/{token}?lang=en"


def test_the_link_opens_an_english_form_for_an_english_browser_and_lang_overrides(desk):
    token = deliver(desk)
    english = page(open_link(desk, token, ENGLISH))
    assert english.first("html")["lang"] == "en" and english.text_of["h1"] == "Satisfaction survey"
    assert english.first("form")["action"].endswith("?lang=en")
    assert page(open_link(desk, token, ENGLISH, "?lang=zh")).text_of["h1"] == "满意度调查"
    assert page(open_link(desk, token, CHINESE, "?lang=en")).text_of["h1"] == "Satisfaction survey"
    assert page(open_link(desk, token, "fr-FR,fr;q=0.9")).first("html")["lang"] == "zh-CN"  # the default
    assert page(open_link(desk, token, "en-GB, zh;q=0.1")).first("html")["lang"] == "en"  # en-GB is English


def test_the_page_works_on_a_phone_without_javascript_or_anything_from_elsewhere(desk):
    token = deliver(desk)
    shown = open_link(desk, token)
    html = page(shown)
    assert "script" not in html.tags
    viewport = [a for tag, a in html.attrs if tag == "meta" and a.get("name") == "viewport"]
    assert viewport == [{"name": "viewport", "content": "width=device-width, initial-scale=1"}]
    links = {a["rel"]: a["href"] for tag, a in html.attrs if tag == "link"}
    assert links["icon"] == "data:,"  # no favicon request to answer 404
    stylesheet = links["stylesheet"]
    assert stylesheet.startswith("/")  # served by the service itself
    css = desk.get(stylesheet, role=None)
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "min-height: 48px" in css.get_data(as_text=True)  # tap targets
    source = shown.get_data(as_text=True)
    assert "http://" not in source and "https://" not in source and " style=" not in source


def test_the_page_carries_the_headers_a_browser_needs(desk):
    token = deliver(desk)
    headers = open_link(desk, token).headers
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
    assert "script-src" not in policy and "'unsafe-inline'" not in policy.split("style-src")[0]  # no inline script
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"  # the URL holds the token
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Accept" in headers["Vary"]


# -- answering -----------------------------------------------------------------------------------------


def test_an_answer_through_the_form_is_stored_once_and_thanked(desk):
    token = deliver(desk)
    thanked = send_form(desk, token, {"csat": "4", "nps": "9", "comment": "安装很快\r\n师傅很专业"})
    assert thanked.status_code == 200
    assert page(thanked).text_of["h1"] == "感谢您的评价！"
    assert answers(desk) == [(4, 9, "安装很快\n师傅很专业")]
    [event] = data_of(desk, "service.survey.answered")
    assert (event["csat"], event["nps"], event["nps_category"]) == (4, 9, "promoter")
    again = send_form(desk, token, {"csat": "1", "nps": "0"})
    assert again.status_code == 410 and page(again).text_of["h1"] == "这份问卷已经回答过了"
    assert answers(desk) == [(4, 9, "安装很快\n师傅很专业")] and len(data_of(desk, "service.survey.answered")) == 1
    reopened = open_link(desk, token, ENGLISH)
    assert reopened.status_code == 410 and page(reopened).text_of["h1"] == "This survey has already been answered"


def test_the_comment_is_optional_and_the_thanks_are_in_the_chosen_language(desk):
    token = deliver(desk)
    thanked = send_form(desk, token, {"csat": "5", "nps": "10"}, language=CHINESE, query="?lang=en")
    assert thanked.status_code == 200 and page(thanked).text_of["h1"] == "Thank you for your feedback!"
    assert answers(desk) == [(5, 10, "")]


@pytest.mark.parametrize("language, messages", [
    (CHINESE, {"csat-error": "请选择一个分数。", "nps-error": "请选择 0 到 10 之间的分数。",
               "comment-error": "意见最多 2000 字。"}),
    (ENGLISH, {"csat-error": "Please choose a score.", "nps-error": "Please choose a score from 0 to 10.",
               "comment-error": "The comment can be at most 2000 characters."}),
])
def test_invalid_input_shows_the_form_again_with_a_message_per_field(desk, language, messages):
    token = deliver(desk)
    refused = send_form(desk, token, {"nps": "11", "comment": "好" * 2001}, language=language)
    assert refused.status_code == 422
    html = page(refused)
    assert {key: html.text_of[key] for key in messages} == messages
    assert html.text_of["comment"] == "好" * 2001  # what was typed is kept
    assert answers(desk) == [] and data_of(desk, "service.survey.answered") == []


def test_each_kind_of_bad_score_is_refused_and_a_kept_choice_is_checked_again(desk):
    token = deliver(desk)
    for bad in ("0", "6", "4.5", "-1", "٣", "five", "1" * 40):
        refused = send_form(desk, token, {"csat": bad, "nps": "8"}, language=ENGLISH)
        assert refused.status_code == 422, bad
        assert page(refused).text_of["csat-error"] == "Please choose a score from 1 to 5."
    refused = send_form(desk, token, {"csat": "3", "nps": "", "comment": "ok\x00"}, language=ENGLISH)
    assert 'value="3" required checked' in refused.get_data(as_text=True)
    assert page(refused).text_of["comment-error"] == "The comment holds characters that cannot be stored."
    assert answers(desk) == []
    assert send_form(desk, token, {"csat": "3", "nps": "8"}).status_code == 200  # the link is still good


def test_a_comment_of_2000_characters_with_line_breaks_fits(desk):
    token = deliver(desk)
    comment = ("好" * 99 + "\r\n") * 20  # 2000 characters as the customer typed them
    assert send_form(desk, token, {"csat": "2", "nps": "3", "comment": comment}).status_code == 200
    [(_csat, _nps, stored)] = answers(desk)
    assert stored == comment.replace("\r\n", "\n").strip()


def test_the_comment_is_escaped_when_shown_again(desk):
    token = deliver(desk)
    refused = send_form(desk, token, {"csat": "9", "nps": "9", "comment": "<script>alert(1)</script>"})
    assert refused.status_code == 422
    source = refused.get_data(as_text=True)
    assert "<script>" not in source and "&lt;script&gt;alert(1)&lt;/script&gt;" in source


# -- links that cannot be answered ----------------------------------------------------------------------


def test_an_unknown_link_is_a_clear_404_page(desk):
    deliver(desk)
    shown = open_link(desk, "not-a-token", ENGLISH)
    assert shown.status_code == 404 and page(shown).text_of["h1"] == "We cannot find this survey"
    posted = send_form(desk, "not-a-token", {"csat": "5", "nps": "10"})
    assert posted.status_code == 404 and page(posted).text_of["h1"] == "找不到这份问卷"
    assert answers(desk) == []


def test_an_expired_link_is_a_clear_410_page_and_nothing_is_written(desk):
    token = deliver(desk)
    expire(desk)
    shown = open_link(desk, token)
    assert shown.status_code == 410 and page(shown).text_of["h1"] == "这个问卷链接已过期"
    posted = send_form(desk, token, {"csat": "nonsense"}, language=ENGLISH)
    assert posted.status_code == 410 and page(posted).text_of["h1"] == "This survey link has expired"
    assert answers(desk) == []


def test_an_answer_posted_from_another_site_is_refused(desk):
    token = deliver(desk)
    foreign = send_form(desk, token, {"csat": "1", "nps": "0"}, origin="https://evil.example")
    assert foreign.status_code == 403 and page(foreign).text_of["h1"] == "无法提交"
    hidden = send_form(desk, token, {"csat": "1", "nps": "0"}, origin="null")  # a sandboxed foreign frame
    assert hidden.status_code == 403
    cross = desk.post(f"/surveys/{token}/form", role=None, data={"csat": "1", "nps": "0"},
                      headers={"Accept": BROWSER, "Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert answers(desk) == []
    served_here = send_form(desk, token, {"csat": "5", "nps": "9"}, origin="http://localhost")
    assert served_here.status_code == 200  # the origin the request reached (here, the test client's)


def test_a_page_over_its_rate_limit_is_a_page_too(make_desk):
    desk = make_desk(public_rate_limit="2/minute")
    token = deliver(desk)
    for _ in range(2):
        send_form(desk, token, {"csat": "x"})
    limited = send_form(desk, token, {"csat": "x"}, language=ENGLISH)
    assert limited.status_code == 429 and page(limited).text_of["h1"] == "Too many attempts"
    for _ in range(2):
        open_link(desk, token)
    limited = open_link(desk, token)
    assert limited.status_code == 429 and page(limited).text_of["h1"] == "请求过于频繁"
    program = desk.get(f"/surveys/{token}", role=None)
    assert program.status_code == 429 and program.mimetype == "application/problem+json"
    assert program.json["type"].endswith("/too-many-requests") and program.json["detail"] == "2 per 1 minute"


# -- programs keep the JSON API ---------------------------------------------------------------------------


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json, text/html"])
def test_programs_still_get_json_from_the_link(desk, accept):
    token = deliver(desk)
    headers = {"Accept": accept} if accept else {}
    state = desk.get(f"/surveys/{token}", role=None, headers=headers)
    assert state.status_code == 200 and state.mimetype == "application/json"
    assert state.json["answered"] is False and state.json["scales"] == {"csat": [1, 5], "nps": [0, 10]}
    assert desk.get("/surveys/not-a-token", role=None, headers=headers).mimetype == "application/problem+json"


def test_the_json_answer_is_unchanged(desk):
    token = deliver(desk)
    answered = desk.post(f"/surveys/{token}", role=None, json={"csat": 4, "nps": 7})
    assert answered.status_code == 200 and answered.json["message"] == "感谢您的评价！Thank you for your feedback!"
    again = desk.post(f"/surveys/{token}", role=None, json={"csat": 4, "nps": 7})
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert open_link(desk, token).status_code == 410  # and a browser sees the used page


def test_the_page_routes_are_not_in_the_openapi_document(desk):
    paths = desk.get("/openapi.json", role=None).json["paths"]
    assert "/surveys/{token}" in paths
    assert not [path for path in paths if path.endswith("/form") or path.startswith("/survey-assets")]
