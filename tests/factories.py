from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.models import Group

from annotation.datasets.models import Dataset, Item, PlantedFlaw, content_hash
from annotation.users import Role, User
from assist.models import Backend, CriticConfig, Critique, CritiqueComment


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-only")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **_: Any) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
            if extracted == Role.ADMIN:
                self.is_staff = self.is_superuser = True
                self.save(update_fields=("is_staff", "is_superuser"))


class DatasetFactory(factory.django.DjangoModelFactory[Dataset]):
    class Meta:
        model = Dataset

    name = factory.Sequence(lambda n: f"dataset-{n}")


class ItemFactory(factory.django.DjangoModelFactory[Item]):
    class Meta:
        model = Item

    dataset = factory.SubFactory(DatasetFactory)
    kind = "summary"
    context = factory.Sequence(lambda n: f"Passage number {n}. The cat sat on the mat.")
    question = "Where did the cat sit?"
    response = "The cat sat on the mat."
    author = "test-model"
    content_hash = factory.LazyAttribute(lambda o: content_hash(o.kind, o.context, o.question, o.response))


class PlantedFlawFactory(factory.django.DjangoModelFactory[PlantedFlaw]):
    class Meta:
        model = PlantedFlaw

    item = factory.SubFactory(ItemFactory)
    start = 0
    end = 7
    description = "Wrong animal."
    severity = "major"
    category = "accuracy"


class CriticConfigFactory(factory.django.DjangoModelFactory[CriticConfig]):
    class Meta:
        model = CriticConfig

    name = factory.Sequence(lambda n: f"critic-{n}")
    backend = Backend.IMPORTED


class CritiqueFactory(factory.django.DjangoModelFactory[Critique]):
    class Meta:
        model = Critique

    item = factory.SubFactory(ItemFactory)
    critic = factory.SubFactory(CriticConfigFactory)
    text = "The answer is wrong."


class CritiqueCommentFactory(factory.django.DjangoModelFactory[CritiqueComment]):
    class Meta:
        model = CritiqueComment

    critique = factory.SubFactory(CritiqueFactory)
    comment = "This is wrong."
