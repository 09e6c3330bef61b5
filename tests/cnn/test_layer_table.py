"""The layer table in plain Python, checked against the Keras model it describes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cnn
from cnn.config import ModelConfig
from cnn.layer_table import count_params, layer_specs, layer_table

ROOT = Path(__file__).resolve().parents[2]
LAYER_NAMES = [
    "input",
    "conv_1",
    "pool_1",
    "conv_2",
    "pool_2",
    "dropout_1",
    "flatten",
    "dense",
    "dropout_2",
    "output",
]


def test_default_table_is_the_seed_model():
    table = layer_table()
    assert list(table.columns) == ["layer", "type", "output_shape", "params", "formula"]
    assert table["layer"].tolist() == LAYER_NAMES
    params = dict(zip(table["layer"], table["params"], strict=True))
    assert params["conv_1"] == 416
    assert params["conv_2"] == 14_436
    assert params["dense"] == 225_920
    assert params["output"] == 1_290
    assert sum(params.values()) == 242_062
    assert count_params() == 242_062
    assert count_params(ModelConfig()) == 242_062


def test_default_output_shapes():
    shapes = dict(zip(layer_table()["layer"], layer_table()["output_shape"], strict=True))
    assert shapes["input"] == "28 × 28 × 1"
    assert shapes["conv_1"] == "28 × 28 × 16"
    assert shapes["pool_1"] == "14 × 14 × 16"
    assert shapes["conv_2"] == "14 × 14 × 36"
    assert shapes["pool_2"] == "7 × 7 × 36"
    assert shapes["flatten"] == "1764"
    assert shapes["dense"] == "128"
    assert shapes["output"] == "10"


def test_formulas_show_the_arithmetic():
    formulas = dict(zip(layer_table()["layer"], layer_table()["formula"], strict=True))
    assert "(5×5×1 + 1) × 16 = 416" in formulas["conv_1"]
    assert "(5×5×16 + 1) × 36 = 14,436" in formulas["conv_2"]
    assert "1,764 × 128 + 128 = 225,920" in formulas["dense"]
    assert "128 × 10 + 10 = 1,290" in formulas["output"]
    assert "7×7×36 = 1,764" in formulas["flatten"]
    assert "0.25" in formulas["dropout_1"]
    assert "0.5" in formulas["dropout_2"]


def test_table_follows_the_config():
    config = ModelConfig(filters=(8,), kernel_size=3, padding="valid", pooling="average")
    table = layer_table(config)
    assert table["layer"].tolist() == [
        "input",
        "conv_1",
        "pool_1",
        "dropout_1",
        "flatten",
        "dense",
        "dropout_2",
        "output",
    ]
    assert table["type"].tolist()[2] == "AveragePooling2D"
    # Hand computed: 26x26x8 -> 13x13x8 = 1352 values; (3*3*1+1)*8 = 80.
    assert table["output_shape"].tolist()[1] == "26 × 26 × 8"
    assert table["params"].tolist()[1] == 80
    assert count_params(config) == 80 + 1352 * 128 + 128 + 1290


def test_layer_table_does_not_import_tensorflow():
    code = (
        "import sys, cnn\n"
        "cnn.layer_table(); cnn.count_params(cnn.ModelConfig(filters=(8,)))\n"
        "cnn.layer_specs()\n"
        "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


CONFIGS = [
    ModelConfig(),
    ModelConfig(filters=(8,)),
    ModelConfig(filters=(4, 8, 16), kernel_size=3),
    ModelConfig(filters=(6,), kernel_size=1, dense_units=10),
    ModelConfig(filters=(5, 7), kernel_size=7, padding="valid"),
    ModelConfig(filters=(3, 4, 5), kernel_size=3, padding="valid"),
    ModelConfig(filters=(8, 4), kernel_size=5, padding="valid", pooling="average"),
    ModelConfig(filters=(2,), kernel_size=7, padding="valid", dense_units=1),
    ModelConfig(filters=(12, 6), kernel_size=3, pooling="average", dense_units=64),
    ModelConfig(filters=(1, 2, 3), kernel_size=5, activation="tanh", dense_units=33),
    ModelConfig(filters=(16,), kernel_size=9, padding="valid", dense_units=200),
    ModelConfig(filters=(4, 4, 4), kernel_size=7, padding="same", pooling="average"),
    ModelConfig(filters=(10, 20), kernel_size=1, padding="valid", activation="sigmoid"),
]


@pytest.mark.parametrize("config", CONFIGS, ids=[str(i) for i in range(len(CONFIGS))])
def test_specs_match_keras(config):
    model = cnn.build_model(config)
    specs = layer_specs(config)
    assert specs[0].name == "input"
    assert tuple(model.input_shape[1:]) == specs[0].output_shape
    assert [layer.name for layer in model.layers] == [spec.name for spec in specs[1:]]
    for layer, spec in zip(model.layers, specs[1:], strict=True):
        assert type(layer).__name__ == spec.kind, spec.name
        assert layer.count_params() == spec.params, spec.name
        assert tuple(layer.output.shape[1:]) == spec.output_shape, spec.name
    assert model.count_params() == count_params(config)


def test_layers_without_weights_explain_themselves_for_translation():
    specs = layer_specs(ModelConfig(pooling="average", conv_dropout=0.3))
    explained = {spec.name: (spec.explanation, spec.explanation_values) for spec in specs}
    assert explained["input"] == ("input", {})
    assert explained["pool_1"] == ("pool", {"pooling": "average"})
    assert explained["dropout_1"] == ("dropout", {"rate": "0.3"})
    assert explained["dropout_2"] == ("dropout", {"rate": "0.5"})
    assert explained["flatten"] == ("flatten", {"shape": "7×7×36", "count": "1,764"})
    # Layers with weights have a formula that is plain arithmetic, the same in any language.
    assert all(spec.explanation == "" for spec in specs if spec.params)
