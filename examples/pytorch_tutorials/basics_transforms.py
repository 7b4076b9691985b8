"""PyTorch tutorial "Learn the Basics: Transforms" (pytorch.org/tutorials/beginner/basics/transforms_tutorial).

Import swap: torch -> tinycnn, torchvision.datasets / transforms -> tinycnn.data.datasets / transforms.
Deliberate changes: the data root (``$TINYCNN_DATA``, else ../shared/data; no download), and
the last lines print one sample (the tutorial only builds the dataset).
"""

import os

import tinycnn as torch
from tinycnn.data import datasets
from tinycnn.data.transforms import Lambda, ToTensor

ds = datasets.FashionMNIST(
    root=os.environ.get("TINYCNN_DATA", "../shared/data"),
    train=True,
    download=False,
    transform=ToTensor(),
    target_transform=Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1))
)

image, target = ds[0]
print(f"image: {image.shape} {image.dtype}, min {image.min().item():.1f}, max {image.max().item():.1f}")
print(f"one-hot target: {target}")
