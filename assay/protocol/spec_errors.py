"""SpecError and the rendering of pydantic's errors as `field.path = value: problem — fix` lines."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from assay.errors import AssayError

# Sections whose first location element after them is a union tag pydantic inserts, not a key.
_TAGGED = {"model", "optimizer", "schedule"}
_MAX_VALUE_CHARS = 60


class SpecError(AssayError):
    """A job spec is malformed or outside the protocol limits; the message lists every problem."""


def format_value(value: Any) -> str:
    """A value as it would be written in TOML, shortened."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = repr(value)
    else:
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


def field_path(loc: tuple[int | str, ...]) -> str:
    """`('model', 'mlp', 'hidden', 0)` → `model.hidden[0]` (union tags dropped)."""
    out = ""
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif previous in _TAGGED and part not in ("arch", "name"):
            pass  # the discriminated-union tag pydantic adds to the location
        else:
            out += f".{part}" if out else part
        previous = part
    return out


def _describe(err: ErrorDetails) -> str:
    path, kind, value, ctx = field_path(err["loc"]), err["type"], err["input"], err.get("ctx", {})
    shown = "" if isinstance(value, dict) else f" = {format_value(value)}"
    if kind == "missing":
        return f"{path}: required — add it"
    if kind == "extra_forbidden":
        return f"{path}: unknown key — remove it or fix its spelling (see docs/job-spec.md)"
    if kind == "union_tag_invalid":
        tag_key = str(ctx.get("discriminator", "")).strip("'")
        return (
            f"{path}.{tag_key} = {format_value(ctx.get('tag'))}: must be one of"
            f" {ctx.get('expected_tags')}"
        )
    if kind == "union_tag_not_found":
        tag_key = str(ctx.get("discriminator", "")).strip("'")
        return f"{path}: needs a `{tag_key}` key — add it"
    if kind == "literal_error":
        return f"{path}{shown}: must be one of {ctx.get('expected')}"
    message = err["msg"].removeprefix("Value error, ")
    if kind == "value_error" and not path:
        return message  # cross-field rules write their own field paths
    if kind == "value_error" and isinstance(value, dict):
        return f"{path}: {message}"
    return f"{path}{shown}: {message[0].lower()}{message[1:]}"


def format_validation_error(exc: ValidationError, origin: str) -> str:
    """One readable block: a header, then one line per problem."""
    lines: list[str] = []
    for err in exc.errors(include_url=False):
        lines.extend(_describe(err).splitlines())
    noun = "problem" if len(lines) == 1 else "problems"
    return f"{origin} is invalid ({len(lines)} {noun}):\n" + "\n".join(f"  {x}" for x in lines)
