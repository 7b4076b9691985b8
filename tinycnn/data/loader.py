"""`DataLoader`: iterate over a dataset in (shuffled) batches of Tensors."""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from .. import backend
from ..tensor import Tensor
from . import _rng
from .collate import as_tensor, default_collate
from .transforms.base import apply_batch


def _positive_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


class DataLoader:
    """Batches of ``dataset``: each a tuple of Tensors ``(x, y)`` (x float32 NCHW, y int64).

    * In-memory datasets (`ArrayDataset`, MNIST, CIFAR and their `Subset` s) are batched by
      fancy indexing and their transform runs on whole batches (``get_batch``); other
      datasets are read sample by sample and stacked by ``collate_fn`` (`default_collate`).
    * ``batch_transform`` (e.g. a `Compose` of transforms) runs on the input of each batch,
      after the dataset's own transform: an array ``(N, H, W[, C])`` or a Tensor
      ``(N, C, H, W)``. A uint8 image batch left after it is converted by `ToTensor`.
    * Order: ``shuffle=True`` draws a new permutation each epoch, from a generator seeded
      with ``seed`` or, when ``seed`` is None, from ``tinycnn.backend.rng("cpu")`` (so
      ``tinycnn.manual_seed`` fixes it). Random transforms draw from a generator made for
      each batch from the same source, so results do not depend on ``num_workers``.
    * ``num_workers > 0`` builds up to ``num_workers * prefetch_factor`` batches ahead in
      background threads (decoding JPEGs and NumPy release the GIL).
    * ``pin_to_device="cuda"`` moves every batch to the GPU as it is built.
    """

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, collate_fn: Callable | None = None, num_workers: int = 0,
                 seed: int | None = None, pin_to_device: str | None = None,
                 batch_transform: Callable | None = None, prefetch_factor: int = 2) -> None:
        self.dataset = dataset
        self.batch_size = _positive_int(batch_size, "batch_size", 1)
        self.num_workers = _positive_int(num_workers, "num_workers", 0)
        self.prefetch_factor = _positive_int(prefetch_factor, "prefetch_factor", 1)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.batch_transform = batch_transform
        self.device = None if pin_to_device is None else backend.normalize_device(pin_to_device)
        self.seed = seed
        self._gen = None if seed is None else _rng.resolve(seed)
        self._epochs = 0  # passes started (iterations of the loader)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def state_dict(self) -> dict[str, Any]:
        """What the next pass's order and augmentation depend on: the passes started and,
        with a ``seed``, the loader's own generator (without one, the order comes from
        ``tinycnn.backend.rng("cpu")``, whose state checkpoints save anyway)."""
        return {"epochs": self._epochs,
                "generator": None if self._gen is None else self._gen.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore `state_dict`: the next pass shuffles as the saved loader's next one would."""
        self._epochs = int(state.get("epochs", 0))
        if state.get("generator") is not None and self._gen is not None:
            self._gen.bit_generator.state = state["generator"]

    def __iter__(self) -> Iterator[Any]:
        gen = self._gen if self._gen is not None else backend.rng("cpu")
        self._epochs += 1
        n = len(self.dataset)
        order = gen.permutation(n) if self.shuffle else np.arange(n)
        base_seed = int(gen.integers(2**63))  # the per-batch augmentation generators derive from it
        batches = [order[i:i + self.batch_size] for i in range(0, len(self) * self.batch_size,
                                                                 self.batch_size)]
        return self._iterate(batches, base_seed)

    def _iterate(self, batches: list[np.ndarray], base_seed: int) -> Iterator[Any]:
        if self.num_workers == 0:
            for b, indices in enumerate(batches):
                yield self._build(indices, base_seed, b)
            return
        jobs = iter(enumerate(batches))
        pending: collections.deque = collections.deque()
        with ThreadPoolExecutor(self.num_workers, thread_name_prefix="tinycnn-data") as pool:

            def submit_next() -> None:
                job = next(jobs, None)
                if job is not None:
                    pending.append(pool.submit(self._build, job[1], base_seed, job[0]))

            try:
                for _ in range(self.num_workers * self.prefetch_factor):
                    submit_next()
                while pending:
                    batch = pending.popleft().result()
                    submit_next()
                    yield batch
            finally:  # the loop was left early: drop the batches not started yet
                for future in pending:
                    future.cancel()

    def _build(self, indices: np.ndarray, base_seed: int, number: int) -> Any:
        """Batch ``number``: read, collate, transform, convert to Tensors, move to the device."""
        with _rng.use_generator(np.random.default_rng([base_seed, number])):
            try:
                if self.collate_fn is not None:
                    batch = self.collate_fn([self._sample(int(i), number) for i in indices])
                elif hasattr(self.dataset, "get_batch"):
                    batch = self.dataset.get_batch(indices)
                else:
                    batch = default_collate([self._sample(int(i), number) for i in indices])
                fields = batch if isinstance(batch, tuple) else (batch,)
                if self.batch_transform is not None:
                    fields = (apply_batch(self.batch_transform, fields[0]),) + fields[1:]
            except Exception as e:
                _locate(e, f"DataLoader: building batch {number} (dataset indices "
                           f"{_indices(indices)})")
                raise
        fields = tuple(as_tensor(f, is_input=(k == 0)) for k, f in enumerate(fields))
        if self.device is not None:
            fields = tuple(Tensor(backend.to_device(f._data, self.device)) if isinstance(f, Tensor)
                           else f for f in fields)
        return fields if isinstance(batch, tuple) else fields[0]

    def _sample(self, index: int, number: int) -> Any:
        try:
            return self.dataset[index]
        except Exception as e:
            _locate(e, f"DataLoader: reading sample {index} for batch {number}")
            raise

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, batch_size="
                f"{self.batch_size}, shuffle={self.shuffle}, num_workers={self.num_workers})")


def _indices(indices: np.ndarray, shown: int = 8) -> str:
    head = ", ".join(str(int(i)) for i in indices[:shown])
    return f"[{head}{', ...' if len(indices) > shown else ''}]"


def _locate(error: Exception, where: str) -> None:
    """Say in ``error`` itself where the data pipeline raised it, keeping its type and
    traceback: its message gets `` [where]`` (or, for an exception whose message is not
    its first argument, a note under the traceback, Python 3.11+)."""
    if getattr(error, "_tinycnn_located", False):
        return  # said already (by the sample that raised it, or an earlier pass)
    error._tinycnn_located = True  # type: ignore[attr-defined]
    args = error.args
    if isinstance(error, OSError) and error.strerror:
        error.strerror = f"{error.strerror} [{where}]"
    elif isinstance(error, KeyError) and len(args) == 1:
        error.args = (f"{args[0]!r} [{where}]",)
    elif args and isinstance(args[0], str) and not isinstance(error, OSError):
        error.args = (f"{args[0]} [{where}]",) + args[1:]
    if where not in str(error) and hasattr(error, "add_note"):
        error.add_note(where)
