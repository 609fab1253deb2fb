"""The generator-discriminator-critique gap of a critic, from planted flaws and its critiques."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annotation.users import User
from assist.gdc import gdc_report
from tests.conftest import client_for
from tests.factories import (
    CriticConfigFactory,
    CritiqueCommentFactory,
    CritiqueFactory,
    DatasetFactory,
    ItemFactory,
    PlantedFlawFactory,
)

pytestmark = pytest.mark.django_db
CLEAN = "def add(a, b):\n    return a + b\n"
BUGGY = "def add(a, b):\n    return a - b\n"


def test_d_and_c_count_how_often_the_critic_tells_the_better_response(researcher: User) -> None:
    critic = CriticConfigFactory.create(name="gdc critic")
    dataset = DatasetFactory.create()
    for n in range(8):
        clean = ItemFactory.create(
            dataset=dataset, kind="code", context=f"p{n}", response=CLEAN, content_hash=f"c{n:063d}"
        )
        buggy = ItemFactory.create(
            dataset=dataset, kind="code", context=f"p{n}", response=BUGGY, content_hash=f"b{n:063d}"
        )
        PlantedFlawFactory.create(item=buggy, start=26, end=31, line_start=2, line_end=2, description="subtracts")
        # The discriminator is right on 6 of 8; the critique finds the bug on 4 of 8.
        CritiqueFactory.create(item=clean, critic=critic, chosen=True, critiqueability=0.2 if n < 6 else 0.9)
        worse = CritiqueFactory.create(item=buggy, critic=critic, chosen=True, critiqueability=0.8)
        if n < 4:
            CritiqueCommentFactory.create(
                critique=worse,
                position=0,
                quote="return a - b",
                start=19,
                end=31,
                line_start=2,
                line_end=2,
                grounded=True,
                comment="subtracts",
            )
    report = gdc_report(critic, list(dataset.items.all()), draws=200)
    assert report["pairs"] == 8 and report["G"]["value"] == 0.5
    assert report["D"]["value"] == pytest.approx(0.75) and report["C"]["value"] == pytest.approx(0.5)
    assert report["D_minus_C"]["value"] == pytest.approx(0.25) and report["D_minus_G"]["value"] == pytest.approx(0.25)
    assert report["D"]["low"] <= 0.75 <= report["D"]["high"]
    page = client_for(researcher).get(reverse("critic-gdc", args=[critic.pk]) + f"?dataset={dataset.pk}")
    assert "D: its critiqueability picks the better of two" in page.content.decode()
    assert client_for(researcher).get(reverse("critic-gdc", args=[critic.pk]) + "?dataset=²").status_code == 200
    api = client_for(researcher).get(reverse("api-critic-gdc", args=[critic.pk]), {"dataset": dataset.pk}).json()
    assert api["D"]["value"] == pytest.approx(0.75)
    assert client_for(researcher).get(reverse("api-critic-gdc", args=[critic.pk]), {"dataset": "x"}).status_code == 400
