"""`python -m cnn`: train (reproducing the seed), download MNIST, print the layer table."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from cnn.config import ACTIVATIONS, OPTIMIZERS, PADDINGS, POOLINGS, PRESETS, ModelConfig
from cnn.hardware import MIXED_PRECISION_CHOICES, mixed_precision_for
from cnn.layer_table import count_params, layer_table


def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = ModelConfig()
    group = parser.add_argument_group("model (defaults: the seed's CNN)")
    group.add_argument("--filters", type=int, nargs="+", help="filters per conv block (1-3)")
    group.add_argument("--kernel-size", type=int, help=f"default {defaults.kernel_size}")
    group.add_argument("--padding", choices=PADDINGS)
    group.add_argument("--pooling", choices=POOLINGS)
    group.add_argument("--activation", choices=ACTIVATIONS)
    group.add_argument("--conv-dropout", type=float, help=f"default {defaults.conv_dropout}")
    group.add_argument("--dense-units", type=int, help=f"default {defaults.dense_units}")
    group.add_argument("--dense-dropout", type=float, help=f"default {defaults.dense_dropout}")
    group.add_argument("--optimizer", choices=OPTIMIZERS)
    group.add_argument("--learning-rate", type=float, help=f"default {defaults.learning_rate}")
    group.add_argument(
        "--mixed-precision",
        choices=MIXED_PRECISION_CHOICES,
        default="off",
        help="bfloat16 compute; 'auto' turns it on where the CPU has native bf16",
    )


def _model_config(args, base: ModelConfig) -> ModelConfig:
    changes = {
        field: getattr(args, field)
        for field in (
            "kernel_size",
            "padding",
            "pooling",
            "activation",
            "conv_dropout",
            "dense_units",
            "dense_dropout",
            "optimizer",
            "learning_rate",
        )
        if getattr(args, field, None) is not None
    }
    if getattr(args, "filters", None):
        changes["filters"] = tuple(args.filters)
    mixed = getattr(args, "mixed_precision", "off")
    if mixed != "off":
        changes["mixed_precision"] = mixed_precision_for(mixed)
    return replace(base, **changes)


def _print_summary(config: ModelConfig) -> None:
    table = layer_table(config)
    print(table.to_string(index=False))
    print(f"Total params: {count_params(config):,}")


def _train(args) -> int:
    recipe = PRESETS[args.preset]
    try:
        config = _model_config(args, recipe.model)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    epochs = args.epochs or recipe.epochs
    batch_size = args.batch_size or recipe.batch_size
    split = recipe.validation_split if args.validation_split is None else args.validation_split
    augment = recipe.augment if args.augment is None else args.augment

    from cnn.data import DataError, load_mnist

    try:
        data = load_mnist(args.data)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Data: {data.source}")
    if data.is_sample:
        print(
            "  (the offline sample: run `python -m cnn download` or set MNIST_PATH "
            "for the full 60,000 digits)"
        )
    _print_summary(config)

    from cnn.evaluation import evaluate
    from cnn.model import build_model
    from cnn.training import train

    model = build_model(config, seed=args.seed)

    def report(progress) -> None:
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

    start = time.perf_counter()
    history = train(
        model,
        data,
        epochs=epochs,
        batch_size=batch_size,
        validation_split=split,
        seed=args.seed,
        progress=report,
        schedule=recipe.schedule,
        warmup_fraction=recipe.warmup_fraction,
        augment=augment,
    )
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
                    "preset": args.preset,
                    "config": config.to_dict(),
                    "epochs": epochs,
                    "batch_size": batch_size,
                    "validation_split": split,
                    "augment": augment,
                    "seed": args.seed,
                    "train_seconds": round(seconds, 1),
                    "test_loss": result.loss,
                    "test_accuracy": result.accuracy,
                    "history": history,
                },
                indent=2,
            )
        )
    return 0


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


def _summary(args) -> int:
    try:
        config = _model_config(args, ModelConfig())
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    _print_summary(config)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cnn", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train the CNN and print what the seed printed")
    train.add_argument("--preset", choices=sorted(PRESETS), default="seed")
    train.add_argument("--epochs", type=int, help="default 10 (seed)")
    train.add_argument("--batch-size", type=int, help="default 200 (seed)")
    train.add_argument("--validation-split", type=float, help="default 0.2 (seed)")
    train.add_argument("--data", help="an mnist.npz in Keras' layout (default: MNIST_PATH, ...)")
    train.add_argument("--out", help="save the trained model here, e.g. model.keras")
    train.add_argument("--metrics", help="write test metrics and history to this JSON file")
    train.add_argument("--seed", type=int, help="make the run reproducible")
    train.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        help="train on randomly rotated, shifted and zoomed digits (default: the preset's)",
    )
    _add_model_arguments(train)
    train.set_defaults(run=_train)

    download = commands.add_parser("download", help="fill Keras' cache with full MNIST")
    download.add_argument("--timeout", type=float, default=10.0, help="seconds, default 10")
    download.set_defaults(run=_download)

    summary = commands.add_parser("summary", help="print the layer table")
    _add_model_arguments(summary)
    summary.set_defaults(run=_summary)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
