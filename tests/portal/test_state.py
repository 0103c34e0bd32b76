"""The sync state kept in dataset extras."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from portal import SyncState


@given(
    st.builds(
        SyncState,
        seq=st.none() | st.integers(0, 2**53),
        today=st.none() | st.dates(date(2000, 1, 1), date(2099, 12, 31)),
        phase=st.none() | st.just("snapshot"),
        files=st.none() | st.text("0123456789@-", min_size=1, max_size=30),
    )
)
def test_state_survives_the_round_trip_through_extras(state: SyncState) -> None:
    extras = [{"key": k, "value": v} for k, v in state.extras().items()]
    extras.append({"key": "title_en", "value": "not ours"})
    assert SyncState.from_extras(extras) == state


def test_missing_or_damaged_state_means_fresh() -> None:
    assert SyncState.from_extras([]).fresh
    damaged = [{"key": "creditgate_seq", "value": "twelve"}]
    assert SyncState.from_extras(damaged) == SyncState()
    assert SyncState.from_extras([{"key": "creditgate_today", "value": "2026-13-01"}]).fresh


def test_the_files_marker_follows_seq_and_day() -> None:
    state = SyncState(seq=42, today=date(2026, 11, 28))
    assert state.marker == "42@2026-11-28"
    assert state.advanced(seq=43).marker != state.marker
    assert state.advanced(today=date(2026, 11, 29)).marker != state.marker
    assert not state.fresh and SyncState(seq=1, phase="snapshot").loading
