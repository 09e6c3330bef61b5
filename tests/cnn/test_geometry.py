"""The geometry drawings, photos and the invariance lab share: the 20-pixel box, centring by
centre of mass, the affine resampling, and the morphology, each against a hand computation or
a brute-force reference."""

from __future__ import annotations

import numpy as np
import pytest

from cnn.config import IMAGE_SIZE
from cnn.images import geometry


def blob(shape=(60, 40), top=5, left=3, height=30, width=12) -> np.ndarray:
    image = np.zeros(shape, np.float32)
    image[top : top + height, left : left + width] = 1.0
    return image


# ---------------------------------------------------------------- the 20-pixel box


@pytest.mark.parametrize(
    ("size", "expected"),
    [((100, 50), (20, 10)), ((50, 100), (10, 20)), ((7, 7), (20, 20)), ((3, 300), (1, 20))],
)
def test_the_box_fit_makes_the_longer_side_20_and_keeps_the_aspect_ratio(size, expected):
    assert geometry.box_size(*size) == expected


def test_scale_into_box_shrinks_and_enlarges_to_the_box():
    for crop in (blob((200, 90), 0, 0, 200, 90), blob((9, 14), 0, 0, 9, 14)):
        scaled = geometry.scale_into_box(crop)
        assert max(scaled.shape) == geometry.DIGIT_BOX
        assert scaled.dtype == np.float32 and scaled.min() >= 0.0
        assert scaled.max() == pytest.approx(1.0, abs=1e-5)  # a full block stays full


def test_shrinking_averages_so_a_thin_stroke_is_not_skipped():
    crop = np.zeros((200, 200), np.float32)
    crop[:, 101] = 1.0  # one column in ten of each 10x10 block
    scaled = geometry.scale_into_box(crop)
    assert scaled.sum() == pytest.approx(crop.sum() / 100, rel=1e-4)
    assert scaled[:, 10].min() == pytest.approx(0.1, abs=1e-5)


# ---------------------------------------------------------------- centre of mass


def test_centre_of_mass_matches_a_hand_computation():
    image = np.zeros((5, 7), np.float32)
    image[1, 2] = 1.0
    image[3, 6] = 3.0
    x, y = geometry.centre_of_mass(image)
    assert x == pytest.approx((2 * 1 + 6 * 3) / 4)
    assert y == pytest.approx((1 * 1 + 3 * 3) / 4)


def test_a_blank_image_has_its_centre_of_mass_in_the_middle():
    assert geometry.centre_of_mass(np.zeros((28, 28))) == (13.5, 13.5)
    assert geometry.centre_of_mass(np.zeros((5, 9))) == (4.0, 2.0)


@pytest.mark.parametrize(("top", "left"), [(0, 0), (0, 10), (8, 2), (3, 7)])
def test_an_off_centre_digit_ends_with_its_centre_of_mass_at_the_frame_centre(top, left):
    """MNIST's rule: the centre of mass on (14, 14), to the nearest whole pixel."""
    digit = np.zeros((20, 14), np.float32)
    digit[top : top + 12, left : left + 4] = 1.0  # a stroke far from the crop's middle
    digit[top, left : left + 4] = 0.5
    framed = geometry.centre_by_mass(digit)
    assert framed.shape == (IMAGE_SIZE, IMAGE_SIZE) and framed.dtype == np.float32
    x, y = geometry.centre_of_mass(framed)
    assert abs(x - IMAGE_SIZE / 2) <= 0.5 and abs(y - IMAGE_SIZE / 2) <= 0.5
    assert framed.sum() == pytest.approx(digit.sum())  # nothing lost


def test_centring_never_pushes_the_digit_out_of_the_frame():
    digit = np.zeros((20, 20), np.float32)
    digit[:, 0] = 1.0  # all the mass on one edge: centring it would cut the digit
    framed = geometry.centre_by_mass(digit)
    assert framed.sum() == pytest.approx(digit.sum())
    assert np.count_nonzero(framed[:, :8]) == 0 or np.count_nonzero(framed[:, 20:]) == 0


def test_to_mnist_fits_brightens_and_centres():
    crop = 0.5 * blob((90, 30), 0, 0, 90, 30)
    image = geometry.to_mnist(crop)
    rows = np.flatnonzero(image.max(axis=1) > 0)
    assert len(rows) == geometry.DIGIT_BOX  # the longer side fills the box
    assert image.max() == pytest.approx(1.0)
    x, y = geometry.centre_of_mass(image)
    assert abs(x - 14) <= 0.5 and abs(y - 14) <= 0.5


def test_to_mnist_refuses_a_crop_without_ink_and_min_peak_limits_brightening():
    with pytest.raises(ValueError, match="no ink"):
        geometry.to_mnist(np.zeros((10, 10)))
    faint = 1e-8 * blob((10, 10), 0, 0, 10, 10)
    assert geometry.to_mnist(faint).max() == pytest.approx(1.0)
    assert geometry.to_mnist(faint, min_peak=1e-6).max() == pytest.approx(1e-2, rel=1e-3)


# ---------------------------------------------------------------- resampling


def test_warp_affine_with_the_identity_returns_the_image():
    image = np.random.default_rng(0).random((28, 28)).astype(np.float32)
    out = geometry.warp_affine(image, np.eye(2), np.zeros(2))
    np.testing.assert_allclose(out, image, atol=1e-6)


def test_warp_affine_by_whole_pixels_is_a_shift_with_black_entering():
    image = np.random.default_rng(1).random((28, 28)).astype(np.float32)
    out = geometry.warp_affine(image, np.eye(2), np.array([3.0, -2.0]))  # 3 right, 2 up
    np.testing.assert_allclose(out[:26, 3:], image[2:, :25], atol=1e-6)
    assert out[:, :3].max() == 0 and out[26:].max() == 0


# ---------------------------------------------------------------- binary morphology


def test_dilation_grows_the_ink_and_erosion_shrinks_it():
    mask = blob((40, 40), 10, 12, 15, 6) > 0
    grown = geometry.disk_dilate(mask, 2)
    shrunk = geometry.disk_erode(mask, 2)
    assert grown.sum() > mask.sum() > shrunk.sum() > 0
    assert (grown | mask).sum() == grown.sum()  # the ink is kept, only added to
    assert (shrunk & ~mask).sum() == 0  # nothing added
    # A rectangle grown by a disk of 2 (13 pixels: no (±2, ±1)): 3 pixels short at each corner.
    assert grown.sum() == (15 + 4) * (6 + 4) - 4 * 3
    assert shrunk.sum() == (15 - 4) * (6 - 4)


def test_closing_a_convex_shape_gives_it_back_and_radius_0_is_identity():
    mask = blob((40, 40), 10, 12, 15, 6) > 0
    np.testing.assert_array_equal(geometry.disk_erode(geometry.disk_dilate(mask, 3), 3), mask)
    assert geometry.disk_dilate(mask, 0) is mask and geometry.disk_erode(mask, 0) is mask


# ---------------------------------------------------------------- grey morphology


def brute_window(array, size, axis, op):
    """The reference: `op` over every centred window, edges repeated, one pixel at a time."""
    before = (size - 1) // 2
    moved = np.moveaxis(array, axis, 0)
    n = moved.shape[0]
    out = np.empty_like(moved)
    for i in range(n):
        window = moved[np.clip(np.arange(i - before, i - before + size), 0, n - 1)]
        out[i] = op.reduce(window, axis=0)
    return np.moveaxis(out, 0, axis)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 13])
@pytest.mark.parametrize("op", [np.minimum, np.maximum])
def test_window_extreme_matches_a_brute_force_window(size, op):
    array = np.random.default_rng(size).random((23, 17)).astype(np.float32)
    for axis in (0, 1):
        np.testing.assert_array_equal(
            geometry.window_extreme(array, size, axis, op), brute_window(array, size, axis, op)
        )


def test_box_extreme_is_a_square_window():
    array = np.random.default_rng(3).random((15, 19))
    expected = brute_window(brute_window(array, 5, 0, np.maximum), 5, 1, np.maximum)
    np.testing.assert_array_equal(geometry.box_extreme(array, 5, np.maximum), expected)
    assert geometry.box_extreme(array, 3, np.maximum).sum() > array.sum()  # grey dilation


def test_shift_edge_repeats_the_edge():
    array = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(
        geometry.shift_edge(array, 0, 1), [[1, 2, 3, 3], [5, 6, 7, 7], [9, 10, 11, 11]]
    )
    np.testing.assert_array_equal(geometry.shift_edge(array, -1, 0), array[[0, 0, 1]])
    assert geometry.shift_edge(array, 0, 0) is array


def test_line_opening_keeps_a_long_line_and_removes_a_blob():
    image = np.zeros((60, 120), np.float32)
    image[20, 10:110] = 1.0  # a printed line, 100 px
    image[40:48, 50:58] = 1.0  # a blob, 8 px across
    opened = geometry.line_opening(image, 32, 0.0)
    np.testing.assert_array_equal(opened[20, 10:110], 1.0)
    assert opened[40:48, 50:58].max() == 0.0
    tilted = np.zeros((60, 120), np.float32)
    tilted[np.round(10 + 0.05 * np.arange(100)).astype(int), np.arange(10, 110)] = 1.0
    assert geometry.line_opening(tilted, 32, 0.05).sum() > 0.5 * tilted.sum()  # its slope
    assert geometry.line_opening(tilted, 32, 0.0).sum() == 0  # askew for a level segment


def test_cross_morphology_grows_and_shrinks_by_the_four_neighbours():
    image = np.zeros((7, 7), np.float32)
    image[3, 3] = 0.8
    grown = geometry.cross_morphology(image, 1, grow=True)
    assert np.count_nonzero(grown) == 5 and grown[2, 3] == grown[3, 4] == pytest.approx(0.8)
    assert np.count_nonzero(geometry.cross_morphology(grown, 1, grow=False)) == 1
    assert geometry.cross_morphology(image, 2, grow=True).sum() == pytest.approx(13 * 0.8)
    edge = np.ones((5, 5), np.float32)
    assert geometry.cross_morphology(edge, 1, grow=False).sum() == 9  # outside is black
    assert geometry.cross_morphology(image, 0, grow=True) is image
