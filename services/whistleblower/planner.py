"""The honeypot planner: which jobs are honeypots, what they train, and where they are wrong.

Pure: `plan(rng_seed, jobs_seen, rate_p, templates)` derives everything from a secret key (the
seed) and a slot counter with HMAC-SHA256, so the same key gives the same plans after a restart,
and nobody without the key can predict or recognise them.

Slots: slot i stands for the market's i-th job. Slot i is a honeypot with probability p
(independently, from the key). The service plans over slots [first_slot, job_count] (the last one
is "the next job") and posts every planned honeypot it has not posted yet, so honeypots make up a
fraction p of all jobs, its own included (H = p * (H + O)).

For each honeypot the plan fixes: a template (an ordinary-looking spec, e.g. an example's) with a
varied seed and learning rate, the forced-error step s in 1..T and the 32-byte salt sealed into the
result. The error is always at the END STATE of step s (operator N = the job's opsPerStep: honest op
records, wrong h_s), the only location a reveal accepts (IForcedErrorRegistry). The step and salt
are secret: they never appear in a plan's repr (nor in logs).

The state file (`HoneypotState`, JSON, written atomically, mode 0600) holds the key, the first slot
and what became of each posted honeypot. The key also derives each honeypot's own submitter and
solver accounts (accounts.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_DOMAIN = b"assay-whistleblower/v1/"
_SCALE = float(1 << 64)


@dataclass(frozen=True)
class Template:
    """A realistic job a honeypot can copy.

    Attributes:
        name: a label (kept in the plan; never posted).
        spec: the raw spec (JobSpec.model_dump(mode="json")).
        seeds: the seed is drawn from [0, seeds).
        lrs: learning rates to pick from (empty: keep the template's).
        uri: the spec URI to post (what an ordinary submitter of this spec would post).
    """

    name: str
    spec: Mapping[str, Any]
    seeds: int = 10_000
    lrs: tuple[float, ...] = ()
    uri: str = ""

    def materialize(self, plan: HoneypotPlan) -> dict[str, Any]:
        """The raw spec of `plan` (a deep copy of the template with its seed and lr)."""
        raw: dict[str, Any] = json.loads(json.dumps(self.spec))
        raw["training"]["seed"] = plan.seed
        if plan.lr is not None:
            raw["training"]["optimizer"]["lr"] = plan.lr
        return raw

    @property
    def steps(self) -> int:
        return int(self.spec["training"]["steps"])


@dataclass(frozen=True)
class HoneypotPlan:
    """One planned honeypot. `step` (where it errs: h_step) and `salt` are secret (not in repr)."""

    slot: int
    template: str
    seed: int
    lr: float | None
    steps: int
    step: int = field(repr=False)
    salt: bytes = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "slot": self.slot,
            "template": self.template,
            "seed": self.seed,
            "lr": self.lr,
            "steps": self.steps,
            "step": self.step,
            "salt": self.salt.hex(),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> HoneypotPlan:
        """From `to_json` (an older file's `op_draw`, from mid-step honeypots, is ignored)."""
        lr = d["lr"]
        return cls(
            int(d["slot"]),
            str(d["template"]),
            int(d["seed"]),
            None if lr is None else float(lr),
            int(d["steps"]),
            int(d["step"]),
            bytes.fromhex(str(d["salt"])),
        )


def _draw(key: bytes, what: str, slot: int) -> bytes:
    return hmac.new(key, _DOMAIN + f"{what}/{slot}".encode(), hashlib.sha256).digest()


def _u64(key: bytes, what: str, slot: int) -> int:
    return int.from_bytes(_draw(key, what, slot)[:8], "big")


def is_honeypot(rng_seed: bytes, slot: int, rate_p: float) -> bool:
    """Whether slot `slot` is a honeypot (probability `rate_p`, decided by the key)."""
    return _u64(rng_seed, "pick", slot) / _SCALE < rate_p


def plan_slot(rng_seed: bytes, slot: int, templates: Sequence[Template]) -> HoneypotPlan:
    """The honeypot of `slot` (whether or not the slot is one)."""
    t = templates[_u64(rng_seed, "template", slot) % len(templates)]
    lr = t.lrs[_u64(rng_seed, "lr", slot) % len(t.lrs)] if t.lrs else None
    return HoneypotPlan(
        slot=slot,
        template=t.name,
        seed=_u64(rng_seed, "seed", slot) % max(t.seeds, 1),
        lr=lr,
        steps=t.steps,
        step=1 + _u64(rng_seed, "step", slot) % t.steps,
        salt=_draw(rng_seed, "salt", slot),
    )


def plan(
    rng_seed: bytes,
    jobs_seen: int,
    rate_p: float,
    templates: Sequence[Template],
    first_slot: int = 0,
) -> list[HoneypotPlan]:
    """The honeypots among slots [first_slot, jobs_seen), in slot order.

    Args:
        rng_seed: the secret key (at least 16 bytes).
        jobs_seen: slots considered (the service passes the market's job count + 1).
        rate_p: the honeypot rate p in [0, 1].
        templates: the specs honeypots copy (at least one).
        first_slot: slots before it are not planned (the market before the service started).
    """
    if len(rng_seed) < 16:
        raise ValueError("the planner key must be at least 16 bytes")
    if not 0.0 <= rate_p <= 1.0:
        raise ValueError(f"rate_p must be in [0, 1], got {rate_p}")
    if not templates:
        raise ValueError("at least one template is needed")
    return [
        plan_slot(rng_seed, slot, templates)
        for slot in range(max(first_slot, 0), jobs_seen)
        if is_honeypot(rng_seed, slot, rate_p)
    ]


# ---------------------------------------------------------------------------- the state file


@dataclass
class Posted:
    """A posted honeypot and what became of it."""

    plan: HoneypotPlan
    job_id: int
    spec_hash: str
    revealed: bool = False
    closed: str = ""  # why it needs nothing more ("revealed", "expired", "missed window", ...)
    jackpot: int = 0
    block: int = 0  # the block before it was posted (its solver scans from there; 0: unknown)
    reimbursed: int = 0  # wei of its cost the reveal credited back to its submitter
    swept: bool = False  # its submitter and solver accounts were emptied into the whistleblower's
    op_index: int = 0  # N, the forced operator (the end state) sealed in the tag (0: not yet)

    def to_json(self) -> dict[str, Any]:
        return {
            "plan": self.plan.to_json(),
            "job_id": self.job_id,
            "spec_hash": self.spec_hash,
            "revealed": self.revealed,
            "closed": self.closed,
            "jackpot": self.jackpot,
            "block": self.block,
            "reimbursed": self.reimbursed,
            "swept": self.swept,
            "op_index": self.op_index,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Posted:
        return cls(
            HoneypotPlan.from_json(d["plan"]),
            int(d["job_id"]),
            str(d["spec_hash"]),
            bool(d["revealed"]),
            str(d["closed"]),
            int(d["jackpot"]),
            int(d.get("block", 0)),
            int(d.get("reimbursed", 0)),
            bool(d.get("swept", False)),
            int(d.get("op_index", 0)),
        )


@dataclass
class HoneypotState:
    """Everything the service must not lose: the key, the first slot, posted honeypots, reveals."""

    key: bytes
    first_slot: int | None = None
    posted: dict[int, Posted] = field(default_factory=dict)  # slot -> Posted
    reveals: list[int] = field(default_factory=list)  # block timestamps of our reveals

    def __repr__(self) -> str:  # the key never shows up in a log line or traceback
        return f"HoneypotState(first_slot={self.first_slot}, posted={sorted(self.posted)})"

    @classmethod
    def fresh(cls) -> HoneypotState:
        return cls(key=secrets.token_bytes(32))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "key": self.key.hex(),
            "first_slot": self.first_slot,
            "posted": {str(k): v.to_json() for k, v in sorted(self.posted.items())},
            "reveals": list(self.reveals),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> HoneypotState:
        if d.get("version") != 1:
            raise ValueError(f"unknown whistleblower state version {d.get('version')!r}")
        first = d.get("first_slot")
        return cls(
            key=bytes.fromhex(str(d["key"])),
            first_slot=None if first is None else int(first),
            posted={int(k): Posted.from_json(v) for k, v in d["posted"].items()},
            reveals=[int(t) for t in d.get("reveals", [])],
        )


def save_state(path: Path, state: HoneypotState) -> None:
    """Write the state atomically (temp file, fsync, rename), readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".state-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(state.to_json(), f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_state(path: Path) -> HoneypotState:
    """The saved state, or a fresh one (new random key) if there is no file yet."""
    if not path.exists():
        return HoneypotState.fresh()
    return HoneypotState.from_json(json.loads(path.read_text()))


def rate_gate(reveals: Sequence[int], now: int, max_per_window: int, window: int) -> int | None:
    """None if a reveal at `now` fits the registry's rate limit, else the earliest time it does.

    Mirrors ForcedErrorRegistry.nextRevealAt, a sliding window: at most `max_per_window` reveals
    in any `window` seconds, so the next one may come once the `max_per_window`-th most recent
    reveal is `window` old. `reveals` are the timestamps of our successful reveals (recorded a
    little late, which is conservative).
    """
    if max_per_window < 1:
        raise ValueError(f"max_per_window must be at least 1, got {max_per_window}")
    recent = sorted(reveals)[-max_per_window:]
    if len(recent) < max_per_window:
        return None
    opens = recent[0] + window
    return None if now >= opens else opens
