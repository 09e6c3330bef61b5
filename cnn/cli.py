"""`python -m cnn`: train (reproducing the course), download MNIST, print the layer table.

`train --network mlp` trains the course's multilayer-perceptron baseline instead of the CNN,
with the MLP's recipe (`cnn.baseline_recipe`: the course's optimizer, float32).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import fields, replace
from pathlib import Path

from cnn.config import ACTIVATIONS, PADDINGS, POOLINGS, ModelConfig
from cnn.layer_table import count_params, layer_table
from cnn.notebook import LOCALES
from cnn.recipe import OPTIMIZERS, PRESETS, SCHEDULES, TrainingRecipe, baseline_recipe
from cnn.training.hardware import MIXED_PRECISION_CHOICES, mixed_precision_for

# The network's flags: ModelConfig's fields, each a flag of the same name.
_NETWORK_CHOICES = {"padding": PADDINGS, "pooling": POOLINGS, "activation": ACTIVATIONS}
# The training flags: TrainingRecipe.settings() names, each a flag of the same name
# (--augment and --mixed-precision have their own forms below).
_SETTING_TYPES = {
    "epochs": int,
    "batch_size": int,
    "validation_split": float,
    "learning_rate": float,
    "beta_2": float,
    "warmup_fraction": float,
    "label_smoothing": float,
}
_SETTING_CHOICES = {"optimizer": OPTIMIZERS, "schedule": SCHEDULES}
NETWORKS = ("cnn", "mlp")
# The MLP baseline's layers (`cnn.training.model.build_mlp` with its defaults), for its summary.
MLP_HIDDEN_UNITS, MLP_DROPOUT = 1000, 0.5


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _preset_defaults(setting: str) -> str:
    """e.g. "default: the preset's (course 10, quick 3, best 30)"."""
    values = ", ".join(f"{name} {recipe.settings()[setting]}" for name, recipe in PRESETS.items())
    return f"default: the preset's ({values})"


def _add_network_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = ModelConfig()
    group = parser.add_argument_group("network (defaults: the course's CNN)")
    for field in fields(ModelConfig):
        default = getattr(defaults, field.name)
        if field.name == "filters":
            group.add_argument(
                "--filters",
                type=int,
                nargs="+",
                help=f"filters per conv block (1-3), default {' '.join(map(str, default))}",
            )
        elif field.name in _NETWORK_CHOICES:
            group.add_argument(
                _flag(field.name), choices=_NETWORK_CHOICES[field.name], help=f"default {default}"
            )
        else:
            group.add_argument(_flag(field.name), type=type(default), help=f"default {default}")


def _add_training_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("training (defaults: the chosen --preset's)")
    group.add_argument("--preset", choices=list(PRESETS), default="course")
    for setting, kind in _SETTING_TYPES.items():
        group.add_argument(_flag(setting), type=kind, help=_preset_defaults(setting))
    for setting, choices in _SETTING_CHOICES.items():
        group.add_argument(_flag(setting), choices=choices, help=_preset_defaults(setting))
    group.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        help="train on randomly rotated, shifted and zoomed digits; " + _preset_defaults("augment"),
    )
    group.add_argument(
        "--mixed-precision",
        choices=MIXED_PRECISION_CHOICES,
        default="off",
        help="bfloat16 compute; 'auto' turns it on where the CPU has native bf16 (default off)",
    )


def _network(args, base: ModelConfig) -> ModelConfig:
    changes = {
        field.name: getattr(args, field.name)
        for field in fields(ModelConfig)
        if getattr(args, field.name, None) is not None
    }
    if "filters" in changes:
        changes["filters"] = tuple(changes["filters"])
    return replace(base, **changes)


def _recipe(args) -> TrainingRecipe:
    """The preset with the flags given on the command line changed."""
    recipe = PRESETS[args.preset]
    settings = {
        setting: getattr(args, setting)
        for setting in (*_SETTING_TYPES, *_SETTING_CHOICES, "augment")
        if getattr(args, setting) is not None
    }
    if args.mixed_precision != "off":
        settings["mixed_precision"] = mixed_precision_for(args.mixed_precision)
    return recipe.with_model(_network(args, recipe.model)).with_settings(**settings)


def _mlp_recipe(args) -> TrainingRecipe:
    """The MLP baseline's recipe for `train --network mlp`; the CNN's flags are refused."""
    given = [_flag(f.name) for f in fields(ModelConfig) if getattr(args, f.name, None) is not None]
    if given:
        raise ValueError(
            f"{', '.join(given)}: the CNN's network options do not apply to --network mlp."
        )
    if args.mixed_precision != "off":
        raise ValueError("--mixed-precision: the MLP baseline trains in float32 only.")
    recipe = _recipe(args)
    return baseline_recipe(recipe, recipe.epochs)


def _mlp_config() -> dict:
    return {"network": "mlp", "hidden_units": MLP_HIDDEN_UNITS, "dropout": MLP_DROPOUT}


def _recipe_dict(recipe: TrainingRecipe, mlp: bool) -> dict:
    data = recipe.to_dict()
    if mlp:
        data.pop("model")  # the CNN's network, which the MLP does not use
    return data


def _print_mlp_summary() -> None:
    pixels, hidden, classes = 28 * 28, MLP_HIDDEN_UNITS, 10
    rows = [
        ("flatten", "Flatten", f"{pixels}", 0),
        ("dense", "Dense (relu)", f"{hidden}", pixels * hidden + hidden),
        ("dropout", f"Dropout {MLP_DROPOUT}", f"{hidden}", 0),
        ("output", "Dense (softmax)", f"{classes}", hidden * classes + classes),
    ]
    print(f"{'layer':<8} {'type':<16} {'output':>6} {'params':>8}")
    for name, kind, shape, params in rows:
        print(f"{name:<8} {kind:<16} {shape:>6} {params:>8,}")
    print(f"Total params: {sum(row[3] for row in rows):,}")


def _print_summary(config: ModelConfig) -> None:
    table = layer_table(config)
    print(table.to_string(index=False))
    print(f"Total params: {count_params(config):,}")


def _print_epoch(progress) -> None:
    if progress.epoch_end:
        logs = progress.logs
        seconds = progress.history["epoch_seconds"][-1]
        print(
            f"Epoch {progress.epoch}/{progress.epochs} - {seconds:.1f}s - "
            f"loss: {logs.get('loss', float('nan')):.4f} - "
            f"accuracy: {logs.get('accuracy', float('nan')):.4f} - "
            f"val_loss: {logs.get('val_loss', float('nan')):.4f} - "
            f"val_accuracy: {logs.get('val_accuracy', float('nan')):.4f}",
            flush=True,
        )


def _train(args) -> int:
    mlp = args.network == "mlp"
    try:
        recipe = _mlp_recipe(args) if mlp else _recipe(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    from cnn.data import DataError, load_mnist

    try:
        data = load_mnist(args.data)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.extra_digits:
        try:
            data = _with_extra_digits(data, args.extra_digits, args.extra_weight)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    print(f"Data: {data.source}")
    if data.is_sample:
        print(
            "  (the offline sample: run `python -m cnn download` or set MNIST_PATH "
            "for the full 60,000 digits)"
        )
    if mlp:
        _print_mlp_summary()
    else:
        _print_summary(recipe.model)

    from cnn.inference.evaluation import evaluate
    from cnn.training.loop import train
    from cnn.training.model import build_for, build_mlp

    if mlp:
        model = build_mlp(MLP_HIDDEN_UNITS, MLP_DROPOUT, optimizer=recipe.optimizer, seed=args.seed)
    else:
        model = build_for(recipe, seed=args.seed)
    start = time.perf_counter()
    run = train(model, data, recipe, seed=args.seed, progress=_print_epoch)
    seconds = time.perf_counter() - start
    result = evaluate(model, data)
    print(f"Training took {seconds:.1f} s")
    print(f"[{result.loss:.4f}, {result.accuracy:.4f}]")
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        model.save(out)
        print(f"Saved {out}")
    if args.metrics:
        Path(args.metrics).write_text(
            json.dumps(
                {
                    "data": data.source,
                    "network": args.network,
                    "preset": args.preset,
                    "recipe": _recipe_dict(recipe, mlp),
                    "config": _mlp_config() if mlp else recipe.model.to_dict(),
                    "epochs": recipe.epochs,
                    "batch_size": recipe.batch_size,
                    "validation_split": recipe.validation_split,
                    "augment": recipe.augment.enabled,
                    "extra_digits": args.extra_digits,
                    "extra_weight": args.extra_weight if args.extra_digits else None,
                    "seed": args.seed,
                    "train_seconds": round(seconds, 1),
                    "test_loss": result.loss,
                    "test_accuracy": result.accuracy,
                    "history": run.history,
                },
                indent=2,
            )
        )
    return 0


def _with_extra_digits(data, path: str, weight: float):
    """`data` with the digits in `path` in front of its training digits (never in its
    validation or test digits), weighing about `weight` of what is trained on."""
    from cnn.class_digits import ClassDigits, with_class_digits
    from cnn.writer_digits import load_extra_digits

    if not 0.0 < weight < 1.0:
        raise ValueError(f"--extra-weight {weight}: expected a number between 0 and 1")
    x, y = load_extra_digits(path)
    extra = ClassDigits(x, y, x[:0], y[:0])
    return with_class_digits(data, extra, weight=weight, what=f"digits from {Path(path).name}")


def _download(args) -> int:
    from cnn.data import DownloadError, download_mnist, load_mnist_file

    def show(done: int, total: int) -> None:
        if total:
            print(f"\r{done / 1e6:5.1f} / {total / 1e6:.1f} MB", end="", flush=True)

    try:
        path = download_mnist(timeout_s=args.timeout, progress=show)
    except DownloadError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 1
    print(f"\nMNIST is ready: {path} ({load_mnist_file(path).source})")
    return 0


def _notebook(args) -> int:
    try:
        recipe = _recipe(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from cnn.notebook import notebook_bytes

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(notebook_bytes(recipe, args.language))
    print(f"Saved {out}: {count_params(recipe.model):,} parameters, epochs: {recipe.epochs}")
    return 0


def _summary(args) -> int:
    try:
        config = _network(args, ModelConfig())
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    _print_summary(config)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cnn", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train the CNN and print what the course printed")
    train.add_argument("--data", help="an mnist.npz in Keras' layout (default: MNIST_PATH, ...)")
    train.add_argument("--out", help="save the trained model here, e.g. model.keras")
    train.add_argument("--metrics", help="write test metrics and history to this JSON file")
    train.add_argument("--seed", type=int, help="a random seed: makes the run reproducible")
    train.add_argument(
        "--network",
        choices=NETWORKS,
        default="cnn",
        help="cnn (default), or mlp: the course's MLP baseline (Flatten, Dense 1000, Dropout "
        "0.5, Dense 10), trained as the course trains it; the network options below are for "
        "the CNN",
    )
    train.add_argument(
        "--extra-digits",
        help="an .npz of more 28x28 digits to learn from besides MNIST's (x_train, y_train), "
        "e.g. data/writer_digits.npz from scripts/fetch_writer_digits.py",
    )
    train.add_argument(
        "--extra-weight",
        type=float,
        default=0.1,
        help="about this share of the digits trained on are the extra digits (default 0.1)",
    )
    _add_training_arguments(train)
    _add_network_arguments(train)
    train.set_defaults(run=_train)

    download = commands.add_parser("download", help="fill Keras' cache with full MNIST")
    download.add_argument("--timeout", type=float, default=10.0, help="seconds, default 10")
    download.set_defaults(run=_download)

    notebook = commands.add_parser(
        "notebook", help="write the course for this network and recipe as a Jupyter notebook"
    )
    notebook.add_argument("--out", required=True, help="the .ipynb file to write")
    notebook.add_argument(
        "--language",
        choices=sorted(path.stem for path in LOCALES.glob("*.toml")),
        default="en",
        help="the explanations' language (default en)",
    )
    _add_training_arguments(notebook)
    _add_network_arguments(notebook)
    notebook.set_defaults(run=_notebook)

    summary = commands.add_parser("summary", help="print the layer table")
    _add_network_arguments(summary)
    summary.set_defaults(run=_summary)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
