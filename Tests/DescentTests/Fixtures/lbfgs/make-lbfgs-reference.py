"""Writes NAME_train.csv, NAME_test.csv and NAME_reference.json for ScikitLearnAgreementTests:
a dataset of scikit-learn's split 75/25 (random_state 0), and LogisticRegression(solver="lbfgs")'s
coefficients, objective and test log loss and ROC AUC on the rows standardized as descent standardizes them
(StandardScaler, population standard deviation), at penalty L: C = 1 / (n L).

With a fourth argument `l1`: LogisticRegression(penalty="l1", solver="saga"), which leaves the
intercept unpenalised, at C = 1 / (n L), and the objective with L |w|_1. NAME may also be
`sparse`: make_classification(n_samples=3000, n_features=30, n_informative=5, n_redundant=0,
random_state=1), a problem whose true weight vector is sparse.

With a fifth argument, row weights: `balanced` (class_weight="balanced"), `sample` (a column `w`
of seeded weights in the CSVs, passed as sample_weight) or `both`; the files are then named
NAME_MODE_train.csv and so on, and the objective is descent's: (1/n) sum w_i loss_i + penalty.

Usage: python3 make-lbfgs-reference.py NAME L OUTPUT_FOLDER [l1|l2] [balanced|sample|both]
ScikitLearnAgreementTests runs it where scikit-learn is installed; the iris files beside it were
written by it (python3 make-lbfgs-reference.py iris 0.01 .), for machines without scikit-learn."""
import json
import sys
import warnings

import numpy as np
from sklearn import datasets
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

name, strength, folder = sys.argv[1], float(sys.argv[2]), sys.argv[3]
penalty = sys.argv[4] if len(sys.argv) > 4 else "l2"
mode = sys.argv[5] if len(sys.argv) > 5 else "none"
tag = name if mode == "none" else f"{name}_{mode}"
if name == "sparse":
    X, y = datasets.make_classification(n_samples=3000, n_features=30, n_informative=5, n_redundant=0,
                                        random_state=1)
else:
    X, y = getattr(datasets, "load_" + name)(return_X_y=True)
Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0)
rng = np.random.default_rng(0)
sample = mode in ("sample", "both")
wtr, wte = rng.uniform(0.1, 3, len(ytr)).round(3), rng.uniform(0.1, 3, len(yte)).round(3)
header = ",".join(f"f{j}" for j in range(X.shape[1])) + (",w" if sample else "") + ",label"
for part, (A, w, b) in {"train": (Xtr, wtr, ytr), "test": (Xte, wte, yte)}.items():
    columns = [A, w, b] if sample else [A, b]
    np.savetxt(f"{folder}/{tag}_{part}.csv", np.column_stack(columns), delimiter=",", header=header,
               comments="", fmt=["%.17g"] * (A.shape[1] + sample) + ["%d"])
scaler = StandardScaler().fit(Xtr)
Z = scaler.transform(Xtr)
n = len(ytr)
warnings.filterwarnings("ignore")  # scikit-learn 1.8+ deprecates penalty= in favour of l1_ratio=
weighting = {"class_weight": "balanced"} if mode in ("balanced", "both") else {}
sample_weight = wtr if sample else None
if penalty == "l1":
    model = LogisticRegression(C=1 / (n * strength), penalty="l1", solver="saga", tol=1e-12, max_iter=1000000,
                               **weighting).fit(Z, ytr, sample_weight=sample_weight)
else:
    model = LogisticRegression(C=1 / (n * strength), tol=1e-10, max_iter=100000, **weighting).fit(
        Z, ytr, sample_weight=sample_weight)
# Each row's weight as descent applies it: its sample weight times its class's weight.
row_weight = wtr.copy() if sample else np.ones(n)
if weighting:
    from sklearn.utils.class_weight import compute_class_weight
    per_class = compute_class_weight("balanced", classes=model.classes_, y=ytr, sample_weight=sample_weight)
    row_weight *= per_class[np.searchsorted(model.classes_, ytr)]
W = np.hstack([model.coef_, model.intercept_[:, None]])
scores = Z @ W[:, :-1].T + W[:, -1]
if len(model.classes_) == 2:
    z = scores[:, 0]
    losses = np.logaddexp(0, z) - ytr * z
else:
    m = scores.max(axis=1, keepdims=True)
    losses = np.log(np.exp(scores - m).sum(axis=1)) + m[:, 0] - scores[np.arange(n), np.searchsorted(model.classes_, ytr)]
losses = losses * row_weight
if penalty == "l1":
    objective = losses.mean() + strength * np.abs(W[:, :-1]).sum()
else:
    objective = losses.mean() + strength / 2 * (W[:, :-1] ** 2).sum()
suffix = "_l1" if penalty == "l1" else ""
# The model's test figures, as descent's metrics.json reports them: log loss and ROC AUC
# (binary: of p(class 1); more classes: one-vs-rest, macro).
proba = model.predict_proba(scaler.transform(Xte))
auc = roc_auc_score(yte, proba[:, 1]) if proba.shape[1] == 2 else roc_auc_score(yte, proba, multi_class="ovr")
json.dump({"weights": W.tolist(), "objective": float(objective), "iterations": int(model.n_iter_.max()),
           "test_log_loss": float(log_loss(yte, proba)), "test_roc_auc": float(auc)},
          open(f"{folder}/{tag}{suffix}_reference.json", "w"))
