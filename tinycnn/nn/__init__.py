"""Layers and models (``tinycnn.nn``), with PyTorch's names, arguments and defaults.

`Module` and `Parameter` are the building blocks; layers hold parameters and call the
stateless functions of `tinycnn.functional` (also importable as ``tinycnn.nn.functional``).
"""

from . import functional, init, utils
from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, ReLU6, Sigmoid, Softmax, Tanh
from .containers import Identity, ModuleDict, ModuleList, Sequential
from .conv import Conv2d
from .dropout import Dropout, Dropout2d
from .flatten import Flatten
from .linear import Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import IncompatibleKeys, Module, Parameter, RemovableHandle, StateDictError
from .normalization import BatchNorm1d, BatchNorm2d
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d
from .summary import Summary, summary
from .upsample import Upsample
from .utils import freeze, unfreeze

__all__ = [
    "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d",
    "BatchNorm2d", "Conv2d", "CrossEntropyLoss", "Dropout", "Dropout2d", "Flatten", "GELU",
    "Identity", "IncompatibleKeys", "LeakyReLU", "Linear", "LogSoftmax", "MSELoss",
    "MaxPool2d", "Module", "ModuleDict", "ModuleList", "NLLLoss", "Parameter", "ReLU", "ReLU6",
    "RemovableHandle", "Sequential", "Sigmoid", "Softmax", "StateDictError", "Summary", "Tanh",
    "Upsample",
    "freeze", "functional", "init", "summary", "unfreeze", "utils",
]
