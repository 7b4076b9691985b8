"""DataLoader: batching, conversion to Tensors, order and seeding, workers, device."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

import tinycnn
from tinycnn import Tensor
from tinycnn.data import ArrayDataset, DataLoader, Dataset, Subset, TensorDataset, default_collate
from tinycnn.data import transforms as T
from tinycnn.data.datasets import ImageFolder


def _images(n=10, h=6, w=5, c=3, seed=0):
    rng = np.random.default_rng(seed)
    shape = (n, h, w) if c is None else (n, h, w, c)
    return rng.integers(0, 256, shape, dtype=np.uint8), rng.integers(0, 4, n)


class PerSample(Dataset):
    """A dataset without a fast path: the loader must call it sample by sample."""

    def __init__(self, x, y, transform=None):
        self.x, self.y, self.transform = x, y, transform

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        img = self.x[i] if self.transform is None else self.transform(self.x[i])
        return img, int(self.y[i])


class Plain:
    """Duck-typed like a torch dataset, with no tinycnn base class at all."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full((2, 2), i, np.float64), i


def _collect(loader):
    return [(x._data.copy(), y._data.copy()) for x, y in loader]


def _assert_same(a, b):
    assert len(a) == len(b)
    for (xa, ya), (xb, yb) in zip(a, b):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)


def test_batches_shapes_dtypes_and_len():
    x, y = _images()
    loader = DataLoader(ArrayDataset(x, y), batch_size=4)
    assert len(loader) == 3 and loader.batch_size == 4 and loader.dataset.data is x
    batches = list(loader)
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    xb, yb = batches[0]
    assert isinstance(xb, Tensor) and xb.shape == (4, 3, 6, 5) and xb.dtype == np.float32
    assert yb.dtype == np.int64
    np.testing.assert_array_equal(xb._data, x[:4].transpose(0, 3, 1, 2) / np.float32(255))
    assert len(DataLoader(ArrayDataset(x, y), batch_size=4, drop_last=True)) == 2
    assert [len(b[1]) for b in DataLoader(ArrayDataset(x, y), batch_size=4, drop_last=True)] == [4, 4]
    grey, _ = _images(c=None)
    assert next(iter(DataLoader(ArrayDataset(grey, y), batch_size=3)))[0].shape == (3, 1, 6, 5)


def test_fast_path_equals_sample_by_sample():
    x, y = _images()
    pipeline = T.Compose([T.CenterCrop(4), T.ToTensor(), T.Normalize((0.5,) * 3, (0.2,) * 3)])
    fast = _collect(DataLoader(ArrayDataset(x, y, transform=pipeline), batch_size=3))
    slow = _collect(DataLoader(PerSample(x, y, transform=pipeline), batch_size=3))
    _assert_same(fast, slow)


def test_array_datasets_and_their_subsets_never_go_sample_by_sample(monkeypatch):
    x, y = _images()
    monkeypatch.setattr(ArrayDataset, "__getitem__", lambda self, i: pytest.fail("per-sample call"))
    ds = Subset(Subset(ArrayDataset(x, y, transform=T.RandomHorizontalFlip()), [1, 3, 5, 7, 9]), [4, 0])
    xb, yb = next(iter(DataLoader(ds, batch_size=2)))
    assert list(yb._data) == [y[9], y[1]]


def test_plain_datasets_and_default_conversion():
    xb, yb = next(iter(DataLoader(Plain(5), batch_size=5)))
    assert xb.dtype == np.float32 and xb.shape == (5, 2, 2) and yb.dtype == np.int64
    assert list(yb._data) == [0, 1, 2, 3, 4]
    t = TensorDataset(np.ones((4, 3)), np.arange(4))
    a, b = next(iter(DataLoader(t, batch_size=4)))
    assert a.shape == (4, 3) and list(b._data) == [0, 1, 2, 3]


def test_shuffle_order_is_seeded_and_changes_per_epoch():
    x, y = _images(n=50)
    ds = ArrayDataset(x, np.arange(50))

    def orders(loader, epochs=2):
        return [np.concatenate([b[1]._data for b in loader]) for _ in range(epochs)]

    a = orders(DataLoader(ds, batch_size=8, shuffle=True, seed=3))
    b = orders(DataLoader(ds, batch_size=8, shuffle=True, seed=3))
    np.testing.assert_array_equal(a, b)
    assert sorted(a[0]) == list(range(50)) and not np.array_equal(a[0], a[1])
    assert not np.array_equal(a[0], orders(DataLoader(ds, batch_size=8, shuffle=True, seed=4), 1)[0])
    tinycnn.manual_seed(11)
    c = orders(DataLoader(ds, batch_size=8, shuffle=True))
    tinycnn.manual_seed(11)
    np.testing.assert_array_equal(c, orders(DataLoader(ds, batch_size=8, shuffle=True)))
    plain = DataLoader(ds, batch_size=8)
    np.testing.assert_array_equal(orders(plain)[1], np.arange(50))  # re-iterable, in order


@pytest.mark.parametrize("fast", [True, False])
def test_workers_give_the_same_batches_and_augmentations(fast):
    x, y = _images(n=40, h=8, w=8)
    aug = T.Compose([T.RandomCrop(8, padding=2), T.RandomHorizontalFlip(), T.ToTensor()])
    ds = ArrayDataset(x, y, transform=aug) if fast else PerSample(x, y, transform=aug)
    serial = _collect(DataLoader(ds, batch_size=6, shuffle=True, seed=0))
    threaded = _collect(DataLoader(ds, batch_size=6, shuffle=True, seed=0, num_workers=3))
    _assert_same(serial, threaded)
    other = _collect(DataLoader(ds, batch_size=6, shuffle=True, seed=1))
    assert not np.array_equal(serial[0][0], other[0][0])


def test_leaving_a_threaded_loop_early_stops_the_workers():
    x, y = _images(n=100)
    before = threading.active_count()
    loader = DataLoader(ArrayDataset(x, y), batch_size=2, num_workers=2)
    for i, _ in enumerate(loader):
        if i == 3:
            break
    it = iter(loader)
    next(it)
    it.close()
    assert threading.active_count() == before


def test_worker_errors_reach_the_caller():
    class Broken(Plain):
        def __getitem__(self, i):
            raise KeyError(f"sample {i} is missing")

    with pytest.raises(KeyError, match="sample 0 is missing"):
        list(DataLoader(Broken(4), batch_size=2, num_workers=2))


def test_batch_transform_runs_on_whole_batches():
    x, y = _images(n=12, h=8, w=8)
    calls = []

    class Spy(T.Transform):
        def forward(self, batch, batched):
            calls.append((batched, batch.shape))
            return batch

    bt = T.Compose([Spy(), T.RandomCrop(6), T.ToTensor(), T.Normalize((0.5,) * 3, (0.5,) * 3)])
    batches = list(DataLoader(ArrayDataset(x, y), batch_size=5, batch_transform=bt))
    assert calls == [(True, (5, 8, 8, 3)), (True, (5, 8, 8, 3)), (True, (2, 8, 8, 3))]
    assert batches[0][0].shape == (5, 3, 6, 6) and batches[0][0]._data.min() >= -1
    flipped = next(iter(DataLoader(ArrayDataset(x, y), batch_size=4,
                                   batch_transform=T.RandomHorizontalFlip(1.0))))[0]
    np.testing.assert_array_equal(flipped._data, x[:4, :, ::-1].transpose(0, 3, 1, 2) / np.float32(255))


def test_collate_fn_and_default_collate():
    seen = []

    def collate(samples):
        seen.append(len(samples))
        return default_collate(samples)

    list(DataLoader(Plain(5), batch_size=2, collate_fn=collate))
    assert seen == [2, 2, 1]
    crops = [(T.TenCrop(2)(np.zeros((2, 2, 3), np.uint8)), 1)] * 3  # TenCrop without ToTensor
    x, y = default_collate(crops)
    assert x.shape == (3, 10, 2, 2, 3) and list(y) == [1, 1, 1]
    # any other tuple of images is a sample's fields: (input, target), (image, mask)
    pairs = [(tinycnn.ones(2), tinycnn.tensor(i)) for i in range(3)]
    x, y = default_collate(pairs)
    assert x.shape == (3, 2) and y.tolist() == [0, 1, 2]
    image, mask = default_collate([(np.zeros((1, 4, 4)), np.ones((1, 4, 4)))] * 2)
    assert image.shape == mask.shape == (2, 1, 4, 4) and mask.sum().item() == 32
    with pytest.raises(ValueError, match="different shapes"):
        default_collate([np.zeros((2, 2)), np.zeros((3, 2))])


def test_image_folder_through_the_loader(tmp_path):
    for cls, size in (("a", (8, 6)), ("b", (10, 7))):
        for k in range(3):
            (tmp_path / cls).mkdir(exist_ok=True)
            Image.new("RGB", size, (k * 40, 0, 0)).save(tmp_path / cls / f"{k}.png")
    pipeline = T.Compose([T.Resize((6, 6)), T.ToTensor()])
    x, y = next(iter(DataLoader(ImageFolder(tmp_path, transform=pipeline), batch_size=6, num_workers=2)))
    assert x.shape == (6, 3, 6, 6) and list(y._data) == [0, 0, 0, 1, 1, 1]
    ten = T.Compose([T.Resize(6), T.TenCrop(4), T.ToTensor()])
    x, _ = next(iter(DataLoader(ImageFolder(tmp_path, transform=ten), batch_size=2)))
    assert x.shape == (2, 10, 3, 4, 4)
    with pytest.raises(ValueError, match="different shapes.*Resize"):
        next(iter(DataLoader(ImageFolder(tmp_path), batch_size=6)))


def test_bad_arguments():
    with pytest.raises(ValueError, match="batch_size must be an int >= 1, got 0"):
        DataLoader(Plain(3), batch_size=0)
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(Plain(3), num_workers=-1)
    with pytest.raises(TypeError, match="seed"):
        DataLoader(Plain(3), seed="abc")


def test_pin_to_device_cpu_and_missing_cuda():
    x, _ = next(iter(DataLoader(Plain(3), batch_size=3, pin_to_device="cpu")))
    assert x.device == "cpu"
    if not tinycnn.cuda.is_available():
        with pytest.raises(tinycnn.DeviceError, match="CUDA is not available"):
            DataLoader(Plain(3), pin_to_device="cuda")


@pytest.mark.cuda
def test_pin_to_device_cuda():
    x, y = _images(n=8)
    aug = T.Compose([T.RandomCrop(6, padding=1), T.ToTensor(), T.Normalize((0.5,) * 3, (0.5,) * 3)])
    loader = DataLoader(ArrayDataset(x, y, transform=aug), batch_size=4, seed=0, pin_to_device="cuda",
                        num_workers=2)
    on_gpu = [(xb.device, yb.device, xb.cpu()._data) for xb, yb in loader]
    assert all((xd, yd) == ("cuda", "cuda") for xd, yd, _ in on_gpu)
    on_cpu = _collect(DataLoader(ArrayDataset(x, y, transform=aug), batch_size=4, seed=0))
    np.testing.assert_array_equal(on_gpu[0][2], on_cpu[0][0])
    xb = next(iter(loader))[0]
    out = T.Normalize((0.1,) * 3, (2.0,) * 3).batch(xb)  # Normalize runs on the GPU too
    assert out.device == "cuda"
