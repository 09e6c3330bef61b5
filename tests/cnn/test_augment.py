"""Training-time augmentation (`cnn.images.augment`): pure functions on batches of digits,
shapes and ranges kept, deterministic for a seed, each change doing what its name says."""

from __future__ import annotations

import numpy as np
import pytest

from cnn.images import augment as aug
from cnn.images.geometry import centre_of_mass


@pytest.fixture(scope="module")
def digits(sample) -> np.ndarray:
    return sample.x_train[:64].astype(np.float32) / 255.0


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def ink_area(batch: np.ndarray) -> np.ndarray:
    return (batch > 0.5).sum(axis=(1, 2))


def test_every_change_keeps_shape_and_range(digits):
    for changed in (
        aug.affine(digits, rng()),
        aug.elastic(digits, rng()),
        aug.stroke_width(digits, rng().uniform(-1, 2, len(digits))),
        aug.low_resolution(digits, rng()),
        aug.augment_batch(digits, rng(), aug.RobustAugment()),
        aug.augment_batch(digits, rng(), aug.RobustAugment(coarse=1.0)),
    ):
        assert changed.shape == digits.shape and changed.dtype == np.float32
        assert changed.min() >= 0.0 and changed.max() <= 1.0


def test_uint8_in_uint8_out(sample):
    batch = sample.x_train[:16]
    changed = aug.augment_batch(batch, rng(), aug.RobustAugment())
    assert changed.dtype == np.uint8 and changed.shape == batch.shape
    assert not np.array_equal(changed, batch)


def test_the_same_seed_gives_the_same_digits_and_another_seed_others(digits):
    settings = aug.RobustAugment()
    first = aug.augment_batch(digits, rng(7), settings)
    np.testing.assert_array_equal(first, aug.augment_batch(digits, rng(7), settings))
    assert not np.array_equal(first, aug.augment_batch(digits, rng(8), settings))


def test_zero_ranges_change_nothing(digits):
    still = aug.affine(digits, rng(), rotation=0, shift=0, scale=0, shear=0)
    np.testing.assert_allclose(still, digits, atol=1e-5)
    np.testing.assert_allclose(aug.elastic(digits, rng(), amount=0), digits, atol=1e-5)
    np.testing.assert_array_equal(aug.stroke_width(digits, 0.0), digits)
    nothing = aug.RobustAugment(share=0.0)
    np.testing.assert_allclose(aug.augment_batch(digits, rng(), nothing), digits, atol=1e-6)


def test_thicker_strokes_have_more_ink_and_thinner_less(digits):
    area = ink_area(digits)
    thicker, thinner = aug.stroke_width(digits, 1.0), aug.stroke_width(digits, -1.0)
    assert (ink_area(thicker) > area).all()
    assert (ink_area(thinner) < area).all()
    # fractional steps lie between, in order
    sums = [aug.stroke_width(digits, a).sum() for a in (-1.0, -0.5, 0.0, 0.5, 1.0, 2.0)]
    assert sums == sorted(sums)


def test_shifts_move_the_centre_of_mass_at_most_the_range(digits):
    moved = aug.affine(digits, rng(), rotation=0, shift=3.0, scale=0, shear=0)
    distances = []
    for before, after in zip(digits, moved, strict=True):
        (y0, x0), (y1, x1) = centre_of_mass(before), centre_of_mass(after)
        distances.append(max(abs(y1 - y0), abs(x1 - x0)))
    assert max(distances) <= 3.0 + 0.5  # pixels cut at the frame's edge
    assert np.mean(distances) > 0.5


def test_a_shear_slants_a_vertical_bar():
    bar = np.zeros((1, 28, 28), np.float32)
    bar[0, 4:24, 13:15] = 1.0
    slanted = aug.affine(bar, rng(1), rotation=0, shift=0, scale=0, shear=30.0)[0]
    top, bottom = slanted[6], slanted[21]
    columns = np.arange(28)
    top_x = (top * columns).sum() / top.sum()
    bottom_x = (bottom * columns).sum() / bottom.sum()
    assert abs(top_x - bottom_x) > 1.0


def test_the_elastic_wobble_moves_a_dot_at_most_its_amount():
    dot = np.zeros((32, 28, 28), np.float32)
    dot[:, 14, 14] = 1.0
    wobbled = aug.elastic(dot, rng(3), amount=2.0)
    for image in wobbled:
        y, x = centre_of_mass(image)
        assert abs(y - 14) <= 2.0 + 1e-3 and abs(x - 14) <= 2.0 + 1e-3
    assert not np.allclose(wobbled, dot)


def test_bad_settings_are_refused_by_name():
    with pytest.raises(ValueError, match="shear"):
        aug.RobustAugment(shear=90.0)
    with pytest.raises(ValueError, match="share"):
        aug.RobustAugment(share=-0.1)
    with pytest.raises(ValueError, match="coarse"):
        aug.RobustAugment(coarse=1.5)
    with pytest.raises(ValueError, match="28, 28"):
        aug.affine(np.zeros((2, 20, 20)), rng())


def test_a_coarse_grid_loses_the_fine_detail_and_keeps_the_digit(digits):
    """A one-pixel checkerboard (detail finer than any grid) averages away to a flat field;
    a digit keeps its place and most of its ink, redrawn with hard edges."""
    checker = (np.indices((28, 28)).sum(axis=0) % 2).astype(np.float32)[None]
    flat = aug.low_resolution(np.repeat(checker, 4, axis=0), rng())
    assert flat[:, 2:-2, 2:-2].std(axis=(1, 2)).max() < 0.05 * checker.std()  # (edges: the frame)
    coarse = aug.low_resolution(digits, rng(3))
    moved = np.array(
        [
            np.hypot(*np.subtract(centre_of_mass(before), centre_of_mass(after)))
            for before, after in zip(digits, coarse, strict=True)
        ]
    )
    assert moved.max() <= 3.0 and moved.mean() <= 1.0  # a thin stroke may vanish, not move
    overlap = ((digits > 0.5) & (coarse > 0.5)).sum() / (digits > 0.5).sum()
    assert overlap > 0.7
    # A pen, not a blur: most pixels are clearly ink or clearly paper.
    assert ((coarse > 0.15) & (coarse < 0.85)).mean() < 0.25


def only_coarse(coarse: float) -> aug.RobustAugment:
    """Every digit "changed", by nothing but the coarse grid (with share `coarse`)."""
    still = {"rotation": 0, "shift": 0, "scale": 0, "shear": 0, "elastic": 0}
    return aug.RobustAugment(share=1.0, thinner=0, thicker=0, coarse=coarse, **still)


def test_the_coarse_share_is_the_share_of_digits_rebuilt(digits):
    def rebuilt(coarse: float) -> np.ndarray:
        changed = aug.augment_batch(digits, rng(5), only_coarse(coarse))
        return np.abs(changed - digits).max(axis=(1, 2)) > 0.2

    assert not rebuilt(0.0).any()
    assert rebuilt(1.0).all()
    assert 0.25 < rebuilt(0.5).mean() < 0.75
