"""One typed shape for a critic's settings: parsed once, errors name the key, edits change only what changed."""

from __future__ import annotations

import pytest
from django.test import Client

from annotation.users import User
from assist.critic_settings import CriticSettings, CriticSettingsError, clean_sampling
from assist.models import Backend, CriticConfig
from assist.pipeline import generation_settings, max_in_flight

pytestmark = pytest.mark.django_db

FORM = {
    "name": "qwen",
    "backend": "openai",
    "base_url": "http://critic:8000/v1",
    "model": "critic",
    "prompt_version": "v1",
    "strategy": "best_of_n",
    "length_modifier": "0.0",
    "description": "",
}


@pytest.fixture
def critic(researcher: User) -> CriticConfig:
    return CriticConfig.objects.create(
        created_by=researcher,
        name="qwen",
        backend=Backend.OPENAI,
        base_url="http://critic:8000/v1",
        model="critic",
        prompt_version="v1",
        strategy="best_of_n",
        sampling={"temperature": 0.2, "timeout_s": 30},
    )


def test_defaults_live_in_one_place_and_follow_the_strategy() -> None:
    chosen = CriticSettings.parse({})
    assert (chosen.temperature, chosen.max_tokens, chosen.fsbs_k) == (0.7, 1024, 2)
    assert chosen.samples("single") == 1
    assert chosen.samples("best_of_n") == 4
    assert CriticSettings.parse({"n": 8}).samples("best_of_n") == 8


@pytest.mark.parametrize(
    ("sampling", "key"),
    [
        ({"n": 0}, "n"),
        ({"n": "four"}, "n"),
        ({"n": 2.5}, "n"),
        ({"temperature": 9}, "temperature"),
        ({"max_tokens": True}, "max_tokens"),
        ({"critiqueability": "yes"}, "critiqueability"),
        ({"structured_output": "xml"}, "structured_output"),
        ({"supports_n": "maybe"}, "supports_n"),
        ({"seed": 2**70}, "seed"),
        ({"temprature": 0.5}, "temprature"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_key_and_the_value(sampling: dict[str, object], key: str) -> None:
    with pytest.raises(CriticSettingsError) as caught:
        CriticSettings.parse(sampling)
    assert caught.value.key == key
    assert f"sampling.{key} = {sampling[key]!r}" in str(caught.value)


def test_the_worker_reads_the_same_settings(critic: CriticConfig) -> None:
    chosen = CriticSettings.parse(critic.sampling)
    generation = generation_settings(critic, chosen)
    assert (generation.n, generation.temperature, generation.max_tokens) == (4, 0.2, 1024)
    assert max_in_flight(chosen) == 64  # REDLINE_CRITIC_MAX_IN_FLIGHT when the critic leaves it blank
    assert clean_sampling({"n": 3.0, "seed": None}) == {"n": 3}


def test_editing_one_setting_on_the_page_writes_only_that_setting(
    researcher_client: Client, critic: CriticConfig
) -> None:
    page = researcher_client.get(f"/critics/{critic.pk}/edit/").content.decode()
    assert 'name="n"' in page
    # What the browser sends back: every field as shown, with only max tokens changed.
    form = FORM | {"temperature": "0.2", "n": "", "max_tokens": "800", "seed": "", "max_in_flight": ""}
    response = researcher_client.post(f"/critics/{critic.pk}/edit/", form)
    assert response.status_code == 302, response.content.decode()
    critic.refresh_from_db()
    assert critic.sampling == {"temperature": 0.2, "timeout_s": 30, "max_tokens": 800}


def test_clearing_a_setting_on_the_page_puts_it_back_to_its_default(
    researcher_client: Client, critic: CriticConfig
) -> None:
    form = FORM | {"temperature": "", "n": "", "max_tokens": "", "seed": "", "max_in_flight": ""}
    assert researcher_client.post(f"/critics/{critic.pk}/edit/", form).status_code == 302
    critic.refresh_from_db()
    assert critic.sampling == {"timeout_s": 30}


def test_a_patch_of_some_settings_keeps_the_others(researcher_client: Client, critic: CriticConfig) -> None:
    response = researcher_client.patch(
        f"/api/critics/{critic.pk}/",
        {"sampling": {"max_tokens": 800, "timeout_s": None}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    critic.refresh_from_db()
    assert critic.sampling == {"temperature": 0.2, "max_tokens": 800}


def test_the_api_refuses_a_bad_setting_naming_it(researcher_client: Client, critic: CriticConfig) -> None:
    response = researcher_client.patch(
        f"/api/critics/{critic.pk}/", {"sampling": {"max_tokens": -5}}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "sampling.max_tokens = -5" in response.json()["sampling"][0]
    critic.refresh_from_db()
    assert critic.sampling == {"temperature": 0.2, "timeout_s": 30}
