"""References of the "Computer vision" cards, each reached through torch modules rather than the card's formula.

Pooling goes through ``nn.AdaptiveAvgPool2d``, blocks through small explicit
``nn.Module``s built from ``nn.Conv1d``/``nn.Conv2d`` whose weights are the
drawn inputs, the channel-mean map through a 1x1 convolution, CAM through
``torch.einsum`` and a GAP -> Linear head, Grad-CAM
through forward/backward hooks and autograd, and the pixel loss through
``F.mse_loss`` on flattened images.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from dlflash.verify.registry import reference

SPAN_INPUT = 40  # wider than any dilated kernel drawn below, so the convolution has an output


def _conv1x1(weight: Tensor, bias: Tensor | None = None) -> nn.Conv2d:
    """A 1x1 ``nn.Conv2d`` carrying ``weight`` [out, in] (and ``bias``): the per-position linear map."""
    out_channels, in_channels = weight.shape
    conv = nn.Conv2d(in_channels, out_channels, 1, bias=bias is not None).to(torch.float64)
    with torch.no_grad():
        conv.weight.copy_(weight[:, :, None, None])
        if bias is not None and conv.bias is not None:
            conv.bias.copy_(bias)
    return conv


@reference(
    "adaptive_avg_pool_1x1",
    inputs={"x": "real[n, c, h, w]"},
    example="mean(mean(x, dim=3), dim=2)",
)
def adaptive_avg_pool_1x1(x: Tensor) -> Tensor:
    """nn.AdaptiveAvgPool2d((1, 1)) of a batch of feature maps, flattened to [n, c]."""
    pooled: Tensor = nn.AdaptiveAvgPool2d((1, 1))(x)
    return pooled.flatten(1)


class _ResidualBlock(nn.Module):
    """Two 1x1 convolutions without bias or batch norm; the input is added before the last ReLU."""

    def __init__(self, W1: Tensor, W2: Tensor) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(W1.shape[1], W1.shape[0], 1, bias=False).to(torch.float64)
        self.conv2 = nn.Conv1d(W2.shape[1], W2.shape[0], 1, bias=False).to(torch.float64)
        with torch.no_grad():
            self.conv1.weight.copy_(W1[:, :, None])
            self.conv2.weight.copy_(W2[:, :, None])

    def forward(self, x: Tensor) -> Tensor:
        return torch.relu(x + self.conv2(torch.relu(self.conv1(x))))


@reference(
    "residual_block",
    inputs={"x": "real[n, c, d]", "W1": "real[c, c]", "W2": "real[c, c]"},
    example=("h = relu(W1 @ x)", "y = relu(x + W2 @ h)"),
)
def residual_block(x: Tensor, W1: Tensor, W2: Tensor) -> Tensor:
    """A ResNet-style block of two 1x1 convolutions (weights W1, W2) over [n, channels, positions]."""
    with torch.no_grad():
        out: Tensor = _ResidualBlock(W1, W2)(x)
    return out


@reference(
    "dense_block_channels",
    inputs={"c0": "count(1, 16)", "k": "count(1, 12)", "l": "count(1, 6)"},
    example="c0 + k * (l - 1)",
)
def dense_block_channels(c0: Tensor, k: Tensor, l: Tensor) -> Tensor:  # noqa: E741  (the paper's symbol)
    """The channel count entering layer l of a dense block, by running the block's concatenations."""
    features = torch.zeros(1, int(c0), 2, 2, dtype=torch.float64)
    with torch.no_grad():
        for _ in range(int(l) - 1):
            layer = nn.Conv2d(features.shape[1], int(k), 3, padding=1).to(torch.float64)
            features = torch.cat([features, layer(features)], dim=1)
    return torch.tensor(float(features.shape[1]), dtype=torch.float64)


class _SqueezeExcitation(nn.Module):
    """The SE block as torchvision's ``ops.SqueezeExcitation`` builds it, with given weights."""

    def __init__(self, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        # the card multiplies s @ W1, so the torch layer's weight is W1 transposed
        self.fc1 = _conv1x1(W1.T, b1)
        self.fc2 = _conv1x1(W2.T, b2)

    def forward(self, x: Tensor) -> Tensor:
        scale = torch.sigmoid(self.fc2(torch.relu(self.fc1(self.pool(x)))))
        return x * scale


@reference(
    "squeeze_excitation",
    inputs={"x": "real[n, c, h, w]", "W1": "real[c, r]", "b1": "real[r]", "W2": "real[r, c]", "b2": "real[c]"},
    example=(
        "s = mean(mean(x, dim=3), dim=2)",
        "z = relu(s @ W1 + b1)",
        "e = sigmoid(z @ W2 + b2)",
        "y = x * e[:, :, None, None]",
    ),
)
def squeeze_excitation(x: Tensor, W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor) -> Tensor:
    """A squeeze-and-excitation block (pool, FC, ReLU, FC, sigmoid, rescale) on [n, c, h, w]."""
    with torch.no_grad():
        out: Tensor = _SqueezeExcitation(W1, b1, W2, b2)(x)
    return out


@reference(
    "channel_mean_map",
    inputs={"A": "real[c, h, w]"},
    example="mean(A, dim=0)",
)
def channel_mean_map(A: Tensor) -> Tensor:
    """A 1x1 nn.Conv2d with every weight 1/c: the feature maps averaged over channels into one [h, w] map."""
    conv = _conv1x1(torch.full((1, A.shape[0]), 1 / A.shape[0], dtype=A.dtype))
    with torch.no_grad():
        averaged: Tensor = conv(A[None])[0, 0]
    return averaged


@reference(
    "class_activation_map",
    inputs={"A": "real[c, h, w]", "w": "real[c]"},
    example="sum(A * w[:, None, None], dim=0)",
)
def class_activation_map(A: Tensor, w: Tensor) -> Tensor:
    """torch.einsum('chw,c->hw', A, w): final features weighted by one class's weights, summed over channels."""
    return torch.einsum("chw,c->hw", A, w)


@reference(
    "gap_linear_logit",
    inputs={"A": "real[c, h, w]", "w": "real[c]", "b": "real"},
    example=("cam = sum(A * w[:, None, None], dim=0)", "logit = mean(cam) + b"),
)
def gap_linear_logit(A: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """The class logit of a GAP -> Linear head (weights w, bias b) on features A."""
    linear = nn.Linear(A.shape[0], 1).to(torch.float64)
    with torch.no_grad():
        linear.weight.copy_(w[None, :])
        linear.bias.copy_(b.reshape(1))
        logits: Tensor = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), linear)(A[None])
    return logits[0, 0]


def _grad_cam_head(M: Tensor, v: Tensor) -> nn.Sequential:
    """A non-linear class-score head over features A: 1x1 conv M, ReLU, GAP, Linear v."""
    linear = nn.Linear(M.shape[1], 1, bias=False).to(torch.float64)
    with torch.no_grad():
        linear.weight.copy_(v[None, :])
    return nn.Sequential(_conv1x1(M), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), linear)


def _score_gradient(A: Tensor, M: Tensor, v: Tensor) -> dict[str, Tensor]:
    """G: autograd's gradient of the head's class score with respect to the features A."""
    leaf = A.detach().clone().requires_grad_(True)
    score: Tensor = _grad_cam_head(M, v)(leaf[None])
    (grad,) = torch.autograd.grad(score.sum(), leaf)
    return {"G": grad}


@reference(
    "grad_cam",
    inputs={"A": "real[c, h, w]", "M": "real[c, c]", "v": "real[c]"},
    example=("alpha = mean(mean(G, dim=2), dim=1)", "cam = relu(sum(alpha[:, None, None] * A, dim=0))"),
    derive=_score_gradient,
    derived={"G": "real[c, h, w]"},
)
def grad_cam(A: Tensor, M: Tensor, v: Tensor, G: Tensor) -> Tensor:
    """Grad-CAM as hook-based tools compute it: capture A and dScore/dA with hooks, pool, weight, ReLU.

    G (the same gradient, given to the card's formula) is ignored: the hooks recompute it.
    """
    del G
    captured: dict[str, Tensor] = {}
    features = nn.Identity()

    def keep_features(_module: nn.Module, _inputs: tuple[Tensor, ...], out: Tensor) -> None:
        captured["A"] = out

    def keep_gradient(_module: nn.Module, _grad_in: object, grad_out: tuple[Tensor, ...]) -> None:
        captured["G"] = grad_out[0]

    features.register_forward_hook(keep_features)
    features.register_full_backward_hook(keep_gradient)
    leaf = A.detach().clone().requires_grad_(True)
    score: Tensor = _grad_cam_head(M, v)(features(leaf[None]))
    torch.autograd.backward(score.sum())
    weights = F.adaptive_avg_pool2d(captured["G"], 1)[0, :, 0, 0]
    return torch.relu(torch.einsum("c,chw->hw", weights, captured["A"][0].detach()))


@reference(
    "pixel_mse_loss",
    inputs={"y_hat": "real[n, c, h, w]", "y": "real[n, c, h, w]"},
    example="mean((y_hat - y)**2)",
)
def pixel_mse_loss(y_hat: Tensor, y: Tensor) -> Tensor:
    """F.mse_loss between generated and target images, each flattened to one vector per image."""
    return F.mse_loss(y_hat.flatten(1), y.flatten(1))


@reference(
    "dilated_kernel_span",
    inputs={"k": "count(1, 7)", "d": "count(1, 6)"},
    example="k + (k - 1) * (d - 1)",
)
def dilated_kernel_span(k: Tensor, d: Tensor) -> Tensor:
    """The pixels per side a k-wide kernel with dilation d covers, read off nn.Conv1d's output length."""
    conv = nn.Conv1d(1, 1, int(k), dilation=int(d), bias=False).to(torch.float64)
    with torch.no_grad():
        out = conv(torch.zeros(1, 1, SPAN_INPUT, dtype=torch.float64))
    return torch.tensor(float(SPAN_INPUT - out.shape[-1] + 1), dtype=torch.float64)
