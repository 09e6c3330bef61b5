"""The layer table: names, output shapes and parameter counts, computed in plain Python.

`import cnn; cnn.layer_table()` never imports TensorFlow, so the Architecture page is instant.
The counts are tested against Keras' `count_params()` for many configs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cnn.config import IMAGE_SIZE, NUM_CLASSES, ModelConfig, conv_output_size


@dataclass(frozen=True)
class LayerSpec:
    """One layer as the model builder creates it and the table shows it.

    Attributes:
        formula: how the parameters come about, in English (the CLI's table).
        explanation: for layers without weights, what the formula says as a kind
            ("input", "pool", "dropout", "flatten") and `explanation_values`, so a UI can
            say it in its own language; "" where the formula is plain arithmetic.
    """

    name: str
    kind: str  # Conv2D, MaxPooling2D, AveragePooling2D, Dropout, Flatten, Dense, Input
    output_shape: tuple[int, ...]
    params: int
    formula: str
    explanation: str = ""
    explanation_values: dict = field(default_factory=dict, compare=False)


def _fmt(number: int) -> str:
    return f"{number:,}"


def _shape_text(shape: tuple[int, ...]) -> str:
    return " × ".join(str(s) for s in shape)


def layer_specs(config: ModelConfig | None = None) -> list[LayerSpec]:
    """The layers of `build_model(config)`, in order, starting with the input.

    Layer names match the Keras model's layer names, so the two can be compared.
    """
    config = config or ModelConfig()
    k = config.kernel_size
    height = width = IMAGE_SIZE
    channels = 1
    specs = [
        LayerSpec(
            "input",
            "Input",
            (height, width, channels),
            0,
            "28 × 28 pixels, 1 channel (grey)",
            "input",
        )
    ]
    pool_kind = "MaxPooling2D" if config.pooling == "max" else "AveragePooling2D"
    for block, filters in enumerate(config.filters, start=1):
        height = width = conv_output_size(height, k, config.padding)
        params = (k * k * channels + 1) * filters
        specs.append(
            LayerSpec(
                f"conv_{block}",
                "Conv2D",
                (height, width, filters),
                params,
                f"({k}×{k}×{channels} + 1) × {filters} = {_fmt(params)}",
            )
        )
        channels = filters
        height, width = height // 2, width // 2
        specs.append(
            LayerSpec(
                f"pool_{block}",
                pool_kind,
                (height, width, channels),
                0,
                f"2×2 {config.pooling} of each map: no weights",
                "pool",
                {"pooling": config.pooling},
            )
        )
    specs.append(
        LayerSpec(
            "dropout_1",
            "Dropout",
            (height, width, channels),
            0,
            f"drops {config.conv_dropout:g} of the values in training: no weights",
            "dropout",
            {"rate": f"{config.conv_dropout:g}"},
        )
    )
    flat = height * width * channels
    specs.append(
        LayerSpec(
            "flatten",
            "Flatten",
            (flat,),
            0,
            f"{height}×{width}×{channels} = {_fmt(flat)} values in a row: no weights",
            "flatten",
            {"shape": f"{height}×{width}×{channels}", "count": _fmt(flat)},
        )
    )
    units = config.dense_units
    dense = flat * units + units
    specs.append(
        LayerSpec(
            "dense",
            "Dense",
            (units,),
            dense,
            f"{_fmt(flat)} × {units} + {units} = {_fmt(dense)}",
        )
    )
    specs.append(
        LayerSpec(
            "dropout_2",
            "Dropout",
            (units,),
            0,
            f"drops {config.dense_dropout:g} of the values in training: no weights",
            "dropout",
            {"rate": f"{config.dense_dropout:g}"},
        )
    )
    output = units * NUM_CLASSES + NUM_CLASSES
    specs.append(
        LayerSpec(
            "output",
            "Dense",
            (NUM_CLASSES,),
            output,
            f"{units} × {NUM_CLASSES} + {NUM_CLASSES} = {_fmt(output)}",
        )
    )
    return specs


def count_params(config: ModelConfig | None = None) -> int:
    """Total trainable parameters of `build_model(config)`, without TensorFlow."""
    return sum(spec.params for spec in layer_specs(config))


def layer_table(config: ModelConfig | None = None):
    """One row per layer: layer, type, output shape, params and the formula behind them.

    Args:
        config: the model; the course's when None.

    Returns:
        A pandas DataFrame with columns `layer`, `type`, `output_shape`, `params`, `formula`.

    Example:
        >>> layer_table()["params"].sum()
        np.int64(242062)
    """
    import pandas as pd

    specs = layer_specs(config)
    return pd.DataFrame(
        {
            "layer": [s.name for s in specs],
            "type": [s.kind for s in specs],
            "output_shape": [_shape_text(s.output_shape) for s in specs],
            "params": [s.params for s in specs],
            "formula": [s.formula for s in specs],
        }
    )
