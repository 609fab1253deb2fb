from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from annotation.datasets.models import PlantedFlaw
from tests.factories import CriticConfigFactory, CritiqueFactory, ItemFactory, PlantedFlawFactory

pytestmark = pytest.mark.django_db


def test_item_content_is_unique_within_a_dataset() -> None:
    item = ItemFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemFactory.create(dataset=item.dataset, context=item.context, content_hash=item.content_hash)
    ItemFactory.create(context=item.context)  # another dataset may hold the same content


def test_a_flaw_span_must_be_whole_and_ordered() -> None:
    item = ItemFactory.create()
    for start, end in ((5, 2), (3, None)):
        with pytest.raises(IntegrityError), transaction.atomic():
            PlantedFlaw.objects.create(item=item, start=start, end=end, description="bad")
    PlantedFlawFactory.create(item=item, start=None, end=None, description="an omission has no span")


def test_only_one_chosen_critique_per_item_and_critic() -> None:
    item, critic = ItemFactory.create(), CriticConfigFactory.create()
    CritiqueFactory.create(item=item, critic=critic, sample_index=0, chosen=True)
    CritiqueFactory.create(item=item, critic=critic, sample_index=1, chosen=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        CritiqueFactory.create(item=item, critic=critic, sample_index=2, chosen=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        CritiqueFactory.create(item=item, critic=critic, sample_index=1)
