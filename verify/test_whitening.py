"""The whitening references whiten: their output's covariance is the identity, up to the epsilon's shrinkage."""

from __future__ import annotations

import pytest
import torch

from verify.references.whitening import EPS, covariance_eigen, pca_whitening, zca_whitening

SEED = 11
# the epsilon shrinks each variance to lambda / (lambda + eps); with lambda ~ 1 that is within ~1e-5 of 1
COVARIANCE_TOLERANCE = 1e-4


def correlated_data() -> torch.Tensor:
    gen = torch.Generator().manual_seed(SEED)
    mixing = torch.tensor([[2.0, 0.0, 0.0], [1.5, 0.5, 0.0], [-1.0, 0.3, 0.8]], dtype=torch.float64)
    return torch.randn(500, 3, generator=gen, dtype=torch.float64) @ mixing.T + 4.0


@pytest.mark.parametrize("whiten", [pca_whitening, zca_whitening])
def test_whitened_data_has_identity_covariance(whiten: object) -> None:
    assert callable(whiten)
    X = correlated_data()
    white = whiten(X, **covariance_eigen(X))
    covariance = white.T @ white / X.shape[0]
    assert torch.allclose(covariance, torch.eye(3, dtype=torch.float64), atol=COVARIANCE_TOLERANCE)
    assert torch.allclose(white.mean(dim=0), torch.zeros(3, dtype=torch.float64), atol=1e-12)
    assert EPS > 0


def test_zca_stays_closer_to_the_centred_input_than_pca() -> None:
    X = correlated_data()
    centred = X - X.mean(dim=0)
    eigen = covariance_eigen(X)
    zca_distance = (zca_whitening(X, **eigen) - centred).norm()
    pca_distance = (pca_whitening(X, **eigen) - centred).norm()
    assert zca_distance < pca_distance
