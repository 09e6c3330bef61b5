"""Evaluation: the seed's [loss, accuracy] as Keras computes it, plus the confusion matrix and
the mistakes."""

from __future__ import annotations

import numpy as np
import pytest

import cnn
from cnn.inference.evaluation import Evaluation, confusion_matrix, evaluate, predict_probabilities


@pytest.fixture(scope="module")
def trained(tiny_data, small_config):
    """A small model after one short epoch: right on some digits, wrong on others."""
    config = small_config
    model = cnn.build_model(config, seed=1)
    recipe = cnn.TrainingRecipe(
        model=config, optimizer=cnn.OptimizerConfig(learning_rate=0.01), epochs=1, batch_size=100
    )
    cnn.train(model, tiny_data, recipe, seed=1)
    return model


@pytest.fixture(scope="module")
def result(trained, tiny_data) -> Evaluation:
    return evaluate(trained, tiny_data)


def test_loss_and_accuracy_match_keras(trained, tiny_data, result):
    x = cnn.to_4d_float(tiny_data.x_test)
    y = cnn.one_hot(tiny_data.y_test)
    keras_loss, keras_accuracy = trained.evaluate(x, y, verbose=0, batch_size=64)
    assert result.loss == pytest.approx(keras_loss, rel=1e-3)
    assert result.accuracy == pytest.approx(keras_accuracy, rel=1e-3)
    assert result.as_list() == [result.loss, result.accuracy]
    # The model is neither perfect nor useless, so the checks below see both cases.
    assert 0.1 < result.accuracy < 1.0


def test_probabilities_match_keras_predict(trained, tiny_data, result):
    expected = trained.predict(cnn.to_4d_float(tiny_data.x_test), verbose=0)
    assert result.probabilities.shape == (200, 10)
    np.testing.assert_allclose(result.probabilities, expected, rtol=1e-4, atol=1e-6)


def test_confusion_matrix_is_consistent(tiny_data, result):
    confusion = result.confusion
    predicted = result.probabilities.argmax(axis=1)
    assert confusion.shape == (10, 10)
    assert confusion.sum() == len(tiny_data.y_test)
    assert np.trace(confusion) / confusion.sum() == pytest.approx(result.accuracy)
    np.testing.assert_array_equal(
        confusion.sum(axis=1), np.bincount(tiny_data.y_test, minlength=10)
    )
    np.testing.assert_array_equal(confusion.sum(axis=0), np.bincount(predicted, minlength=10))


def test_misclassified_rows_are_the_mistakes(tiny_data, result):
    wrong = result.misclassified
    assert list(wrong.columns) == ["index", "true", "predicted", "confidence"]
    assert len(wrong) == len(tiny_data.y_test) - np.trace(result.confusion)
    predicted = result.probabilities.argmax(axis=1)
    assert set(wrong["index"]) == set(np.flatnonzero(predicted != tiny_data.y_test))
    for row in wrong.itertuples():
        assert row.true == tiny_data.y_test[row.index]
        assert row.predicted == predicted[row.index]
        assert row.predicted != row.true
        assert row.confidence == pytest.approx(result.probabilities[row.index, row.predicted])
    confidences = wrong["confidence"].to_numpy()
    assert (np.diff(confidences) <= 0).all()  # most confident mistakes first


def test_confusion_matrix_by_hand():
    matrix = confusion_matrix(np.array([0, 0, 1, 9, 9]), np.array([0, 1, 1, 9, 3]))
    expected = np.zeros((10, 10), np.int64)
    expected[0, 0] = expected[0, 1] = expected[1, 1] = expected[9, 9] = expected[9, 3] = 1
    np.testing.assert_array_equal(matrix, expected)


def test_predict_probabilities_in_batches(trained, tiny_data):
    whole = predict_probabilities(trained, tiny_data.x_test[:30])
    parts = predict_probabilities(trained, tiny_data.x_test[:30], batch_size=7)
    np.testing.assert_allclose(parts, whole, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(whole.sum(axis=1), 1.0, rtol=1e-5)
    assert predict_probabilities(trained, tiny_data.x_test[:0]).shape == (0, 10)


def test_predict_probabilities_of_one_digit(trained, tiny_data):
    one = predict_probabilities(trained, tiny_data.x_test[3])
    assert one.shape == (1, 10)
    np.testing.assert_allclose(
        one[0], predict_probabilities(trained, tiny_data.x_test[:5])[3], rtol=1e-5, atol=1e-7
    )


def test_evaluate_needs_test_images(trained, tiny_data):
    empty = cnn.Dataset(
        tiny_data.x_train, tiny_data.y_train, tiny_data.x_test[:0], tiny_data.y_test[:0], "none"
    )
    with pytest.raises(ValueError, match="no test images"):
        evaluate(trained, empty)
