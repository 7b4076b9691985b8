"""The official PyTorch tutorials, copied with only the imports swapped (and the deliberate
changes each file's header names), run to completion as a user runs them.

Each runs in a subprocess in its quick mode (``TINYCNN_TUTORIAL_QUICK=1``: a few batches,
one epoch), in a scratch folder (they write model files and plots); the numbers then mean
nothing, so the checks are on what each tutorial prints at its end. The full runs and their
results next to PyTorch's are in docs/porting.md ("The official tutorials").
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = ROOT / "examples" / "pytorch_tutorials"

# tutorial -> (needs ../shared/data, lines its output must contain)
EXPECTED = {
    "basics_tensors.py": (False, ["t: tensor([2., 2., 2., 2., 2.])", "n: [2. 2. 2. 2. 2.]",
                                  "t: tensor([2., 2., 2., 2., 2.], dtype=float64)"]),
    "basics_buildmodel.py": (False, ["Predicted class: tensor([", "Layer: linear_relu_stack.4.bias"]),
    "basics_autograd.py": (False, ["<BinaryCrossEntropyWithLogitsBackward0>",
                                   "Second call\ntensor([[8., 4., 4., 4., 4.],",
                                   "Call after zeroing gradients\ntensor([[4., 2., 2., 2., 2.],"]),
    "basics_saveload.py": (False, ["<All keys matched successfully>"]),
    "blitz_tensors.py": (False, ["tensor([2., 2., 2., 2., 2.])\n[2. 2. 2. 2. 2.]",  # shared memory
                                 "[2. 2. 2. 2. 2.]\ntensor([2., 2., 2., 2., 2.], dtype=float64)"]),
    "blitz_autograd.py": (False, ["tensor([ True,  True])\ntensor([ True,  True])",
                                  "Does `b` require gradients?: True"]),
    "blitz_neural_networks.py": (False, ["<MseLossBackward0>\n<AddmmBackward0>\n<ReluBackward0>",
                                         "tensor(True)"]),
    "pytorch_with_examples.py": (False, ["Result: y = ", " * P3(", "x^4 ? + "]),
    "quickstart.py": (True, ["Done!", "Saved PyTorch Model State to model.pth", 'Predicted: "']),
    "basics_data.py": (True, ["Labels batch shape: (64,)", "Custom batch: (16, 3, 64, 64)"]),
    "basics_transforms.py": (True, ["one-hot target: tensor([0., 0., 0., 0., 0., 0., 0., 0., 0., 1.])"]),
    "basics_optimization.py": (True, ["Test Error:", "Done!"]),
    "nn_tutorial.py": (True, ["tensor(0) tensor(9)", "False\n0 "]),
    "blitz_cifar10.py": (True, ["Finished Training",
                                "Accuracy of the network on the 10000 test images:", "cpu"]),
    "fgsm.py": (True, ["Epsilon: 0\tTest Accuracy = ", "Epsilon: 0.3\tTest Accuracy = "]),
    "transfer_learning.py": (True, ["train Loss:", "val Loss:", "Best val Acc:"]),
}


def test_every_tutorial_is_run_here():
    assert sorted(EXPECTED) == sorted(p.name for p in TUTORIALS.glob("*.py"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_tutorial_runs_to_completion(name, tmp_path):
    needs_data, expected = EXPECTED[name]
    if needs_data and not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} not present")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TINYCNN_TUTORIAL_QUICK": "1",
           "TINYCNN_DATA": str(SHARED_DATA), "MPLBACKEND": "Agg"}
    run = subprocess.run([sys.executable, str(TUTORIALS / name)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    for line in expected:
        assert line in run.stdout, f"{name}: {line!r} not in its output:\n{run.stdout[-3000:]}"
