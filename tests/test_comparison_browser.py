"""A contractor compares critiques and plants a flaw in real Chromium, with the keyboard and the mouse;
the tests run by a real worker; screenshots at the sizes contractors use."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from annotation.comparing.models import Comparison, CritiqueRating, Inclusion
from annotation.studies.models import Assignment
from annotation.tampering.models import Tamper
from annotation.users import User
from tests.browser import log_in
from tests.comparisons import SOLUTION, SOURCE_MARK, compare_study, tamper_study
from tests.conftest import ARTIFACTS
from tests.workers import WorkerProcess

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = ((1366, 768), (1920, 1080))


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[WorkerProcess]:
    process = WorkerProcess(tmp_path)
    yield process
    process.stop()


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("document.activeElement?.blur(); window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / name))


def test_a_comparison_answered_with_the_keyboard_and_the_mouse(
    page: Page, live_server: LiveServer, researcher: User, contractor: User
) -> None:
    study = compare_study(researcher, [contractor], critics=3, items=2)
    log_in(page, live_server, contractor.username)
    page.goto(f"{live_server.url}/tasks/")
    page.keyboard.press("n")
    expect(page.get_by_role("heading", name="Compare these critiques")).to_be_visible()
    expect(page.get_by_role("heading", name="Critique C")).to_be_visible()
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        shoot(page, f"compare-{width}x{height}.png")
        # The three critiques sit side by side, each wide enough to read.
        boxes = [page.get_by_role("heading", name=f"Critique {x}").bounding_box() for x in "ABC"]
        assert all(box is not None for box in boxes)
        assert len({round(box["y"]) for box in boxes if box}) == 1
    assert SOURCE_MARK not in page.content()
    assignment = Assignment.objects.get(study=study, status="active")
    comparison = Comparison.objects.get(assignment=assignment)
    # Keyboard: 1-7 answers the focused question and moves to the next; as fast as a person can type,
    # every answer is saved, and the state shown is the last one (answers are sent in order).
    questions = page.locator("form.q")
    total = questions.count()
    assert total == 3 * 6  # per critique: one planted flaw's inclusion and five scales
    for _ in range(total - 1):
        page.keyboard.press("5")
    expect(page.locator("#save-state")).to_contain_text("Still to answer")
    # Mouse: the last question.
    last = questions.nth(total - 1)
    last.locator("label.pt").nth(1).click()
    expect(page.locator("#save-state")).to_contain_text("Everything answered")
    assert Inclusion.objects.filter(rating__comparison=comparison, score=5).count() == 3
    assert CritiqueRating.objects.filter(comparison=comparison, overall=2).count() == 1
    with page.expect_response(re.compile("/compare/answer/")):
        page.get_by_label("Why? (a sentence)").first.fill("It found the bug in line 2.")
    page.reload()  # everything was saved as it happened
    expect(page.locator("form.q input[type=radio]:checked")).to_have_count(total)
    expect(page.get_by_label("Why? (a sentence)").first).to_have_value("It found the bug in line 2.")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_text(re.compile("Comparison submitted"))).to_be_visible()
    comparison.refresh_from_db()
    assert comparison.status == "submitted"
    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server, researcher.username)
    page.goto(f"{live_server.url}/studies/{study.pk}/results/")
    expect(page.get_by_role("heading", name="Elo")).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    shoot(page, "compare-results.png")


def test_a_tamper_planted_with_the_keyboard_and_the_mouse_tested_by_the_worker(
    page: Page, live_server: LiveServer, worker: WorkerProcess, researcher: User, contractor: User
) -> None:
    study = tamper_study(researcher, [contractor])
    log_in(page, live_server, contractor.username)
    page.goto(f"{live_server.url}/tasks/")
    page.keyboard.press("n")
    expect(page.get_by_role("heading", name=re.compile("Plant a subtle flaw"))).to_be_visible()
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        shoot(page, f"tamper-{width}x{height}.png")
    page.keyboard.press("e")  # into the editor
    editor = page.locator("#tamper-text")
    expect(editor).to_be_focused()
    editor.fill(SOLUTION.replace("a + b", "a - b"))
    expect(page.locator("#diff .add")).to_contain_text("return a - b")
    page.keyboard.press("Escape")
    page.keyboard.press("d")
    expect(page.locator("#tf-description")).to_be_focused()
    page.keyboard.type("Subtracts instead of adding")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".flaw-list")).to_contain_text("Subtracts instead of adding")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("t")
    expect(page.get_by_text("The tests now fail: they catch it")).to_be_visible(timeout=30_000)
    shoot(page, "tamper-tested.png")
    page.get_by_role("button", name=re.compile("^Submit")).click()  # the mouse
    expect(page.get_by_text(re.compile("Tamper submitted"))).to_be_visible()
    tamper = Tamper.objects.get(assignment__study=study)
    assert tamper.status == "submitted" and tamper.item is not None
    assert tamper.item.planted_flaws.get().line_start == 2
