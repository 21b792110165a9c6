"""Cursor, scheduler, runners and the responder's "already done" table, without a chain."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import structlog
import structlog.testing

from assay.agents.actions import (
    Attest,
    Choose,
    ClaimCredit,
    ClaimWinnerShare,
    CommitOpTrace,
    DrawVerifiers,
    ExpireUnverified,
    Finalize,
    Open,
    StartTraining,
    Timeout,
)
from assay.agents.base import BaseAgent
from assay.agents.cursor import Cursor, CursorFile
from assay.agents.responder import Outcome, Responder, send_move
from assay.agents.runner import InlineRunner, InProcessRunner
from assay.agents.scheduler import Scheduler
from assay.chain.errors import RevertError, TransactionError
from assay.errors import ConfigError
from assay.protocol.types import GameId, JobId, StateHash


def test_cursor_round_trips_atomically_and_rejects_garbage(tmp_path: Path) -> None:
    f = CursorFile(tmp_path / "a" / "cursor.json")
    assert f.load(default_block=41) == Cursor(block=41)
    f.save(Cursor(57, {3, 1}, {2}, {9}))
    assert f.load() == Cursor(57, {1, 3}, {2}, {9})
    assert json.loads(f.path.read_text())["jobs"] == [1, 3]
    assert list(f.path.parent.iterdir()) == [f.path]  # no temp file left behind
    f.path.write_text("{")
    with pytest.raises(ConfigError, match="delete it"):
        f.load()


def test_scheduler_keeps_one_action_per_key_and_skips_busy_keys() -> None:
    s = Scheduler()
    a, b = Finalize(JobId(1)), Attest(JobId(1))
    t = Timeout(GameId(4))
    assert s.pick([a, b, t, t]) == [a, t]
    gate = threading.Event()
    runner = InProcessRunner()
    s.started(("job", 1), runner.submit("x", gate.wait))
    assert s.pick([a, t]) == [t]
    gate.set()
    assert runner.wait(5)
    assert [k for k, _ in s.finished()] == [("job", 1)]
    assert s.pick([a]) == [a]
    runner.shutdown()


def test_inline_runner_returns_results_and_errors() -> None:
    r = InlineRunner()
    assert r.submit("a", lambda: 7).result() == 7
    failing = r.submit("b", lambda: 1 // 0)
    assert failing.done()
    with pytest.raises(ZeroDivisionError):
        failing.result()


class _Fake:
    """Bindings whose every call raises `error` (or records the call)."""

    def __init__(self, error: Exception | None) -> None:
        self.error, self.calls = error, []  # type: list[str]
        self.sender = SimpleNamespace(resync_nonce=lambda: self.calls.append("resync"))

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any) -> None:
            self.calls.append(name)
            if self.error is not None:
                raise self.error

        return call


def responder(error: Exception | None) -> tuple[Responder, _Fake]:
    fake = _Fake(error)
    proto = SimpleNamespace(market=fake, game=fake, court=fake, stakes=fake)
    return Responder(proto), fake  # type: ignore[arg-type]


OPEN = Open(GameId(1), 0, 8, (StateHash.zero(),), ((),))


@pytest.mark.parametrize(
    ("action", "error", "outcome"),
    [
        (Finalize(JobId(1)), None, Outcome.SENT),
        (Finalize(JobId(1)), "WrongStatus", Outcome.ALREADY_DONE),
        (Finalize(JobId(1)), "TooEarly", Outcome.FAILED),
        (Attest(JobId(1)), "AlreadyAttested", Outcome.ALREADY_DONE),
        (OPEN, "StaleMove", Outcome.ALREADY_DONE),
        (OPEN, "NotYourTurn", Outcome.ALREADY_DONE),
        (OPEN, "InvalidProof", Outcome.FAILED),
        (ClaimCredit(5), "NoCredit", Outcome.ALREADY_DONE),
        (DrawVerifiers(JobId(1)), "SeatsFull", Outcome.ALREADY_DONE),
        (DrawVerifiers(JobId(1)), "RandomnessUnavailable", Outcome.FAILED),  # next block: retry
        (ExpireUnverified(JobId(1)), "SeatsFilled", Outcome.ALREADY_DONE),
        (ClaimWinnerShare(JobId(1)), "NothingToClaim", Outcome.ALREADY_DONE),
    ],
)
def test_responder_counts_already_done_reverts_as_success(
    action: Any, error: str | None, outcome: Outcome
) -> None:
    r, _ = responder(RevertError(f"{error}(…)", name=error) if error else None)
    assert r.execute(action) == outcome


CHOOSE = Choose(GameId(2), 0, 8, (StateHash.zero(),), 1, StateHash(b"\x01" * 32))
COMMIT = CommitOpTrace(GameId(3), StateHash(b"\x02" * 32), 4, (), ())


class _GameBinding:
    """A DisputeGame binding that records each call with its arguments and returns a receipt."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any) -> dict[str, str]:
            self.calls.append((name, args))
            return {"receipt_of": name}

        return call


@pytest.mark.parametrize(
    ("move", "call", "args"),
    [
        (OPEN, "open", (GameId(1), 0, 8, OPEN.hashes, OPEN.proofs)),
        (CHOOSE, "choose", (GameId(2), 0, 8, CHOOSE.openings, 1, CHOOSE.disputed)),
        (COMMIT, "commit_op_trace", (GameId(3), COMMIT.op_root, 4, (), ())),
    ],
)
def test_send_move_makes_the_moves_call_on_its_game_and_returns_the_receipt(
    move: Any, call: str, args: tuple[Any, ...]
) -> None:
    game = _GameBinding()
    assert send_move(game, move) == {"receipt_of": call}  # type: ignore[arg-type]
    assert game.calls == [(call, args)]


def test_responder_sends_every_bisection_move() -> None:
    r, fake = responder(None)
    assert [r.execute(m) for m in (OPEN, CHOOSE, COMMIT)] == [Outcome.SENT] * 3
    assert fake.calls == ["open", "choose", "commit_op_trace"]


def test_responder_resyncs_the_nonce_on_a_transport_error() -> None:
    r, fake = responder(TransactionError("nonce too low"))
    assert r.execute(Finalize(JobId(1))) == Outcome.FAILED
    assert fake.calls == ["finalize", "resync"]


def test_responder_turns_any_exception_into_a_failed_action() -> None:
    # A malformed action (here: the binding raises something no chain error explains) must not
    # escape and stop the agent's other work in the same tick.
    r, fake = responder(ValueError("cannot encode"))
    assert r.execute(Finalize(JobId(1))) == Outcome.FAILED
    assert fake.calls == ["finalize"]


def test_isolated_skips_only_the_decision_that_raised() -> None:
    agent = object.__new__(BaseAgent)  # only `log` is used by isolated()
    agent.log = structlog.get_logger().bind(agent="test")

    def crashes() -> list[Any]:
        raise IndexError("position 9 of a game with 8")  # the old game player's crash

    with structlog.testing.capture_logs() as logs:
        assert agent.isolated("game", 7, crashes) == []
        assert agent.isolated("job", 2, lambda: [Finalize(JobId(2))]) == [Finalize(JobId(2))]
    (line,) = logs
    assert (line["event"], line["game"], line["log_level"]) == ("agent.decide_failed", 7, "error")
    assert "IndexError" in line["reason"]


def test_local_actions_have_their_own_key() -> None:
    assert StartTraining(JobId(1), StateHash.zero()).key == ("work", 1)
    assert Finalize(JobId(1)).key == ("job", 1)
