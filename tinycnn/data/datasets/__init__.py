"""Datasets (torchvision's names): MNIST, FashionMNIST, CIFAR10, CIFAR100, ImageFolder,
and ArrayDataset / TensorDataset for arrays you already have."""

from .arrays import ArrayDataset, Dataset, IterableDataset, TensorDataset
from .cifar import CIFAR10, CIFAR100
from .folder import IMG_EXTENSIONS, ImageFolder, UnreadableImageError, pil_loader
from .mnist import MNIST, FashionMNIST

__all__ = [
    "CIFAR10", "CIFAR100", "IMG_EXTENSIONS", "ArrayDataset", "Dataset", "FashionMNIST",
    "IterableDataset",
    "ImageFolder", "MNIST", "TensorDataset", "UnreadableImageError", "pil_loader",
]
