#!/usr/bin/env python3
"""seed_numpy.py: the tutorial's numpy gradient descent -- the seed Descent grew from -- with its
math unchanged (sigmoid activation, summed squared error, gradient X^T (error * sigmoid'),
the bias as a column of ones, W += -alpha * gradient), parameterized for scale and timed.
`scripts/bench-peers` runs it to set descent's rows/s beside numpy's on the same work.

    python3 seed_numpy.py [--n 1000] [--epochs 100] [--alpha 0.01] [--seed 0]
                          [--dtype float64|float32] [--quiet]

--n counts all points of make_blobs (2 features, 2 centres, cluster_std 1.5, random_state 1);
half are trained on and half tested, as in the tutorial. Without --quiet it prints the
tutorial's "[INFO] epoch=..., loss=..." lines (epoch 1 and every fifth); then one line:

    setup_s=... train_s=... per_epoch_ms=... train_rows=... rows_per_s=... test_acc=... final_loss=... W=[...]

rows_per_s counts training rows times epochs over the training loop's time only.
Needs numpy and scikit-learn (pip install numpy scikit-learn).
"""
import argparse
import time

import numpy as np
from sklearn.datasets import make_blobs
from sklearn.model_selection import train_test_split


def sigmoid_activation(x):
    return 1.0 / (1 + np.exp(-x))


def sigmoid_deriv(x):
    # The derivative of the sigmoid, given its output x (as in the tutorial).
    return x * (1 - x)


def positive(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return value


parser = argparse.ArgumentParser(description="The tutorial's numpy gradient descent, timed.")
parser.add_argument("--n", type=positive, default=1000, help="points in all (half train, half test)")
parser.add_argument("--epochs", type=positive, default=100)
parser.add_argument("--alpha", type=float, default=0.01, help="learning rate")
parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights")
parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
parser.add_argument("--quiet", action="store_true", help="no per-epoch lines")
args = parser.parse_args()

setup_start = time.perf_counter()
X, y = make_blobs(n_samples=args.n, n_features=2, centers=2, cluster_std=1.5, random_state=1)
y = y.reshape((y.shape[0], 1))
X = np.c_[X, np.ones((X.shape[0]))]          # the bias trick: a constant last feature
trainX, testX, trainY, testY = train_test_split(X, y, test_size=0.5, random_state=42)
trainX = trainX.astype(args.dtype)
trainY = trainY.astype(args.dtype)
W = np.random.default_rng(args.seed).standard_normal((X.shape[1], 1)).astype(args.dtype)
losses = []
train_start = time.perf_counter()

for epoch in range(args.epochs):
    preds = sigmoid_activation(trainX.dot(W))
    error = preds - trainY
    loss = np.sum(error ** 2)
    losses.append(loss)
    d = error * sigmoid_deriv(preds)
    gradient = trainX.T.dot(d)
    W += -args.alpha * gradient
    if not args.quiet and (epoch == 0 or (epoch + 1) % 5 == 0):
        print("[INFO] epoch={}, loss={:.7f}".format(epoch + 1, loss))

train_end = time.perf_counter()
train_seconds = train_end - train_start
accuracy = float(np.mean((sigmoid_activation(testX.dot(W)) > 0.5) == (testY > 0.5)))
print(f"setup_s={train_start - setup_start:.4f} train_s={train_seconds:.4f} "
      f"per_epoch_ms={train_seconds / args.epochs * 1e3:.3f} train_rows={trainX.shape[0]} "
      f"rows_per_s={trainX.shape[0] * args.epochs / train_seconds:.4g} test_acc={accuracy:.4f} "
      f"final_loss={losses[-1]:.7f} W={W.ravel().tolist()}")
