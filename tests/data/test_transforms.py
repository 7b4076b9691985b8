"""Transforms: shapes and ranges, seeded determinism, references (PIL, NumPy, torch),
and the batch version against the per-image version on the same random draws."""

from __future__ import annotations

import colorsys

import numpy as np
import pytest
import torch
from PIL import Image, ImageEnhance

import tinycnn
from tinycnn import Tensor
from tinycnn.data import tencrop_predict
from tinycnn.data import transforms as T
from tinycnn.data.transforms import color, geometry


def _img(h=12, w=16, c=3, seed=0):
    shape = (h, w) if c is None else (h, w, c)
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def _batch(n=6, h=12, w=16, c=3, seed=1):
    return np.random.default_rng(seed).integers(0, 256, (n, h, w, c), dtype=np.uint8)


def _as_array(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


RANDOM = [
    T.RandomHorizontalFlip(), T.RandomVerticalFlip(), T.RandomCrop(10, padding=3),
    T.RandomResizedCrop(8), T.RandomRotation(30), T.RandomRotation(30, interpolation="bilinear"),
    T.ColorJitter(0.4, 0.4, 0.4, 0.1),
]


# --- the protocol --------------------------------------------------------------------------

@pytest.mark.parametrize("t", RANDOM, ids=repr)
def test_random_transforms_are_seeded_by_manual_seed(t):
    x = _batch(n=16)
    tinycnn.manual_seed(3)
    a = t.batch(x), t(x[0])
    tinycnn.manual_seed(3)
    b = t.batch(x), t(x[0])
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    tinycnn.manual_seed(4)
    assert not np.array_equal(t.batch(x), a[0])  # another seed, other draws


@pytest.mark.parametrize("t", RANDOM, ids=repr)
def test_batch_equals_per_image_on_the_same_draws(t):
    x = _batch(n=8)
    params = t.draw(len(x), x.shape[1:3], np.random.default_rng(7))
    batched = t.apply(x, params, batched=True)
    for i in range(len(x)):
        one = t.apply(x[i], {k: v[i:i + 1] for k, v in params.items()}, batched=False)
        np.testing.assert_array_equal(batched[i], one)


@pytest.mark.parametrize("t", RANDOM, ids=repr)
def test_random_transforms_keep_kind_dtype_and_range(t):
    x = _img()
    out = t(x)
    assert isinstance(out, np.ndarray) and out.dtype == np.uint8 and out.ndim == 3
    pil = t(Image.fromarray(x))
    assert isinstance(pil, Image.Image) and pil.mode == "RGB"
    f = t(T.ToTensor()(x))
    assert isinstance(f, Tensor) and f.dtype == np.float32 and f.shape[0] == 3
    assert 0 <= f._data.min() and f._data.max() <= 1
    fb = t.batch(T.ToTensor().batch(_batch()))
    assert isinstance(fb, Tensor) and fb.shape[:2] == (6, 3)


def test_tensor_and_array_paths_agree():
    """The same draws on a uint8 array and on its ToTensor version give the same image."""
    x = _batch()
    for t in [T.RandomCrop(10, padding=2), T.RandomHorizontalFlip(), T.RandomRotation(45)]:
        p = t.draw(len(x), x.shape[1:3], np.random.default_rng(0))
        a = T.ToTensor().batch(t.apply(x, p, batched=True))._data
        b = t.apply(T.ToTensor().batch(x), p, batched=True)._data
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_bad_inputs_name_what_was_expected():
    with pytest.raises(TypeError, match="expected an image"):
        T.RandomHorizontalFlip()([1, 2, 3][0])
    with pytest.raises(TypeError, match="expected a batch"):
        T.RandomHorizontalFlip().batch(np.zeros((4, 4), np.uint8))
    with pytest.raises(TypeError, match="not a batch"):
        T.RandomHorizontalFlip().batch(Image.fromarray(_img()))
    with pytest.raises(ValueError, match="probability"):
        T.RandomHorizontalFlip(p=2)
    with pytest.raises(ValueError, match="larger than the image"):
        T.RandomCrop(20)(_img())
    with pytest.raises(ValueError, match="size"):
        T.CenterCrop(0)


# --- ToTensor, Normalize, Compose, Lambda ------------------------------------------------

def test_to_tensor_matches_torch():
    x = _img()
    out = T.ToTensor()(x)
    ref = torch.from_numpy(x).permute(2, 0, 1).float().div(255).numpy()
    assert out.dtype == np.float32 and out._data.flags.c_contiguous
    np.testing.assert_array_equal(out._data, ref)
    np.testing.assert_array_equal(T.ToTensor()(Image.fromarray(x))._data, ref)
    assert T.ToTensor()(_img(c=None)).shape == (1, 12, 16)
    assert T.ToTensor()(Image.fromarray(_img(c=None))).shape == (1, 12, 16)
    b = _batch()
    np.testing.assert_array_equal(T.ToTensor().batch(b)._data, np.stack([T.ToTensor()(i)._data for i in b]))
    f = np.full((2, 2, 3), 7.5)
    assert T.ToTensor()(f)._data.max() == 7.5  # float arrays keep their values
    with pytest.raises(TypeError, match="converted already"):
        T.ToTensor()(out)
    back = T.ToPILImage()(out)  # and back, to look at it
    assert back.mode == "RGB" and np.array_equal(np.asarray(back), x)
    assert T.ToPILImage()(T.ToTensor()(_img(c=None))).mode == "L"


def test_normalize_matches_torch_and_checks_channels():
    x = T.ToTensor().batch(_batch())
    mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.3)
    out = T.Normalize(mean, std).batch(x)
    ref = ((torch.from_numpy(x.numpy()) - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1))
    np.testing.assert_allclose(out._data, ref.numpy(), rtol=1e-6, atol=1e-7)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(T.Normalize(mean, std)(x[0])._data, out._data[0])
    with pytest.raises(ValueError, match="3 means"):
        T.Normalize(mean, std)(Tensor(np.zeros((2, 4, 4), np.float32)))
    with pytest.raises(TypeError, match="ToTensor first"):
        T.Normalize(mean, std)(_img())
    with pytest.raises(ValueError, match="non-zero"):
        T.Normalize(mean, (1, 0, 1))


def test_compose_and_lambda_batch_fall_back_to_per_image():
    calls = []

    def plain(img):  # not a Transform: batches go image by image
        calls.append(1)
        return img[::-1]

    pipeline = T.Compose([plain, T.Lambda(lambda im: im + 1), T.ToTensor()])
    x = _batch(n=3)
    out = pipeline.batch(x)
    assert len(calls) == 3 and out.shape == (3, 3, 12, 16)
    np.testing.assert_array_equal(out._data[1], pipeline(x[1])._data)
    doubled = T.Lambda(lambda b: b * 2, batched=True).batch(np.ones((2, 2, 2), np.float32))
    assert doubled.sum() == 16


# --- flips, crops, padding ------------------------------------------------------------------

def test_flip_references():
    x = _batch()
    h = T.RandomHorizontalFlip(p=1.0)
    np.testing.assert_array_equal(h.batch(x), x[:, :, ::-1])
    np.testing.assert_array_equal(h.batch(h.batch(x)), x)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0).batch(x), x)
    np.testing.assert_array_equal(T.RandomVerticalFlip(p=1.0)(x[0]), x[0, ::-1])
    mirrored = h(Image.fromarray(x[0]))
    np.testing.assert_array_equal(np.asarray(mirrored), np.asarray(Image.fromarray(x[0]).transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    flips = T.RandomHorizontalFlip().draw(4000, (1, 1), np.random.default_rng(0))["flip"]
    assert 0.45 < flips.mean() < 0.55


def test_random_crop_takes_windows_of_the_padded_image():
    x = _batch(h=8, w=8)
    t = T.RandomCrop(8, padding=2)
    p = t.draw(len(x), (8, 8), np.random.default_rng(0))
    assert p["top"].min() >= 0 and p["top"].max() <= 4
    out = t.apply(x, p, batched=True)
    padded = np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)))
    for i in range(len(x)):
        t0, l0 = p["top"][i], p["left"][i]
        np.testing.assert_array_equal(out[i], padded[i, t0:t0 + 8, l0:l0 + 8])
    np.testing.assert_array_equal(T.RandomCrop(8).batch(x), x)  # no room to move: identity
    reflect = T.RandomCrop(12, padding=2, padding_mode="reflect")(x[0])
    np.testing.assert_array_equal(reflect, np.pad(x[0], ((2, 2), (2, 2), (0, 0)), mode="reflect"))
    assert T.RandomCrop((10, 12), pad_if_needed=True)(x[0]).shape == (10, 12, 3)


def test_center_crop_and_pad_follow_torchvision():
    x = _img(h=9, w=10)
    np.testing.assert_array_equal(T.CenterCrop(4)(x), x[2:6, 3:7])  # round(2.5)=2, round(3)=3
    big = T.CenterCrop((12, 13))(x)  # larger: zero padding, (12-9)//2=1 above, (13-10)//2=1 left
    np.testing.assert_array_equal(big[1:10, 1:11], x)
    assert big[0].sum() == 0 and big[:, 0].sum() == 0
    np.testing.assert_array_equal(T.Pad((1, 2, 3, 4), fill=5)(x)[2:11, 1:11], x)
    assert T.Pad((1, 2, 3, 4))(x).shape == (15, 14, 3)
    edge = T.Pad(2, padding_mode="edge").batch(x[None])[0]
    np.testing.assert_array_equal(edge, np.pad(x, ((2, 2), (2, 2), (0, 0)), mode="edge"))


def test_five_and_ten_crop():
    x = _img(h=10, w=12)
    crops = T.FiveCrop(4)(x)
    expected = [x[:4, :4], x[:4, 8:], x[6:, :4], x[6:, 8:], x[3:7, 4:8]]
    for c, e in zip(crops, expected):
        np.testing.assert_array_equal(c, e)
    ten = T.TenCrop(4)(x)
    assert len(ten) == 10
    flipped = x[:, ::-1]
    np.testing.assert_array_equal(ten[5], flipped[:4, :4])
    np.testing.assert_array_equal(ten[6], flipped[:4, 8:])
    np.testing.assert_array_equal(T.TenCrop(4, vertical_flip=True)(x)[5], x[::-1][:4, :4])
    b = _batch(n=3, h=10, w=12)
    tb = T.TenCrop(4).batch(b)
    assert tb.shape == (3, 10, 4, 4, 3)
    np.testing.assert_array_equal(tb[1, 6], T.TenCrop(4)(b[1])[6])
    tensors = T.ToTensor()(ten)
    assert tensors.shape == (10, 3, 4, 4)
    np.testing.assert_array_equal(T.ToTensor().batch(tb)._data[1], T.ToTensor()(T.TenCrop(4)(b[1]))._data)
    assert T.TenCrop(4).batch(T.ToTensor().batch(b)).shape == (3, 10, 3, 4, 4)
    assert T.FiveCrop(4).batch(b[..., 0]).shape == (3, 5, 4, 4, 1)  # channel axis kept


def test_tencrop_predict_averages_over_crops():
    x = Tensor(np.random.default_rng(0).random((2, 10, 3, 4, 4), dtype=np.float32))
    w = np.random.default_rng(1).random((48, 5), dtype=np.float32)

    def model(batch):  # a linear model (N, 3, 4, 4) -> (N, 5)
        assert batch.shape == (20, 3, 4, 4)
        return Tensor(batch._data.reshape(20, -1) @ w)

    out = tencrop_predict(model, x)
    ref = (x._data.reshape(20, -1) @ w).reshape(2, 10, 5).mean(axis=1)
    np.testing.assert_allclose(out._data, ref, rtol=1e-5)
    probs = tencrop_predict(model, x, average="probs")
    np.testing.assert_allclose(probs._data.sum(axis=1), 1, rtol=1e-5)
    with pytest.raises(ValueError, match="n_crops"):
        tencrop_predict(model, x[0])


# --- resizing -------------------------------------------------------------------------------

def test_resize_sizes_follow_torchvision():
    assert T.Resize(20).output_size(40, 60) == (20, 30)
    assert T.Resize(20).output_size(61, 40) == (30, 20)
    assert T.Resize(20, max_size=25).output_size(40, 60) == (16, 25)
    assert T.Resize((7, 9)).output_size(40, 60) == (7, 9)
    assert T.Resize(8)(Image.fromarray(_img(h=16, w=24))).size == (12, 8)


@pytest.mark.parametrize("shape,size", [((37, 50), (16, 21)), ((10, 14), (23, 31)), ((20, 20), (20, 20))])
def test_resize_matches_pil_bilinear(shape, size):
    x = _img(*shape)
    ours = T.Resize(size)(x)
    pil = np.asarray(Image.fromarray(x).resize(size[::-1], Image.Resampling.BILINEAR))
    assert ours.dtype == np.uint8 and ours.shape == (*size, 3)
    assert np.abs(ours.astype(int) - pil).max() <= 1  # PIL rounds between its two passes


def test_resize_nearest_matches_pil_and_batches():
    x = _img(h=13, w=17)
    ours = T.Resize((6, 9), interpolation="nearest")(x)
    pil = np.asarray(Image.fromarray(x).resize((9, 6), Image.Resampling.NEAREST))
    np.testing.assert_array_equal(ours, pil)
    b = _batch()
    np.testing.assert_array_equal(T.Resize(7).batch(b)[2], T.Resize(7)(b[2]))
    f = T.Resize(7)(T.ToTensor()(b[0]))
    np.testing.assert_allclose(f._data * 255, T.ToTensor()(T.Resize(7)(b[0]))._data * 255, atol=0.5 + 1e-3)


def test_random_resized_crop_params_and_references():
    t = T.RandomResizedCrop(8, scale=(0.2, 0.9))
    p = t.draw(500, (30, 40), np.random.default_rng(0))
    area = p["height"] * p["width"] / (30 * 40)
    assert (p["top"] >= 0).all() and (p["top"] + p["height"] <= 30).all()
    assert (p["left"] >= 0).all() and (p["left"] + p["width"] <= 40).all()
    assert 0.17 < area.min() and area.max() < 0.95
    x = _img(h=30, w=40)
    whole = T.RandomResizedCrop((15, 20), scale=(1, 1), ratio=(4 / 3, 4 / 3))
    np.testing.assert_array_equal(whole(x), T.Resize((15, 20))(x))
    # on the same draw the PIL path (crop, then PIL resize) and the array path agree
    one = {k: v[:1] for k, v in p.items()}
    pil = np.asarray(t.apply(Image.fromarray(x), one))
    assert np.abs(pil.astype(int) - t.apply(x, one)).max() <= 1
    # impossible ratios fall back to a centred crop with the ratio clamped
    fb = T.RandomResizedCrop(4, ratio=(3.0, 4.0)).draw(1, (40, 10), np.random.default_rng(0))
    assert fb["width"][0] == 10 and fb["height"][0] == round(10 / 3) and fb["top"][0] == (40 - 3) // 2


# --- rotation -------------------------------------------------------------------------------

def test_rotation_references():
    x = _batch(h=10, w=10)
    zero = {"angle": np.zeros(len(x))}
    for mode in ("nearest", "bilinear"):
        np.testing.assert_array_equal(T.RandomRotation(0, interpolation=mode).apply(x, zero, True), x)
    quarter = T.RandomRotation((90, 90))
    np.testing.assert_array_equal(quarter.batch(x), np.rot90(x, k=1, axes=(1, 2)))  # counter-clockwise
    corners = T.RandomRotation((45, 45), fill=7).batch(x)
    assert (corners[:, 0, 0] == 7).all()


@pytest.mark.parametrize("angle", [13.0, -37.5, 120.0])
def test_rotation_matches_pil_rotate(angle):
    x = _img(h=21, w=30)
    ours = T.RandomRotation((angle, angle))(x)
    pil = np.asarray(Image.fromarray(x).rotate(angle, resample=Image.Resampling.NEAREST))
    assert (ours == pil).all(axis=-1).mean() > 0.98  # only rounding ties may differ


# --- colour ---------------------------------------------------------------------------------

def test_hsv_round_trip_matches_colorsys():
    rgb = np.random.default_rng(0).random((50, 3)).astype(np.float32)
    rgb[:5] = rgb[:5, :1]  # some greys
    hsv = color.rgb_to_hsv(rgb)
    ref = np.array([colorsys.rgb_to_hsv(*p) for p in rgb])
    np.testing.assert_allclose(hsv, ref, atol=1e-5)
    np.testing.assert_allclose(color.hsv_to_rgb(hsv), rgb, atol=1e-5)


def test_color_adjustments_against_pil_and_definitions():
    x = _img()
    pil = Image.fromarray(x)
    for cls, fn in [(ImageEnhance.Brightness, color.adjust_brightness),
                    (ImageEnhance.Color, color.adjust_saturation)]:
        ref = np.asarray(cls(pil).enhance(1.3)).astype(int)
        ours = np.rint(fn(x[None].astype(np.float32), np.array([1.3]), 255.0))[0]
        assert np.abs(ours - ref).max() <= 1
    b = _batch()
    jitter = T.ColorJitter(saturation=(0, 0))
    grey = T.Grayscale(3).batch(b).astype(int)
    assert np.abs(jitter.batch(b).astype(int) - grey).max() <= 1
    flat = T.ColorJitter(contrast=(0, 0)).batch(b)
    assert (flat.reshape(len(b), -1).std(axis=1) < 1).all()  # one grey level per image
    np.testing.assert_array_equal(T.ColorJitter(hue=(0, 0)).batch(b), b)
    shifted = T.ColorJitter(hue=(0.5, 0.5)).batch(b)
    back = T.ColorJitter(hue=(0.5, 0.5)).batch(shifted)
    assert np.abs(back.astype(int) - b).max() <= 2
    with pytest.raises(ValueError, match="hue"):
        T.ColorJitter(hue=0.7)
    with pytest.raises(ValueError, match="brightness"):
        T.ColorJitter(brightness=-1)


def test_color_jitter_order_is_a_permutation_per_image():
    p = T.ColorJitter(0.5, 0.5, 0.5, 0.2).draw(100, (4, 4), np.random.default_rng(0))
    assert (np.sort(p["order"], axis=1) == np.arange(4)).all()
    assert len({tuple(o) for o in p["order"]}) > 10
    assert (p["brightness"] >= 0.5).all() and (p["brightness"] <= 1.5).all()


def test_grayscale_matches_pil():
    x = _img()
    ours = T.Grayscale()(Image.fromarray(x))
    assert ours.mode == "L"
    ref = np.asarray(Image.fromarray(x).convert("L")).astype(int)
    assert np.abs(np.asarray(ours).astype(int) - ref).max() <= 1
    assert T.Grayscale(3)(x).shape == (12, 16, 3)
    assert T.Grayscale().batch(_batch()).shape == (6, 12, 16, 1)


def test_kernels_do_not_write_into_their_input():
    x = _batch()
    x.setflags(write=False)  # a write would raise
    geometry.flip(x, np.ones(len(x), bool), 2)
    geometry.crop(x, np.arange(len(x)) % 3, 1, 5, 5)
    geometry.rotate(x, np.full(len(x), 30.0))
    T.ColorJitter(0.5, 0.5, 0.5, 0.1).batch(x)


def test_random_apply_changes_about_p_of_the_images_and_is_seeded():
    from tinycnn.data.transforms import RandomApply, RandomHorizontalFlip

    x = np.arange(200 * 2 * 3 * 1, dtype=np.uint8).reshape(200, 2, 3, 1)
    always_flip = RandomApply([RandomHorizontalFlip(p=1.0)], p=0.3)
    tinycnn.manual_seed(5)
    out = always_flip.batch(x)
    changed = np.array([not np.array_equal(a, b) for a, b in zip(out, x)])
    assert 30 < changed.sum() < 90  # about 60 of 200
    assert np.array_equal(out[changed], x[changed][:, :, ::-1])  # changed ones are flipped
    assert np.array_equal(out[~changed], x[~changed])
    tinycnn.manual_seed(5)
    assert np.array_equal(always_flip.batch(x), out)
    img = x[0]
    assert RandomApply([RandomHorizontalFlip(1.0)], p=0.0)(img) is img
    with pytest.raises(ValueError, match="p must be a probability"):
        RandomApply([], p=1.5)


# --- RandomErasing, PILToTensor, ConvertImageDtype --------------------------------------------

def test_random_erasing_blanks_one_rectangle_per_image():
    x = tinycnn.ones(3, 16, 16)
    y = T.RandomErasing(p=1.0, value=(0.0, 0.5, 0.25))(x)
    erased = y.numpy()[0] == 0
    rows, cols = np.nonzero(erased)
    assert erased.any() and erased.sum() == (np.ptp(rows) + 1) * (np.ptp(cols) + 1)
    assert np.all(y.numpy()[1][erased] == 0.5) and x.numpy().min() == 1  # input untouched
    assert np.array_equal(T.RandomErasing(p=0.0)(x).numpy(), x.numpy())
    batch = T.RandomErasing(p=1.0).batch(tinycnn.ones(4, 3, 8, 8))
    assert batch.shape == (4, 3, 8, 8) and all((batch.numpy()[k] == 0).any() for k in range(4))
    with pytest.raises(ValueError, match="random"):
        T.RandomErasing(value="random")


def test_pil_to_tensor_and_convert_image_dtype_as_torchvision():
    img = Image.fromarray(np.arange(12, dtype=np.uint8).reshape(2, 2, 3))
    t = T.PILToTensor()(img)
    assert t.dtype == np.uint8 and t.tolist() == np.arange(12).reshape(2, 2, 3).transpose(
        2, 0, 1).tolist()
    assert T.PILToTensor()(img.convert("L")).shape == (1, 2, 2)
    f = T.ConvertImageDtype(tinycnn.float32)(tinycnn.tensor([0, 51, 255], dtype=tinycnn.uint8))
    np.testing.assert_allclose(f.numpy(), [0.0, 0.2, 1.0])
    back = T.ConvertImageDtype(tinycnn.uint8)(f)
    assert back.dtype == np.uint8 and back.tolist() == [0, 51, 255]


def test_random_grayscale_and_antialias_argument():
    x = tinycnn.rand(3, 4, 4)
    y = T.RandomGrayscale(p=1.0)(x)
    assert y.shape == (3, 4, 4) and np.allclose(y.numpy()[0], y.numpy()[2])
    assert np.array_equal(T.RandomGrayscale(p=0.0)(x).numpy(), x.numpy())
    batch = T.RandomGrayscale(p=1.0).batch(np.full((2, 3, 3, 3), (10, 200, 30), np.uint8))
    assert batch.dtype == np.uint8 and (batch[..., 0] == batch[..., 1]).all()
    assert T.Resize((4, 6), antialias=True)(tinycnn.zeros(3, 8, 12)).shape == (3, 4, 6)
    with pytest.raises(ValueError, match="antialias=False"):
        T.Resize(4, antialias=False)


# --- RandomAffine, GaussianBlur, transforms.functional ----------------------------------------

def test_random_affine_rotates_translates_scales():
    x = np.random.default_rng(0).integers(0, 255, (2, 9, 9, 3)).astype(np.uint8)
    assert np.array_equal(T.RandomAffine((90, 90)).batch(x), T.RandomRotation((90, 90)).batch(x))
    params = {"angle": np.zeros(2), "translate": np.array([[1.0, 0.0], [0.0, -2.0]]),
              "scale": np.ones(2), "shear": np.zeros((2, 2))}
    moved = T.RandomAffine(0).apply(x, params, batched=True)
    assert np.array_equal(moved[0, :, 1:], x[0, :, :-1]) and (moved[0, :, 0] == 0).all()
    assert np.array_equal(moved[1, :-2], x[1, 2:])  # up by 2
    zoom = T.RandomAffine(0, scale=(3, 3)).batch(x)
    assert (zoom[:, 3:6, 3:6] == x[:, 4:5, 4:5]).all()  # the centre pixel, three times wider
    assert T.RandomAffine(10, (0.1, 0.1), (0.9, 1.1), shear=5)(tinycnn.zeros(3, 8, 8)).shape == \
        (3, 8, 8)


def test_gaussian_blur_matches_a_reflect_padded_convolution():
    img = np.random.default_rng(1).random((2, 1, 8, 8)).astype(np.float32)
    ours = T.GaussianBlur(5, sigma=1.5).batch(tinycnn.tensor(img)).numpy()
    t = np.linspace(-2, 2, 5)
    k = np.exp(-0.5 * (t / 1.5) ** 2)
    k /= k.sum()
    padded = torch.nn.functional.pad(torch.tensor(img), (2, 2, 2, 2), mode="reflect")
    ref = torch.nn.functional.conv2d(padded, torch.tensor(np.outer(k, k), dtype=torch.float32)[
        None, None]).numpy()
    np.testing.assert_allclose(ours, ref, atol=1e-6)
    with pytest.raises(ValueError, match="odd"):
        T.GaussianBlur(4)


def test_transforms_functional_as_torchvision():
    import tinycnn.data.transforms.functional as TF

    x = tinycnn.arange(24.0).reshape(2, 3, 4) / 24
    a = x.numpy()
    assert np.array_equal(TF.hflip(x).numpy(), a[..., ::-1])
    assert np.array_equal(TF.vflip(x).numpy(), a[:, ::-1])
    assert np.array_equal(TF.crop(x, 1, 1, 2, 2).numpy(), a[:, 1:3, 1:3])
    assert TF.center_crop(x, 2).shape == (2, 2, 2) and TF.resize(x, (6, 8)).shape == (2, 6, 8)
    assert TF.pad(x, 1).shape == (2, 5, 6)
    np.testing.assert_allclose(TF.normalize(x, (0.5, 0.5), (0.25, 0.25)).numpy(), (a - 0.5) / 0.25)
    img = Image.fromarray(np.full((4, 4, 3), 100, np.uint8))
    assert np.asarray(TF.adjust_brightness(img, 1.5))[0, 0].tolist() == [150, 150, 150]
    assert TF.to_tensor(img).shape == (3, 4, 4) and TF.rgb_to_grayscale(img).mode == "L"
    assert np.array_equal(TF.rotate(x, 90).numpy(), T.RandomRotation((90, 90))(x).numpy())
    np.testing.assert_allclose(TF.gaussian_blur(tinycnn.ones(1, 5, 5), 3).numpy(), 1.0, atol=1e-6)


# --- AutoAugment, RandAugment, TrivialAugmentWide -------------------------------------------

def test_augmentation_operations_match_pil():
    from PIL import ImageOps

    from tinycnn.data.transforms.autoaugment import apply_op

    img = np.random.default_rng(0).integers(0, 255, (16, 16, 3)).astype(np.uint8)
    pil = Image.fromarray(img)
    assert np.array_equal(apply_op(img, "Posterize", 4), np.asarray(ImageOps.posterize(pil, 4)))
    assert np.array_equal(apply_op(img, "Solarize", 128), np.asarray(ImageOps.solarize(pil, 128)))
    assert np.array_equal(apply_op(img, "Equalize", 0), np.asarray(ImageOps.equalize(pil)))
    assert np.array_equal(apply_op(img, "Invert", 0), 255 - img)
    assert np.array_equal(apply_op(img, "Rotate", 90.0), T.RandomRotation((90, 90))(img))
    moved = apply_op(img, "TranslateX", 3.0)
    assert np.array_equal(moved[:, 3:], img[:, :-3]) and (moved[:, :3] == 0).all()
    grey = img[..., :1]
    assert apply_op(grey, "Sharpness", 0.5).shape == (16, 16, 1)


@pytest.mark.parametrize("make", [lambda: T.AutoAugment(), lambda: T.AutoAugment(
    T.AutoAugmentPolicy.CIFAR10), lambda: T.RandAugment(num_ops=2, magnitude=9),
    lambda: T.TrivialAugmentWide()], ids=["imagenet", "cifar10", "randaugment", "trivial"])
def test_policies_keep_kind_shape_and_seed(make):
    img = np.random.default_rng(1).integers(0, 255, (12, 12, 3)).astype(np.uint8)
    tf = make()
    assert isinstance(tf(Image.fromarray(img)), Image.Image)
    out = tf(tinycnn.rand(3, 12, 12))
    assert out.shape == (3, 12, 12) and out.dtype == np.float32
    tinycnn.manual_seed(3)
    a = tf.batch(np.stack([img] * 8))
    tinycnn.manual_seed(3)
    assert a.shape == (8, 12, 12, 3) and np.array_equal(a, tf.batch(np.stack([img] * 8)))
