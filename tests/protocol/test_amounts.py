"""Amounts as people type them, read into wei (assay.protocol.amounts)."""

from __future__ import annotations

import pytest

from assay.protocol.amounts import AmountError, parse_amount, parse_credit

ETH = 10**18


@pytest.mark.parametrize(
    ("text", "wei"),
    [
        ("2ether", 2 * ETH),
        ("0.5ether", ETH // 2),
        ("0.5 ETH", ETH // 2),
        ("100gwei", 100 * 10**9),
        ("42wei", 42),
        ("1000000", 10**6),
        ("1_000wei", 1000),
    ],
)
def test_parse_amount_reads_units(text: str, wei: int) -> None:
    assert parse_amount(text) == wei


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("1.5foo", "unknown unit 'foo'"),
        ("abc", "is not an amount"),
        ("0.5", "whole number of wei"),
        ("0ether", "more than zero"),
        ("-1ether", "is not an amount"),
        ("", "is not an amount"),
    ],
)
def test_parse_amount_rejects_with_the_reason(text: str, says: str) -> None:
    with pytest.raises(AmountError, match=says):
        parse_amount(text)


@pytest.mark.parametrize(("text", "wei"), [("0", 0), (" 0 ", 0), ("1ether", ETH), (5, 5)])
def test_parse_credit_reads_zero_as_never_and_else_an_amount(text: str | int, wei: int) -> None:
    assert parse_credit(text) == wei


def test_parse_credit_rejects_what_parse_amount_rejects() -> None:
    with pytest.raises(AmountError, match="whole number of wei"):
        parse_credit("0.5")
