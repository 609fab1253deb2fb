"""The treatment is seen: at the sizes contractors use, the critique's first comment, the flaw form and
submit are all on screen without scrolling, in both arms, for long summaries and long code."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Locator, Page
from pytest_django.live_server_helper import LiveServer

from annotation.studies.models import Arm
from annotation.users import User
from tests.browser import log_in
from tests.conftest import ARTIFACTS
from tests.factories import CritiqueCommentFactory, CritiqueFactory, ItemFactory
from tests.studies import World, give, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = [(1366, 768), (1920, 1080)]
PASSAGE = " ".join(f"Sentence {n} of a long passage about the harvest, the weather and the market." for n in range(60))
SUMMARY = "\n\n".join(f"Paragraph {n}: the farmer sold {n} crates and the price rose again." for n in range(12))
CODE = "\n".join([f"def step_{n}(x):\n    return x + {n}\n" for n in range(30)])
COMMENT = "This claim is not supported by the passage: the passage says the price fell, and the crates were fewer."


@pytest.fixture
def world(researcher: User, contractor: User) -> World:
    w = make_world(researcher, [contractor], items=1)
    w.study.instructions = "Read the passage, then report every flaw.\n\n" + "More guidance. " * 40
    w.study.save(update_fields=["instructions"])
    return w


def _item(world: World, kind: str) -> int:
    response = CODE if kind == "code" else SUMMARY
    item = ItemFactory.create(
        dataset=world.items[0].dataset, kind=kind, context=PASSAGE, question="What happened?", response=response,
        language="python" if kind == "code" else "",
    )  # fmt: skip
    critique = CritiqueFactory.create(item=item, critic=world.critic, chosen=True)
    for position in range(5):
        quote = response[:20]
        CritiqueCommentFactory.create(
            critique=critique, position=position, quote=quote, start=0, end=20, grounded=True,
            comment=f"{position + 1}. {COMMENT}", severity="major", category="accuracy",
        )  # fmt: skip
    return item.pk


def _on_screen(locator: Locator, page: Page) -> None:
    """Wholly inside the window and not hidden by a scrolling container: what is at its corners is it."""
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (locator, box, viewport)
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (locator, box, viewport)
    seen = locator.evaluate(
        """(el) => {
            const r = el.getBoundingClientRect();
            const dx = Math.min(8, r.width / 4), dy = Math.min(8, r.height / 4);  // inside rounded corners
            const corners = [[r.left + dx, r.top + dy], [r.right - dx, r.top + dy], [r.left + dx, r.bottom - dy],
                             [r.right - dx, r.bottom - dy]];
            const shows = ([x, y]) => { const hit = document.elementFromPoint(x, y); return hit && el.contains(hit); };
            return corners.every(shows);
        }"""
    )
    assert seen, (locator, "is clipped or covered")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("arm_kind", ["assisted", "unassisted"])
@pytest.mark.parametrize("kind", ["summary", "code"])
def test_the_critique_the_flaw_form_and_submit_are_in_view(
    browser: Browser,
    live_server: LiveServer,
    world: World,
    contractor: User,
    size: tuple[int, int],
    arm_kind: str,
    kind: str,
) -> None:
    arm: Arm = world.assisted if arm_kind == "assisted" else world.unassisted
    task = give(world, contractor, arm, ItemFactory._meta.model.objects.get(pk=_item(world, kind)))
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    try:
        log_in(page, live_server, contractor.username)
        page.goto(f"{live_server.url}/tasks/{task.pk}/")
        page.wait_for_load_state("load")
        assert page.evaluate("window.scrollY") == 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"layout-{kind}-{arm_kind}-{size[0]}x{size[1]}.png"))
        _on_screen(page.locator("#f-description"), page)
        _on_screen(page.get_by_role("button", name="Add flaw"), page)
        _on_screen(page.locator("#submit-button"), page)
        _on_screen(page.locator("fieldset.rating"), page)
        _on_screen(page.locator("#free-text"), page)
        _on_screen(page.locator("#response-h"), page)
        if arm_kind == "assisted":
            _on_screen(page.locator(".ai-comment").first, page)
            critique = page.locator("#critique").bounding_box()
            form = page.locator("#flaw-form").bounding_box()
            assert critique is not None and form is not None and critique["y"] < form["y"]  # read first
        else:
            assert page.locator("#critique").count() == 0
            assert "critique" not in page.locator(".label-side").inner_html().lower()
    finally:
        context.close()
