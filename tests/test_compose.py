"""Both ways of running Redline with docker compose are valid Compose files (against the Compose
Specification's own JSON schema, vendored by check-jsonschema) and hold the services they promise."""

from __future__ import annotations

import importlib.resources
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
RESET = object()  # Compose's `!reset` tag: the override removes the key


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!reset", lambda loader, node: RESET)


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.load((ROOT / name).read_text(), Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    return data


def _merge(base: Any, override: Any) -> Any:
    """Compose's merge for what our files use: mappings merge, `!reset` removes, the rest replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            if value is RESET:
                merged.pop(key, None)
            else:
                merged[key] = _merge(base.get(key), value)
        return merged
    return override


def _interpolate(data: Any) -> Any:
    """${VAR}, ${VAR:-default} and ${VAR:?error} with POSTGRES_PASSWORD set, as `docker compose config` would."""
    env = {"POSTGRES_PASSWORD": "secret"}  # as a fresh .env would have it, whatever this shell exports
    text = json.dumps(data)

    def value(match: re.Match[str]) -> str:
        name, _, rest = match.group(1).partition(":")
        return env.get(name) or (rest[1:] if rest.startswith("-") else "")

    return json.loads(re.sub(r"\$\{([^}]+)\}", value, text))


def _schema() -> dict[str, Any]:
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    schema: dict[str, Any] = json.loads(vendor.joinpath("compose-spec.json").read_text())
    return schema


def _validate(config: dict[str, Any]) -> None:
    plain = {key: value for key, value in config.items() if not key.startswith("x-")}
    jsonschema.validate(_interpolate(plain), _schema())


@pytest.fixture(scope="module")
def gpu() -> dict[str, Any]:
    return _load("docker-compose.yml")


@pytest.fixture(scope="module")
def cpu(gpu: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = _merge(gpu, _load("docker-compose.cpu.yml"))
    return merged


def test_the_gpu_deployment_is_valid_and_complete(gpu: dict[str, Any]) -> None:
    _validate(gpu)
    services = gpu["services"]
    assert {"db", "redis", "migrate", "web", "worker", "beat", "critic"} <= set(services)
    assert services["critic"]["image"].startswith("vllm/vllm-openai")
    assert services["critic"]["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    for name, service in services.items():
        for needed in service.get("depends_on", {}):
            assert needed in services, f"{name} depends on {needed}, which is not a service"


def test_the_cpu_variant_is_valid_and_needs_no_gpu(cpu: dict[str, Any]) -> None:
    _validate(cpu)
    services = cpu["services"]
    critic = services["critic"]
    assert "deploy" not in critic and critic["image"] == "redline:latest"
    assert critic["command"][2:4] == ["models_service", "serve-cpu"]
    assert critic["command"][critic["command"].index("--host") + 1] == "0.0.0.0"  # noqa: S104 - in its container
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["REDLINE_CRITIC_MODEL"] == "smollm2-135m-instruct"
        assert env["REDLINE_CRITIC_BASE_URL"] == "http://critic:8000/v1"  # kept from the main file
    assert not any("gpu" in json.dumps(service) for service in services.values())


def test_a_broken_compose_file_fails_validation(gpu: dict[str, Any]) -> None:
    broken = _merge(gpu, {"services": {"web": {"ports": "8000:8000", "restart": ["always"]}}})
    with pytest.raises(jsonschema.ValidationError):
        _validate(broken)
