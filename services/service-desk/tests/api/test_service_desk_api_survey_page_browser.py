"""A customer answers the survey on a phone: headless Chromium, a phone-sized window,
no network but this machine, the page's own form (no JavaScript of ours)."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as shown
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text

from salesloop.testing.browser import chromium, screenshot, serve
from service_desk_client import data_of, delivered_order

pytestmark = pytest.mark.e2e

PHONE = (390, 844)
DELIVERED = delivered_order(order_id="O-300", order_number="SO-2026-0300")


@pytest.fixture
def survey_link(desk):
    """The answer link as the customer's browser reaches this service, and the service."""
    assert desk.deliver("orders.order.delivered", DELIVERED).value == "handled"
    token = data_of(desk, "service.survey.sent")[0]["answer_url"].rsplit("/", 1)[1]
    with serve(desk.app) as url:
        yield f"{url}/surveys/{token}"


def choose(browser, name: str, score: int) -> None:
    """Tap the score's button (the radio itself is hidden behind it, as on a phone)."""
    browser.find_element(By.XPATH, f"//input[@name='{name}' and @value='{score}']/following-sibling::span").click()


def test_a_customer_answers_on_a_phone_in_chinese(desk, survey_link):
    with chromium(*PHONE, language="zh-CN") as browser:
        browser.get(survey_link)
        heading = WebDriverWait(browser, 30).until(shown.visibility_of_element_located((By.TAG_NAME, "h1")))
        assert heading.text == "满意度调查"
        assert browser.execute_script("return document.scripts.length") == 0
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")  # nothing wider than the phone
        buttons = browser.find_elements(By.CSS_SELECTOR, ".choices span")
        assert len(buttons) == 16 and min(button.size["height"] for button in buttons) >= 48
        choose(browser, "csat", 4)
        choose(browser, "nps", 9)
        browser.find_element(By.ID, "comment").send_keys("送货准时，包装完好")
        screenshot(browser, "survey-form-zh")
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        thanks = WebDriverWait(browser, 30).until(shown.text_to_be_present_in_element((By.TAG_NAME, "h1"), "感谢"))
        assert thanks
        screenshot(browser, "survey-thanks-zh")
        failed = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert failed == []
        browser.get(survey_link)  # the link again: already answered
        assert browser.find_element(By.TAG_NAME, "h1").text == "这份问卷已经回答过了"
    with desk.runtime.database.session() as session:
        stored = session.execute(text("select csat, nps, comment from surveys")).all()
    assert stored == [(4, 9, "送货准时，包装完好")]


def test_a_browser_refuses_to_send_the_form_without_the_scores(desk, survey_link):
    with chromium(*PHONE, language="en-US") as browser:
        browser.get(survey_link)
        WebDriverWait(browser, 30).until(shown.visibility_of_element_located((By.TAG_NAME, "form")))
        assert browser.find_element(By.TAG_NAME, "h1").text == "Satisfaction survey"
        screenshot(browser, "survey-form-en")
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()  # nothing chosen
        assert browser.current_url == survey_link  # the browser's own check kept it here
        assert browser.execute_script("return document.querySelector('input[name=csat]').validity.valueMissing")
    assert data_of(desk, "service.survey.answered") == []
