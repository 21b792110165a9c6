"""The devnet-only `--cheat-from STEP:OP` of `assay solver run`: a consistent cheater's trace."""

from __future__ import annotations

import pytest
from eth_hash.auto import keccak
from typer.testing import CliRunner

from assay.cli.main import app
from assay.protocol.types import StateHash
from solver.cheats import cheat_hooks
from solver.settings import CheatPoint, parse_cheat


def _h(i: int) -> StateHash:
    return StateHash(keccak(i.to_bytes(4, "big")))


def test_parse_cheat_reads_step_and_op() -> None:
    assert parse_cheat("4:37") == CheatPoint(step=4, op=37)


@pytest.mark.parametrize("text", ["4", "a:b", "4:37:1", "0:3", "3:0"])
def test_parse_cheat_rejects_bad_input(text: str) -> None:
    with pytest.raises(ValueError, match="STEP"):
        parse_cheat(text)


@pytest.mark.parametrize("text", ["4", "0:3"])
def test_a_bad_cheat_on_the_command_line_is_a_usage_error(text: str) -> None:
    result = CliRunner().invoke(
        app, ["solver", "run", "--cheat-from", text, "--dev-account", "solver"],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert result.exit_code == 2 and "--cheat-from" in result.output, result.output


def test_the_cheat_needs_a_dev_account() -> None:
    result = CliRunner().invoke(app, ["solver", "run", "--cheat-from", "4:37"])
    assert result.exit_code == 1
    assert "--cheat-from is a devnet demo option: it needs --dev-account" in result.output


def test_hooks_corrupt_from_the_step_and_stay_bound_to_the_step_trace() -> None:
    steps_hook, ops_hook = cheat_hooks(3, 2)
    honest = tuple(_h(i) for i in range(6))
    cheat = steps_hook(honest)
    assert cheat[:3] == honest[:3] and all(
        c != h for c, h in zip(cheat[3:], honest[3:], strict=True)
    )
    # The op trace of the cheated step starts at the agreed h_2 and ends at the cheater's h_3,
    # as DisputeGame.commitOpTrace demands, and differs from operator 2 on.
    ops = (honest[2], _h(100), _h(101), _h(102), honest[3])
    bad_ops = ops_hook(3, ops)
    assert bad_ops[0] == honest[2] and bad_ops[-1] == cheat[3]
    assert bad_ops[1] == ops[1] and all(b != o for b, o in zip(bad_ops[2:], ops[2:], strict=True))
    assert ops_hook(4, ops) == ops  # other steps untouched


def test_op_beyond_the_step_is_clamped_to_the_last_operator() -> None:
    _, ops_hook = cheat_hooks(1, 99)
    ops = (_h(0), _h(1), _h(2))
    assert ops_hook(1, ops)[:2] == ops[:2] and ops_hook(1, ops)[2] != ops[2]
