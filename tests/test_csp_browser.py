"""A strict browser policy on every page: no inline script runs, no page violates the policy, in
every role, and htmx still works under it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, ConsoleMessage, Page
from pytest_django.live_server_helper import LiveServer

from annotation.labeling.models import Review
from annotation.studies.models import Assignment
from annotation.users import User
from tests.browser import log_in
from tests.conftest import client_for
from tests.studies import give, make_world, submitted_review

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_response_carries_the_policy_headers(client: Client) -> None:
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'self'"):
        assert directive in csp
    script = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'nonce-" in script and "unsafe-inline" not in script and "unsafe-eval" not in script
    assert "camera=()" in response["Permissions-Policy"] and "microphone=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.browser
def test_no_page_of_any_role_violates_the_policy(
    browser: Browser, live_server: LiveServer, researcher: User, contractor: User, other_contractor: User
) -> None:
    world = make_world(researcher, [contractor, other_contractor], items=2)
    review = submitted_review(world, other_contractor, "unassisted", 1, [(4, 7)])
    task = give(world, contractor, world.assisted, world.items[0])
    client_for(contractor).get(reverse("task", args=[task.pk]))
    study, item = world.study.pk, world.items[0].pk
    pages = {
        researcher.username: [
            reverse("dataset-list"), reverse("dataset-detail", args=[world.items[0].dataset_id]),
            reverse("item-detail", args=[item]), reverse("dataset-import"), reverse("study-list"),
            reverse("study-new"), reverse("study-detail", args=[study]), reverse("study-results", args=[study]),
            reverse("study-adjudicate", args=[study]),
            reverse("study-adjudicate-item", args=[study, world.items[1].pk]),
            reverse("study-reviews", args=[study]), reverse("review-detail", args=[review.pk]),
            reverse("study-close", args=[study]), reverse("critic-list"), reverse("critic-new"), reverse("run-list"),
            reverse("export-list"), reverse("api-docs"),
        ],
        contractor.username: [reverse("queue"), reverse("task", args=[task.pk])],
        "": [reverse("login")],
    }  # fmt: skip
    violations: list[str] = []
    for username, urls in pages.items():
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()

        def record(message: ConsoleMessage, page: Page = page) -> None:
            if "Content Security Policy" in message.text:
                violations.append(f"{page.url}: {message.text}")

        page.on("console", record)
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => console.error("
            "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
        )
        if not username:  # the listener hears a violation: an injected inline script is refused
            page.goto(f"{live_server.url}{reverse('login')}")
            page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; "
                          "document.body.appendChild(s); }")  # fmt: skip
            page.wait_for_timeout(200)
            assert page.evaluate("window.__ran") is None
            assert violations, "the policy did not block an inline script"
            violations.clear()
        if username:
            log_in(page, live_server, username)
        for url in urls:
            page.goto(f"{live_server.url}{url}")
            page.wait_for_load_state("load")
        if username == contractor.username:  # htmx under the policy: a verdict on an AI comment
            page.goto(f"{live_server.url}{reverse('task', args=[task.pk])}")
            page.locator(".ai-comment").first.get_by_role("button", name="Accept").click()
            page.wait_for_selector("#flaws li.flaw")
        context.close()
    assert violations == []
    assert Review.objects.get(assignment=task).flaws.count() == 1
    assert Assignment.objects.filter(pk=task.pk, status="active").exists()
