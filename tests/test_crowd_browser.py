"""A Prolific study end to end in real Chromium: the researcher creates a pooled study, turns checks on
with a qualifying item and gold items, makes the Prolific link and launches; two participants arrive
through the link: one qualifies, works through tasks with gold mixed in and leaves with the completion
code, the other fails the qualification and leaves with the screen-out code; the quality page shows both."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from annotation.crowd.models import Participant
from annotation.studies.models import Assignment, Purpose, Study
from annotation.users import User
from tests.browser import log_in
from tests.conftest import ARTIFACTS
from tests.factories import DatasetFactory, ItemFactory, PlantedFlawFactory
from tests.studies import RESPONSE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = ((1366, 768), (1920, 1080))


def _datasets() -> None:
    for name, count in (("Summaries to study", 4), ("Known answers", 3)):
        dataset = DatasetFactory.create(name=name)
        for n in range(count):
            item = ItemFactory.create(dataset=dataset, response=RESPONSE, context=f"{name} passage {n}.")
            PlantedFlawFactory.create(item=item, start=4, end=7, description="The animal is wrong.")


def _set_up(page: Page, live_server: LiveServer) -> str:
    page.goto(f"{live_server.url}/studies/new/")
    page.get_by_label("Name", exact=True).fill("Crowd review")
    page.get_by_label("Summaries to study").check()
    page.get_by_label("Design").select_option("within")
    page.get_by_label("Pooled tasks (open recruitment)").check()
    page.get_by_label("At most this many tasks per contractor").fill("3")
    page.get_by_role("button", name="Create study").click()
    expect(page.get_by_text("created as a draft")).to_be_visible()
    plan = page.locator("#plan-form")
    plan.get_by_label("Check rate (0-0.5)").fill("0.5")
    plan.get_by_label("Qualification: share of flaws to catch").fill("1")
    plan.get_by_role("button", name="Turn checks on").click()
    expect(page.get_by_text("Quality plan saved.")).to_be_visible()
    for role, count in (("Qualification", "1"), ("Gold", "2")):
        items = page.locator("#check-items-form")
        items.get_by_label("From dataset").select_option(label="Known answers")
        items.get_by_label("Use as").select_option(label=role)
        items.get_by_label("How many").fill(count)
        items.get_by_role("button", name="Add check items").click()
        expect(page.get_by_text(f"Added {count}")).to_be_visible()
    link = page.locator("#link-form")
    link.get_by_label("Completion code").fill("C0MPLETE42")
    link.get_by_label("Screen-out code").fill("SCREEN0UT7")
    link.get_by_role("button", name="Create link").click()
    expect(page.get_by_text("Crowd link saved.")).to_be_visible()
    page.get_by_role("button", name="Launch").click()
    expect(page.get_by_text("Launched: 4 tasks wait in the pool")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.locator("#checks").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"crowd-study-{width}x{height}.png"), full_page=True)
    return page.locator("#join-url").inner_text()


def _select(page: Page, text: str) -> None:
    page.evaluate(
        """(text) => {
            const src = document.querySelector('#response .src');
            const node = src.firstChild, at = node.data.indexOf(text), range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + text.length);
            window.getSelection().removeAllRanges();
            window.getSelection().addRange(range);
            src.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        }""",
        text,
    )


def _review(page: Page, span: str) -> None:
    page.wait_for_load_state("load")
    _select(page, span)
    page.keyboard.press("f")
    page.keyboard.type("This is not what the passage says.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#flaws li.flaw")).to_have_count(1)
    page.keyboard.press("Escape")
    page.keyboard.press("4")
    expect(page.locator("#save-state")).to_contain_text("Saved")
    page.keyboard.press("s")
    expect(page.locator("#submit-confirm")).to_be_visible()
    page.keyboard.press("s")


def _participant(browser: Browser, url: str, pid: str, span: str, shots: bool = False) -> Page:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(
        url.replace("{{%PROLIFIC_PID%}}", pid)
        .replace("{{%STUDY_ID%}}", "prolificstudy1")
        .replace("{{%SESSION_ID%}}", f"session-{pid}")
    )
    expect(page.get_by_role("heading", name="Crowd review")).to_be_visible()
    expect(page.get_by_text(pid)).to_be_visible()
    if shots:
        page.screenshot(path=str(ARTIFACTS / "crowd-join-1366x768.png"), full_page=True)
    page.get_by_role("button", name="Start").click()
    for _ in range(10):
        expect(page).to_have_url(re.compile(r"/(tasks/\d+|join/done)/$"))
        if page.url.endswith("/join/done/"):
            break
        _review(page, span)
    return page


def test_a_prolific_study_with_gold_and_qualification_runs_end_to_end(
    browser: Browser, page: Page, live_server: LiveServer, researcher: User
) -> None:
    _datasets()
    log_in(page, live_server, researcher.username)
    url = _set_up(page, live_server)
    assert url.startswith(live_server.url + "/join/") and "PROLIFIC_PID={{%PROLIFIC_PID%}}" in url

    good = _participant(browser, url, "aaaaaaaaaaaaaaaaaaaaaaa1", "cat", shots=True)
    expect(good.locator("#completion-code")).to_have_text("C0MPLETE42")
    expect(good.locator("#return-link")).to_have_attribute(
        "href", "https://app.prolific.com/submissions/complete?cc=C0MPLETE42"
    )
    for width, height in SIZES:
        good.set_viewport_size({"width": width, "height": height})
        good.screenshot(path=str(ARTIFACTS / f"crowd-done-{width}x{height}.png"), full_page=True)
    poor = _participant(browser, url, "bbbbbbbbbbbbbbbbbbbbbbb2", "sunny day")
    expect(poor.locator("#completion-code")).to_have_text("SCREEN0UT7")
    expect(poor.get_by_text("did not reach the level")).to_be_visible()

    study = Study.objects.get(name="Crowd review")
    people = {p.participant_id: p for p in Participant.objects.filter(study=study).select_related("user")}
    assert {p.outcome for p in people.values()} == {"completed", "screened_out"}
    good_tasks = Assignment.objects.filter(contractor=people["aaaaaaaaaaaaaaaaaaaaaaa1"].user)
    purposes = list(good_tasks.order_by("started_at").values_list("purpose", flat=True))
    assert purposes[0] == Purpose.QUALIFICATION and purposes.count(Purpose.TASK) == 3
    assert Purpose.GOLD in purposes, purposes  # one check in every two tasks at rate 0.5
    assert list(
        Assignment.objects.filter(contractor=people["bbbbbbbbbbbbbbbbbbbbbbb2"].user).values_list("purpose", flat=True)
    ) == [Purpose.QUALIFICATION]

    page.goto(f"{live_server.url}/studies/{study.pk}/quality/")
    rows = page.locator("table.quality tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="aaaaaaaaaaaaaaaaaaaaaaa1").locator(".standing .badge")).to_have_text("qualified")
    expect(rows.filter(has_text="bbbbbbbbbbbbbbbbbbbbbbb2").locator(".standing .badge")).to_have_text("not qualified")
    expect(rows.filter(has_text="aaaaaaaaaaaaaaaaaaaaaaa1").locator(".checks-cell")).to_contain_text("1.00")
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(ARTIFACTS / f"crowd-quality-{width}x{height}.png"), full_page=True)
        table = page.locator("table.quality").bounding_box()
        assert table is not None and table["x"] + table["width"] <= width, "the table fits the window"
