"""The audit report as a researcher reads it, in real Chromium at the sizes people use."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from annotation.users import User
from assist.models import AuditQuestion, Backend, EvaluatorAudit
from tests.browser import log_in
from tests.conftest import ARTIFACTS
from tests.factories import CriticConfigFactory, DatasetFactory, ItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_audit_report_reads_at_a_glance(page: Page, live_server: LiveServer, researcher: User) -> None:
    evaluator = CriticConfigFactory.create(name="judge-7b", backend=Backend.OPENAI, base_url="http://127.0.0.1:9/v1")
    audit = EvaluatorAudit.objects.create(
        evaluator=evaluator, own_author="judge-7b", created_by=researcher, status="done", total=48, done=48
    )
    dataset = DatasetFactory.create()
    for n in range(8):
        own = ItemFactory.create(dataset=dataset, context=f"s{n}", author="judge-7b", content_hash=f"j{n:063d}")
        for author, shift in (("human", 0.0), ("gpt-x", 0.1)):
            other = ItemFactory.create(
                dataset=dataset, context=f"s{n}", author=author, content_hash=f"{author[0]}{n:063d}"
            )
            for ask, value in (("pair:recognition", 0.7 + shift), ("pair:preference", 0.6 + shift)):
                for first in (True, False):
                    AuditQuestion.objects.create(
                        audit=audit,
                        ask=ask,
                        item=own,
                        other_item=other,
                        own_first=first,
                        value=value + (0.05 if n % 2 else -0.05),
                        p_first=0.6 if first else 0.4,
                    )
    log_in(page, live_server, researcher.username)
    for width, height in ((1366, 768), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/audits/{audit.pk}/")
        expect(page.get_by_role("heading", name="What the evaluator did")).to_be_visible()
        expect(page.locator("svg.chart").first).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"audit-{width}x{height}.png"), full_page=True)
    expect(page.get_by_role("cell", name="gpt-x")).to_be_visible()
    page.goto(f"{live_server.url}/audits/")
    expect(page.get_by_role("heading", name="Start an audit")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "audits-1920x1080.png"))
