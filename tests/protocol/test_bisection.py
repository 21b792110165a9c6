from hypothesis import given
from hypothesis import strategies as st

from assay.protocol import bisection


def test_positions_binary_midpoint() -> None:
    assert bisection.positions(0, 1024, 2) == [512]


def test_positions_when_interval_shorter_than_arity_opens_every_interior_point() -> None:
    assert bisection.positions(10, 13, 8) == [11, 12]


def test_narrow_last_index_keeps_hi() -> None:
    assert bisection.narrow(0, 9, 3, 2) == (6, 9)


def test_narrow_rejects_out_of_range_index() -> None:
    try:
        bisection.narrow(0, 9, 3, 3)
    except ValueError as e:
        assert "outside 0..2" in str(e)
    else:
        raise AssertionError("expected ValueError")


def test_first_disagreement_all_agree_disputes_hi() -> None:
    assert bisection.first_disagreement([b"a", b"b"], [b"a", b"b"]) == 2
    assert bisection.first_disagreement([b"a", b"x"], [b"a", b"b"]) == 1


@given(
    lo=st.integers(0, 5000),
    span=st.integers(2, 5000),
    k=st.integers(2, 16),
)
def test_positions_strictly_increasing_inside_interval(lo: int, span: int, k: int) -> None:
    hi = lo + span
    pts = bisection.positions(lo, hi, k)
    assert len(pts) == min(k - 1, span - 1)
    assert all(lo < p < hi for p in pts)
    assert pts == sorted(set(pts))


@given(n=st.integers(1, 5000), k=st.integers(2, 16), data=st.data())
def test_isolates_any_target_within_ceil_log_rounds(n: int, k: int, data: st.DataObject) -> None:
    target = data.draw(st.integers(1, n))  # first wrong leaf; leaves < target are agreed

    def honest(pts: list[int]) -> int:
        return next((i for i, p in enumerate(pts) if p >= target), len(pts))

    lo, hi, rounds = bisection.isolate(0, n, k, honest)
    assert (lo, hi) == (target - 1, target)
    assert rounds <= bisection.ceil_log(n, k)
