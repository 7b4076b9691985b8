"""The real datasets in ../shared/data load with the expected sizes, labels and images.

Marked ``data``: skipped where the folder is absent. Decompressing the xz-compressed
CIFAR batches takes about a second each the first time; later runs read the cache in
``~/.cache/tinycnn/data`` (see tinycnn/data/datasets/utils.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from tinycnn.data import DataLoader, stratified_subset
from tinycnn.data import transforms as T
from tinycnn.data.datasets import CIFAR10, CIFAR100, MNIST, FashionMNIST, ImageFolder

pytestmark = pytest.mark.data


def test_mnist_and_fashion_mnist(shared_data):
    train, test = MNIST(shared_data / "mnist"), MNIST(shared_data, train=False)
    assert (len(train), len(test)) == (60_000, 10_000)
    assert train.data.shape == (60_000, 28, 28) and train.data.dtype == np.uint8
    assert list(train.targets[:8]) == [5, 0, 4, 1, 9, 2, 1, 3]  # the well-known first digits
    assert np.bincount(test.targets).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    fashion = FashionMNIST(shared_data, train=False)
    assert len(fashion) == 10_000 and (np.bincount(fashion.targets) == 1000).all()


def test_cifar10(shared_data):
    train, test = CIFAR10(shared_data), CIFAR10(shared_data / "cifar-10", train=False)
    assert (len(train), len(test)) == (50_000, 10_000)
    assert train.data.shape == (50_000, 32, 32, 3) and train.classes[0] == "airplane"
    assert np.bincount(train.targets[:10_000]).tolist() == [1005, 974, 1032, 1016, 999, 937, 1030,
                                                          1001, 1025, 981]  # data_batch_1 (README)
    assert (np.bincount(test.targets) == 1000).all()
    assert list(test.targets[:4]) == [3, 8, 8, 0]  # cat, ship, ship, airplane


def test_cifar100_test_set(shared_data):
    fine = CIFAR100(shared_data, train=False)
    coarse = CIFAR100(shared_data / "cifar-100", train=False, label="coarse")
    assert len(fine) == 10_000 and (np.bincount(fine.targets) == 100).all()
    assert (np.bincount(coarse.targets) == 500).all()
    assert fine.classes[0] == "apple" and len(fine.classes) == 100 and len(coarse.classes) == 20
    with pytest.raises(FileNotFoundError, match="only the test set"):
        CIFAR100(shared_data, train=True)


def test_hymenoptera_folders(shared_data):
    root = shared_data / "hymenoptera_data"
    train, val = ImageFolder(root / "train"), ImageFolder(root / "val")
    assert (len(train), len(val)) == (244, 153)
    assert train.classes == ["ants", "bees"] and not any(p.endswith(".gif") for p, _ in train.samples)
    pipeline = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                          T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    x, y = next(iter(DataLoader(ImageFolder(root / "val", transform=pipeline), batch_size=4)))
    assert x.shape == (4, 3, 224, 224) and x.dtype == np.float32 and list(y._data) == [0, 0, 0, 0]


def test_cifar10_subsets_and_augmented_epoch(shared_data):
    test = CIFAR10(shared_data, train=False, transform=T.Compose([
        T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor()]))
    sub = stratified_subset(test, 1000, seed=0)
    assert (np.bincount(sub.targets) == 100).all()
    seen = sum(len(y) for _, y in DataLoader(sub, batch_size=128, shuffle=True))
    assert seen == 1000
