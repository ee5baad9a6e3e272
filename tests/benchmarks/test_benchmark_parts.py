"""The benchmark's pure parts, table-driven and property-based: percentiles, workspace shares, value mapping."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.capture import _substitute
from benchmarks.database import BenchmarkError, database_name, with_database
from benchmarks.measure import latency
from benchmarks.scales import SCALES, workspace_shares


@pytest.mark.parametrize(("seconds", "p50", "p95"), [
    ([0.001], 1.0, 1.0),
    ([0.001, 0.003], 2.0, 3.0),
    ([0.001 * n for n in range(1, 21)], 10.5, 19.0),
    ([0.005, 0.001, 0.002], 2.0, 5.0),
])
def test_latency_table(seconds, p50, p95):
    result = latency(seconds)
    assert (round(result.p50, 6), round(result.p95, 6), result.n) == (p50, p95, len(seconds))


@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=1, max_size=200))
def test_latency_percentiles_are_ordered_and_within_the_samples(seconds):
    result = latency(seconds)
    assert min(seconds) * 1000 <= result.p50 <= result.p95 <= max(seconds) * 1000 + 1e-9
    assert result.p95 in [s * 1000 for s in seconds]  # nearest rank: always one of the samples


def test_latency_without_samples_is_an_error():
    with pytest.raises(BenchmarkError):
        latency([])


@given(st.integers(min_value=1, max_value=2000))
def test_workspace_shares_sum_to_one_largest_first(count):
    shares = workspace_shares(count)
    assert len(shares) == count
    assert abs(sum(shares) - 1) < 1e-9
    assert all(a >= b for a, b in zip(shares, shares[1:], strict=False))


def test_scale_l_is_skewed_like_issue_7():
    largest = workspace_shares(SCALES["L"].workspaces)[0] * SCALES["L"].attempts
    assert 250_000 < largest < 290_000
    assert SCALES["M"].attempts * 10 == SCALES["L"].attempts and SCALES["M"].questions * 10 == SCALES["L"].questions


_ids = st.uuids()


@given(_ids, _ids, _ids)
def test_substitution_replaces_ids_wherever_they_are(old, new, other):
    mapping = {old: new, str(old): str(new)}
    params = {"u": old, "s": str(old), "nested": [old, {"x": str(old)}], "keep": other if other != old else None, "n": 3}
    out = _substitute(params, mapping)
    assert out["u"] == new and out["s"] == str(new) and out["nested"] == [new, {"x": str(new)}]
    assert out["keep"] == params["keep"] and out["n"] == 3


def test_substitution_maps_equal_timestamps_across_time_zones():
    at = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)
    later = datetime(2026, 6, 2, tzinfo=timezone.utc)
    assert _substitute({"at": at.astimezone()}, {at: later}) == {"at": later}
    assert _substitute({"a": [1, 2]}, {uuid.uuid4(): 1}) == {"a": [1, 2]}


@pytest.mark.parametrize(("url", "name", "expected"), [
    ("postgresql://u:p@h:5432/tutorassist", "tutorassist_bench_m", "postgresql://u:p@h:5432/tutorassist_bench_m"),
    ("postgresql+psycopg://u@h/db?sslmode=require", "x", "postgresql://u@h/x?sslmode=require"),
    ("postgresql://postgres:@/db?host=/tmp/pg", "postgres", "postgresql://postgres:@/postgres?host=/tmp/pg"),
])
def test_with_database(url, name, expected):
    assert with_database(url, name) == expected
    assert database_name(expected) == name
