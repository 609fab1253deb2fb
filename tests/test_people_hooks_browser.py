"""People and webhooks pages in real Chromium at the sizes people use: an admin adds a person and
changes a role; a researcher adds a webhook, reads its secret and sees a ping in its log."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from annotation.hooks.delivery import do_attempt
from annotation.hooks.models import Delivery, Webhook
from annotation.users import User
from tests.browser import log_in
from tests.conftest import ARTIFACTS
from tests.receiver import receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = ((1366, 768), (1920, 1080))


def _shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        box = page.locator("main").bounding_box()
        assert box is not None and box["x"] + box["width"] <= width, "the page fits the window"
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}x{height}.png"), full_page=True)


def test_an_admin_adds_a_person_and_changes_a_role(page: Page, live_server: LiveServer, admin_user: User) -> None:
    log_in(page, live_server, admin_user.username)
    page.get_by_role("link", name="People").click()
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Email").fill("dana@example.org")
    page.locator("input[name=roles][value=researcher]").last.check()
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#generated")).to_contain_text("dana")
    row = page.locator("#people tbody tr", has_text="dana")
    row.locator("input[name=roles][value=contractor]").check()
    row.get_by_role("button", name="Save").click()
    expect(page.get_by_text("dana: saved.")).to_be_visible()
    dana = User.objects.get(username="dana")
    assert dana.is_contractor and dana.is_researcher
    _shoot(page, "people")


def test_a_researcher_adds_a_webhook_and_sees_its_log(
    page: Page, live_server: LiveServer, researcher: User, settings: object
) -> None:
    settings.REDLINE_WEBHOOK_ALLOW_PRIVATE = True  # type: ignore[attr-defined]
    log_in(page, live_server, researcher.username)
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("URL").fill("ftp://example.org/x")
    page.get_by_role("button", name="Add webhook").click()
    expect(page.locator(".problems")).to_contain_text("Enter a valid URL")
    with receiver() as box:
        page.get_by_label("URL").fill(box.url)
        page.get_by_role("button", name="Add webhook").click()
        expect(page.get_by_text("Webhook added.")).to_be_visible()
        hook = Webhook.objects.get()
        page.get_by_text("Signing secret").click()
        expect(page.locator("#secret")).to_have_text(hook.secret)
        page.get_by_role("button", name="Send test ping").click()
        expect(page.get_by_text("Ping queued")).to_be_visible()
        do_attempt(Delivery.objects.get().pk)  # what the worker does
        assert len(box.received) == 1
    page.reload()
    expect(page.locator("#deliveries tbody tr")).to_have_count(1)
    expect(page.locator("#deliveries")).to_contain_text("Delivered")
    _shoot(page, "webhook")
    page.get_by_text("Delete…").click()
    page.get_by_role("button", name="Delete this webhook").click()
    expect(page.get_by_text("Webhook deleted")).to_be_visible()
    assert not Webhook.objects.exists()
