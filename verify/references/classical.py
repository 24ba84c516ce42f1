"""References of the "Classical machine learning" cards: PCA projection, k-means assignment, least squares.

Each reaches the card's claim by another route than the card's formula: the
PCA scores through ``torch.linalg.svd`` of the centred data (the card uses the
covariance's eigenvectors), the k-means assignment through ``torch.cdist`` and
``argmin`` (the card compares squared distances with their row minimum), and
the simple-regression line through ``torch.linalg.lstsq`` (the card uses the
closed form of the normal equations).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from dlflash.verify.registry import reference

# More samples than features, so the covariance has distinct, non-zero eigenvalues; zeros and ties would not.
PCA_SIZES = {"n": 9, "d": 4, "k": 2}
# All-equal points or centroids tie every distance (argmin then picks the first); constant x makes the
# regression singular. Neither is a case the formulas claim anything about.
GENERIC_EDGES = ("random", "extreme")
REGRESSION_SIZES = {"n": 8}


def top_components(X: Tensor) -> dict[str, Tensor]:
    """The k leading eigenvectors (columns, largest variance first) of the population covariance of X."""
    centred = X - X.mean(dim=0)
    _, vectors = torch.linalg.eigh(centred.T @ centred / X.shape[0])
    k = PCA_SIZES["k"]
    return {"W": vectors.flip(1)[:, :k]}


@reference(
    "pca_projection",
    inputs={"X": "real[n, d]"},
    derive=top_components,
    derived={"W": "real[d, k]"},
    sizes=PCA_SIZES,
    edges=GENERIC_EDGES,
    example=("Xc = X - X.mean(dim=0)", "Z = Xc @ W"),
)
def pca_projection(X: Tensor, W: Tensor) -> Tensor:
    """torch.linalg.svd of the centred data: the scores U S of the k largest singular values, signs matched to W."""
    centred = X - X.mean(dim=0)
    left, singular, right_t = torch.linalg.svd(centred, full_matrices=False)
    k = W.shape[1]
    scores = left[:, :k] * singular[:k]
    # a principal direction is defined up to its sign: take the sign the eigenvectors W chose
    signs = torch.sign((right_t[:k].T * W).sum(dim=0))
    projected: Tensor = scores * signs
    return projected


@reference(
    "kmeans_assignment",
    inputs={"X": "real[n, d]", "C": "real[k, d]"},
    # the distances too: the assignment alone cannot tell squared distances from any rescaling of them
    outputs=("D", "R"),
    edges=GENERIC_EDGES,
    example=(
        "D = sum((X[:, None, :] - C[None, :, :])**2, dim=2)",
        "n_closer = sum(D[:, None, :] < D[:, :, None], dim=2)",
        "R = where(n_closer < 1, 1, 0)",
    ),
)
def kmeans_assignment(X: Tensor, C: Tensor) -> dict[str, Tensor]:
    """Squared torch.cdist(X, C) and one-hot rows of its argmin: each point's nearest centroid."""
    distances = torch.cdist(X, C)
    nearest = F.one_hot(distances.argmin(dim=1), num_classes=C.shape[0]).to(torch.float64)
    return {"D": distances**2, "R": nearest}


@reference(
    "simple_linear_regression",
    inputs={"x": "real[n]", "y": "real[n]"},
    outputs=("slope", "intercept"),
    sizes=REGRESSION_SIZES,
    edges=GENERIC_EDGES,
    example=(
        "slope = (mean(x * y) - mean(x) * mean(y)) / (mean(x**2) - mean(x)**2)",
        "intercept = mean(y) - slope * mean(x)",
    ),
)
def simple_linear_regression(x: Tensor, y: Tensor) -> dict[str, Tensor]:
    """torch.linalg.lstsq of y on the design matrix [x, 1]: the least-squares slope and intercept."""
    design = torch.stack([x, torch.ones_like(x)], dim=1)
    solution = torch.linalg.lstsq(design, y.unsqueeze(1)).solution.squeeze(1)
    return {"slope": solution[0], "intercept": solution[1]}


@reference(
    "squared_error_negative_gradient",
    inputs={"y": "real[n]", "y_hat": "real[n]"},
    example="y - y_hat",
)
def squared_error_negative_gradient(y: Tensor, y_hat: Tensor) -> Tensor:
    """Minus autograd's gradient of sum((y - y_hat)**2) / 2 with respect to the predictions y_hat."""
    leaf = y_hat.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(((y - leaf) ** 2).sum() / 2, leaf)
    return -grad
