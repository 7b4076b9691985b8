"""Files and images as PyTorch and torchvision users reach for them (issue 16):
``load_state_dict``'s result, ``read_image``, ``make_grid`` and ``save_image``."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
import torch
from PIL import Image

import tinycnn
from tinycnn import nn
from tinycnn.data.datasets.folder import UnreadableImageError
from tinycnn.data.io import ImageReadMode, read_image
from tinycnn.data.utils import make_grid, save_image


def test_load_state_dict_result_prints_as_torch():
    ours, theirs = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    r, t = ours.load_state_dict(ours.state_dict()), theirs.load_state_dict(theirs.state_dict())
    assert repr(r) == repr(t) == str(r) == "<All keys matched successfully>"
    assert r == t == ([], []) and r.missing_keys == [] and r.unexpected_keys == []
    sd, tsd = ours.state_dict(), theirs.state_dict()
    for d, extra in ((sd, np.zeros(1)), (tsd, torch.zeros(1))):
        del d["bias"]
        d["x"] = extra
    r, t = ours.load_state_dict(sd, strict=False), theirs.load_state_dict(tsd, strict=False)
    assert repr(r) == repr(t) == "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['x'])"
    missing, unexpected = r
    assert (missing, unexpected) == (["bias"], ["x"]) and isinstance(r, nn.IncompatibleKeys)
    with pytest.raises(nn.StateDictError, match="Missing key"):
        ours.load_state_dict(sd)


@pytest.mark.parametrize("pil_mode, mode, channels", [
    ("RGB", ImageReadMode.UNCHANGED, 3), ("L", ImageReadMode.UNCHANGED, 1),
    ("RGBA", ImageReadMode.UNCHANGED, 4), ("RGB", ImageReadMode.GRAY, 1),
    ("L", ImageReadMode.RGB, 3), ("RGB", ImageReadMode.RGB_ALPHA, 4),
    ("RGBA", ImageReadMode.GRAY_ALPHA, 2), ("P", ImageReadMode.UNCHANGED, 3),
])
def test_read_image_modes(tmp_path, pil_mode, mode, channels):
    pixels = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    image = Image.fromarray(pixels).convert(pil_mode)
    image.save(tmp_path / "a.png")
    x = read_image(tmp_path / "a.png", mode)
    assert x.dtype == np.uint8 and x.shape == (channels, 5, 7)
    expected = np.asarray(image.convert({1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[channels]))
    np.testing.assert_array_equal(x.numpy(), expected.reshape(5, 7, channels).transpose(2, 0, 1))


def test_read_image_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file.*missing.png"):
        read_image(tmp_path / "missing.png")
    (tmp_path / "bad.png").write_text("not an image")
    with pytest.raises(UnreadableImageError, match="bad.png.*not an image"):
        read_image(tmp_path / "bad.png")
    # a PNG header announcing 100000 x 100000 pixels: PIL's DecompressionBombError before
    head = b"IHDR" + (100000).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    (tmp_path / "bomb.png").write_bytes(b"\x89PNG\r\n\x1a\n" + (13).to_bytes(4, "big") + head
                                        + zlib.crc32(head).to_bytes(4, "big"))
    with pytest.raises(ValueError, match="bomb.png.*not an image") as e:  # a ValueError too
        read_image(tmp_path / "bomb.png")
    assert isinstance(e.value, UnreadableImageError)
    assert read_image.__module__ == "tinycnn.data.io" and tinycnn.data.read_image is read_image
    assert tinycnn.data.make_grid is make_grid and tinycnn.data.save_image is save_image


def test_make_grid_layout():
    x = np.arange(5 * 2 * 3 * 4, dtype=np.float32).reshape(5, 2, 3, 4) / 120
    grid = make_grid(tinycnn.tensor(x), nrow=2, padding=1, pad_value=-1)
    assert grid.shape == (2, 3 * 4 + 1, 2 * 5 + 1)  # 3 rows of 2, padding 1 around each
    g = grid.numpy()
    np.testing.assert_array_equal(g[:, 1:4, 1:5], x[0])
    np.testing.assert_array_equal(g[:, 1:4, 6:10], x[1])
    np.testing.assert_array_equal(g[:, 9:12, 1:5], x[4])
    assert (g[:, 9:12, 6:10] == -1).all() and (g[:, 0] == -1).all()  # the empty cell, the frame
    grey = make_grid([tinycnn.zeros(1, 2, 2), tinycnn.ones(1, 2, 2)], padding=0)
    assert grey.shape == (3, 2, 4) and grey.numpy()[:, :, 2:].min() == 1
    assert make_grid(tinycnn.ones(1, 3, 4, 4)).shape == (3, 4, 4)  # one image: no padding
    assert make_grid(np.zeros((2, 3, 4, 4), np.uint8)).dtype == np.uint8


def test_make_grid_normalize():
    x = tinycnn.tensor(np.array([[[[0.0, 2.0]]], [[[4.0, 8.0]]]], np.float32))  # (2, 1, 1, 2)
    g = make_grid(x, normalize=True, padding=0).numpy()[0]
    np.testing.assert_allclose(g, [[0, 0.25, 0.5, 1]])
    g = make_grid(x, normalize=True, scale_each=True, padding=0).numpy()[0]
    np.testing.assert_allclose(g, [[0, 1, 0, 1]])
    g = make_grid(x, normalize=True, value_range=(0, 4), padding=0).numpy()[0]
    np.testing.assert_allclose(g, [[0, 0.5, 1, 1]])
    with pytest.raises(ValueError, match="expected images"):
        make_grid(np.zeros((1, 1, 1, 2, 2)))


@pytest.mark.parametrize("images, kwargs, message", [
    ((0, 3, 4, 4), {}, "no images"),  # was ZeroDivisionError
    ((0, 3, 4, 4), {"normalize": True}, "no images"),
    ((2, 3, 4, 4), {"padding": -1}, "padding must be"),  # was NumPy's broadcast error
])
def test_make_grid_bad_input(images, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_grid(tinycnn.zeros(images), **kwargs)


def test_save_image_round_trip(tmp_path):
    x = np.random.default_rng(1).random((4, 3, 6, 6)).astype(np.float32)
    save_image(tinycnn.tensor(x), tmp_path / "grid.png", nrow=2, padding=0)
    back = read_image(tmp_path / "grid.png").numpy()
    assert back.shape == (3, 12, 12)
    np.testing.assert_array_equal(back[:, :6, 6:], np.clip(x[1] * 255 + 0.5, 0, 255).astype(np.uint8))


def test_decode_read_file_and_writers(tmp_path):
    from tinycnn.data.io import decode_image, read_file, write_jpeg, write_png

    pixels = np.random.default_rng(2).integers(0, 256, (3, 5, 7), dtype=np.uint8)
    write_png(tinycnn.tensor(pixels), tmp_path / "a.png")
    np.testing.assert_array_equal(read_image(tmp_path / "a.png").numpy(), pixels)
    raw = read_file(tmp_path / "a.png")
    assert raw.dtype == np.uint8 and raw.ndim == 1 and bytes(raw.numpy()[:4]) == b"\x89PNG"
    np.testing.assert_array_equal(decode_image(raw).numpy(), pixels)
    np.testing.assert_array_equal(decode_image(str(tmp_path / "a.png"), "GRAY").shape, (1, 5, 7))
    write_jpeg(tinycnn.tensor(pixels[:1]), tmp_path / "g.jpg", quality=95)
    assert read_image(tmp_path / "g.jpg").shape == (1, 5, 7)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "g.jpg"]  # no temporary left
    with pytest.raises(ValueError, match=r"uint8 image \(C, H, W\)"):
        write_png(tinycnn.zeros(3, 4, 4), tmp_path / "f.png")
    with pytest.raises(ValueError, match="1-D uint8 bytes"):
        decode_image(tinycnn.zeros(4))
    with pytest.raises(UnreadableImageError, match="decode_image"):
        decode_image(tinycnn.tensor(np.zeros(8, np.uint8)))


def test_exif_orientation(tmp_path):
    image = Image.fromarray(np.zeros((2, 4, 3), np.uint8))  # 2 rows, 4 columns
    exif = image.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to show upright"
    image.save(tmp_path / "r.jpg", exif=exif)
    assert read_image(tmp_path / "r.jpg").shape == (3, 2, 4)
    assert read_image(tmp_path / "r.jpg", apply_exif_orientation=True).shape == (3, 4, 2)
