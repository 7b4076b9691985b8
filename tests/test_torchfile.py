"""Reading PyTorch files without PyTorch (`tinycnn.io.load_pytorch`): both formats,
dtypes, views, shared storages, nested checkpoints, and pickles that try to run code."""

from __future__ import annotations

import builtins
import os
import pickle
import zipfile

import numpy as np
import pytest
import torch

import tinycnn
from tinycnn.io import load_pytorch, read_pytorch

FORMATS = [True, False]  # zip (torch.save's default), legacy


def _save(obj, path, zip_format):
    torch.save(obj, path, _use_new_zipfile_serialization=zip_format)
    return path


@pytest.mark.parametrize("zip_format", FORMATS)
def test_dtypes_views_and_shared_storage(tmp_path, zip_format):
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    state = {
        "f64": torch.linspace(-1, 1, 7, dtype=torch.float64),
        "f16": torch.tensor([0.5, -2.25], dtype=torch.float16),
        "bf16": torch.tensor([1.5, -3.0, 1e-3], dtype=torch.bfloat16),
        "i64": torch.tensor([[1, -2], [3, 2**40]]),
        "i32": torch.tensor([7, -8], dtype=torch.int32),
        "u8": torch.tensor([0, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(3),
        "empty": torch.zeros(0, 3),
        "transposed": base.t(),                # non-contiguous view
        "strided": base[1:, ::2],              # offset + step
        "base": base,                          # shares its storage with the two above
        "param": torch.nn.Parameter(torch.ones(2, 2)),
    }
    got = load_pytorch(_save(state, tmp_path / "s.pt", zip_format))
    assert list(got) == list(state)
    for k, t in state.items():
        want = t.detach().float().numpy() if t.dtype == torch.bfloat16 else t.detach().numpy()
        assert got[k].dtype == want.dtype, k
        np.testing.assert_array_equal(got[k], want, err_msg=k)
    assert got["transposed"].flags.c_contiguous
    got["base"][0, 0] = 100  # arrays own their memory, though storages were shared
    assert got["transposed"][0, 0] == 0


@pytest.mark.parametrize("zip_format", FORMATS)
def test_state_dict_of_a_torch_model_loads_into_tinycnn(tmp_path, zip_format):
    ref = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4),
                              torch.nn.Flatten(), torch.nn.Linear(4 * 4 * 4, 2))
    ref(torch.randn(2, 3, 6, 6))  # moves the BatchNorm statistics
    model = tinycnn.nn.Sequential(tinycnn.nn.Conv2d(3, 4, 3), tinycnn.nn.BatchNorm2d(4),
                                  tinycnn.nn.Flatten(), tinycnn.nn.Linear(4 * 4 * 4, 2))
    model.load_state_dict(load_pytorch(_save(ref.state_dict(), tmp_path / "m.pth", zip_format)))
    ref.eval()
    model.eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(model(tinycnn.tensor(x)).numpy(),
                               ref(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("zip_format", FORMATS)
def test_nested_checkpoints(tmp_path, zip_format):
    sd = {"w": torch.ones(2)}
    for key in ("state_dict", "model", "model_state_dict"):
        path = _save({key: sd, "epoch": 3, "note": "x"}, tmp_path / f"{key}.pt", zip_format)
        assert list(load_pytorch(path)) == ["w"]
    path = _save({"ema": sd, "epoch": 3}, tmp_path / "ema.pt", zip_format)
    with pytest.raises(ValueError, match="does not hold a state_dict.*key="):
        load_pytorch(path)
    assert list(load_pytorch(path, key="ema")) == ["w"]
    with pytest.raises(ValueError, match="no entry 'nope'"):
        load_pytorch(path, key="nope")
    assert read_pytorch(path)["epoch"] == 3


class _System:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _Eval:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (builtins.eval, (f"open({str(self.marker)!r}, 'w')",))


class _Getattr:
    """builtins.getattr is the usual first step towards any function."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (getattr, ("text", "upper"))


@pytest.mark.parametrize("zip_format", FORMATS)
@pytest.mark.parametrize("evil, name", [(_System, "system"), (_Eval, "eval"),
                                        (_Getattr, "getattr")])
def test_malicious_pickles_are_refused_and_run_nothing(tmp_path, zip_format, evil, name):
    marker = tmp_path / "pwned"
    path = _save({"w": torch.ones(2), "x": evil(marker)}, tmp_path / "evil.pt", zip_format)
    with pytest.raises(ValueError, match=rf"refusing to load global \S*{name}") as e:
        load_pytorch(path)
    assert "evil.pt" in str(e.value)
    assert not marker.exists()


def test_plain_pickle_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    path.write_bytes(pickle.dumps(_System(marker)))
    with pytest.raises(ValueError, match="refusing to load global"):
        load_pytorch(path)
    assert not marker.exists()


@pytest.mark.parametrize("program, message", [
    # an allowed rebuild function called on a string instead of a storage
    (b"ctorch._utils\n_rebuild_tensor_v2\n(Vx\nI0\n(I1\nt(I1\ntI00\nNtR.", "on a storage"),
    # BUILD trying to change what a storage class stands for (dict state, slot state)
    (b"ctorch\nFloatStorage\n(dVname\nVDoubleStorage\nsb.", "not a readable"),
    (b"ctorch\nFloatStorage\n(N(dVname\nVDoubleStorage\nstb.", "cannot be set"),
])
def test_allowed_globals_cannot_be_misused(tmp_path, program, message):
    path = tmp_path / "crafted.pt"
    path.write_bytes(program)
    with pytest.raises(ValueError, match=message):
        load_pytorch(path)


def test_storage_views_are_bounds_checked(tmp_path):
    path = _save({"w": torch.ones(4)}, tmp_path / "w.pt", True)
    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    pkl = next(n for n in entries if n.endswith("data.pkl"))
    # the size tuple (4,) becomes (400,): a view past the end of the storage's 4 floats
    entries[pkl] = entries[pkl].replace(b"K\x04\x85", b"M\x90\x01\x85")
    bad = tmp_path / "bad.pt"
    with zipfile.ZipFile(bad, "w") as z:
        for n, data in entries.items():
            z.writestr(n, data)
    with pytest.raises(ValueError, match="reads past the end"):
        load_pytorch(bad)


def test_damaged_and_foreign_files(tmp_path):
    path = _save({"w": torch.ones(1000)}, tmp_path / "w.pt", False)
    (tmp_path / "cut.pt").write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ValueError, match="cut.pt"):
        load_pytorch(tmp_path / "cut.pt")
    (tmp_path / "text.pt").write_text("not a pickle")
    with pytest.raises(ValueError, match="text.pt"):
        load_pytorch(tmp_path / "text.pt")
    with pytest.raises(FileNotFoundError, match="missing.pt"):
        load_pytorch(tmp_path / "missing.pt")
