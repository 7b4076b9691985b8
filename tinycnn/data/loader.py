"""`DataLoader`: iterate over a dataset in (shuffled) batches of Tensors."""

from __future__ import annotations

import collections
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, TimeoutError
from typing import Any, NamedTuple

import numpy as np

from .. import backend
from ..tensor import Tensor
from . import _rng
from .collate import collate_arrays, default_convert, map_fields, rebuild, to_tensors
from .datasets.arrays import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler
from .transforms.base import apply_batch


def _positive_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


class WorkerInfo(NamedTuple):
    """What `get_worker_info` returns inside a worker: its ``id`` in ``[0, num_workers)``,
    the worker count, a ``seed`` of its own and the loader's ``dataset``."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker = threading.local()


def get_worker_info() -> WorkerInfo | None:
    """This worker's `WorkerInfo` inside a DataLoader worker, None in the main thread (as
    ``torch.utils.data.get_worker_info``; e.g. to seed a library in ``worker_init_fn``)."""
    return getattr(_worker, "info", None)


class DataLoader:
    """Batches of ``dataset``: each a tuple of Tensors ``(x, y)`` (x float32 NCHW, y int64).

    Takes PyTorch's arguments, with PyTorch's meaning:

    * Order: ``shuffle=True`` draws a new permutation each epoch (a `RandomSampler`);
      ``sampler`` gives the indices instead (e.g. `WeightedRandomSampler`), and
      ``batch_sampler`` whole batches of indices (then ``batch_size``, ``shuffle``,
      ``sampler`` and ``drop_last`` are left out). ``batch_size=None`` yields single
      samples, converted to Tensors. Randomness comes from ``generator`` (a
      `tinycnn.Generator`) or ``seed`` (an int), else from the generator
      ``tinycnn.manual_seed`` seeds. Random transforms draw from a generator made for each
      batch from the same source, so results do not depend on ``num_workers``.
    * Batching: in-memory datasets (`ArrayDataset`, MNIST, CIFAR and their `Subset` s)
      are batched by fancy indexing and their transform runs on whole batches
      (``get_batch``); other datasets are read sample by sample and stacked by
      ``collate_fn`` (default: `default_collate`'s rules; a sample may be a tuple, a
      list or a dict). A uint8 image input is converted by `ToTensor`, float fields
      become the default float dtype and integer fields int64.
    * ``batch_transform`` (e.g. a `Compose` of transforms; tinycnn's own) runs on the
      input of each batch after the dataset's transform: an array ``(N, H, W[, C])`` or a
      Tensor ``(N, C, H, W)``.
    * ``num_workers > 0`` builds up to ``num_workers * prefetch_factor`` batches ahead in
      background *threads* (decoding JPEGs and NumPy release the GIL), each starting with
      ``worker_init_fn(worker_id)``; ``persistent_workers=True`` keeps them between
      epochs; ``timeout`` > 0 raises when a batch takes longer.
    * ``pin_memory=True`` puts batches in page-locked host memory when CUDA is available
      (faster copies to the GPU); ``pin_to_device="cuda"`` moves every batch to the GPU.
      ``multiprocessing_context`` and ``in_order`` are accepted: the threads need no
      context, and batches always come in order.
    """

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Iterable[int] | None = None,
                 batch_sampler: Iterable[Sequence[int]] | None = None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: Any = None, generator: Any = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True, seed: int | None = None,
                 pin_to_device: str | None = None, batch_transform: Callable | None = None) -> None:
        self.dataset = dataset
        self.num_workers = _positive_int(num_workers, "num_workers", 0)
        if prefetch_factor is not None and self.num_workers == 0:
            raise ValueError("prefetch_factor needs num_workers > 0 (the batches read ahead are "
                             "built by the workers); leave it None")
        if persistent_workers and self.num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.prefetch_factor = _positive_int(2 if prefetch_factor is None else prefetch_factor,
                                             "prefetch_factor", 1)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
            raise ValueError(f"timeout option should be non-negative, got {timeout!r}")
        if seed is not None and generator is not None:
            raise ValueError("pass either seed or generator, not both")
        self._gen = _rng.resolve(seed) if seed is not None else (
            None if generator is None else _rng.numpy_generator(generator))
        self.seed, self.generator = seed, generator
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.persistent_workers = bool(persistent_workers)
        self.multiprocessing_context, self.in_order = multiprocessing_context, in_order
        self.pin_memory, self.pin_memory_device = bool(pin_memory), pin_memory_device
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.batch_transform = batch_transform
        self.device = None if pin_to_device is None else backend.normalize_device(pin_to_device)
        self._epochs = 0  # passes started (iterations of the loader)
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
        elif batch_size is not None:
            batch_size = _positive_int(batch_size, "batch_size", 1)
        elif drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        self.shuffle = bool(shuffle)
        self._stream = isinstance(dataset, IterableDataset)
        if self._stream:  # samples come in the stream's order: nothing to sample
            for name, value in (("shuffle", shuffle), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value:
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={value!r}")
        elif sampler is None:
            sampler = (RandomSampler(dataset, generator=self._gen) if self.shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None and not self._stream:
            batch_sampler = BatchSampler(sampler, batch_size, self.drop_last)
        self.batch_size, self.sampler, self.batch_sampler = batch_size, sampler, batch_sampler
        self._batched = batch_size is not None or batch_sampler is not None
        self._pool: ThreadPoolExecutor | None = None

    def __len__(self) -> int:
        if self._stream:  # as PyTorch: from the stream's own length, when it has one
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def state_dict(self) -> dict[str, Any]:
        """What the next pass's order and augmentation depend on: the passes started and,
        with a ``seed``, the loader's own generator, and the generators given to its
        samplers (without them, the order comes from ``tinycnn.backend.rng("cpu")``, whose
        state checkpoints save anyway)."""
        return {"epochs": self._epochs,
                "generator": None if self._gen is None else self._gen.bit_generator.state,
                "sampler_generators": [g.bit_generator.state for g in self._sampler_generators()]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore `state_dict`: the next pass shuffles as the saved loader's next one would."""
        self._epochs = int(state.get("epochs", 0))
        if state.get("generator") is not None and self._gen is not None:
            self._gen.bit_generator.state = state["generator"]
        saved, own = state.get("sampler_generators") or [], self._sampler_generators()
        if len(saved) == len(own):
            for gen, gen_state in zip(own, saved):
                gen.bit_generator.state = gen_state

    def _sampler_generators(self) -> list[np.random.Generator]:
        """The generators given to this loader's samplers, other than its own."""
        found: list[np.random.Generator] = []
        for sampler in (self.sampler, getattr(self.batch_sampler, "sampler", None)):
            given = getattr(sampler, "generator", None)
            gen = None if given is None else _rng.numpy_generator(given)
            if gen is not None and gen is not self._gen and all(gen is not g for g in found):
                found.append(gen)
        return found

    def __iter__(self) -> Iterator[Any]:
        if self._stream:
            jobs: Iterable = self._chunks() if self._batched else self._stream_samples()
        else:  # the random order of the epoch is drawn before the batch seeds
            jobs = list(self.batch_sampler if self.batch_sampler is not None else self.sampler)
        gen = self._gen if self._gen is not None else backend.rng("cpu")
        self._epochs += 1
        base_seed = int(gen.integers(2**63))  # the per-batch augmentation generators derive from it
        return self._iterate(jobs, base_seed)

    def _stream_samples(self) -> Iterator[Any]:
        """The samples of an `IterableDataset`; an error raised while reading one says which."""
        k = 0
        try:
            for sample in self.dataset:
                yield sample
                k += 1
        except Exception as e:
            batch = k // self.batch_size if self.batch_size else k
            _locate(e, f"DataLoader: reading sample {k} from the {type(self.dataset).__name__} "
                       f"stream for batch {batch}")
            raise

    def _chunks(self) -> Iterator[list]:
        """The samples of an `IterableDataset`, ``batch_size`` at a time, read lazily."""
        stream = self._stream_samples()
        while chunk := list(itertools.islice(stream, self.batch_size)):
            if len(chunk) < self.batch_size and self.drop_last:
                return
            yield chunk

    def _iterate(self, jobs: Iterable, base_seed: int) -> Iterator[Any]:
        if self.num_workers == 0:
            for b, indices in enumerate(jobs):
                yield self._build(indices, base_seed, b)
            return
        pool = self._pool or self._start_workers(base_seed)
        if self.persistent_workers:
            self._pool = pool
        todo = iter(enumerate(jobs))
        pending: collections.deque = collections.deque()

        def submit_next() -> None:
            job = next(todo, None)
            if job is not None:
                pending.append(pool.submit(self._build, job[1], base_seed, job[0]))

        try:
            for _ in range(self.num_workers * self.prefetch_factor):
                submit_next()
            while pending:
                try:
                    batch = pending.popleft().result(timeout=self.timeout or None)
                except TimeoutError:
                    raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds") from None
                submit_next()
                yield batch
        finally:  # the loop was left early: drop the batches not started yet
            for future in pending:
                future.cancel()
            if not self.persistent_workers:
                pool.shutdown(wait=True)

    def _start_workers(self, base_seed: int) -> ThreadPoolExecutor:
        ids = itertools.count()

        def init() -> None:
            worker_id = next(ids)
            _worker.info = WorkerInfo(worker_id, self.num_workers, (base_seed + worker_id) % 2**63,
                                      self.dataset)
            if self.worker_init_fn is not None:
                self.worker_init_fn(worker_id)

        return ThreadPoolExecutor(self.num_workers, thread_name_prefix="tinycnn-data",
                                  initializer=init)

    def _build(self, job: Any, base_seed: int, number: int) -> Any:
        """Batch ``number``: read, collate, transform, convert to Tensors, move to the device.

        ``job``: the indices of the batch (one index without batching); for an
        `IterableDataset`, the samples themselves (one sample without batching).
        """
        with _rng.use_generator(np.random.default_rng([base_seed, number])):
            try:
                if not self._batched:  # batch_size=None: one sample, converted (or collate_fn)
                    sample = job if self._stream else self._sample(int(job), number)
                    return (default_convert(sample) if self.collate_fn is None
                            else self.collate_fn(sample))
                if not self._stream and self.collate_fn is None and hasattr(self.dataset, "get_batch"):
                    batch = self.dataset.get_batch(np.asarray(job, dtype=np.int64))  # all at once
                else:
                    samples = job if self._stream else [self._sample(int(i), number) for i in job]
                    batch = (self.collate_fn or collate_arrays)(samples)
                if self.batch_transform is not None:
                    if isinstance(batch, (tuple, list)):
                        batch = rebuild(batch, [apply_batch(self.batch_transform, batch[0]), *batch[1:]])
                    else:
                        batch = apply_batch(self.batch_transform, batch)
            except Exception as e:
                where = f"DataLoader: building batch {number}"
                if self._batched and not self._stream:
                    where += f" (dataset indices {_indices(job)})"
                _locate(e, where)
                raise
        batch = to_tensors(batch)
        if self.pin_memory and backend.cuda_available():
            batch = map_fields(batch, _pinned)
        if self.device is not None:
            batch = map_fields(batch, lambda f: Tensor(backend.to_device(f._data, self.device))
                               if isinstance(f, Tensor) else f)
        return batch

    def __del__(self) -> None:
        if getattr(self, "_pool", None) is not None:
            self._pool.shutdown(wait=False)

    def _sample(self, index: int, number: int) -> Any:
        try:
            return self.dataset[index]
        except Exception as e:
            _locate(e, f"DataLoader: reading sample {index} for batch {number}")
            raise

    def __repr__(self) -> str:
        size = "a stream" if self._stream else f"{len(self.dataset)}"
        return (f"DataLoader({type(self.dataset).__name__} of {size}, batch_size="
                f"{self.batch_size}, shuffle={self.shuffle}, num_workers={self.num_workers})")


def _indices(indices: Sequence[int], shown: int = 8) -> str:
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


def _pinned(field: Any) -> Any:
    """A CPU Tensor's data copied into page-locked host memory (CuPy)."""
    if not isinstance(field, Tensor) or backend.device_of(field._data) != "cpu":
        return field
    import cupyx  # noqa: PLC0415  (only reached when CUDA is available)

    out = cupyx.empty_pinned(field.shape, dtype=field.dtype)
    out[...] = field._data
    return Tensor(out)
