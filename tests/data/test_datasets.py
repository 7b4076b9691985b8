"""Datasets on tiny files made here (IDX, CIFAR binary in every packing, image folders),
their error messages, download without network, the cache, and the split helpers."""

from __future__ import annotations

import gzip
import io
import lzma
import struct
import tarfile
import urllib.error
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import tinycnn
from tinycnn.data import (
    ArrayDataset,
    Subset,
    TensorDataset,
    per_class_subset,
    random_split,
    stratified_split,
    stratified_subset,
)
from tinycnn.data import transforms as T
from tinycnn.data.datasets import CIFAR10, CIFAR100, MNIST, FashionMNIST, ImageFolder, utils
from tinycnn.data.datasets.folder import UnreadableImageError


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch):
    monkeypatch.setenv("TINYCNN_DATA_CACHE", "off")


def _write(path: Path, raw: bytes, compress: str = "") -> Path:
    path = Path(str(path) + compress)
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = {"": open, ".gz": gzip.open, ".xz": lzma.open}[compress]
    with opener(path, "wb") as f:
        f.write(raw)
    return path


def _idx(arr: np.ndarray) -> bytes:
    return bytes([0, 0, 8, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def make_mnist(folder: Path, compress: str = ".gz", n_train: int = 12, n_test: int = 5,
               dot_names: bool = False) -> dict:
    rng = np.random.default_rng(0)
    arrays = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        sep = "." if dot_names else "-"
        _write(folder / f"{split}-images{sep}idx3-ubyte", _idx(images), compress)
        _write(folder / f"{split}-labels{sep}idx1-ubyte", _idx(labels), compress)
        arrays[split] = (images, labels)
    return arrays


# --- MNIST -------------------------------------------------------------------------------------

@pytest.mark.parametrize("compress", ["", ".gz", ".xz"])
def test_mnist_reads_idx_files(tmp_path, compress):
    arrays = make_mnist(tmp_path, compress)
    ds = MNIST(tmp_path, train=True)
    assert len(ds) == 12 and ds.data.shape == (12, 28, 28) and ds.data.dtype == np.uint8
    np.testing.assert_array_equal(ds.data, arrays["train"][0])
    assert ds.targets.dtype == np.int64
    np.testing.assert_array_equal(ds.targets, arrays["train"][1])
    img, label = ds[3]
    assert img.shape == (28, 28) and isinstance(label, int) and label == arrays["train"][1][3]
    test = MNIST(tmp_path, train=False, transform=T.ToTensor())
    assert len(test) == 5 and test[0][0].shape == (1, 28, 28)
    assert len(ds.classes) == 10 and ds.class_to_idx["3 - three"] == 3


def test_mnist_finds_the_usual_layouts(tmp_path):
    make_mnist(tmp_path / "a" / "mnist")
    make_mnist(tmp_path / "b" / "MNIST" / "raw", compress="")
    make_mnist(tmp_path / "c", dot_names=True)
    make_mnist(tmp_path / "d" / "fashion-mnist")
    for root in ("a", "b", "c"):
        assert len(MNIST(tmp_path / root)) == 12
    fashion = FashionMNIST(tmp_path / "d", train=False)
    assert len(fashion) == 5 and fashion.classes[0] == "T-shirt/top"


def test_mnist_missing_files_say_what_and_where(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"train-images-idx3-ubyte\[\.gz\|\.xz\].*MNIST/raw.*download=True"):
        MNIST(tmp_path)


def test_idx_errors_name_the_file(tmp_path):
    make_mnist(tmp_path, compress="")
    labels = tmp_path / "train-labels-idx1-ubyte"
    images = tmp_path / "train-images-idx3-ubyte"
    good = images.read_bytes()
    images.write_bytes(labels.read_bytes())  # a labels file where images belong: wrong magic
    with pytest.raises(ValueError, match="train-images-idx3-ubyte: not an IDX file.*magic number 2049"):
        MNIST(tmp_path)
    images.write_bytes(good[:-100])
    with pytest.raises(ValueError, match="truncated"):
        MNIST(tmp_path)
    images.write_bytes(good[:7])
    with pytest.raises(ValueError, match="truncated inside its header: 7 bytes"):
        MNIST(tmp_path)
    images.write_bytes(good)
    labels.write_bytes(_idx(np.zeros(3, np.uint8)))
    with pytest.raises(ValueError, match="12 images but 3 labels"):
        MNIST(tmp_path)
    labels.write_bytes(_idx(np.full(12, 10, np.uint8)))
    with pytest.raises(ValueError, match="out of range"):
        MNIST(tmp_path)


def test_corrupt_compressed_file_is_named(tmp_path):
    make_mnist(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz: cannot decompress"):
        MNIST(tmp_path)


# --- download (the network is never used: fetch is replaced) ----------------------------------

def test_download_without_network_says_which_files_to_place_where(tmp_path, monkeypatch):
    def offline(url, dest):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(utils, "fetch", offline)
    with pytest.raises(RuntimeError, match=r"could not download train-images-idx3-ubyte\.gz.*no network.*"
                                           r"place it at .*MNIST/raw/train-images-idx3-ubyte\.gz"):
        MNIST(tmp_path, download=True)
    with pytest.raises(RuntimeError, match=r"cifar-10-binary\.tar\.gz.*md5 c32a1d4a.*place it at"):
        CIFAR10(tmp_path, download=True)


def test_download_refuses_a_local_file_with_a_wrong_md5(tmp_path, monkeypatch):
    monkeypatch.setattr(utils, "fetch", lambda url, dest: pytest.fail("no fetch expected"))
    make_mnist(tmp_path / "MNIST" / "raw")  # our tiny files under the official names
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte\.gz: md5 is [0-9a-f]{32}, expected f68b3c2d"):
        MNIST(tmp_path, download=True)
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(b"not the archive")
    with pytest.raises(ValueError, match="cifar-10-binary.tar.gz: md5"):
        CIFAR10(tmp_path, download=True)


def test_download_fetches_checks_and_loads(tmp_path, monkeypatch):
    source = tmp_path / "server"
    make_mnist(source)
    fetched = []

    def fake_fetch(url, dest):
        fetched.append(url)
        dest.write_bytes((source / url.rsplit("/", 1)[-1]).read_bytes())

    class TinyMNIST(MNIST):  # the same code path, with the md5s of our tiny files
        resources = {name: utils.md5sum(source / name) for name in MNIST.resources}

    monkeypatch.setattr(utils, "fetch", fake_fetch)
    ds = TinyMNIST(tmp_path / "root", download=True)
    assert len(ds) == 12 and len(fetched) == 4 and fetched[0].startswith(MNIST.mirrors[0])
    assert (tmp_path / "root" / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz").is_file()
    assert not list((tmp_path / "root" / "MNIST" / "raw").glob("*.part"))
    assert len(TinyMNIST(tmp_path / "root", download=True)) == 12 and len(fetched) == 4  # no refetch

    archive = tmp_path / "server" / CIFAR10.archive
    make_cifar_archive(archive, "cifar-10-batches-bin", cifar10_files())

    class TinyCIFAR(CIFAR10):
        md5 = utils.md5sum(archive)

    ds = TinyCIFAR(tmp_path / "root", train=False, download=True)
    assert len(ds) == 4 and (tmp_path / "root" / "cifar-10-batches-bin" / "test_batch.bin").is_file()


def test_a_wrong_md5_from_the_server_is_not_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(utils, "fetch", lambda url, dest: dest.write_bytes(b"garbage"))
    with pytest.raises(RuntimeError, match="md5 is"):
        utils.download(["http://example.invalid/f.gz"], tmp_path, "f.gz", "0" * 32)
    assert list(tmp_path.iterdir()) == []


# --- CIFAR -------------------------------------------------------------------------------------

def _records(n: int, labels: list[np.ndarray], seed: int) -> tuple[bytes, np.ndarray]:
    """n CIFAR records with the given label columns; returns bytes and images (N, 32, 32, 3)."""
    planes = np.random.default_rng(seed).integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
    rows = np.concatenate([np.stack(labels, 1).astype(np.uint8), planes.reshape(n, -1)], axis=1)
    return rows.tobytes(), planes.transpose(0, 2, 3, 1)


def cifar10_files() -> dict[str, bytes]:
    files = {}
    for i in range(1, 6):
        files[f"data_batch_{i}.bin"] = _records(3, [np.arange(3) + i], seed=i)[0]
    files["test_batch.bin"] = _records(4, [np.array([9, 0, 1, 2])], seed=9)[0]
    files["batches.meta.txt"] = b"a0\na1\na2\na3\na4\na5\na6\na7\na8\na9\n\n"
    return files


def make_cifar_archive(archive: Path, prefix: str, files: dict[str, bytes]) -> None:
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "w:gz") as tar:
        for name, raw in files.items():
            info = tarfile.TarInfo(f"{prefix}/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))


@pytest.mark.parametrize("compress", ["", ".gz", ".xz"])
def test_cifar10_binary_batches(tmp_path, compress):
    files = cifar10_files()
    for name, raw in files.items():
        _write(tmp_path / "cifar-10-batches-bin" / name, raw, compress if name.endswith(".bin") else "")
    train = CIFAR10(tmp_path, train=True)
    assert train.data.shape == (15, 32, 32, 3) and train.data.dtype == np.uint8
    assert train.data.flags.c_contiguous
    np.testing.assert_array_equal(train.targets, np.concatenate([np.arange(3) + i for i in range(1, 6)]))
    expected = _records(3, [np.arange(3) + 1], seed=1)[1]
    np.testing.assert_array_equal(train.data[:3], expected)  # R, G, B planes -> channels last
    assert train.classes[4] == "a4"
    test = CIFAR10(tmp_path / "cifar-10-batches-bin", train=False)
    assert list(test.targets) == [9, 0, 1, 2]
    x, y = test[0]
    assert x.shape == (32, 32, 3) and y == 9


def test_cifar10_reads_the_official_archive_without_unpacking(tmp_path):
    make_cifar_archive(tmp_path / "cifar-10-binary.tar.gz", "cifar-10-batches-bin", cifar10_files())
    ds = CIFAR10(tmp_path, train=True)
    assert len(ds) == 15 and ds.classes[0] == "a0"
    assert [p.name for p in tmp_path.iterdir()] == ["cifar-10-binary.tar.gz"]


def _cifar100(n: int, seed: int) -> bytes:
    fine = np.arange(n) % 100
    return _records(n, [fine // 5, fine], seed)[0]


def test_cifar100_fine_coarse_and_test_by_class(tmp_path):
    folder = tmp_path / "cifar-100"
    _write(folder / "train.bin", _cifar100(7, 0), ".gz")
    _write(folder / "test_by_class.bin", _cifar100(6, 1), ".xz")
    _write(folder / "fine_label_names.txt", "\n".join(f"f{i}" for i in range(100)).encode())
    fine = CIFAR100(tmp_path, train=True)
    assert list(fine.targets) == list(range(7)) and fine.classes[3] == "f3"
    coarse = CIFAR100(tmp_path, train=False, label="coarse")
    assert list(coarse.targets) == [0, 0, 0, 0, 0, 1] and coarse.classes[:2] == ["0", "1"]
    with pytest.raises(ValueError, match="label must be"):
        CIFAR100(tmp_path, label="medium")


def test_cifar100_missing_train_set_explains_the_shared_copy(tmp_path):
    _write(tmp_path / "test_by_class.bin", _cifar100(3, 0))
    assert len(CIFAR100(tmp_path, train=False)) == 3
    with pytest.raises(FileNotFoundError, match="train.bin.*holds only the test set"):
        CIFAR100(tmp_path, train=True)


def test_cifar_errors(tmp_path):
    files = cifar10_files()
    for name, raw in files.items():
        _write(tmp_path / name, raw)
    (tmp_path / "test_batch.bin").write_bytes(files["test_batch.bin"][:-5])
    with pytest.raises(ValueError, match="test_batch.bin: .* not a whole number of 3073-byte records"):
        CIFAR10(tmp_path, train=False)
    bad = bytearray(files["test_batch.bin"])
    bad[3073] = 17
    (tmp_path / "test_batch.bin").write_bytes(bytes(bad))
    with pytest.raises(ValueError, match="record 1 has label 17, out of range 0..9"):
        CIFAR10(tmp_path, train=False)
    c100 = tmp_path / "c100"
    _write(c100 / "test.bin", _cifar100(3073, 0))  # 3073 records of 3074 bytes: divides by 3073
    (c100 / "test_batch.bin").symlink_to(c100 / "test.bin")
    with pytest.raises(ValueError, match="out of range"):
        CIFAR10(c100, train=False)


def test_the_pickled_python_version_is_refused_with_a_reason(tmp_path):
    py = tmp_path / "cifar-10-batches-py"
    py.mkdir()
    (py / "data_batch_1").write_bytes(b"\x80\x04not read")
    with pytest.raises(FileNotFoundError, match="pickled"):
        CIFAR10(tmp_path)


def test_no_pickle_anywhere_in_tinycnn_data():
    root = Path(tinycnn.__file__).parent / "data"
    for path in root.rglob("*.py"):
        text = path.read_text()
        assert "import pickle" not in text and "allow_pickle=True" not in text, path
        assert "np.load(" not in text or "allow_pickle=False" in text, path


# --- the decompression cache ---------------------------------------------------------------

def test_xz_cache_is_keyed_by_md5_and_used(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYCNN_DATA_CACHE", str(tmp_path / "cache"))
    path = _write(tmp_path / "blob", b"hello" * 1000, ".xz")
    assert utils.read_bytes(path) == b"hello" * 1000
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [utils.md5sum(path) + ".npy"]
    monkeypatch.setattr(utils, "_decompress_xz", lambda p: pytest.fail("cache not used"))
    assert utils.read_bytes(path) == b"hello" * 1000


# --- ImageFolder -------------------------------------------------------------------------------

def _png(path: Path, colour: tuple, fmt: str = "PNG", size=(6, 4)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, format=fmt)


@pytest.fixture
def folder(tmp_path) -> Path:
    root = tmp_path / "images"
    _png(root / "cat" / "b.png", (255, 0, 0))
    _png(root / "cat" / "a.jpg", (0, 255, 0), "JPEG")
    _png(root / "cat" / "notes.gif", (0, 0, 0), "GIF")  # not an accepted extension
    _png(root / "dog" / "deep" / "c.JPEG", (0, 0, 255), "JPEG")
    (root / "dog" / "readme.txt").write_text("not an image")
    Image.new("L", (6, 4), 128).save(root / "dog" / "d.png")
    return root


def test_image_folder_layout(folder):
    ds = ImageFolder(folder)
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    names = [Path(p).name for p, _ in ds.samples]
    assert names == ["a.jpg", "b.png", "d.png", "c.JPEG"] and ds.targets == [0, 0, 1, 1]
    img, label = ds[2]
    assert img.mode == "RGB" and img.size == (6, 4) and label == 1
    ds = ImageFolder(folder, transform=T.ToTensor())
    assert ds[1][0].shape == (3, 4, 6)
    assert len(ImageFolder(folder, extensions=(".png",))) == 2
    assert len(ImageFolder(folder, is_valid_file=lambda p: p.endswith(".gif") or p.endswith("d.png"))) == 2


def test_image_folder_errors(folder, tmp_path):
    with pytest.raises(FileNotFoundError, match="not a folder"):
        ImageFolder(tmp_path / "nowhere")
    (folder / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"no valid image files for classes \['empty'\]"):
        ImageFolder(folder)
    with pytest.raises(ValueError, match="on_error"):
        ImageFolder(folder, on_error="ignore")


def test_unreadable_images_raise_or_are_skipped(folder):
    (folder / "cat" / "broken.jpg").write_bytes(b"\xff\xd8 this is not a jpeg")
    raw = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(raw, "JPEG")
    (folder / "dog" / "truncated.jpg").write_bytes(raw.getvalue()[: len(raw.getvalue()) // 2])

    ds = ImageFolder(folder)
    assert len(ds) == 6 and ds.samples[2][0].endswith("broken.jpg")
    with pytest.raises(UnreadableImageError, match=r"cannot read image .*cat/broken\.jpg \(sample 2, class 'cat'\)"):
        ds[2]

    with pytest.warns(UserWarning, match=r"skipping 1 unreadable file\(s\): .*broken\.jpg"):
        ds = ImageFolder(folder, on_error="skip")
    assert len(ds) == 5  # the header check catches broken.jpg; truncated.jpg has a valid header
    bad = [i for i, (p, _) in enumerate(ds.samples) if p.endswith("truncated.jpg")][0]
    with pytest.warns(UserWarning, match="truncated.jpg.*using the next image"):
        img, label = ds[bad]
    assert img.size == (6, 4) and label == ds.targets[bad + 1]


# --- arrays in memory --------------------------------------------------------------------------

def test_array_dataset_items_and_batches():
    x = np.random.default_rng(0).integers(0, 256, (10, 5, 5, 3), dtype=np.uint8)
    y = np.arange(10, dtype=np.uint8) % 3
    ds = ArrayDataset(x, y, transform=T.Compose([T.RandomHorizontalFlip(1.0), T.ToTensor()]),
                      target_transform=lambda t: t * 10)
    assert ds.targets.dtype == np.int64
    img, label = ds[4]
    assert img.shape == (3, 5, 5) and label == 10
    bx, by = ds.get_batch(np.array([4, 0]))
    np.testing.assert_array_equal(bx._data[0], img._data)
    assert list(by) == [10, 0]
    assert ArrayDataset(x)[2].shape == (5, 5, 3)  # unlabelled
    with pytest.raises(ValueError, match="10 samples but targets has 9"):
        ArrayDataset(x, y[:9])
    with pytest.raises(TypeError, match="numeric array"):
        ArrayDataset([object()] * 3)


def test_tensor_dataset():
    x = np.random.default_rng(0).random((6, 2))
    ds = TensorDataset(x, np.arange(6))
    assert ds.tensors[0].dtype == np.float32 and len(ds) == 6
    a, b = ds[2]
    assert a.shape == (2,) and int(b.item()) == 2
    bx, by = ds.get_batch(np.array([5, 1]))
    assert bx.shape == (2, 2) and list(by._data) == [5, 1]
    with pytest.raises(ValueError, match="same first dimension"):
        TensorDataset(x, np.arange(5))


# --- subsets and splits ------------------------------------------------------------------------

def _labelled(counts=(60, 30, 10)) -> ArrayDataset:
    y = np.repeat(np.arange(len(counts)), counts)
    y = np.random.default_rng(0).permutation(y)
    return ArrayDataset(np.arange(len(y))[:, None], y)


def test_subset():
    ds = _labelled()
    sub = Subset(ds, [5, 2, 9])
    assert len(sub) == 3 and sub[1][0][0] == 2
    np.testing.assert_array_equal(sub.targets, ds.targets[[5, 2, 9]])
    bx, _ = sub.get_batch(np.array([2, 0]))
    assert list(bx[:, 0]) == [9, 5]
    nested = Subset(sub, [2])
    assert nested[0][0][0] == 9
    with pytest.raises(IndexError, match=r"\[0, 100\)"):
        Subset(ds, [100])
    with pytest.raises(TypeError, match="ints"):
        Subset(ds, [0.5])


def test_random_split():
    ds = _labelled()
    parts = random_split(ds, [0.5, 0.3, 0.2], seed=1)
    assert [len(p) for p in parts] == [50, 30, 20]
    all_idx = np.concatenate([p.indices for p in parts])
    assert sorted(all_idx) == list(range(100))
    assert [len(p) for p in random_split(range(11), [0.5, 0.5], seed=0)] == [6, 5]
    np.testing.assert_array_equal(random_split(ds, [40, 60], seed=3)[0].indices,
                                  random_split(ds, [40, 60], seed=3)[0].indices)
    tinycnn.manual_seed(5)
    a = random_split(ds, [40, 60])[0].indices
    tinycnn.manual_seed(5)
    np.testing.assert_array_equal(random_split(ds, [40, 60])[0].indices, a)
    with pytest.raises(ValueError, match="add up to 90"):
        random_split(ds, [40, 50])


def test_stratified_split_keeps_class_proportions():
    ds = _labelled()
    train, val = stratified_split(ds, [2 / 3, 1 / 3], seed=0)
    assert len(train) + len(val) == 100 and not set(train.indices) & set(val.indices)
    for part, frac in ((train, 2 / 3), (val, 1 / 3)):
        counts = np.bincount(part.targets, minlength=3)
        assert np.all(np.abs(counts - frac * np.array([60, 30, 10])) <= 1), counts
    idx = stratified_split(ds.targets, [10, 20], seed=0)  # labels in: index arrays out
    assert isinstance(idx[0], np.ndarray) and [len(i) for i in idx] == [10, 20]
    assert list(np.bincount(ds.targets[idx[0]], minlength=3)) == [6, 3, 1]
    sub = stratified_subset(ds, 50, seed=2)
    assert list(np.bincount(sub.targets, minlength=3)) == [30, 15, 5]
    with pytest.raises(ValueError, match="only 100"):
        stratified_split(ds, [80, 30])
    with pytest.raises(ValueError, match="sum to at most 1"):
        stratified_split(ds, [0.8, 0.3])


def test_per_class_subset():
    ds = _labelled()
    sub = per_class_subset(ds, 10, seed=0)
    assert list(np.bincount(sub.targets)) == [10, 10, 10]
    assert list(np.unique(per_class_subset(ds, 5, seed=0, classes=[0, 2]).targets)) == [0, 2]
    with pytest.raises(ValueError, match="class 2 has 10 samples, fewer than n_per_class=11"):
        per_class_subset(ds, 11)
