"""Transfer learning end to end: pretrain, export, re-import, freeze, new head, fine-tune.

The pretrained network is one tinycnn trained itself, so the whole path runs offline:

1. pretrain report 004's reduced AlexNet on CIFAR-10;
2. export its weights to .npz + JSON sidecar (the format the torchvision exporter
   writes: ``python -m tinycnn.tools.export_torchvision resnet18 r18.npz``);
3. re-import them into a fresh model and check it computes the same logits;
4. a new task, 5 CIFAR-100 classes (the shared test set, 80 training and 20 test images
   per class), solved four ways:
   a. the same network trained from scratch on the small set,
   b. frozen features + a new head (only the head trains),
   c. deep features + KNN / linear SVM (scikit-learn),
   d. full fine-tuning, the backbone with a 10x smaller learning rate (param_groups);
5. the cost of a training step with only the head trainable vs the whole network.

Run:  python examples/transfer_learning.py [--data-root DIR] [--quick]
(data: --data-root, else $TINYCNN_DATA, else ../shared/data next to the checkout)
(``--quick``: a smoke run of seconds on tiny subsets; its accuracies mean nothing.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

import tinycnn
from tinycnn import models as M
from tinycnn import nn, optim
from tinycnn.data import ArrayDataset, DataLoader, datasets
from tinycnn.data.root import DataRootError, resolve_data_root
from tinycnn.train import evaluate, extract_features, fit

TARGET_CLASSES = ["apple", "bicycle", "mushroom", "rocket", "whale"]


def pretrain(root: Path, size: int, epochs: int, quick: bool) -> nn.Module:
    """Step 1: reduced AlexNet on ``size`` CIFAR-10 images (quick: from the test batch,
    which is one file to read)."""
    model = M.alexnet_reduced(num_classes=10)
    cifar = datasets.CIFAR10(root, train=not quick, transform=model.preprocess)
    idx = np.random.default_rng(0).permutation(len(cifar))[:size]
    train = ArrayDataset(cifar.data[idx], cifar.targets[idx], transform=model.preprocess)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    history = fit(model, DataLoader(train, batch_size=64, shuffle=True), opt, epochs,
                  progress=False)
    print(f"1. pretrained alexnet_reduced on {size} CIFAR-10 images, {epochs} epoch(s): "
          f"train accuracy {history.records[-1]['train_acc']:.3f}")
    return model


def export_and_reimport(model: nn.Module, out: Path) -> nn.Module:
    """Steps 2 and 3: .npz + sidecar, then a fresh model built from the file."""
    path = M.save_weights(model, out / "alexnet_reduced_cifar10.npz", source="examples/transfer_learning.py")
    fresh = M.alexnet_reduced(num_classes=10, weights=path)
    x = tinycnn.randn(4, 3, 32, 32)
    with tinycnn.no_grad():
        same = np.array_equal(model.eval()(x).data, fresh.eval()(x).data)
    print(f"2. exported to {path} (+ {path.with_suffix('.json').name})")
    print(f"3. re-imported: identical logits: {same}; preprocessing {fresh.preprocessing}")
    assert same
    return fresh


def target_task(root: Path, preprocess: object, n_train: int) -> tuple[ArrayDataset, ArrayDataset]:
    """5 CIFAR-100 classes relabelled 0..4; ``n_train`` training images per class, the
    last 20 of each class for testing. The source model's preprocessing is reused: the
    features were learned on inputs normalised that way."""
    c100 = datasets.CIFAR100(root, train=False)
    ids = [c100.classes.index(c) for c in TARGET_CLASSES]
    rng = np.random.default_rng(0)
    parts = {"train": [], "test": []}
    for new_label, c in enumerate(ids):
        where = rng.permutation(np.flatnonzero(c100.targets == c))
        parts["train"].append((where[:n_train], new_label))
        parts["test"].append((where[-20:], new_label))

    def build(split: str) -> ArrayDataset:
        idx = np.concatenate([i for i, _ in parts[split]])
        labels = np.concatenate([np.full(len(i), k) for i, k in parts[split]])
        return ArrayDataset(c100.data[idx], labels, transform=preprocess)

    return build("train"), build("test")


def train_and_test(model: nn.Module, params: object, train: ArrayDataset, test: ArrayDataset,
                   epochs: int, lr: float) -> float:
    opt = optim.Adam(params, lr=lr)
    fit(model, DataLoader(train, batch_size=32, shuffle=True), opt, epochs, progress=False)
    return evaluate(model, DataLoader(test, batch_size=100)).accuracy


def transfer(pretrained_path: Path, train: ArrayDataset, test: ArrayDataset, epochs: int) -> None:
    """Step 4."""
    k = len(TARGET_CLASSES)
    print(f"4. new task: CIFAR-100 {TARGET_CLASSES}, {len(train)} training / {len(test)} test images")

    scratch = M.alexnet_reduced(num_classes=k)
    acc = train_and_test(scratch, scratch.parameters(), train, test, epochs, 1e-3)
    print(f"   a. from scratch:                      test accuracy {acc:.3f}")

    model = M.alexnet_reduced(num_classes=10, weights=pretrained_path)
    M.freeze(model)
    M.replace_head(model, k)  # the new classifier.6 is the only trainable layer
    n = sum(p.numel() for p in M.trainable_parameters(model))
    acc = train_and_test(model, M.trainable_parameters(model), train, test, epochs, 1e-3)
    print(f"   b. frozen features + new head ({n:,} trainable parameters): test accuracy {acc:.3f}")

    from sklearn.neighbors import KNeighborsClassifier  # noqa: PLC0415
    from sklearn.svm import LinearSVC  # noqa: PLC0415

    backbone = M.alexnet_reduced(num_classes=10, weights=pretrained_path)
    f_train, y_train = extract_features(backbone, DataLoader(train, batch_size=100), "classifier.4")
    f_test, y_test = extract_features(backbone, DataLoader(test, batch_size=100), "classifier.4")
    knn = KNeighborsClassifier(5).fit(f_train, y_train).score(f_test, y_test)
    svm = LinearSVC(C=0.01, max_iter=5000).fit(f_train, y_train).score(f_test, y_test)
    print(f"   c. 2048 deep features (classifier.4): KNN test accuracy {knn:.3f}, "
          f"linear SVM {svm:.3f}")

    model = M.alexnet_reduced(num_classes=10, weights=pretrained_path)
    M.replace_head(model, k)
    groups = M.param_groups(model, {"features": 1e-4, "classifier": 1e-3})
    acc = train_and_test(model, groups, train, test, epochs, 1e-3)
    print(f"   d. full fine-tuning, features lr 1e-4, classifier lr 1e-3: test accuracy {acc:.3f}")


def step_times(head_only: bool, batch: int, steps: int) -> float:
    """Median seconds of one training step (forward, backward, optimizer step)."""
    model = M.alexnet_reduced(num_classes=10).train()
    if head_only:
        M.freeze(model)
        M.replace_head(model, 10)
    opt = optim.SGD(M.trainable_parameters(model), lr=0.01, momentum=0.9)
    x = tinycnn.randn(batch, 3, 32, 32)
    y = tinycnn.randint(0, 10, (batch,))
    times = []
    for _ in range(steps + 1):  # the first step also compiles/allocates: not counted
        start = time.perf_counter()
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def timing(batch: int, steps: int) -> None:
    """Step 5: a frozen prefix records no graph, so backward stops at the head."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    full = step_times(False, batch, steps)
    head = step_times(True, batch, steps)
    print(f"5. one training step, batch {batch}: whole network {1000 * full:.0f} ms, head only "
          f"{1000 * head:.0f} ms: {full / head:.1f}x faster (CPU load average {load:.1f} "
          f"on {os.cpu_count()} cores)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-root", default=None, help="folder with cifar-10/ and cifar-100/ "
                   "(default: $TINYCNN_DATA, else ../shared/data next to the checkout)")
    p.add_argument("--out", default="runs/transfer", help="where the exported weights go")
    p.add_argument("--quick", action="store_true", help="smoke run: tiny subsets, seconds")
    p.add_argument("--source-size", type=int, default=10_000, help="CIFAR-10 images (10000)")
    p.add_argument("--source-epochs", type=int, default=4)
    p.add_argument("--target-epochs", type=int, default=15)
    args = p.parse_args()
    tinycnn.manual_seed(0)
    try:
        root = resolve_data_root(args.data_root, download_option=None)
    except DataRootError as e:
        raise SystemExit(str(e)) from None
    out = Path(args.out)
    if args.quick:
        args.source_size, args.source_epochs, args.target_epochs = 128, 1, 1
    model = pretrain(root, args.source_size, args.source_epochs, args.quick)
    fresh = export_and_reimport(model, out)
    train, test = target_task(root, fresh.preprocess, 8 if args.quick else 80)
    transfer(out / "alexnet_reduced_cifar10.npz", train, test, args.target_epochs)
    timing(batch=16 if args.quick else 64, steps=1 if args.quick else 5)


if __name__ == "__main__":
    main()
