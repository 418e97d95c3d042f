"""The reports in a real browser: headless Chromium (Debian's) driven through Playwright.

Checks what a reader would notice: no console error, no request leaving the page, every chart
drawn (an SVG with data in each figure container), a screenshot that is not blank, a PDF print;
and that injected markup in the customer text runs nothing. `make test` and `.ci/run` install
Chromium (`make browser`); elsewhere the test is skipped when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import Config
from pipeline.jobs.reports import report_data, write_reports
from pipeline.reports.render import render_cx_report, render_theme_report
from tests.reports.test_reports import hostile_data

pytestmark = pytest.mark.slow

CHROMIUM = Path(os.environ.get("VERBATIM_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs it with `make browser`")
        pytest.skip(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    playwright_api = pytest.importorskip("playwright.sync_api")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with playwright_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 1000, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


class PageWatch:
    """A page and what it did: console errors, requests, dialogs."""

    def __init__(self, context: Any) -> None:
        self.page = context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", self._dialog)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning") and "Unrecognized" not in message.text:
            self.errors.append(f"{message.type}: {message.text}")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: Path) -> Any:
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        return self.page

    def outside_requests(self, path: Path) -> list[str]:
        return [url for url in self.requests if url != path.resolve().as_uri()]


def _not_blank(png: bytes) -> None:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.resize((100, max(1, 100 * image.height // image.width)))
    pixels = list(small.getdata())
    non_white = sum(1 for r, g, b in pixels if min(r, g, b) < 235)
    assert len(set(pixels)) > 50, "the screenshot has almost no colours"
    assert non_white > 0.03 * len(pixels), "the screenshot is nearly blank"


FIGURES_DRAWN = """() => Array.from(document.querySelectorAll("[data-figure]")).map(el => ({
    id: el.getAttribute("data-figure"),
    svg: el.querySelectorAll("svg.main-svg").length,
    traces: el.querySelectorAll(
        "svg .scatterlayer .trace path, svg .scatterlayer .trace .point, "
        + "svg .barlayer .trace .point, svg .heatmaplayer .hm image").length,
}))"""


@pytest.fixture(scope="module")
def paths(demo_workspace: Config, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The reports of the analysed workspace, written once for the tests that open them."""
    return write_reports(demo_workspace, tmp_path_factory.mktemp("reports"))


def test_theme_report_renders_in_chromium(
    paths: Any, browser_context: Any, tmp_path: Path
) -> None:
    watch = PageWatch(browser_context)
    page = watch.open(paths.theme_report)
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('[data-figure]'))"
        ".every(el => el.querySelector('svg.main-svg'))",
        timeout=30_000,
    )
    figures = page.evaluate(FIGURES_DRAWN)
    assert len(figures) >= 6, figures
    for figure in figures:
        assert figure["svg"] >= 1 and figure["traces"] >= 1, figure
    assert watch.errors == []
    assert watch.outside_requests(paths.theme_report) == []
    assert watch.dialogs == []
    screenshot = page.screenshot(full_page=True, path=str(tmp_path / "theme-report.png"))
    _not_blank(screenshot)
    pdf = page.pdf(format="A4", print_background=True, path=str(tmp_path / "theme-report.pdf"))
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 3
    _keep(tmp_path, "theme-report.png", "theme-report.pdf")


def test_cx_report_renders_in_chromium(paths: Any, browser_context: Any, tmp_path: Path) -> None:
    watch = PageWatch(browser_context)
    page = watch.open(paths.cx_report)
    assert page.locator("section.team").count() >= 1
    assert page.locator("article.followup").count() >= 1
    assert watch.errors == [] and watch.dialogs == []
    assert watch.outside_requests(paths.cx_report) == []
    _not_blank(page.screenshot(full_page=True, path=str(tmp_path / "cx-report.png")))
    _keep(tmp_path, "cx-report.png")


SCRIPTED = """() => ({
    scripts: document.querySelectorAll("script").length,
    jsonScripts: document.querySelectorAll('script[type="application/json"]').length,
    handlers: document.querySelectorAll("[onerror], [onload], [onclick]").length,
    jsLinks: Array.from(document.querySelectorAll("a")).filter(
        a => a.href.trim().toLowerCase().startsWith("javascript:")).length,
    images: document.querySelectorAll("img").length,
    text: document.body.innerText,
    svgText: Array.from(document.querySelectorAll("svg text")).map(t => t.textContent).join(" "),
    svgLinks: document.querySelectorAll("svg a").length,
    flagged: window.__xss === true,
})"""


@pytest.mark.parametrize("render", [render_theme_report, render_cx_report])
def test_injected_markup_runs_nothing_in_chromium(
    demo_workspace: Config, browser_context: Any, tmp_path: Path, render: Any
) -> None:
    page_file = tmp_path / "hostile.html"
    page_file.write_text(render(hostile_data(report_data(demo_workspace))), encoding="utf-8")
    watch = PageWatch(browser_context)
    page = watch.open(page_file)
    page.wait_for_timeout(500)
    found = page.evaluate(SCRIPTED)
    assert watch.dialogs == [], "an injected alert() ran"
    assert found["handlers"] == 0 and found["jsLinks"] == 0 and found["images"] == 0
    assert found["svgLinks"] == 0
    figures = page.locator("[data-figure]").count()
    assert found["scripts"] == found["jsonScripts"] + (2 if figures else 0)
    assert "<script>alert('xss-script')</script>" in found["text"]
    assert "<img src=x onerror=alert('xss-img')>" in found["text"]
    if figures:
        assert "<script>alert(" in found["svgText"]  # labels drawn as text in the charts
    assert watch.errors == []
    assert watch.outside_requests(page_file) == []


def _keep(folder: Path, *names: str) -> None:
    """Copy screenshots and PDFs to $VERBATIM_SCREENSHOTS, when set, to look at them."""
    target = os.environ.get("VERBATIM_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.copy(folder / name, Path(target) / name)
