"""Where the datasets are: one rule for the command line, the examples and the reports.

1. the folder given on the command line (``--data-root DIR``), else
2. the environment variable ``TINYCNN_DATA``, else
3. ``../shared/data`` next to the tinycnn checkout (the course's layout).

A data root holds one folder per dataset (``mnist/``, ``cifar-10/``, ``hymenoptera_data/``...).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "TINYCNN_DATA"
CHECKOUT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
DOWNLOAD_DEFAULT = Path("data")  # where --download puts the data when no root is named
HOW_TO_GET = ("pass --data-root DIR, set TINYCNN_DATA=DIR, or put the datasets in "
              "../shared/data next to the checkout")


class DataRootError(FileNotFoundError):
    """No data folder: the message says how to get one."""


def find_data_root(data_root: str | os.PathLike | None = None) -> Path | None:
    """The data root by the rule above, or None when neither is given nor exists."""
    given = data_root if data_root not in (None, "") else os.environ.get(ENV) or None
    if given is not None:
        return Path(given).expanduser()
    return CHECKOUT_DATA if CHECKOUT_DATA.is_dir() else None


def resolve_data_root(data_root: str | os.PathLike | None = None, download: bool = False,
                      download_option: str | None = "--download") -> Path:
    """The data root by the rule above, as an existing folder.

    With ``download``, a named folder that does not exist yet (or ``./data`` when none is
    named) is returned for the datasets to download into. Otherwise a missing folder
    raises `DataRootError`, whose message says how to get the data (``download_option``:
    the flag that downloads, when the caller has one).
    """
    root = find_data_root(data_root)
    fetch = f"; or add {download_option} to fetch the dataset" if download_option else ""
    if root is None:
        if download:
            return DOWNLOAD_DEFAULT
        raise DataRootError(f"no data folder found: {HOW_TO_GET}{fetch}")
    if not root.is_dir() and not download:
        named = f"--data-root {str(root)!r}" if data_root not in (None, "") else f"{ENV}={root}"
        raise DataRootError(f"{named} is not a folder: {HOW_TO_GET}{fetch}")
    return root
