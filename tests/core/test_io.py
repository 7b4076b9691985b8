"""tinycnn.save / tinycnn.load: .npz without pickle, exact round trips, atomic writes."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinycnn
from tinycnn import io


def _state():
    return {
        "model": {"features.0.weight": np.arange(6, dtype=np.float32).reshape(2, 3),
                  "bn.num_batches_tracked": np.array(7, dtype=np.int64),
                  "t": tinycnn.tensor([1.5, -2.0])},
        "optimizer": {"state": {0: {"step": 3, "exp_avg": np.ones(2)}, 1: {}},
                      "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "nesterov": False,
                                        "foo": None, "params": [0, 1]}]},
        "epoch": 4, "name": "lenet5", "flag": True, "nothing": None,
        "f32": np.float32(0.1), "i64": np.int64(2), "mask": np.array([True, False]),
        "inf": math.inf, "empty": [], "nested_list": [[1, 2.5], ("a", None)],
    }


def test_round_trip_keeps_values_and_types(tmp_path):
    path = tmp_path / "ckpt.npz"
    tinycnn.save(_state(), path)
    out = tinycnn.load(path)
    ref = _state()
    assert list(out) == list(ref)
    np.testing.assert_array_equal(out["model"]["features.0.weight"], ref["model"]["features.0.weight"])
    assert out["model"]["features.0.weight"].dtype == np.float32
    assert out["model"]["bn.num_batches_tracked"].dtype == np.int64
    assert isinstance(out["model"]["t"], tinycnn.Tensor)
    np.testing.assert_array_equal(out["model"]["t"].numpy(), [1.5, -2.0])
    # int keys stay ints, Python scalars keep their exact type, tuples stay tuples
    assert set(out["optimizer"]["state"]) == {0, 1} and out["optimizer"]["state"][1] == {}
    assert type(out["optimizer"]["state"][0]["step"]) is int
    group = out["optimizer"]["param_groups"][0]
    assert group == ref["optimizer"]["param_groups"][0]
    assert type(group["betas"]) is tuple and type(group["lr"]) is float
    assert out["epoch"] == 4 and type(out["epoch"]) is int
    assert out["name"] == "lenet5" and out["flag"] is True and out["nothing"] is None
    assert out["f32"].dtype == np.float32 and out["f32"] == np.float32(0.1)
    assert out["i64"].dtype == np.int64 and out["i64"] == 2
    assert out["mask"].dtype == np.bool_
    assert out["inf"] == math.inf and out["empty"] == []
    assert out["nested_list"] == [[1, 2.5], ("a", None)]


def test_file_is_plain_npz_with_dotted_names(tmp_path):
    path = tmp_path / "ckpt.npz"
    tinycnn.save(_state(), path)
    with np.load(path, allow_pickle=False) as npz:
        names = set(npz.files)
        np.testing.assert_array_equal(npz["model.features.0.weight"],
                                      np.arange(6).reshape(2, 3))
    assert {"model.features.0.weight", "optimizer.state.0.exp_avg", io.META_KEY} <= names


def test_nan_survives(tmp_path):
    tinycnn.save({"x": math.nan}, tmp_path / "a.npz")
    assert math.isnan(tinycnn.load(tmp_path / "a.npz")["x"])


def test_exact_path_no_suffix_added_and_no_temp_left(tmp_path):
    path = tmp_path / "model.ckpt"
    tinycnn.save({"a": np.zeros(2)}, path)
    assert [p.name for p in tmp_path.iterdir()] == ["model.ckpt"]


def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    tinycnn.save({"a": np.zeros(3)}, path)
    before = path.read_bytes()

    def broken_savez(f, **arrays):
        f.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        tinycnn.save({"a": np.ones(3)}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.npz"]


def test_plain_npz_loads_flat(tmp_path):
    np.savez(tmp_path / "plain.npz", w=np.ones(2), b=np.zeros(1))
    out = tinycnn.load(tmp_path / "plain.npz")
    assert set(out) == {"w", "b"}


def test_pickled_npz_is_refused(tmp_path):
    np.savez(tmp_path / "obj.npz", o=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="obj.npz': member o.npy holds Python objects"):
        tinycnn.load(tmp_path / "obj.npz")


@pytest.mark.parametrize("state, exc, match", [
    ({"x": object()}, TypeError, "cannot store 'x' of type object"),
    ({"a.b": np.zeros(1), "a": {"b": np.zeros(1)}}, ValueError, "same name 'a.b'"),
    ({(1, 2): 3}, TypeError, "keys must be str or int"),
    ({"o": np.array([None], dtype=object)}, TypeError, "object array"),
])
def test_bad_state_is_rejected(tmp_path, state, exc, match):
    with pytest.raises(exc, match=match):
        tinycnn.save(state, tmp_path / "x.npz")
    assert not any(tmp_path.iterdir())


def test_objects_with_state_dict_get_a_hint(tmp_path):
    class Net:
        def state_dict(self):
            return {}

    with pytest.raises(TypeError, match=r"save its state_dict\(\) instead"):
        tinycnn.save({"model": Net()}, tmp_path / "x.npz")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        tinycnn.load(tmp_path / "nope.npz")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        tinycnn.save({"a": 1}, tmp_path / "no" / "dir.npz")


def test_not_an_npz(tmp_path):
    (tmp_path / "junk.npz").write_text("hello")
    with pytest.raises(ValueError, match="junk.npz' is not an .npz file"):
        tinycnn.load(tmp_path / "junk.npz")


def test_newer_format_version_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(io, "VERSION", 99)
    tinycnn.save({"a": 1}, tmp_path / "new.npz")
    monkeypatch.setattr(io, "VERSION", 1)
    with pytest.raises(ValueError, match="version 99"):
        tinycnn.load(tmp_path / "new.npz")


def test_checkpoint_restores_rng_and_objects(tmp_path):
    class Box:
        def __init__(self, v):
            self.v = v

        def state_dict(self):
            return {"v": self.v}

        def load_state_dict(self, state):
            self.v = state["v"]

    tinycnn.manual_seed(3)
    io.save_checkpoint(tmp_path / "c.npz", Box(np.arange(3.0)), Box(0.5), epoch=2, note="hi")
    expected = tinycnn.backend.rng().random(4)
    tinycnn.manual_seed(99)
    model, opt = Box(None), Box(None)
    state = io.load_checkpoint(tmp_path / "c.npz", model, opt)
    np.testing.assert_array_equal(model.v, np.arange(3.0))
    assert opt.v == 0.5 and state["epoch"] == 2 and state["note"] == "hi"
    np.testing.assert_array_equal(tinycnn.backend.rng().random(4), expected)
    with pytest.raises(ValueError, match="no 'scheduler' entry"):
        io.load_checkpoint(tmp_path / "c.npz", scheduler=Box(None))
    tinycnn.save({"a": 1}, tmp_path / "other.npz")
    with pytest.raises(ValueError, match="not a checkpoint"):
        io.load_checkpoint(tmp_path / "other.npz", Box(None))


def test_save_and_load_through_a_file_object():
    import io as std_io

    buf = std_io.BytesIO()
    tinycnn.save({"w": tinycnn.ones(2), "epoch": 3}, buf)
    buf.seek(0)
    state = tinycnn.load(buf)
    assert state["epoch"] == 3 and state["w"].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="file object"):
        tinycnn.load(std_io.BytesIO(b"not a zip"))
