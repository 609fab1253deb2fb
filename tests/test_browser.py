"""Real Chromium (Debian's package) driven by Playwright against a live server."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from annotation.datasets.models import Item
from annotation.users import User
from tests.browser import log_in
from tests.conftest import ARTIFACTS
from tests.importing import code_row, jsonl, summary_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_researcher_uploads_a_file_and_sees_the_result(
    page: Page, live_server: LiveServer, researcher: User, tmp_path: Path
) -> None:
    good = tmp_path / "items.jsonl"
    good.write_bytes(jsonl(summary_row(), code_row(flaws=[{"quote": "return a", "description": "wrong one"}])))
    log_in(page, live_server, researcher.username)
    expect(page.get_by_role("heading", name="Datasets")).to_be_visible()
    page.get_by_role("link", name="Import a dataset").first.click()
    page.locator("#id_file").set_input_files(str(good))
    page.locator("#id_name").fill("browser upload")
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#outcome")).to_contain_text("Imported 2 items into 'browser upload'")
    ARTIFACTS.mkdir(exist_ok=True)
    expect(page.locator("#upload-progress")).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "import-success.png"), full_page=True)
    page.get_by_role("link", name="Open browser upload").click()
    expect(page.locator("table")).to_contain_text("model-b")
    page.get_by_role("link", name="item").nth(1).click()
    expect(page.locator("ol.code li")).to_have_count(4)
    page.screenshot(path=str(ARTIFACTS / "item-code.png"), full_page=True)
    assert Item.objects.count() == 2


def test_a_bad_upload_shows_each_problem_and_imports_nothing(
    page: Page, live_server: LiveServer, researcher: User, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(jsonl(summary_row(), summary_row(kind="poem"), "{broken"))
    log_in(page, live_server, researcher.username)
    page.goto(f"{live_server.url}/datasets/import/")
    page.locator("#id_file").set_input_files(str(bad))
    page.locator("#id_name").fill("bad upload")
    page.get_by_role("button", name="Import").click()
    rows = page.locator("#outcome table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("kind")
    expect(rows.nth(1)).to_contain_text("is not valid JSON")
    page.screenshot(path=str(ARTIFACTS / "import-errors.png"), full_page=True)
    assert Item.objects.count() == 0


def test_a_contractor_lands_on_their_tasks(page: Page, live_server: LiveServer, contractor: User) -> None:
    log_in(page, live_server, contractor.username)
    expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    expect(page.get_by_role("link", name="Datasets")).to_have_count(0)


def test_a_researcher_starts_a_run_and_watches_it_finish(
    page: Page, live_server: LiveServer, researcher: User, tmp_path: Path
) -> None:
    from assist.models import Backend, CriticConfig
    from tests.factories import DatasetFactory, ItemFactory
    from tests.standin.process import StandinProcess
    from tests.workers import WorkerProcess

    standin = StandinProcess("--latency-ms", "200", "--max-concurrency", "4")
    worker = WorkerProcess(tmp_path)
    try:
        dataset = DatasetFactory.create(name="to critique")
        for n in range(40):
            ItemFactory.create(dataset=dataset, response=f"Answer number {n}. The cat sat on mat {n}.")
        CriticConfig.objects.create(
            name="stand-in critic",
            backend=Backend.OPENAI,
            base_url=standin.url,
            model="critic",
            sampling={"critiqueability": False},
        )
        log_in(page, live_server, researcher.username)
        page.goto(f"{live_server.url}/datasets/{dataset.pk}/")
        page.get_by_label("Critic").select_option(label="stand-in critic")
        page.get_by_role("button", name="Generate critiques").click()
        expect(page.locator("h1")).to_contain_text("stand-in critic")
        expect(page.locator("#progress")).to_contain_text("Running", timeout=15_000)
        page.screenshot(path=str(ARTIFACTS / "run-progress.png"), full_page=True)
        expect(page.locator("#progress .badge")).to_have_text("Done", timeout=30_000)
        expect(page.locator("#progress")).to_contain_text("100%")
        page.screenshot(path=str(ARTIFACTS / "run-done.png"), full_page=True)
    finally:
        worker.stop()
        standin.stop()
