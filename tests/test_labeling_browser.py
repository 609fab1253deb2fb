"""A contractor at work in real Chromium: both arms, mouse and keyboard, reloads, offline, hostile items."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from annotation.labeling.models import CommentJudgement, FlawReport, Review
from annotation.studies.models import Assignment
from annotation.users import User
from tests.browser import log_in
from tests.conftest import ARTIFACTS
from tests.factories import CritiqueCommentFactory, CritiqueFactory, ItemFactory
from tests.studies import CRITIQUE_MARK, World, give, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CODE = "def add(a, b):\n    total = a - b\n    return total\n\n\nprint(add(2, 3))\n"


@pytest.fixture
def world(researcher: User, contractor: User) -> World:
    return make_world(researcher, [contractor], items=2)


def select_text(page: Page, text: str) -> None:
    """Select `text` inside the response the way a mouse drag would, then release the mouse."""
    page.evaluate(
        """(text) => {
            const src = document.querySelector('#response .src');
            const node = src.firstChild;
            const at = node.data.indexOf(text);
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + text.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            src.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        }""",
        text,
    )


def shoot(page: Page, name: str) -> None:
    """A screenshot of the page as a contractor first sees it: scrolled to the top, nothing focused."""
    page.evaluate(
        "document.activeElement?.blur(); window.scrollTo(0, 0); document.querySelector('.label-side').scrollTo(0, 0)"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_an_assisted_review_done_with_the_keyboard_survives_a_reload(
    page: Page, live_server: LiveServer, world: World, contractor: User
) -> None:
    task = give(world, contractor, world.assisted, world.items[0])
    Assignment.objects.filter(pk=task.pk).update(status="pending", started_at=None)
    log_in(page, live_server, contractor.username)
    expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    page.wait_for_load_state("load")
    page.keyboard.press("n")
    expect(page).to_have_url(re.compile(rf"/tasks/{task.pk}/$"))
    expect(page.locator("#critique")).to_contain_text(f"{CRITIQUE_MARK} 0.0")
    expect(page.locator("#critique")).to_contain_text("quote not found")
    page.wait_for_load_state("load")

    select_text(page, "sunny day")
    expect(page.locator("#selection-label")).to_contain_text("“sunny day”")
    page.keyboard.press("f")
    expect(page.locator("#f-description")).to_be_focused()
    page.keyboard.type("The weather is not in the passage.")
    page.keyboard.press("Alt+1")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#flaws li.flaw")).to_have_count(1)
    expect(page.locator("#flaws")).to_contain_text("sunny day")

    page.keyboard.press("Escape")
    page.keyboard.press("j")
    expect(page.locator(".ai-comment").first).to_be_focused()
    page.keyboard.press("a")
    expect(page.locator("#flaws li.flaw")).to_have_count(2)
    expect(page.locator("#flaws")).to_contain_text("from AI")
    page.locator(".ai-comment").first.focus()
    page.keyboard.press("h")
    expect(page.locator(".ai-comment").first.get_by_role("button", name="Yes")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator(".ai-comment").first).to_be_focused()  # focus comes back after the panel is swapped
    page.keyboard.press("j")
    expect(page.locator(".ai-comment").nth(1)).to_be_focused()
    page.keyboard.press("r")
    expect(page.locator(".ai-comment").nth(1)).to_contain_text("Rejected as wrong")
    page.keyboard.press("6")
    expect(page.locator("#save-state")).to_contain_text("Saved")
    assert page.evaluate("CSS.highlights.has('flaws') && CSS.highlights.get('flaws').size") == 2
    shoot(page, "labeling-assisted.png")

    page.reload()
    expect(page.locator("#flaws li.flaw")).to_have_count(2)
    expect(page.locator("input[name=rating][value='6']")).to_be_checked()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "labeling-shortcuts.png"))
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    page.keyboard.press("s")
    expect(page.locator("#submit-confirm")).to_be_visible()
    assert Review.objects.get(assignment=task).status == "draft"  # one press only asks
    page.keyboard.press("s")
    expect(page.get_by_text("That was your last task for now")).to_be_visible()

    review = Review.objects.get(assignment=task)
    assert (review.status, review.rating) == ("submitted", 6)
    reports = list(FlawReport.objects.filter(review=review).order_by("id"))
    assert [(r.severity, r.quote, r.from_ai) for r in reports] == [
        ("critical", "sunny day", False),
        ("major", "cat sat", True),
    ]
    verdicts = list(
        CommentJudgement.objects.filter(review=review).order_by("position").values_list("action", "helpful")
    )
    assert verdicts == [("accepted", True), ("rejected", None)]
    task.refresh_from_db()
    assert task.status == "submitted" and task.active_seconds > 0


def test_an_unassisted_code_review_done_with_the_mouse(
    page: Page, live_server: LiveServer, world: World, contractor: User
) -> None:
    item = ItemFactory.create(dataset=world.items[0].dataset, kind="code", language="python", response=CODE)
    task = give(world, contractor, world.unassisted, item)
    log_in(page, live_server, contractor.username)
    page.goto(f"{live_server.url}/tasks/{task.pk}/")
    expect(page.locator("#critique")).to_have_count(0)
    expect(page.locator("#response li")).to_have_count(6)
    page.get_by_role("button", name="Line 2", exact=True).click()
    page.get_by_role("button", name="Line 3", exact=True).click(modifiers=["Shift"])
    expect(page.locator("#selection-label")).to_contain_text("Lines 2\u20133")
    page.get_by_label("What is wrong?").fill("Subtracts instead of adding.")
    page.locator("label.seg", has_text="Minor").click()
    page.get_by_label("Category").select_option("bug")
    page.get_by_role("button", name="Add flaw").click()
    expect(page.locator("#flaws li.flaw")).to_have_count(1)
    expect(page.locator("#flaws")).to_contain_text("lines 2\u20133")
    page.locator("label.seg", has_text=re.compile(r"^2$")).click()
    page.get_by_label("Notes").fill("One real bug.")
    expect(page.locator("#save-state")).to_contain_text("Saved")
    shoot(page, "labeling-unassisted-code.png")
    page.get_by_role("button", name="Submit review").click()
    expect(page.get_by_text("That was your last task for now")).to_be_visible()
    report = FlawReport.objects.get(review__assignment=task)
    line2 = CODE.index("    total")
    assert (report.line_start, report.line_end, report.start, report.end) == (2, 3, line2, CODE.index("\n\n\n"))
    assert (report.severity, report.category) == ("minor", "bug")
    review = Review.objects.get(assignment=task)
    assert (review.rating, review.free_text, review.status) == (2, "One real bug.", "submitted")


def test_notes_written_offline_are_saved_when_the_network_returns(
    page: Page, live_server: LiveServer, world: World, contractor: User
) -> None:
    task = give(world, contractor, world.unassisted, world.items[0])
    log_in(page, live_server, contractor.username)
    page.goto(f"{live_server.url}/tasks/{task.pk}/")
    page.context.set_offline(True)
    page.get_by_label("Notes").fill("written on a train")
    expect(page.locator("#save-state")).to_contain_text("Offline")
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#save-state")).to_contain_text("Saved")
    assert Review.objects.get(assignment=task).free_text == "written on a train"


PAYLOAD = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><b>bold?</b>'


def test_html_and_script_in_items_and_critiques_render_as_text(
    page: Page, live_server: LiveServer, world: World, contractor: User
) -> None:
    item = ItemFactory.create(
        dataset=world.items[0].dataset, context=f"Context {PAYLOAD}", question=f"Q {PAYLOAD}", response=f"A {PAYLOAD}"
    )
    critique = CritiqueFactory.create(item=item, critic=world.critic, chosen=True)
    CritiqueCommentFactory.create(
        critique=critique, comment=f"Comment {PAYLOAD}", quote=PAYLOAD, start=2, end=2 + len(PAYLOAD), grounded=True
    )
    task = give(world, contractor, world.assisted, item)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    log_in(page, live_server, contractor.username)
    page.goto(f"{live_server.url}/tasks/{task.pk}/")
    expect(page.locator("#response")).to_contain_text(PAYLOAD)
    expect(page.locator("#critique")).to_contain_text(f"Comment {PAYLOAD}")
    page.locator(".ai-comment").first.hover()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#labeling img, #labeling b").count() == 0
    assert dialogs == []
    shoot(page, "labeling-hostile-item.png")


def test_a_failed_htmx_request_says_so(page: Page, live_server: LiveServer, world: World, contractor: User) -> None:
    task = give(world, contractor, world.assisted, world.items[0])
    log_in(page, live_server, contractor.username)
    page.goto(f"{live_server.url}/tasks/{task.pk}/")
    page.wait_for_load_state("load")
    page.evaluate(f"htmx.ajax('POST', '/tasks/{task.pk}/comments/999999/', {{target: '#flaws', swap: 'outerHTML'}})")
    expect(page.locator("#htmx-error")).to_contain_text("no longer there (404)")
    page.route("**/flaws/", lambda route: route.abort())
    page.get_by_label("What is wrong?").fill("The weather is made up.")
    page.get_by_role("button", name="Add flaw").click()
    expect(page.locator("#htmx-error")).to_contain_text("No answer from the server")
