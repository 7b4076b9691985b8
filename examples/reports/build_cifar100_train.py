"""Rebuild the CIFAR-100 training file (official binary layout) from the per-class files.

The training images of ../shared/data/cifar-100 are not stored there (space budget). They come
from a public repository (GitHub ``Taragon123/Taragon123.github.io``, folder
``cifar-100-binary/split train bins/``): 100 files ``<class>-<fine label>-train.bin`` of 500
images x 3,072 pixel bytes each. This script writes ``train.bin`` (50,000 records of
coarse byte, fine byte, 3,072 pixel bytes; grouped by class) next to a decompressed copy of the
shared test set, and prints the md5 of what it wrote.

    python examples/reports/build_cifar100_train.py SPLIT_TRAIN_BINS_FOLDER OUT_ROOT
    python examples/reports/report_000_dediosnet_cifar100.py --data-root OUT_ROOT

The coarse label of each fine class is read from the shared test set, where every record has
both bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import lzma
import re
from pathlib import Path

import numpy as np

from tinycnn.data.root import find_data_root

RECORD, PIXELS, PER_CLASS = 3074, 3072, 500


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("bins", type=Path, help="folder with the 100 <class>-<label>-train.bin files")
    p.add_argument("out", type=Path, help="data root to write (cifar-100/ is created in it)")
    p.add_argument("--shared", type=Path, default=find_data_root(),
                   help="data root holding cifar-100/test_by_class.bin.xz (default: the "
                        "TINYCNN_DATA / ../shared/data rule)")
    a = p.parse_args()
    if a.shared is None:
        raise SystemExit("no data root with cifar-100/test_by_class.bin.xz: pass --shared")
    test = np.frombuffer(lzma.open(a.shared / "cifar-100" / "test_by_class.bin.xz").read(),
                         np.uint8).reshape(-1, RECORD)
    coarse_of = {int(f): int(c) for c, f in test[:, :2]}
    files = sorted(a.bins.glob("*-train.bin"), key=lambda f: int(f.stem.split("-")[-2]))
    if len(files) != 100:
        raise SystemExit(f"{a.bins}: expected 100 *-train.bin files, found {len(files)}")
    records = []
    for label, f in enumerate(files):
        m = re.fullmatch(r"(.+)-(\d+)-train", f.stem)
        if m is None or int(m.group(2)) != label:
            raise SystemExit(f"{f}: expected fine label {label} in the file name")
        pixels = np.frombuffer(f.read_bytes(), np.uint8)
        if pixels.size != PER_CLASS * PIXELS:
            raise SystemExit(f"{f}: expected {PER_CLASS * PIXELS} bytes, found {pixels.size}")
        rec = np.empty((PER_CLASS, RECORD), np.uint8)
        rec[:, 0], rec[:, 1], rec[:, 2:] = coarse_of[label], label, pixels.reshape(PER_CLASS, PIXELS)
        records.append(rec)
    out = a.out / "cifar-100"
    out.mkdir(parents=True, exist_ok=True)
    for name, data in (("train.bin", np.concatenate(records)), ("test_by_class.bin", test)):
        (out / name).write_bytes(data.tobytes())
        print(f"{hashlib.md5(data.tobytes()).hexdigest()}  cifar-100/{name}  ({len(data)} records)")
    for name in ("fine_label_names.txt", "coarse_label_names.txt"):
        (out / name).write_bytes((a.shared / "cifar-100" / name).read_bytes())


if __name__ == "__main__":
    main()
