"""/docs in a real browser with no network but this machine: Swagger UI renders
from the service's own assets."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as shown
from selenium.webdriver.support.ui import WebDriverWait

from salesloop.testing.browser import chromium, screenshot, serve
from demo_service import alpha_spec, app_factory

pytestmark = pytest.mark.e2e


@pytest.fixture
def docs_site(service_harness):
    harness = service_harness(alpha_spec(), app_factory)
    with serve(harness.app) as url:
        yield url


def test_the_docs_render_offline_from_local_assets(docs_site):
    with chromium() as browser:
        browser.get(docs_site + "/docs")
        title = WebDriverWait(browser, 30).until(shown.visibility_of_element_located((By.CSS_SELECTOR, ".info .title")))
        assert title.text.startswith("Alpha")
        operations = browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")
        assert any("/notes" in op.text for op in operations)
        screenshot(browser, "docs")
        failed = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert failed == []


def test_the_network_outside_is_really_closed(docs_site):
    with chromium() as browser:
        browser.get("data:text/html,<img id=i src='https://cdn.jsdelivr.net/npm/swagger-ui-dist/favicon-32x32.png'>")
        loaded = browser.execute_script("return document.getElementById('i').naturalWidth")
        assert loaded == 0
