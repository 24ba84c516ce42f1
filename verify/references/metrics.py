"""Classification metric references, computed from label vectors through a torch confusion matrix.

A formula states a metric in counts (TP, TN, FP, FN) or on 0/1 vectors; the
reference rebuilds predictions and targets holding exactly those counts and
counts again with ``torch.bincount``, so the two routes share no arithmetic.
"""

from __future__ import annotations

import torch
from torch import Tensor

from dlflash.verify.registry import reference

COUNTS = {"TP": "count", "TN": "count", "FP": "count", "FN": "count"}
# F1, precision and recall are undefined (0/0) with no positives; the formulas are checked where defined.
POSITIVE_COUNTS = {"TP": "count(1, 20)", "TN": "count", "FP": "count", "FN": "count"}


def labels_from_counts(TP: Tensor, TN: Tensor, FP: Tensor, FN: Tensor) -> tuple[Tensor, Tensor]:
    """Predictions and targets (0/1) holding exactly the given confusion counts."""
    groups = ((TP, 1, 1), (TN, 0, 0), (FP, 1, 0), (FN, 0, 1))
    pred = torch.cat([torch.full((int(n),), p, dtype=torch.long) for n, p, _ in groups])
    true = torch.cat([torch.full((int(n),), t, dtype=torch.long) for n, _, t in groups])
    return pred, true


def confusion(pred: Tensor, true: Tensor) -> Tensor:
    """2x2 confusion matrix [true, pred] by bincount."""
    return torch.bincount(true.long() * 2 + pred.long(), minlength=4).reshape(2, 2).to(torch.float64)


def _rates(TP: Tensor, TN: Tensor, FP: Tensor, FN: Tensor) -> tuple[Tensor, Tensor]:
    m = confusion(*labels_from_counts(TP, TN, FP, FN))
    precision = m[1, 1] / m[:, 1].sum()
    recall = m[1, 1] / m[1, :].sum()
    return precision, recall


@reference("accuracy", inputs=COUNTS, example="(TP + TN) / (TP + TN + FP + FN)")
def accuracy(TP: Tensor, TN: Tensor, FP: Tensor, FN: Tensor) -> Tensor:
    """(pred == true).mean() over label vectors with these counts."""
    pred, true = labels_from_counts(TP, TN, FP, FN)
    return (pred == true).to(torch.float64).mean()


@reference("precision", inputs=POSITIVE_COUNTS, example="TP / (TP + FP)")
def precision(TP: Tensor, TN: Tensor, FP: Tensor, FN: Tensor) -> Tensor:
    """Confusion-matrix precision: true positives over predicted positives."""
    return _rates(TP, TN, FP, FN)[0]


@reference("recall", inputs=POSITIVE_COUNTS, example="TP / (TP + FN)")
def recall(TP: Tensor, TN: Tensor, FP: Tensor, FN: Tensor) -> Tensor:
    """Confusion-matrix recall: true positives over actual positives."""
    return _rates(TP, TN, FP, FN)[1]


@reference(
    "f1",
    inputs=POSITIVE_COUNTS,
    example=("prec = TP / (TP + FP)", "rec = TP / (TP + FN)", "f1 = 2 * (prec * rec) / (prec + rec)"),
)
def f1(TP: Tensor, TN: Tensor, FP: Tensor, FN: Tensor) -> Tensor:
    """Harmonic mean of the confusion-matrix precision and recall of the positive class."""
    p, r = _rates(TP, TN, FP, FN)
    return 1 / ((1 / p + 1 / r) / 2)


@reference(
    "precision_of_vectors",
    inputs={"pred": "binary[n]", "y": "binary[n]"},
    example="sum(pred * y) / sum(pred)",
)
def precision_of_vectors(pred: Tensor, y: Tensor) -> Tensor:
    """Precision of 0/1 predictions against 0/1 targets via bincount (NaN with no predicted positive)."""
    m = confusion(pred, y)
    return m[1, 1] / m[:, 1].sum()


@reference(
    "dice",
    inputs={"P": "binary[h, w]", "G": "binary[h, w]"},
    example="2 * sum(P * G) / (sum(P) + sum(G))",
)
def dice(P: Tensor, G: Tensor) -> Tensor:
    """F1 of the mask pixels, 2TP / (2TP + FP + FN) from the bincount confusion matrix (Dice = F1)."""
    m = confusion(P.flatten(), G.flatten())
    tp, fp, fn = m[1, 1], m[0, 1], m[1, 0]
    return 2 * tp / (2 * tp + fp + fn)
