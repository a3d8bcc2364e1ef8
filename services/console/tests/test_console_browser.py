"""In headless Chromium: a manager signs in, sees the pipeline board, and the charts are drawn.

The console runs on a loopback port over the five real services in-process;
the network is closed to anything but this machine, so the chart bundle must
come from the console itself (built by `make install`).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import Select, WebDriverWait

from salesloop.testing.browser import chromium, require_browser, screenshot, serve

BUNDLE = Path(__file__).resolve().parents[1] / "console" / "static" / "charts.js"


@pytest.fixture
def live_console(company, console):
    require_browser()
    assert BUNDLE.exists(), "the chart bundle is built by `make install` (npm ci && npm run build)"
    with serve(console) as url:
        yield url


def sign_in_as_manager(browser, url: str) -> None:
    browser.get(url + "/login")
    Select(browser.find_element(By.ID, "role")).select_by_value("manager")
    user = browser.find_element(By.ID, "user")
    user.clear()
    user.send_keys("m-east")
    region = browser.find_element(By.ID, "region")
    region.clear()
    region.send_keys("east")
    browser.find_element(By.CSS_SELECTOR, "#dev-login button[type=submit]").click()


def test_a_manager_signs_in_and_sees_the_pipeline_board_with_its_charts(live_console):
    with chromium() as browser:
        sign_in_as_manager(browser, live_console)
        WebDriverWait(browser, 20).until(ready.presence_of_element_located((By.ID, "kpis")))
        browser.get(live_console + "/pipeline")
        board = WebDriverWait(browser, 20).until(ready.presence_of_element_located((By.ID, "board")))
        assert "云帆科技" in board.text and "西部能源" not in board.text
        WebDriverWait(browser, 20).until(
            lambda b: b.find_element(By.ID, "stage-chart").get_attribute("data-drawn") == "true")
        canvas = browser.find_element(By.CSS_SELECTOR, "#stage-chart canvas")
        assert canvas.size["width"] > 100 and canvas.size["height"] > 100
        screenshot(browser, "console-pipeline")
        browser.find_element(By.CSS_SELECTOR, "form.who button[type=submit]").click()
        WebDriverWait(browser, 20).until(ready.presence_of_element_located((By.ID, "dev-login")))
        browser.get(live_console + "/pipeline")
        assert "/login" in browser.current_url
