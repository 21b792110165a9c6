"""docker-compose.yml, checked without a Docker engine: every Assay service's command parses
against the real CLI with the environment its env files give it, every variable a command
needs is set, internal addresses name real services and ports, and no two services publish the
same host port."""

from __future__ import annotations

import itertools
import os
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import typer
import yaml

from assay.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def _compose() -> dict[str, Any]:
    doc = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(doc, dict)
    return doc


def _services() -> dict[str, Any]:
    services = _compose()["services"]
    assert isinstance(services, dict)
    return services


def _ours() -> dict[str, Any]:
    """The services built from our image (they run `assay …`)."""
    return {n: s for n, s in _services().items() if s.get("image") == "assay:dev"}


def _env_of(service: dict[str, Any]) -> dict[str, str]:
    env: dict[str, str] = {}
    for name in service.get("env_file", []):
        path = ROOT / name
        assert path.is_file(), f"env file {name} is missing"
        for line in path.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition("=")
            assert sep, f"{name}: {line!r} is not KEY=VALUE"
            env[key.strip()] = value.strip()
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    env.update({k: str(v) for k, v in environment.items()})
    return env


def _resolve(args: list[str]) -> tuple[Any, str, list[str]]:
    """The (Typer's click) command an `assay …` argv names, its name, its other arguments."""
    assert args[0] == "assay", f"{args} does not run the assay CLI"
    command: Any = typer.main.get_command(app)
    rest = args[1:]
    name = "assay"
    while hasattr(command, "commands") and rest and not rest[0].startswith("-"):
        sub = command.commands.get(rest[0])
        assert sub is not None, f"`assay {' '.join(args[1:])}`: no command {rest[0]!r}"
        name, command, rest = f"{name} {rest[0]}", sub, rest[1:]
    assert not hasattr(command, "commands"), f"`{' '.join(args)}` names no command"
    return command, name, rest


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for key in list(os.environ):
        if key.startswith("ASSAY_"):
            monkeypatch.delenv(key)
    yield monkeypatch


AGENTS = {"assay solver run", "assay verifier run", "assay referee run", "assay whistleblower run"}
KEY_VARS = ("ASSAY_DEV_ACCOUNT", "ASSAY_PRIVATE_KEY", "ASSAY_KEYSTORE_PASSWORD")
NEEDS: dict[str, set[str]] = {
    "assay devnet init": {"ASSAY_RPC_URL", "ASSAY_DEPLOYMENT"},
    "assay api": {"ASSAY_DATABASE_URL"},
    "assay indexer run": {"ASSAY_RPC_URL", "ASSAY_DEPLOYMENT", "ASSAY_DATABASE_URL"},
    "assay worker": {"ASSAY_BROKER_URL"},
    **{a: {"ASSAY_RPC_URL", "ASSAY_DEPLOYMENT", "ASSAY_STORE", "ASSAY_ADVERTISE"} for a in AGENTS},
}


@pytest.mark.parametrize("name", sorted(_ours()))
def test_every_command_exists_and_parses_with_its_environment(
    name: str, clean_env: pytest.MonkeyPatch
) -> None:
    service = _ours()[name]
    env = _env_of(service)
    for key, value in env.items():
        clean_env.setenv(key, value)
    command, cli_name, rest = _resolve(list(service["command"]))
    # Parsing checks option names, types and choices, and that required ones are given
    # (from argv or their env var); the command itself does not run.
    with command.make_context(cli_name, list(rest)) as ctx:
        assert ctx.params is not None
    assert cli_name in NEEDS, f"{name}: add `{cli_name}` to NEEDS with the variables it reads"
    missing = NEEDS[cli_name] - env.keys()
    assert not missing, f"{name} ({cli_name}) needs {sorted(missing)} in its env files"
    if cli_name in AGENTS:
        assert any(env.get(k) for k in KEY_VARS), f"{name} has no key: set one of {KEY_VARS}"
        if env.get("ASSAY_TASK_RUNNER") == "celery":
            assert env.get("ASSAY_BROKER_URL"), f"{name} uses Celery but has no ASSAY_BROKER_URL"


def _published(service: dict[str, Any]) -> list[tuple[str, int]]:
    out = []
    for spec in service.get("ports", []):
        parts = str(spec).split(":")
        host_ip = parts[0] if len(parts) == 3 else "0.0.0.0"
        out.append((host_ip, int(parts[-2])))
    return out


def test_no_two_services_publish_the_same_host_port() -> None:
    seen: dict[int, str] = {}
    for name, service in _services().items():
        for _, port in _published(service):
            assert port not in seen, f"{name} and {seen[port]} both publish host port {port}"
            seen[port] = name
    # The machine's own PostgreSQL (5432) and Redis (6379) stay free for local development.
    assert 5432 not in seen and 6379 not in seen


def _listens(name: str, service: dict[str, Any]) -> set[int]:
    """Container ports a service listens on: its published ports and --bind/--port options."""
    ports = {int(str(p).split(":")[-1]) for p in service.get("ports", [])}
    command = [str(c) for c in service.get("command", [])]
    for flag, value in itertools.pairwise(command):
        if flag == "--port":
            ports.add(int(value))
        if flag == "--bind":
            ports.add(int(value.rsplit(":", 1)[1]))
    return ports


def test_internal_addresses_name_services_and_ports_they_listen_on() -> None:
    services = _services()
    checked = 0
    for name, service in _ours().items():
        for key, value in _env_of(service).items():
            if "://" not in value or key == "ASSAY_DEPLOYMENT":
                continue
            url = urlparse(value)
            host, port = url.hostname, url.port
            assert host in services, f"{name}: {key}={value} names no service {host!r}"
            listens = sorted(_listens(host, services[host]))
            assert port in listens, f"{name}: {key}={value}, but {host} listens on {listens}"
            if key == "ASSAY_ADVERTISE":
                assert host == name, f"{name} advertises another service's address {value}"
            checked += 1
    assert checked >= 8


def test_dependencies_volumes_and_env_files_exist() -> None:
    doc = _compose()
    services = doc["services"]
    for name, service in services.items():
        for dep in service.get("depends_on", {}):
            assert dep in services, f"{name} depends on an unknown service {dep}"
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            assert source in doc.get("volumes", {}), f"{name}: volume {source} is not declared"
        for env_file in service.get("env_file", []):
            assert (ROOT / env_file).is_file()
    agents = [n for n, s in _ours().items() if _resolve(list(s["command"]))[1] in AGENTS]
    assert {"solver", "verifier", "referee", "whistleblower"} <= set(agents)
    assert {"anvil", "postgres", "redis", "api", "indexer", "worker"} <= set(services)


def test_the_compose_file_interpolates_nothing_undefined() -> None:
    """Compose substitutes ${VAR} from the shell or .env; this file must not depend on either."""
    assert not re.search(r"\$\{?[A-Za-z_]", COMPOSE.read_text().split("\nservices:", 1)[1])


def test_no_private_key_is_committed_in_an_env_file() -> None:
    for path in (ROOT / "deploy" / "env").glob("*.env"):
        for line in path.read_text().splitlines():
            assert not re.search(r"0x[0-9a-fA-F]{64}", line), f"{path.name}: a raw key"
            assert not line.startswith("ASSAY_PRIVATE_KEY="), f"{path.name}: sets a private key"


def test_files_a_command_names_in_the_image_exist_in_the_repository() -> None:
    """Paths under /app are the repository's files (the Dockerfile copies them there)."""
    for name, service in _ours().items():
        for arg in service["command"]:
            if str(arg).startswith("/app/"):
                assert (ROOT / str(arg).removeprefix("/app/")).exists(), f"{name}: {arg}"


def test_the_dockerfile_copies_only_what_exists() -> None:
    for line in DOCKERFILE.read_text().splitlines():
        words = line.split()
        if not words or words[0] != "COPY" or any(w.startswith("--from") for w in words):
            continue
        for source in words[1:-1]:
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is missing"


def test_the_dockerfile_copies_every_installed_package() -> None:
    """A package pyproject.toml installs (e.g. `referee`) must be in the image, or its agents fail
    at import inside the container."""
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
    packages = {pattern.removesuffix("*") for pattern in include}
    copied = {
        words[1].rstrip("/")
        for words in (line.split() for line in DOCKERFILE.read_text().splitlines())
        if len(words) == 3 and words[0] == "COPY"
    }
    assert packages <= copied, f"the Dockerfile does not copy {sorted(packages - copied)}"
