"""The board's digits (`classroom.board_digits`): stored as 784 bytes, listed newest first,
counted per label, read back as MNIST-style arrays. On SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import sqlalchemy
from board_helpers import digit_image, total_digits

from classroom import schema


def test_digits_round_trip_newest_first_filtered_and_counted(board):
    ids = [board.add_digit("s1", "Ada", digit_image(i), i % 3) for i in range(7)]
    listed = board.list_digits()
    assert [d.id for d in listed] == ids[::-1]
    newest = listed[0]
    assert (newest.label, newest.nickname) == (6 % 3, "Ada")
    assert newest.pixels.dtype == np.uint8 and newest.pixels.shape == (28, 28)
    np.testing.assert_allclose(newest.image, digit_image(6), atol=1e-6)
    assert newest.created_at.tzinfo is not None
    assert [d.id for d in board.list_digits(label=1)] == [ids[4], ids[1]]
    assert len(board.list_digits(limit=2)) == 2
    assert board.digit_counts() == {0: 3, 1: 2, 2: 2, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 0}


def test_images_are_stored_as_784_bytes_rounded_to_255ths(board, database_url):
    image = np.full((28, 28, 1), 0.5)
    board.add_digit("s1", "Ada", image, 0)
    engine = sqlalchemy.create_engine(database_url)
    with engine.connect() as conn:
        stored = conn.execute(sqlalchemy.select(schema.digits.c.image)).scalar_one()
    engine.dispose()
    assert len(stored) == 784 and set(stored) == {128}


def test_class_digits_array_is_mnist_shaped_oldest_first(board):
    images = [digit_image(i) for i in range(4)]
    for i, image in enumerate(images):
        board.add_digit("s1", "Ada", image, 9 - i)
    x, y = board.class_digits_array()
    assert x.dtype == np.uint8 and x.shape == (4, 28, 28)
    assert y.dtype == np.uint8 and y.tolist() == [9, 8, 7, 6]
    np.testing.assert_array_equal(x, np.rint(np.array(images) * 255).astype(np.uint8))


def test_an_empty_board_has_empty_arrays(board):
    x, y = board.class_digits_array()
    assert x.shape == (0, 28, 28) and y.shape == (0,)
    assert board.list_digits() == [] and total_digits(board) == 0


def test_huge_limits_read_everything(board):
    board.add_digit("s1", "Ada", digit_image(0), 0)
    assert len(board.list_digits(limit=2**70)) == 1
    assert len(board.leaderboard(limit=2**70)) == 0
