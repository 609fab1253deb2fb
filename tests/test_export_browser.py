"""A researcher exports a study from the results page in real Chromium; a real worker writes the zip."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from annotation.users import User
from tests.browser import log_in
from tests.conftest import ARTIFACTS
from tests.studies import World, make_world, submitted_review
from tests.workers import WorkerProcess

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[WorkerProcess]:
    process = WorkerProcess(tmp_path)
    yield process
    process.stop()


def test_the_progress_page_follows_the_job_until_the_zip_can_be_downloaded(
    page: Page, live_server: LiveServer, worker: WorkerProcess, researcher: User, contractor: User
) -> None:
    world: World = make_world(researcher, [contractor], items=2)
    submitted_review(world, contractor, "assisted", 0, [(4, 7)])
    log_in(page, live_server, researcher.username)
    page.goto(f"{live_server.url}/studies/{world.study.pk}/adjudicate/")
    expect(page.get_by_label(re.compile("Match threshold"))).to_have_value("0.3")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "adjudication-threshold.png"))

    page.goto(f"{live_server.url}/studies/{world.study.pk}/results/")
    page.get_by_label("Everything, as").select_option("parquet")
    page.get_by_role("button", name="Start export").click()
    expect(page).to_have_url(re.compile(r"/exports/\d+/$"))
    download_link = page.get_by_role("link", name=re.compile("Download zip"))
    expect(download_link).to_be_visible(timeout=60_000)  # htmx polls the job until the worker is done
    expect(page.locator("#progress")).to_contain_text("100%")
    expect(page.locator("#progress")).to_contain_text("critique_pairs.parquet")
    page.screenshot(path=str(ARTIFACTS / "export-done.png"), full_page=True)
    with page.expect_download() as download:
        download_link.click()
    assert re.fullmatch(rf"redline-study-{world.study.pk}-parquet-\d+\.zip", download.value.suggested_filename)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Exports").click()
    expect(page.locator("table")).to_contain_text(world.study.name)
    page.screenshot(path=str(ARTIFACTS / "export-list.png"))
