"""Data pipeline timings on the real datasets in ../shared/data.

    .venv/bin/python benchmarks/data_bench.py [--data ../shared/data] [--repeat 3]

Prints, for each case, the best and median wall time of ``--repeat`` runs:

* loading CIFAR-10 train (from the cache in ~/.cache/tinycnn/data after the first run);
* one epoch over CIFAR-10 train with RandomCrop(32, padding=4) + RandomHorizontalFlip +
  ToTensor + Normalize, batch 128, shuffled (target: under 5 s), with the batched
  transforms and, for comparison, image by image (on 5,000 images, scaled up to 50,000);
* one epoch over MNIST train with ToTensor, batch 128, shuffled (target: under 1 s);
* one epoch over ants/bees train (244 JPEGs) with the transfer-learning augmentation,
  batch 32, with 0 and 2 worker threads.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import tinycnn
from tinycnn.data import DataLoader, Dataset, Subset
from tinycnn.data import transforms as T
from tinycnn.data.datasets import CIFAR10, MNIST, ImageFolder

CIFAR_MEAN, CIFAR_STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)


class OneByOne(Dataset):
    """Hides the fast path of an in-memory dataset: the loader reads it image by image."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int):
        return self.dataset[i]


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def epoch(loader: DataLoader) -> int:
    return sum(len(batch[1]) for batch in loader)


def report(name: str, best_median: tuple[float, float], scale: float = 1.0) -> None:
    best, median = (t * scale for t in best_median)
    print(f"{name:<58} best {best:7.3f} s   median {median:7.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tinycnn.manual_seed(0)
    r = args.repeat

    augment = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(),
                         T.Normalize(CIFAR_MEAN, CIFAR_STD)])
    report("CIFAR-10 train: load (50,000 images)", timed(lambda: CIFAR10(args.data), r))
    cifar = CIFAR10(args.data, transform=augment)
    loader = DataLoader(cifar, batch_size=128, shuffle=True)
    assert epoch(loader) == 50_000
    report("CIFAR-10 epoch, crop+flip+normalize, batch 128 (batched)", timed(lambda: epoch(loader), r))
    report("  same with num_workers=2", timed(
        lambda: epoch(DataLoader(cifar, batch_size=128, shuffle=True, num_workers=2)), r))
    part = OneByOne(Subset(cifar, np.arange(5_000)))
    report("  same image by image (5,000 images, x10)", timed(
        lambda: epoch(DataLoader(part, batch_size=128, shuffle=True)), 1), scale=10)

    mnist = MNIST(args.data, transform=T.ToTensor())
    loader = DataLoader(mnist, batch_size=128, shuffle=True)
    assert epoch(loader) == 60_000
    report("MNIST epoch, ToTensor, batch 128", timed(lambda: epoch(loader), r))

    folder = args.data / "hymenoptera_data" / "train"
    ants = ImageFolder(folder, transform=T.Compose([
        T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(),
        T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])]))
    for workers in (0, 2):
        report(f"ants/bees train epoch (244 JPEGs), batch 32, workers={workers}", timed(
            lambda w=workers: epoch(DataLoader(ants, batch_size=32, shuffle=True, num_workers=w)), r))


if __name__ == "__main__":
    main()
