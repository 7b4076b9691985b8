"""The sweep helper runs configurations in worker processes and keeps their order."""

import os

import pytest

from tinycnn.sweep import grid, sweep


def work(a, b):
    return {"sum": a + b, "pid": os.getpid()}


def test_grid_is_the_cartesian_product():
    assert grid(a=[1, 2], b=[3, 4]) == [
        {"a": 1, "b": 3}, {"a": 1, "b": 4}, {"a": 2, "b": 3}, {"a": 2, "b": 4}]


def test_sweep_runs_in_processes_and_keeps_order():
    rows = sweep(work, grid(a=[1, 2, 3], b=[10, 20]), n_jobs=2)
    assert [r["sum"] for r in rows] == [11, 21, 12, 22, 13, 23]
    assert all(r["seconds"] >= 0 for r in rows)
    assert all(r["pid"] != os.getpid() for r in rows)  # really ran in worker processes


def test_sequential_backend_and_plain_results():
    rows = sweep(pow, [{"base": 2, "exp": 5}], backend="sequential")
    assert rows[0]["result"] == 32 and rows[0]["base"] == 2


def test_bad_config_is_a_clear_error():
    with pytest.raises(TypeError, match=r"configs\[1\] must be a dict"):
        sweep(work, [{"a": 1, "b": 2}, (1, 2)])
