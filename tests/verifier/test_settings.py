"""VerifierSettings ($ASSAY_VERIFIER_*): the replay policy, the referee duty and the devnet-only
lazy mode, validated at construction."""

from __future__ import annotations

import pytest

from assay.agents.settings import AgentSettingsError
from verifier.sampling import ReplayPolicy
from verifier.settings import VerifierSettings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ASSAY_VERIFIER_REPLAY", "ASSAY_VERIFIER_SEGMENTS", "ASSAY_VERIFIER_LAZY",
                "ASSAY_VERIFIER_REFEREE", "ASSAY_VERIFIER_REPLAY_SEED"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)


def test_defaults_replay_fully_and_verify_assigned_jobs_only() -> None:
    s = VerifierSettings.load()
    assert s.role == "verifier"
    assert (s.verify_all, s.referee, s.replay, s.segments, s.lazy) == (
        False,
        False,
        "full",
        4,
        False,
    )
    assert s.replay_policy() == ReplayPolicy.full()


def test_a_sampled_replay_takes_its_segments_and_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_VERIFIER_REPLAY", "sampled")
    monkeypatch.setenv("ASSAY_VERIFIER_SEGMENTS", "2")
    assert VerifierSettings.load(replay_seed=7).replay_policy() == ReplayPolicy.sampled(2, 7)
    drawn = {VerifierSettings.load().replay_policy().seed for _ in range(3)}
    assert len(drawn) == 3  # no seed: a secret one per run


def test_the_environment_turns_on_the_referee_duty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_VERIFIER_REFEREE", "1")
    assert VerifierSettings.load().referee


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"replay": "partial"}, "--replay must be full or sampled, got 'partial'"),
        ({"segments": 0}, "--segments should be greater than or equal to 1, got 0"),
        ({"lazy": True, "replay": "sampled"}, "--lazy replays nothing: drop --replay sampled"),
    ],
)
def test_invalid_combinations_are_refused(given: dict[str, object], says: str) -> None:
    with pytest.raises(AgentSettingsError, match=says):
        VerifierSettings.load(**given)


def test_lazy_is_devnet_only(monkeypatch: pytest.MonkeyPatch) -> None:
    assert VerifierSettings.load().devnet_only_set() == []
    monkeypatch.setenv("ASSAY_VERIFIER_LAZY", "true")
    assert VerifierSettings.load().devnet_only_set() == ["--lazy"]


def test_a_bad_variable_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_VERIFIER_REPLAY", "some")
    with pytest.raises(AgentSettingsError) as refused:
        VerifierSettings.load()
    assert str(refused.value) == (
        "--replay must be full or sampled, got 'some' (from $ASSAY_VERIFIER_REPLAY)"
    )
    assert refused.value.hint == "fix or unset $ASSAY_VERIFIER_REPLAY, or pass --replay"
