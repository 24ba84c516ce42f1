"""References of the "Reinforcement learning" cards: the tabular Q-learning target and update, REINFORCE.

A batch of n transitions (s, a, r, s_next) is read against one Q table of m
states by k actions. The references walk the table with explicit Python loops,
one transition at a time, where the cards' formulas gather rows and take a
vectorised max: two routes to the same Bellman backup. Every transition reads
the same table (as in a minibatch of DQN), so repeated (s, a) pairs do not
interact. The REINFORCE loss is checked against ``torch.distributions.Categorical``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from dlflash.verify.registry import reference

TRANSITION = {
    "Q": "real[m, k]",
    "s": "label(m)[n]",
    "a": "label(k)[n]",
    "r": "real[n]",
    "s_next": "label(m)[n]",
    "gamma": "prob",
}


def _bellman_target(Q: Tensor, r: Tensor, s_next: Tensor, gamma: Tensor, i: int) -> Tensor:
    """r + gamma * the best action value of the next state, by a loop over the actions."""
    row = int(s_next[i])
    best = Q[row, 0]
    for action in range(1, Q.shape[1]):
        if Q[row, action] > best:
            best = Q[row, action]
    return r[i] + gamma * best


@reference(
    "q_learning_target",
    inputs=TRANSITION,
    example="r + gamma * max(take(Q, s_next), dim=1)",
)
def q_learning_target(Q: Tensor, s: Tensor, a: Tensor, r: Tensor, s_next: Tensor, gamma: Tensor) -> Tensor:
    """The Bellman target of each transition, looping over the table's actions."""
    return torch.stack([_bellman_target(Q, r, s_next, gamma, i) for i in range(len(r))])


@reference(
    "q_learning_update",
    inputs={**TRANSITION, "alpha": "prob"},
    example=(
        "q = pick(take(Q, s), a)",
        "q = q + alpha * (r + gamma * max(take(Q, s_next), dim=1) - q)",
    ),
)
def q_learning_update(
    Q: Tensor, s: Tensor, a: Tensor, r: Tensor, s_next: Tensor, gamma: Tensor, alpha: Tensor
) -> Tensor:
    """The new Q(s, a) of each transition: a copy of the table nudged toward the target by alpha."""
    new_values = []
    for i in range(len(r)):
        table = Q.clone()
        target = _bellman_target(Q, r, s_next, gamma, i)
        cell = (int(s[i]), int(a[i]))
        table[cell] = (1 - alpha) * table[cell] + alpha * target
        new_values.append(table[cell])
    return torch.stack(new_values)


@reference(
    "reinforce_loss",
    inputs={"z": "real[n, c]", "a": "label(c)[n]", "G": "real[n]"},
    example="-sum(pick(log_softmax(z, dim=1), a) * G)",
)
def reinforce_loss(z: Tensor, a: Tensor, G: Tensor) -> Tensor:
    """Minus the sum of Categorical(logits=z).log_prob(a) weighted by each action's return G."""
    # torch.distributions ships without type annotations
    log_prob: Tensor = torch.distributions.Categorical(logits=z).log_prob(a)  # type: ignore[no-untyped-call]
    loss: Tensor = -(log_prob * G).sum()
    return loss
