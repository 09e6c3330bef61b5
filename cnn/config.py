"""The network: one dataclass whose defaults are the course's CNN.

Plain Python only (no TensorFlow), so the Architecture page and `layer_table` are instant.
How the network is trained (optimizer, schedule, precision, ...) is `cnn.recipe`'s.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

IMAGE_SIZE = 28
NUM_CLASSES = 10
INPUT_SHAPE = (IMAGE_SIZE, IMAGE_SIZE, 1)

PADDINGS = ("same", "valid")
POOLINGS = ("max", "average")
ACTIVATIONS = ("relu", "sigmoid", "tanh")

MIN_BLOCKS, MAX_BLOCKS = 1, 3
MIN_FILTERS, MAX_FILTERS = 1, 256
MIN_KERNEL, MAX_KERNEL = 1, 9
MIN_DENSE, MAX_DENSE = 1, 2048


@dataclass(frozen=True)
class ModelConfig:
    """Everything that defines the CNN. The defaults are exactly the course's model.

    Conv2D(16, 5x5, same, relu) -> MaxPool 2x2 -> Conv2D(36, 5x5, same, relu) -> MaxPool 2x2
    -> Dropout 0.25 -> Flatten -> Dense(128, relu) -> Dropout 0.5 -> Dense(10, softmax):
    242,062 parameters.

    Args:
        filters: number of filters of each convolution block; its length (1 to 3) is the
            number of blocks. Each block is Conv2D followed by 2x2 pooling.
        kernel_size: side of the square convolution kernel, 1 to 9.
        padding: "same" (output as large as the input) or "valid" (no padding).
        pooling: "max" or "average" 2x2 pooling.
        activation: "relu", "sigmoid" or "tanh", used by every conv layer and the hidden
            dense layer.
        conv_dropout: dropout rate after the last pooling layer, in [0, 1).
        dense_units: units of the hidden fully connected layer.
        dense_dropout: dropout rate after the hidden dense layer, in [0, 1).

    Example:
        >>> ModelConfig().num_blocks
        2
        >>> ModelConfig(filters=(8,), pooling="average").num_blocks
        1
    """

    filters: tuple[int, ...] = (16, 36)
    kernel_size: int = 5
    padding: str = "same"
    pooling: str = "max"
    activation: str = "relu"
    conv_dropout: float = 0.25
    dense_units: int = 128
    dense_dropout: float = 0.5

    def __post_init__(self) -> None:
        # Lists are accepted for convenience (JSON, CLI), stored as a tuple so the config
        # stays hashable (Streamlit caches on it).
        if isinstance(self.filters, list):
            object.__setattr__(self, "filters", tuple(self.filters))
        _validate(self)

    @property
    def num_blocks(self) -> int:
        """Number of convolution blocks (Conv2D + pooling)."""
        return len(self.filters)

    def to_dict(self) -> dict:
        """The config as plain JSON-friendly types."""
        data = asdict(self)
        data["filters"] = list(self.filters)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ModelConfig:
        """Build a config from `to_dict()` output; unknown keys are a `ValueError`."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"Unknown ModelConfig field(s) {unknown}; expected some of {sorted(known)}."
            )
        return cls(**data)

    def with_changes(self, **changes) -> ModelConfig:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)


def same_padding(kernel_size: int) -> tuple[int, int]:
    """The zero rows (and columns) "same" padding adds before and after the image: Keras and
    TensorFlow put the odd one at the bottom (right), e.g. 2 and 2 for 5x5, 1 and 2 for 4x4."""
    before = (kernel_size - 1) // 2
    return before, kernel_size - 1 - before


def conv_output_size(size: int, kernel_size: int, padding: str) -> int:
    """The side of a convolution's output: as large as the input with "same" padding, the
    places where the kernel fits (`size - kernel_size + 1`) with "valid"."""
    return size if padding == "same" else size - kernel_size + 1


def fail(owner: str, name: str, value, expected: str) -> None:
    """Raise the `ValueError` every config check raises: what was given, what is expected."""
    raise ValueError(f"{owner}.{name} = {value!r} is not allowed: expected {expected}.")


def check_int(owner: str, name: str, value, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        fail(owner, name, value, f"an integer from {low} to {high}")


def check_number(owner: str, name: str, value, low: float, high: float, example: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        fail(owner, name, value, f"a number from {low:g} to {high:g}, e.g. {example}")


def check_choice(owner: str, name: str, value, choices: tuple[str, ...]) -> None:
    if value not in choices:
        fail(owner, name, value, "one of " + ", ".join(repr(c) for c in choices))


def check_bool(owner: str, name: str, value) -> None:
    if not isinstance(value, bool):
        fail(owner, name, value, "True or False")


def _check_rate(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        fail("ModelConfig", name, value, "a dropout rate from 0 up to (not including) 1, e.g. 0.25")


def _validate(config: ModelConfig) -> None:
    if not isinstance(config.filters, tuple) or not (
        MIN_BLOCKS <= len(config.filters) <= MAX_BLOCKS
    ):
        fail(
            "ModelConfig",
            "filters",
            config.filters,
            f"{MIN_BLOCKS} to {MAX_BLOCKS} filter counts, one per convolution block, e.g. (16, 36)",
        )
    for index, count in enumerate(config.filters):
        check_int("ModelConfig", f"filters[{index}]", count, MIN_FILTERS, MAX_FILTERS)
    check_int("ModelConfig", "kernel_size", config.kernel_size, MIN_KERNEL, MAX_KERNEL)
    check_choice("ModelConfig", "padding", config.padding, PADDINGS)
    check_choice("ModelConfig", "pooling", config.pooling, POOLINGS)
    check_choice("ModelConfig", "activation", config.activation, ACTIVATIONS)
    _check_rate("conv_dropout", config.conv_dropout)
    check_int("ModelConfig", "dense_units", config.dense_units, MIN_DENSE, MAX_DENSE)
    _check_rate("dense_dropout", config.dense_dropout)
    # The image must not shrink to nothing: each block's conv ("valid" loses k-1 pixels)
    # and 2x2 pooling (halves, rounding down) must leave at least one pixel.
    size = IMAGE_SIZE
    for block in range(config.num_blocks):
        size = conv_output_size(size, config.kernel_size, config.padding)
        if size < 2:
            raise ValueError(
                f"ModelConfig with {config.num_blocks} blocks, kernel_size={config.kernel_size}"
                f" and padding={config.padding!r} shrinks the 28x28 image to nothing at block"
                f" {block + 1}: use padding='same', a smaller kernel or fewer blocks."
            )
        size //= 2
