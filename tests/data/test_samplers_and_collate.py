"""PyTorch's data idioms (issue 16): samplers, batch samplers, ConcatDataset, default_collate's
structures, the DataLoader's PyTorch arguments and generators, checked against torch."""

from __future__ import annotations

import collections
import threading

import numpy as np
import pytest
import torch.utils.data as tud

import tinycnn
from tinycnn.data import (
    ArrayDataset,
    BatchSampler,
    ConcatDataset,
    DataLoader,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    get_worker_info,
    random_split,
)


class DictSet:
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return {"x": np.full((2, 3), i, np.float32), "y": i % 3, "name": f"s{i}",
                "w": float(i) / 2}


def _gen(seed):
    return np.random.default_rng(seed)


def test_sequential_and_batch_sampler_match_torch():
    assert list(SequentialSampler(range(5))) == list(tud.SequentialSampler(range(5)))
    for drop_last in (False, True):
        ours, theirs = BatchSampler(range(7), 3, drop_last), tud.BatchSampler(range(7), 3, drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(3), 0, False)


def test_random_samplers_draw_from_their_generator():
    a = list(RandomSampler(range(10), generator=_gen(0)))
    assert sorted(a) == list(range(10)) and a == list(RandomSampler(range(10), generator=_gen(0)))
    s = RandomSampler(range(3), num_samples=7)  # several permutations, as torch
    order = list(s)
    assert len(s) == 7 and sorted(order[:3]) == [0, 1, 2] and sorted(order[3:6]) == [0, 1, 2]
    assert len(list(RandomSampler(range(3), replacement=True, num_samples=20))) == 20
    sub = list(SubsetRandomSampler([5, 7, 9], generator=_gen(1)))
    assert sorted(sub) == [5, 7, 9] and len(SubsetRandomSampler([5, 7, 9])) == 3
    tinycnn.manual_seed(3)
    first = list(RandomSampler(range(10)))
    tinycnn.manual_seed(3)
    assert list(RandomSampler(range(10))) == first  # None: the generator manual_seed seeds
    with pytest.raises(TypeError, match="generator must be"):
        list(RandomSampler(range(3), generator="seed"))


def test_weighted_random_sampler_frequencies_and_errors():
    w = [0.0, 1.0, 3.0]
    draws = np.array(list(WeightedRandomSampler(w, 4000, generator=_gen(0))))
    freq = np.bincount(draws, minlength=3) / 4000
    np.testing.assert_allclose(freq, [0, 0.25, 0.75], atol=0.03)
    as_tensor = list(WeightedRandomSampler(tinycnn.tensor(w), 4000, generator=_gen(0)))
    assert as_tensor == draws.tolist()  # Tensor weights, as in PyTorch
    no_repl = list(WeightedRandomSampler(w, 2, replacement=False, generator=_gen(0)))
    assert sorted(no_repl) == [1, 2]
    with pytest.raises(ValueError, match="only 2 weights are non-zero"):
        WeightedRandomSampler(w, 3, replacement=False)
    with pytest.raises(ValueError, match="weights"):
        WeightedRandomSampler([-1.0, 2.0], 3)


def test_concat_dataset_matches_torch():
    parts = [list(range(3)), list(range(10, 12)), list(range(20, 24))]
    ours, theirs = ConcatDataset(parts), tud.ConcatDataset(parts)
    assert len(ours) == len(theirs) and ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-9, 9)] == [theirs[i] for i in range(-9, 9)]
    with pytest.raises(IndexError):
        ours[9]
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])
    x = np.zeros((4, 5, 5), np.uint8)
    both = ConcatDataset([ArrayDataset(x, np.arange(4)), ArrayDataset(x + 1, np.arange(4) + 4)])
    xb, yb = next(iter(DataLoader(both, batch_size=8)))
    assert xb.shape == (8, 1, 5, 5) and yb.tolist() == list(range(8))


def test_default_collate_structures_like_torch():
    samples = [DictSet()[i] for i in range(3)]
    ours, theirs = default_collate(samples), tud.default_collate(samples)
    assert set(ours) == set(theirs) and ours["name"] == list(theirs["name"])
    for k in ("x", "y", "w"):
        np.testing.assert_array_equal(ours[k].numpy(), theirs[k].numpy())
        assert str(ours[k].dtype) == str(theirs[k].dtype).removeprefix("torch.")
    Point = collections.namedtuple("Point", "a b")
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert type(p) is Point and p.a.tolist() == [1, 3] and p.b.dtype == np.float64
    nested = default_collate([(np.zeros(2), [1, "a"]), (np.ones(2), [2, "b"])])
    assert nested[0].shape == (2, 2) and nested[1][0].tolist() == [1, 2] and nested[1][1] == ["a", "b"]
    assert default_collate(["a", "b"]) == ["a", "b"]
    converted = default_convert({"x": np.zeros(2, np.int32), "n": 3})
    assert converted["x"].dtype == np.int32 and converted["n"] == 3
    with pytest.raises(TypeError, match="found object"):
        default_collate([object(), object()])


def test_loader_yields_dict_batches():
    batches = list(DataLoader(DictSet(), batch_size=4))
    assert [b["x"].shape for b in batches] == [(4, 2, 3), (2, 2, 3)]
    assert batches[0]["y"].dtype == np.int64 and batches[0]["name"] == ["s0", "s1", "s2", "s3"]
    assert batches[0]["w"].dtype == np.float32  # floats: the default dtype, as every loader field


def test_loader_sampler_batch_sampler_and_no_batching():
    ds = ArrayDataset(np.arange(10, dtype=np.float32).reshape(10, 1), np.arange(10))
    ys = [y.tolist() for _, y in DataLoader(ds, batch_size=3, sampler=[9, 8, 7, 6, 5])]
    assert ys == [[9, 8, 7], [6, 5]]
    loader = DataLoader(ds, batch_sampler=[[0, 1], [5, 6, 7]])
    assert len(loader) == 2 and [y.tolist() for _, y in loader] == [[0, 1], [5, 6, 7]]
    single = list(DataLoader(DictSet(), batch_size=None))
    assert len(single) == 6 and single[2]["x"].shape == (2, 3) and single[2]["y"] == 2
    weighted = DataLoader(ds, batch_size=5, sampler=WeightedRandomSampler([0] * 9 + [1], 10))
    assert all(y.tolist() == [9] * 5 for _, y in weighted)


@pytest.mark.parametrize("kwargs, message", [
    (dict(shuffle=True, sampler=[0, 1]), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_size=2, batch_sampler=[[0]]), "batch_sampler option is mutually exclusive"),
    (dict(prefetch_factor=2), "prefetch_factor needs num_workers > 0"),
    (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
    (dict(batch_size=None, drop_last=True), "mutually exclusive with drop_last"),
    (dict(timeout=-1), "timeout"),
])
def test_loader_bad_argument_combinations(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(range(4), **kwargs)
    with pytest.raises(ValueError):
        tud.DataLoader(range(4), **kwargs)


def test_loader_generator_and_worker_arguments():
    ds = ArrayDataset(np.arange(20, dtype=np.float32).reshape(20, 1), np.arange(20))

    def order(**kw):
        return [y.tolist() for _, y in DataLoader(ds, batch_size=5, shuffle=True, **kw)]

    assert order(generator=_gen(7)) == order(generator=_gen(7)) != order(generator=_gen(8))
    seen, lock = [], threading.Lock()

    def init(worker_id):
        info = get_worker_info()
        with lock:
            seen.append((worker_id, info.id, info.num_workers, info.dataset is ds))

    loader = DataLoader(ds, batch_size=5, num_workers=2, worker_init_fn=init, pin_memory=True,
                        persistent_workers=True, prefetch_factor=3, timeout=30,
                        multiprocessing_context="spawn", in_order=True)
    assert [y.tolist() for _, y in loader] == [list(range(k, k + 5)) for k in range(0, 20, 5)]
    list(loader)  # persistent workers: initialised once, not at every epoch
    assert sorted(seen) == [(0, 0, 2, True), (1, 1, 2, True)]
    assert get_worker_info() is None


class _HoldsNumpy:
    """Stands for tinycnn.Generator: an object holding a NumPy Generator."""

    def __init__(self, seed):
        self.numpy_generator = np.random.default_rng(seed)


def test_random_split_generator():
    a = [p.indices for p in random_split(range(10), [0.7, 0.3], generator=_gen(1))]
    b = [p.indices for p in random_split(range(10), [7, 3], _HoldsNumpy(1))]
    assert a == b and sorted(a[0] + a[1]) == list(range(10))
    g = _HoldsNumpy(2)
    assert random_split(range(10), [5, 5], g)[0].indices != \
        random_split(range(10), [5, 5], g)[0].indices  # the generator's state advances
    with pytest.raises(ValueError, match="either seed or generator"):
        random_split(range(10), [5, 5], generator=_gen(0), seed=1)


def test_subclassing_as_in_pytorch():
    from tinycnn.data import Dataset, Sampler

    class Evens(Sampler[int]):
        def __init__(self, data_source):
            super().__init__(data_source)
            self.n = len(data_source)

        def __iter__(self):
            return iter(range(0, self.n, 2))

        def __len__(self):
            return (self.n + 1) // 2

    class Squares(Dataset[int]):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return i * i

    loader = DataLoader(Squares(), batch_size=2, sampler=Evens(Squares()))
    assert len(loader) == 2 and [b.tolist() for b in loader] == [[0, 4], [16]]
    both = Squares() + Squares()
    assert isinstance(both, ConcatDataset) and len(both) == 10 and both[7] == 4


@pytest.mark.cuda
def test_pin_memory_puts_batches_in_page_locked_memory():
    import cupy

    ds = ArrayDataset(np.zeros((4, 2, 2), np.uint8), np.arange(4))
    for pin, expected in ((True, cupy.cuda.runtime.memoryTypeHost), (False, None)):
        x, y = next(iter(DataLoader(ds, batch_size=4, pin_memory=pin)))
        assert x.device == "cpu" and x.shape == (4, 1, 2, 2)
        if expected is not None:
            attrs = cupy.cuda.runtime.pointerGetAttributes(x.numpy().ctypes.data)
            assert attrs.type == expected


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        for i in range(self.n):
            yield np.full(2, i, np.float32), i


class SizedStream(Stream):
    def __len__(self):
        return self.n


@pytest.mark.parametrize("num_workers", [0, 2])
def test_iterable_dataset_like_torch(num_workers):
    class TorchStream(tud.IterableDataset):
        def __iter__(self):
            yield from Stream(7)

    for kwargs in (dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None)):
        ours = list(DataLoader(Stream(7), num_workers=num_workers, **kwargs))
        theirs = list(tud.DataLoader(TorchStream(), **kwargs))
        assert len(ours) == len(theirs)
        for (x, y), (tx, ty) in zip(ours, theirs):
            np.testing.assert_array_equal(x.numpy(), tx.numpy())
            assert np.asarray(y).tolist() == np.asarray(ty).tolist()
    assert len(DataLoader(SizedStream(7), batch_size=3)) == 3
    assert len(DataLoader(SizedStream(7), batch_size=3, drop_last=True)) == 2
    with pytest.raises(TypeError):
        len(DataLoader(Stream(7), batch_size=3))
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(TypeError, match="IterableDataset"):
        Stream(3)[0]


class BrokenStream(Stream):
    def __iter__(self):
        for i, sample in enumerate(super().__iter__()):
            if i == 7:
                raise KeyError("label")
            yield sample


@pytest.mark.parametrize("num_workers", [0, 2])
@pytest.mark.parametrize("batch_size, batch", [(3, 2), (None, 7)])
def test_stream_errors_say_which_sample_and_batch(num_workers, batch_size, batch):
    loader = DataLoader(BrokenStream(10), batch_size=batch_size, num_workers=num_workers)
    with pytest.raises(KeyError, match=rf"sample 7 from the BrokenStream stream for batch {batch}"):
        list(loader)


def test_fit_on_a_stream():
    from tinycnn import nn, optim
    from tinycnn.train import fit

    model = nn.Linear(2, 8)
    history = fit(model, DataLoader(Stream(8), batch_size=4), optim.SGD(model.parameters(), lr=0.1),
                  2, progress=False)
    assert len(history.records) == 2 and "a stream" in repr(DataLoader(Stream(8)))


def test_generator_wrappers_are_unwrapped():
    from tinycnn.data._rng import numpy_generator

    class Private:  # a generator wrapper keeping its NumPy Generator under any name
        def __init__(self):
            self._state = np.random.default_rng(5)

    g = Private()
    assert numpy_generator(g) is g._state and numpy_generator(_HoldsNumpy(1)).integers(10) == \
        np.random.default_rng(1).integers(10)


def test_concat_dataset_batches_each_part_at_once():
    from tinycnn.data import transforms as T

    rng = np.random.default_rng(0)
    x1, x2 = (rng.integers(0, 256, (n, 6, 6, 3), dtype=np.uint8) for n in (5, 7))
    y1, y2 = np.arange(5), np.arange(7) + 5
    norm = T.Compose([T.ToTensor(), T.Normalize((0.5,) * 3, (0.25,) * 3)])
    both = ConcatDataset([ArrayDataset(x1, y1, norm), ArrayDataset(x2, y2, norm)])
    whole = ArrayDataset(np.concatenate([x1, x2]), np.concatenate([y1, y2]), norm)
    order = [11, 0, 6, 3, 5, 4, 10, 1, 2, 7, 9, 8]
    for (xa, ya), (xb, yb) in zip(DataLoader(both, batch_size=5, sampler=order),
                                  DataLoader(whole, batch_size=5, sampler=order)):
        np.testing.assert_allclose(xa.numpy(), xb.numpy(), rtol=1e-6)
        assert ya.tolist() == yb.tolist()
    words = ConcatDataset([DictSet(), Subset(DictSet(), [5, 4])])
    batch = next(iter(DataLoader(words, batch_size=4, sampler=[6, 0, 7, 1])))
    assert batch["name"] == ["s5", "s0", "s4", "s1"] and batch["x"][:, 0, 0].tolist() == [5, 0, 4, 1]
    mixed = ConcatDataset([ArrayDataset(x1, y1, norm), ArrayDataset(x2, y2)])
    with pytest.raises(TypeError, match="different kinds"):
        mixed.get_batch(np.array([0, 6]))


def test_loader_and_samplers_take_a_tinycnn_generator():
    ds = TensorDataset(tinycnn.arange(12))

    def order(seed):
        loader = DataLoader(ds, batch_size=4, shuffle=True,
                            generator=tinycnn.Generator().manual_seed(seed))
        return [b[0].tolist() for b in loader]

    assert order(2) == order(2) and order(2) != order(3)
    assert sorted(sum(order(2), [])) == list(range(12))
    picks = list(RandomSampler(ds, generator=tinycnn.Generator().manual_seed(5)))
    assert picks == list(RandomSampler(ds, generator=tinycnn.Generator().manual_seed(5)))


def test_subset_keeps_indices_as_given_and_batches_are_lists():
    ds = TensorDataset(tinycnn.arange(10))
    sub = Subset(ds, [1, 3, 5])
    assert sub.indices == [1, 3, 5] and sub[1][0].item() == 3
    sub.indices = range(2)
    assert len(sub) == 2 and sub[1][0].item() == 1
    assert isinstance(next(iter(DataLoader(ds, batch_size=2))), list)  # as PyTorch: a list
    assert isinstance(default_collate([(1, 2), (3, 4)]), list)
