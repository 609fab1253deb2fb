"""The quality page in real Chromium at the sizes researchers use: read it, exclude a contractor, see
the exclusion on the results page, restore them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from annotation.quality.models import Exclusion
from annotation.users import User
from tests.browser import log_in
from tests.conftest import ARTIFACTS
from tests.test_quality import _study

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_researcher_excludes_and_restores_a_contractor_in_the_browser(
    page: Page, live_server: LiveServer, researcher: User
) -> None:
    world, people = _study(researcher)
    log_in(page, live_server, researcher.username)
    page.goto(f"{live_server.url}/studies/{world.study.pk}/quality/")
    rows = page.locator("table.quality tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("0.75")  # ann caught 3 of 4
    expect(page.locator(".interval-range")).to_have_count(3)
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1366, 768), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        table = page.locator("table.quality").bounding_box()
        assert table is not None and table["x"] + table["width"] <= width, "the table fits the window"
        page.screenshot(path=str(ARTIFACTS / f"quality-{width}x{height}.png"), full_page=True)

    cai = rows.filter(has_text="cai")
    cai.locator("summary").click()
    cai.locator("textarea[name=reason]").fill("ratings look random")
    cai.get_by_role("button", name="Exclude cai").click()
    expect(page.get_by_text("Excluded: the analysis leaves their reviews out")).to_be_visible()
    expect(rows.filter(has_text="cai").locator(".badge", has_text="excluded")).to_be_visible()
    assert Exclusion.objects.get().contractor == people[2]
    page.screenshot(path=str(ARTIFACTS / "quality-excluded.png"), full_page=True)

    page.goto(f"{live_server.url}/studies/{world.study.pk}/results/")
    expect(page.get_by_text("Excluded from this analysis:")).to_be_visible()
    expect(page.locator(".notice")).to_contain_text("ratings look random")
    page.goto(f"{live_server.url}/studies/{world.study.pk}/quality/")
    rows.filter(has_text="cai").get_by_role("button", name="Restore").click()
    expect(page.get_by_text("Restored: their reviews count in the analysis again.")).to_be_visible()
    expect(page.get_by_role("heading", name="History")).to_be_visible()


def test_a_roster_is_pasted_on_the_study_page(page: Page, live_server: LiveServer, researcher: User) -> None:
    from annotation.studies.models import Enrollment, Study
    from tests.factories import UserFactory

    study = Study.objects.create(name="Crowd study", owner=researcher)
    for name in ("p0", "p1"):
        UserFactory.create(role="contractor", username=name, email=f"{name}@example.org")
    log_in(page, live_server, researcher.username)
    page.goto(f"{live_server.url}/studies/{study.pk}/")
    for width, height in ((1366, 768), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        box = page.locator("#roster").bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
        page.screenshot(path=str(ARTIFACTS / f"roster-{width}x{height}.png"), full_page=True)
    page.locator("#roster").fill("email\nP0@example.org\nnobody")
    page.get_by_role("button", name="Enrol the list").click()
    expect(page.get_by_text("line 3: 'nobody' is no account")).to_be_visible()
    page.locator("#roster").fill("P0@example.org\np1")
    page.get_by_role("button", name="Enrol the list").click()
    expect(page.get_by_text("Enrolled 2 of the 2 listed")).to_be_visible()
    assert Enrollment.objects.filter(study=study).count() == 2
