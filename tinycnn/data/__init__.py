"""``tinycnn.data``: datasets, transforms, splits and the DataLoader (PyTorch's names).

    from tinycnn.data import DataLoader, datasets, transforms as T
    train = datasets.CIFAR10("../shared/data", train=True, transform=T.Compose([
        T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor(),
        T.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))]))
    for x, y in DataLoader(train, batch_size=128, shuffle=True):
        ...  # x: float32 (128, 3, 32, 32), y: int64 (128,)

See docs/data.md; docs/porting.md maps torch.utils.data and torchvision's names.
"""

from . import datasets, io, transforms, utils
from .collate import default_collate, default_convert
from .concat import ConcatDataset
from .datasets import ArrayDataset, Dataset, IterableDataset, TensorDataset
from .io import ImageReadMode, read_image
from .loader import DataLoader, WorkerInfo, get_worker_info
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from .split import (
    Subset,
    per_class_subset,
    random_split,
    stratified_split,
    stratified_subset,
)
from .tta import tencrop_predict
from .utils import make_grid, save_image

__all__ = [
    "ArrayDataset", "BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "ImageReadMode",
    "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "Subset", "SubsetRandomSampler",
    "TensorDataset", "WeightedRandomSampler", "WorkerInfo", "datasets", "default_collate", "default_convert", "get_worker_info",
    "io", "make_grid", "per_class_subset", "random_split", "read_image", "save_image",
    "stratified_split", "stratified_subset", "tencrop_predict", "transforms", "utils",
]
