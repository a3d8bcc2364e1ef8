"""The console as operations run it — ``salesloop-console api`` under gunicorn, configured by
the environment only (``<SERVICE>_URL`` for each API) — over a running stack, and a person's
browser on it (headless Chromium, nothing reachable but this machine).

Screenshots for the README are written to docs/images/ (committed): the test run makes them.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import requests

from stack import BIN, SERVICES, StackError, _free_port

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


class Console:
    """The sixth deployable over a ``Stack``'s five APIs, on a port of its own."""

    def __init__(self, stack, workers: int = 2):
        self.stack = stack
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**stack.env, "OTEL_SERVICE_NAME": "console",
               **{f"{service.upper().replace('-', '_')}_URL": stack.url(service) for service in SERVICES}}
        log_path = stack.workdir / "log" / "console-api.log"
        with open(log_path, "a") as log:
            self.process = subprocess.Popen(
                [str(BIN / "salesloop-console"), "api", "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.log_path = log_path
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StackError(f"the console exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise StackError(f"the console was not ready within {timeout:.0f}s\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return f"--- {self.log_path}\n" + "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def sign_in_with_token(browser, console: Console, token: str) -> None:
    """The sign-in page's token form, as a person pastes the token their company's sign-in gave them."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(console.url + "/login")
    field = WebDriverWait(browser, 30).until(shown.visibility_of_element_located((By.ID, "token")))
    field.send_keys(token)
    field.find_element(By.XPATH, "./ancestor::form//button[@type='submit']").click()
    WebDriverWait(browser, 30).until(shown.presence_of_element_located((By.CSS_SELECTOR, "form.who")))


def picture(browser, name: str, *, full_page: bool = False) -> Path:
    """A README image, docs/images/<name>.png; ``full_page`` grows the window to the page's height first."""
    if full_page:
        width = browser.get_window_size()["width"]
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(width, min(max(height + 140, 600), 3000))
    IMAGES.mkdir(parents=True, exist_ok=True)
    path = IMAGES / f"{name}.png"
    assert browser.save_screenshot(str(path)), f"no screenshot for {path}"
    return path
