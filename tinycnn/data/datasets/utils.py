"""File helpers for the datasets: find files, read them (plain, .gz or .xz), md5, download.

Nothing here unpickles. The only function that touches the network is `fetch`, and only
``download=True`` calls it.

Cache: decompressing an xz-compressed CIFAR batch takes about a second, so the decompressed
bytes of ``.xz`` files are kept as ``<md5 of the .xz file>.npy`` in the cache folder, by
default ``~/.cache/tinycnn/data``. Set the environment variable ``TINYCNN_DATA_CACHE`` to
another folder, or to ``off`` to disable the cache. The cache never writes next to the
data (the data folder may be read-only), and a cache that cannot be written is skipped.
"""

from __future__ import annotations

import gzip
import http.client
import lzma
import os
import shutil
import tarfile
import tempfile
import urllib.request
import warnings
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ...io import atomic_write, file_digest

COMPRESSIONS = ("", ".gz", ".xz")


def candidates(name: str) -> list[str]:
    """The names a data file may have: plain, gzip- or xz-compressed."""
    return [name + suffix for suffix in COMPRESSIONS]


def find_file(folder: Path, names: Iterable[str]) -> Path | None:
    """The first of ``names`` (each plain, .gz or .xz) that exists in ``folder``."""
    for name in names:
        for cand in candidates(name):
            path = folder / cand
            if path.is_file():
                return path
    return None


def search_folders(root: str | os.PathLike, subdirs: Sequence[str]) -> list[Path]:
    """``root`` itself, then ``root/<sub>`` for each of ``subdirs`` (the usual layouts)."""
    root = Path(root).expanduser()
    return [root] + [root / sub for sub in subdirs]


# --- reading -----------------------------------------------------------------------------

def read_bytes(path: str | os.PathLike) -> bytes:
    """The content of ``path``, decompressed when its name ends in ``.gz`` or ``.xz``.

    A corrupt or truncated compressed file raises `ValueError` naming the file.
    """
    path = Path(path)
    if path.suffix == ".xz":
        return _read_xz_cached(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            return f.read()
    except (OSError, EOFError, zlib.error) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise ValueError(f"{path}: cannot decompress ({err}); the file is corrupt or truncated") from err


def _decompress_xz(path: Path) -> bytes:
    try:
        with lzma.open(path, "rb") as f:
            return f.read()
    except (lzma.LZMAError, EOFError) as err:
        raise ValueError(f"{path}: cannot decompress ({err}); the file is corrupt or truncated") from err


def cache_dir() -> Path | None:
    """The cache folder (``TINYCNN_DATA_CACHE`` or ``~/.cache/tinycnn/data``), or None if off."""
    setting = os.environ.get("TINYCNN_DATA_CACHE")
    if setting is not None and setting.strip().lower() in ("", "0", "off", "no", "false"):
        return None
    return Path(setting).expanduser() if setting else Path.home() / ".cache" / "tinycnn" / "data"


def _read_xz_cached(path: Path) -> bytes:
    folder = cache_dir()
    if folder is None:
        return _decompress_xz(path)
    cached = folder / f"{md5sum(path)}.npy"
    if cached.is_file():
        try:
            return np.load(cached, allow_pickle=False).tobytes()
        except (OSError, ValueError, EOFError) as err:  # damaged: decompress again, overwrite
            warnings.warn(f"{cached}: damaged cache entry of {path.name} ({err}); rebuilding it",
                          RuntimeWarning, stacklevel=2)
    data = _decompress_xz(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(cached, lambda f: np.save(f, np.frombuffer(data, np.uint8), allow_pickle=False))
    except OSError:
        pass  # a read-only home: run without the cache
    return data


def text_lines(raw: bytes) -> list[str]:
    """Non-empty stripped lines of a small text file's bytes (class names)."""
    return [line.strip() for line in raw.decode("utf-8").splitlines() if line.strip()]


def read_tar_members(archive: Path, names: Iterable[str]) -> dict[str, bytes]:
    """The files of a ``.tar.gz`` whose base names are in ``names``, read without extracting."""
    wanted = set(names)
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                base = member.name.rsplit("/", 1)[-1]
                if member.isfile() and base in wanted:
                    found[base] = tar.extractfile(member).read()
    except (tarfile.TarError, OSError, EOFError, zlib.error) as err:
        raise ValueError(f"{archive}: cannot read the archive ({err}); it is corrupt or truncated") from err
    return found


# --- integrity and download -----------------------------------------------------------------

def md5sum(path: str | os.PathLike) -> str:
    """The md5 hex digest of a file."""
    return file_digest(path, "md5")


def check_md5(path: str | os.PathLike, expected: str) -> None:
    """Raise `ValueError` naming ``path`` when its md5 is not ``expected``."""
    actual = md5sum(path)
    if actual != expected:
        raise ValueError(
            f"{path}: md5 is {actual}, expected {expected}; the file is damaged or not the "
            "official one: delete it and download again"
        )


def fetch(url: str, dest: Path) -> None:
    """Copy ``url`` into the file ``dest`` (the one place that uses the network)."""
    with urllib.request.urlopen(url, timeout=60) as response, open(dest, "wb") as f:
        shutil.copyfileobj(response, f)


def download(urls: Sequence[str], folder: Path, filename: str, md5: str) -> Path:
    """``folder/filename``, fetched from the first of ``urls`` that works, md5 checked.

    An existing file is only checked (a wrong md5 raises `ValueError` naming it). When
    no URL can be reached, `RuntimeError` says which file to place where.
    """
    dest = folder / filename
    if dest.is_file():
        check_md5(dest, md5)
        return dest
    folder.mkdir(parents=True, exist_ok=True)
    errors = []
    for url in urls:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=filename + ".", suffix=".part")
        os.close(fd)
        tmp = Path(tmp)
        try:
            fetch(url, tmp)
            check_md5(tmp, md5)
            os.replace(tmp, dest)
            return dest
        except (OSError, ValueError, http.client.HTTPException) as err:  # URLError is an OSError
            errors.append(f"{url}: {err}")
        finally:
            tmp.unlink(missing_ok=True)
    raise RuntimeError(
        f"could not download {filename} ({'; '.join(errors)}). Without network access, "
        f"download it elsewhere from {urls[0]} (md5 {md5}) and place it at {dest}"
    )


def extract_archive(archive: Path, dest: Path) -> None:
    """Unpack a tar archive into ``dest`` (members that would escape ``dest`` are refused)."""
    with tarfile.open(archive, "r:*") as tar:
        tar.extractall(dest, filter="data")


# --- locating a dataset's files -------------------------------------------------------------

def find_folder(root: str | os.PathLike, subdirs: Sequence[str],
                required: Sequence[Sequence[str]]) -> Path | None:
    """The first of `search_folders` that holds every required file.

    ``required``: for each file, the names it may have (each plain, .gz or .xz).
    """
    for folder in search_folders(root, subdirs):
        if all(find_file(folder, names) is not None for names in required):
            return folder
    return None


def not_found(dataset: str, root: str | os.PathLike, subdirs: Sequence[str],
              required: Sequence[Sequence[str]], hint: str) -> FileNotFoundError:
    """The error for missing files: what was looked for, where, and what to do."""
    looked = ", ".join(str(f) for f in search_folders(root, subdirs))
    files = "; ".join(" or ".join(f"{n}[.gz|.xz]" for n in names) for names in required)
    return FileNotFoundError(f"{dataset}: could not find {files} in any of: {looked}. {hint}")
