"""Researcher pages cost the same number of queries however much data they show."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from tests.factories import CritiqueCommentFactory, CritiqueFactory, DatasetFactory, ItemFactory, PlantedFlawFactory

pytestmark = pytest.mark.django_db

# session + user (the role is on the user row), then the page's own queries
AUTH = 2


def fill(dataset_count: int, items: int) -> tuple[int, int]:
    dataset = DatasetFactory.create()
    for n in range(items):
        item = ItemFactory.create(dataset=dataset, response=f"Answer {n}.")
        PlantedFlawFactory.create(item=item)
        comment = CritiqueCommentFactory.create(critique=CritiqueFactory.create(item=item))
        CritiqueCommentFactory.create(critique=comment.critique, position=1)
    for _ in range(dataset_count - 1):
        DatasetFactory.create()
    return dataset.pk, item.pk


@pytest.mark.parametrize("size", [1, 12])
def test_dataset_pages_have_constant_query_counts(
    researcher_client: Client, django_assert_num_queries: DjangoAssertNumQueries, size: int
) -> None:
    dataset_id, item_id = fill(size, size)
    with django_assert_num_queries(AUTH + 1):
        assert researcher_client.get("/datasets/").status_code == 200
    with django_assert_num_queries(AUTH + 6):  # dataset, counts by kind, labels, page count, page, critics
        assert researcher_client.get(f"/datasets/{dataset_id}/").status_code == 200
    with django_assert_num_queries(AUTH + 4):  # item, flaws, critiques, their comments
        assert researcher_client.get(f"/items/{item_id}/").status_code == 200
