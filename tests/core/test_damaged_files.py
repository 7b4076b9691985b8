"""Damaged files give one clear error naming the file; interrupted saves lose nothing.

Every way a file breaks on a user's machine (empty, cut short, a flipped byte, broken
metadata, a PyTorch file given to the wrong reader) raises one ValueError that names
the file and what is wrong -- never zipfile's, json's or pickle's own exception. A save
killed half-way leaves only a temporary file, which the next save of the same target
removes; saved files get the usual permissions (0o666 less the umask).
"""

from __future__ import annotations

import io as io_module
import lzma
import os
import signal
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

import tinycnn
from tinycnn import io
from tinycnn import models as M
from tinycnn.data.datasets import mnist
from tinycnn.data.datasets import utils as data_utils

ROOT = Path(__file__).resolve().parents[2]


def saved(tmp_path, name="ckpt.npz"):
    path = tmp_path / name
    tinycnn.save({"model": {"w": np.arange(300, dtype=np.float32)}, "epoch": 1}, path)
    return path


def _damage(path: Path, how: str) -> None:
    raw = bytearray(path.read_bytes())
    if how == "empty":
        raw = bytearray()
    elif how == "truncated":
        raw = raw[: len(raw) // 2]
    elif how == "flipped":  # a byte in the middle of the first member's data
        raw[200] ^= 0xFF
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("how, message", [
    ("empty", r"ckpt.npz' is empty \(0 bytes\)"),
    ("truncated", r"ckpt.npz' is truncated or damaged"),
    ("flipped", r"ckpt.npz': checksum mismatch in member model.w.npy"),
])
@pytest.mark.parametrize("reader", ["load", "load_checkpoint"])
def test_damaged_file_gives_one_value_error(tmp_path, how, message, reader):
    path = saved(tmp_path)
    _damage(path, how)
    with pytest.raises(ValueError, match=message):
        if reader == "load":
            tinycnn.load(path)
        else:
            io.load_checkpoint(path, M.lenet5())


def test_broken_metadata_is_named(tmp_path):
    path = tmp_path / "meta.npz"
    np.savez(path, __tinycnn__=np.array("{not json"), w=np.ones(2))
    with pytest.raises(ValueError, match="meta.npz' is not a tinycnn file: broken metadata"):
        tinycnn.load(path)
    np.savez(path, __tinycnn__=np.array('{"format": "tinycnn-npz", "version": 1, '
                                        '"tree": {"dict": [["w", {"array": "gone"}]]}}'))
    with pytest.raises(ValueError, match="meta.npz' is not a tinycnn file: broken metadata"):
        tinycnn.load(path)


def test_checkpoint_without_metadata_is_named(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, w=np.ones(2))
    with pytest.raises(ValueError, match="plain.npz' is not a tinycnn file: no metadata"):
        io.load_checkpoint(path, M.lenet5())


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_pytorch_file_is_recognised(tmp_path, legacy):
    path = tmp_path / "a.pt"
    torch.save(torch.nn.Linear(2, 3).state_dict(), path,
               _use_new_zipfile_serialization=not legacy)
    with pytest.raises(ValueError, match=r"a.pt' is a (PyTorch|pickle).*tinycnn.io.load_pytorch"):
        tinycnn.load(path)


@pytest.mark.parametrize("how, message", [
    ("truncated", "w.npz' is truncated"), ("flipped", "w.npz': checksum mismatch"),
    ("empty", "w.npz' is empty")])
def test_load_weights_names_a_damaged_file(tmp_path, how, message):
    path = tmp_path / "w.npz"
    np.savez(path, **{k: v.numpy() for k, v in M.lenet5().state_dict().items()})
    _damage(path, how)
    with pytest.raises(ValueError, match=message):
        M.load_weights(M.lenet5(), path)


def test_member_announcing_an_absurd_shape_is_named(tmp_path):
    # a .npy header claiming 10^6 x 10^6 floats (4 TB) in front of 64 bytes of data
    header = io_module.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False,
                                                  "shape": (10**6, 10**6)})
    path = tmp_path / "w.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("w.npy", header.getvalue() + bytes(64))
    for load in (tinycnn.load, lambda p: M.load_weights(M.lenet5(), p)):
        with pytest.raises(ValueError, match="w.npz.*member w.npy announces an array larger"):
            load(path)


@pytest.mark.parametrize("cut", [0, 3, 10, 15])
def test_mnist_header_cut_short_says_truncated(tmp_path, cut):
    path = tmp_path / "t10k-images-idx3-ubyte"
    header = bytes([0, 0, 8, 3]) + np.array([2, 28, 28], ">u4").tobytes()
    path.write_bytes(header[:cut])
    with pytest.raises(ValueError, match=f"truncated inside its header: {cut} bytes.* 16 bytes"):
        mnist.read_idx(path, 3)


def test_damaged_dataset_cache_entry_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYCNN_DATA_CACHE", str(tmp_path / "cache"))
    src = tmp_path / "data.bin.xz"
    src.write_bytes(lzma.compress(b"abc" * 100))
    assert data_utils._read_xz_cached(src) == b"abc" * 100
    (entry,) = (tmp_path / "cache").iterdir()
    _damage(entry, "truncated")
    with pytest.warns(RuntimeWarning, match=f"{entry.name}: damaged cache entry of data.bin.xz"):
        assert data_utils._read_xz_cached(src) == b"abc" * 100
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert data_utils._read_xz_cached(src) == b"abc" * 100  # repaired


# --- saving: a single tensor, permissions, interrupted saves --------------------------------


def test_a_single_tensor_round_trips(tmp_path):
    t = tinycnn.randn(3, 4)
    tinycnn.save(t, tmp_path / "t.pt")
    back = tinycnn.load(tmp_path / "t.pt")
    assert isinstance(back, tinycnn.Tensor) and back.dtype == t.dtype
    np.testing.assert_array_equal(back.numpy(), t.numpy())
    tinycnn.save({"a": [t, {"b": t * 2}], "n": 3}, tmp_path / "n.pt")
    nested = tinycnn.load(tmp_path / "n.pt")
    np.testing.assert_array_equal(nested["a"][1]["b"].numpy(), t.numpy() * 2)
    assert nested["n"] == 3


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_saved_files_respect_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        path = saved(tmp_path)
        io.save_checkpoint(tmp_path / "c.npz", M.lenet5())
    finally:
        os.umask(old)
    for p in (path, tmp_path / "c.npz"):
        assert p.stat().st_mode & 0o777 == 0o666 & ~umask


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_next_save_removes_stale_temp_files_of_that_target_only(tmp_path):
    dead, live = _dead_pid(), os.getppid()
    stale = tmp_path / f".ckpt.npz.tmp-{dead}-abc123"
    busy = tmp_path / f".ckpt.npz.tmp-{live}-def456"  # a concurrent writer, still running
    other = tmp_path / f".other.npz.tmp-{dead}-ghi789"  # another target's
    unrelated = tmp_path / "notes.txt"
    for p in (stale, busy, other, unrelated):
        p.write_bytes(b"x" * 10)
    saved(tmp_path)
    assert not stale.exists()
    assert busy.exists() and other.exists() and unrelated.exists()
    old = time.time() - io.STALE_TEMP_SECONDS - 60
    os.utime(busy, (old, old))  # abandoned long ago, whoever owns the pid now
    saved(tmp_path)
    assert not busy.exists() and other.exists()


def test_save_killed_half_way_leaves_old_file_and_next_save_cleans_up(tmp_path):
    path = saved(tmp_path)
    before = path.read_bytes()
    code = ("import sys, time; from tinycnn import io\n"
            "def write(f):\n"
            "    f.write(b'partial'); f.flush(); print('writing', flush=True); time.sleep(60)\n"
            f"io.atomic_write({str(path)!r}, write)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout.readline().strip() == "writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".ckpt.npz.tmp-")]
    assert len(leftovers) == 1 and path.read_bytes() == before
    saved(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz"]
