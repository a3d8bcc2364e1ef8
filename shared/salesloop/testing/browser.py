"""Headless Chromium for browser tests: Debian's chromium and chromium-driver,
driven by Selenium, with the network closed to anything but this machine.

    def test_docs(browser, live_server):
        browser.get(live_server + "/docs")

Every host name resolves to nothing except 127.0.0.1 and localhost, so a page
that needs a CDN (or anything outside) fails to load its assets — which is what
the offline tests check.
"""
from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from flask import Flask
    from selenium.webdriver import Chrome
    from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = os.environ.get("SALESLOOP_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SALESLOOP_CHROMEDRIVER", "/usr/bin/chromedriver")
SCREENSHOTS = Path(os.environ.get("SALESLOOP_SCREENSHOTS", "var/screenshots"))


def browser_available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def require_browser() -> None:
    if browser_available():
        return
    message = f"headless Chromium is not installed ({CHROMIUM}, {CHROMEDRIVER}): apt-get install chromium chromium-driver"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@contextmanager
def chromium(width: int = 1280, height: int = 900, *, language: str = "en-US") -> Iterator[Chrome]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    require_browser()
    profile = tempfile.mkdtemp(prefix="salesloop-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-extensions", f"--user-data-dir={profile}",
                 f"--window-size={width},{height}", f"--lang={language}",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver: WebDriver, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """A Flask app on a free loopback port in a thread, for the length of the block."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
