#!/usr/bin/env python3
"""sklearn_sgd.py: scikit-learn's SGDClassifier (per-sample SGD in Cython, log loss, constant
learning rate 0.01, shuffled every epoch, one core) trained on make_blobs data, timed.
`scripts/bench-peers` and `scripts/bench-sgd` set descent's per-sample SGD beside it.

    python3 sklearn_sgd.py [--n 2000000] [--epochs 5] [--dtype float64|float32]

The data: --n points of 2 features in 2 centres (cluster_std 1.5, random_state 1); all of
them are trained on for exactly --epochs epochs (tol=None). Prints one line:

    sklearn SGDClassifier n=... epochs=... train_s=... rows_per_s=... acc=...

rows_per_s counts n times epochs over fit()'s time; acc is the accuracy on the training rows.
Needs numpy and scikit-learn (pip install numpy scikit-learn).
"""
import argparse
import time

from sklearn.datasets import make_blobs
from sklearn.linear_model import SGDClassifier


def positive(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return value


parser = argparse.ArgumentParser(description="scikit-learn's SGDClassifier on make_blobs, timed.")
parser.add_argument("--n", type=positive, default=2_000_000, help="training rows")
parser.add_argument("--epochs", type=positive, default=5)
parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
args = parser.parse_args()

X, y = make_blobs(n_samples=args.n, n_features=2, centers=2, cluster_std=1.5, random_state=1)
X = X.astype(args.dtype)
model = SGDClassifier(loss="log_loss", learning_rate="constant", eta0=0.01, max_iter=args.epochs,
                      tol=None, shuffle=True, random_state=0)
start = time.perf_counter()
model.fit(X, y)
seconds = time.perf_counter() - start
print(f"sklearn SGDClassifier n={args.n} epochs={args.epochs} train_s={seconds:.3f} "
      f"rows_per_s={args.n * args.epochs / seconds:.4g} acc={model.score(X, y):.4f}")
