"""PCA and ZCA whitening references: decorrelate centred data with its covariance's eigenvectors, then rescale.

The formula reads the eigen-decomposition of the (population) covariance
``Xc.T @ Xc / n`` as derived inputs ``eigVals`` and ``U`` (``torch.linalg.eigh``,
ascending), as cs231n's recipe does. The reference takes another route, the SVD
of the centred data itself; for PCA it borrows the eigenvectors' signs and order,
which an eigen-decomposition leaves free, and ZCA (which rotates back) needs neither.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from dlflash.verify.registry import reference

# cs231n's and the notes' constant, added to the eigenvalues before the square root
EPS = 1e-5
# More samples than features, so the covariance has distinct, non-zero eigenvalues; zeros and ties would not.
SIZES = {"n": 9, "d": 3}
EDGES = ("random", "extreme")


def covariance_eigen(X: Tensor) -> dict[str, Tensor]:
    """Eigenvalues (ascending) and eigenvectors (columns) of the population covariance of X."""
    centred = X - X.mean(dim=0)
    eig_vals, vectors = torch.linalg.eigh(centred.T @ centred / X.shape[0])
    return {"eigVals": eig_vals, "U": vectors}


# both whitenings take the same data and the same derived eigen-decomposition
WHITENING: dict[str, Any] = {
    "inputs": {"X": "real[n, d]"},
    "derive": covariance_eigen,
    "derived": {"eigVals": "real[d]", "U": "real[d, d]"},
    "sizes": SIZES,
    "edges": EDGES,
}


@reference(
    "pca_whitening",
    **WHITENING,
    example=(
        "Xc = X - X.mean(dim=0)",
        "Xrot = Xc @ U",
        "Xwhite = Xrot / sqrt(eigVals + 1e-5)",
    ),
)
def pca_whitening(X: Tensor, eigVals: Tensor, U: Tensor) -> Tensor:
    """torch.linalg.svd of the centred data: Xrot = P S, eigenvalues S**2 / n, columns matched to U's."""
    centred = X - X.mean(dim=0)
    left, singular, right_t = torch.linalg.svd(centred, full_matrices=False)
    # svd sorts descending, eigh ascending; the sign of each column is arbitrary in both
    order = torch.argsort(singular)
    rotated = (left * singular)[:, order]
    signs = torch.sign(((right_t.T)[:, order] * U).sum(dim=0))
    variances = singular[order] ** 2 / X.shape[0]
    whitened: Tensor = rotated * signs / torch.sqrt(variances + EPS)
    return whitened


@reference(
    "zca_whitening",
    **WHITENING,
    example=(
        "X_c = X - X.mean(dim=0)",
        "W = U @ diag(1 / sqrt(eigVals + 1e-5)) @ transpose(U)",
        "X_zca = X_c @ W",
    ),
)
def zca_whitening(X: Tensor, eigVals: Tensor, U: Tensor) -> Tensor:
    """torch.linalg.svd of the centred data: X_c V diag(1/sqrt(S**2/n + eps)) V^T (V's signs and order cancel)."""
    centred = X - X.mean(dim=0)
    _, singular, right_t = torch.linalg.svd(centred, full_matrices=False)
    scale = 1 / torch.sqrt(singular**2 / X.shape[0] + EPS)
    whitened: Tensor = centred @ (right_t.T * scale) @ right_t
    return whitened
