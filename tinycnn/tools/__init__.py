"""Command-line tools that run outside tinycnn's core (they may need optional packages).

- ``python -m tinycnn.tools.export_torchvision ARCH OUT.npz``: torchvision weights -> .npz.
"""
