"""numba versions of the kernels in `tinycnn.kernels.reference` (same arguments, same
results), for NumPy arrays. One file per family:

* ``runtime.py``: compiling the loops, threads, BLAS threads, machine load, `matmul`;
* ``conv.py``: convolution (im2col / col2im, chunks side by side, direct convolution);
* ``depthwise.py``: depthwise convolution (one filter per channel, no columns);
* ``pooling.py``: max and average pooling;
* ``pointwise.py``: ReLU, erf, batch norm;
* ``optim.py``: the fused Adam update;
* ``machine.py``: the CPU model and how busy the machine is (``/proc``).

Imported on the first kernel call, never by ``import tinycnn`` (importing numba takes a
while); nothing is configured at import (`runtime.configure` runs before the first kernel).
"""

from .conv import col2im, conv2d_backward, conv2d_forward, im2col
from .depthwise import depthwise_backward_input, depthwise_backward_weight, depthwise_forward
from .optim import adam_update
from .pointwise import (
    batchnorm_backward,
    batchnorm_forward,
    batchnorm_stats,
    erf,
    relu_backward,
    relu_forward,
)
from .pooling import avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward
from .runtime import configure, for_each, matmul, max_threads, parallel_chunks, set_max_threads

__all__ = ["adam_update", "avgpool2d_backward", "avgpool2d_forward", "batchnorm_backward",
           "batchnorm_forward", "batchnorm_stats", "col2im", "configure", "conv2d_backward",
           "conv2d_forward", "depthwise_backward_input", "depthwise_backward_weight",
           "depthwise_forward", "erf", "for_each", "im2col", "matmul", "max_threads",
           "maxpool2d_backward", "maxpool2d_forward", "parallel_chunks", "relu_backward",
           "relu_forward", "set_max_threads"]
