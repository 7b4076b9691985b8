"""Everyday PyTorch idioms run under torch and under tinycnn (same code) and agree.

The idioms are in `everyday_idioms.py`, the runner in `idiom_runner.py`. Each idiom must
give the same result as in PyTorch (values, dtypes, shapes; or both raise), except the
few deliberate differences listed in `DOCUMENTED` (each in docs/porting.md), which must
still differ, so the list stays true.
"""

from __future__ import annotations

import pytest
from everyday_idioms import CASES
from idiom_runner import compare

# idiom name -> the deliberate difference (docs/porting.md, "Deliberate differences")
DOCUMENTED = {
    "tensor from numpy float64": "torch.tensor(float64 array) gives the default float32",
    "custom Dataset float64 numpy": "the DataLoader's batching gives float fields float32",
    "Dataset returns tuple of float label": "the DataLoader's batching gives float fields "
                                            "float32",
    "save model raises": "torch.save(model) (pickle) is refused: save model.state_dict()",
    "momentum_buffer": "optimizer.state[p] holds arrays, not tensors",
}


def test_idiom_names_are_unique_and_documented_ones_exist():
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names))
    assert set(DOCUMENTED) <= set(names)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_idiom_matches_pytorch(case):
    difference = compare(case)
    if case[0] in DOCUMENTED:
        assert difference is not None, f"{case[0]!r} now agrees: drop it from DOCUMENTED"
    else:
        assert difference is None, difference
