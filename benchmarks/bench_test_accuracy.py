"""A shipped model on MNIST's 10,000 test digits (or any `.keras` file), in NumPy.

    python benchmarks/bench_test_accuracy.py --data ../shared/data/mnist.npz --model shipped \
        --out benchmarks/results/test_accuracy_shipped.json

No training: the model as it ships (`--model shipped`, `course`, `mlp` or a file), its test
accuracy and loss, and its accuracy per digit.
"""

from __future__ import annotations

import numpy as np
from common import add_model_option, load_data, load_model, parser, report

import cnn


def main() -> None:
    arguments = parser(__doc__)
    add_model_option(arguments)
    args = arguments.parse_args()
    data = load_data(args.data)
    model, name = load_model(args.model)
    probabilities = cnn.predict_probabilities(model, data.x_test)
    predicted = probabilities.argmax(axis=1)
    truth = data.y_test.astype(int)
    loss = -np.log(np.clip(probabilities[np.arange(len(truth)), truth], 1e-7, 1.0)).mean()
    report(
        {
            "benchmark": "test_accuracy",
            "model": name,
            "data": data.source,
            "test_accuracy": round(float((predicted == truth).mean()), 4),
            "test_loss": round(float(loss), 4),
            "by_digit": {
                str(d): round(float((predicted[truth == d] == d).mean()), 4) for d in range(10)
            },
            "target": 0.994,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
