"""The README's pictures of the console, taken of a living company: ``make demo`` loaded into
a stack of this module's own (the embedded default, started as ``make run`` starts it), the
console process over it, and a person signed in through the console's development sign-in
as the demo tells them to. Each picture is taken only once its page shows the company's
figures and its charts are drawn; they are written to docs/images/. (The operations view's
picture is taken on the RabbitMQ stack, with a letter parked: test_e2e_console.py.)
"""
from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from e2e_console import Console, picture
from stack import SERVICES, Stack

pytestmark = pytest.mark.e2e

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"
WHOM = re.compile(r"manager (\S+) region (\S+);.*?admin (\S+)\)", re.DOTALL)


@pytest.fixture(scope="module")
def demo_console(tmp_path_factory):
    """(console, {who: (role, user, region)}) over a stack with the demo company in it."""
    from salesloop.testing.browser import require_browser

    require_browser()
    workdir = tmp_path_factory.mktemp("e2e-console-demo")
    databases = {service: f"sqlite:///{workdir / 'db' / (service + '.sqlite3')}" for service in SERVICES}
    stack = Stack(workdir, databases, f"filesystem://{workdir / 'bus'}", f"cdemo{uuid.uuid4().hex[:8]}.",
                  api_workers=1, name="console-demo")
    console = None
    try:
        stack.start_all()
        urls = [f"--url={service}={stack.url(service)}" for service in SERVICES]
        demo = subprocess.run([sys.executable, str(DEMO), *urls, "--leads", "150", "--seed", "12"], env=stack.env,
                              cwd=stack.workdir, capture_output=True, text=True, timeout=300)
        assert demo.returncode == 0, f"demo failed:\n{demo.stdout[-3000:]}\n{demo.stderr[-3000:]}"
        found = WHOM.search(demo.stdout)
        assert found, f"the demo names no one to sign in as:\n{demo.stdout[-1500:]}"
        manager, region, admin = found.groups()
        console = Console(stack, workers=1)
        yield console, {"manager": ("manager", manager, region), "admin": ("admin", admin, "")}
    finally:
        if console is not None:
            console.stop()
        stack.stop_all()


def dev_sign_in(browser, console: Console, role: str, user: str, region: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import Select, WebDriverWait

    browser.get(console.url + "/login")
    Select(browser.find_element(By.ID, "role")).select_by_value(role)
    for field, value in (("user", user), ("region", region)):
        element = browser.find_element(By.ID, field)
        element.clear()
        element.send_keys(value)
    browser.find_element(By.CSS_SELECTOR, "#dev-login button[type=submit]").click()
    WebDriverWait(browser, 30).until(shown.presence_of_element_located((By.CSS_SELECTOR, "form.who")))


def drawn(browser, *chart_ids: str) -> None:
    """Every chart has drawn itself on a canvas of a real size (ECharts, from the console's bundle)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    for chart_id in chart_ids:
        WebDriverWait(browser, 30).until(
            lambda b, chart_id=chart_id: b.find_element(By.ID, chart_id).get_attribute("data-drawn") == "true")
        canvas = browser.find_element(By.CSS_SELECTOR, f"#{chart_id} canvas")
        assert canvas.size["width"] > 200 and canvas.size["height"] > 100, (chart_id, canvas.size)


def test_the_sales_managers_kpis_and_pipeline_board_of_the_demo_company(demo_console):
    from selenium.webdriver.common.by import By

    from salesloop.testing.browser import chromium

    console, people = demo_console
    with chromium(1400, 1000) as browser:
        dev_sign_in(browser, console, *people["manager"])
        browser.get(console.url + "/")
        figures = {row.get_attribute("data-metric"): row.find_elements(By.CSS_SELECTOR, "td.num")[0].text
                   for row in browser.find_elements(By.CSS_SELECTOR, "#kpis tr[data-metric]")}
        assert float(figures["revenue"].split()[0]) > 0, figures
        assert int(figures["orders"].split()[0]) >= 1, figures
        drawn(browser, "trend-chart")
        kpis = picture(browser, "console-kpis", full_page=True)

        browser.set_window_size(1400, 1000)
        browser.get(console.url + "/pipeline")
        board = browser.find_element(By.ID, "board")
        deals = board.find_elements(By.CSS_SELECTOR, "article.deal")
        assert len(deals) >= 3 and len({d.find_element(By.XPATH, "./ancestor::section").get_attribute("data-stage")
                                        for d in deals}) >= 3, board.text
        drawn(browser, "stage-chart", "rep-chart")
        pipeline = picture(browser, "console-pipeline", full_page=True)

        browser.set_window_size(1400, 1000)
        browser.get(console.url + "/trends?by=rep&metric=revenue")
        reps = browser.find_elements(By.CSS_SELECTOR, "#breakdown tr[data-key]")
        assert len(reps) >= 2, browser.find_element(By.TAG_NAME, "main").text
        drawn(browser, "breakdown-chart")
        trends = picture(browser, "console-trends", full_page=True)
        failed = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert failed == []
    assert all(image.stat().st_size > 30_000 for image in (kpis, pipeline, trends))


def test_the_operations_view_of_the_demo_company(demo_console):
    """On the embedded default too (no queue depth from the filesystem bus): every service ready,
    its dead letters counted from the listing."""
    from selenium.webdriver.common.by import By

    from salesloop.testing.browser import chromium

    console, people = demo_console
    with chromium(1400, 1000) as browser:
        dev_sign_in(browser, console, *people["admin"])
        browser.get(console.url + "/ops")
        rows = browser.find_elements(By.CSS_SELECTOR, "#services tr[data-service]")
        assert [row.get_attribute("data-service") for row in rows] == list(SERVICES)
        assert all(" ready " in f" {row.text} " for row in rows), [row.text for row in rows]
        assert [row.find_elements(By.CSS_SELECTOR, "td.num")[-1].text for row in rows] == ["0"] * len(SERVICES)
        assert len(browser.find_elements(By.CSS_SELECTOR, "[data-letters]")) == len(SERVICES)
