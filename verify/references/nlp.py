"""NLP and structured-data references: attention, recurrent cells, embeddings, dot-product recommenders and BLEU.

Weights are drawn in the layout the cards multiply (``x @ W``, rows are examples),
so each reference copies their transposes into the torch module. BLEU has no
torch implementation: ``bleu_statistics`` and ``bleu_from_tokens`` are a small
explicit version of Papineni et al. (2002), checked on the paper's own example in
``verify/test_nlp_bleu.py``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from dlflash.verify.registry import reference

DTYPE = torch.float64


# ---------------------------------------------------------------- attention

def attention_derived(Q: Tensor, K: Tensor) -> dict[str, Tensor]:
    """The key width d_k, from the queries."""
    return {"d_k": torch.tensor(float(Q.shape[-1]), dtype=DTYPE)}


@reference("scaled_dot_product_attention", inputs={"Q": "real[n, d]", "K": "real[m, d]", "V": "real[m, e]"},
           derive=attention_derived, derived={"d_k": "count"},
           example="softmax(Q @ transpose(K) / sqrt(d_k), dim=1) @ V")
def scaled_dot_product_attention(Q: Tensor, K: Tensor, V: Tensor, d_k: Tensor) -> Tensor:
    """F.scaled_dot_product_attention(Q, K, V): softmax(Q K^T / sqrt(d_k)) V, one row per query."""
    return F.scaled_dot_product_attention(Q[None], K[None], V[None])[0]


# ---------------------------------------------------------------- recurrent cells

RNN = {"x": "real[n, d]", "h": "real[n, k]", "W_ih": "real[d, k]", "W_hh": "real[k, k]", "b": "real[k]"}


@reference("rnn_cell", inputs=RNN, example="tanh(x @ W_ih + h @ W_hh + b)")
def rnn_cell(x: Tensor, h: Tensor, W_ih: Tensor, W_hh: Tensor, b: Tensor) -> Tensor:
    """nn.RNNCell (tanh): the new hidden state from the input and the previous hidden state."""
    cell = torch.nn.RNNCell(x.shape[1], h.shape[1], dtype=DTYPE)
    with torch.no_grad():
        cell.weight_ih.copy_(W_ih.T)
        cell.weight_hh.copy_(W_hh.T)
        cell.bias_ih.copy_(b)
        cell.bias_hh.zero_()
    h_new: Tensor = cell(x, h)
    return h_new.detach()


LSTM_GATES = ("i", "f", "g", "o")
LSTM = {
    "x": "real[n, d]", "h": "real[n, k]", "c": "real[n, k]",
    **{f"W_i{gate}": "real[d, k]" for gate in LSTM_GATES},
    **{f"W_h{gate}": "real[k, k]" for gate in LSTM_GATES},
    **{f"b_{gate}": "real[k]" for gate in LSTM_GATES},
}


@reference("lstm_cell", inputs=LSTM, outputs=("h", "c"), example=(
    "i = sigmoid(x @ W_ii + h @ W_hi + b_i)",
    "f = sigmoid(x @ W_if + h @ W_hf + b_f)",
    "g = tanh(x @ W_ig + h @ W_hg + b_g)",
    "o = sigmoid(x @ W_io + h @ W_ho + b_o)",
    "c = f * c + i * g",
    "h = o * tanh(c)",
))
def lstm_cell(x: Tensor, h: Tensor, c: Tensor, **weights: Tensor) -> dict[str, Tensor]:
    """nn.LSTMCell: gates i, f, g, o in torch's order; returns the new hidden and cell states."""
    cell = torch.nn.LSTMCell(x.shape[1], h.shape[1], dtype=DTYPE)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.cat([weights[f"W_i{gate}"].T for gate in LSTM_GATES]))
        cell.weight_hh.copy_(torch.cat([weights[f"W_h{gate}"].T for gate in LSTM_GATES]))
        cell.bias_ih.copy_(torch.cat([weights[f"b_{gate}"] for gate in LSTM_GATES]))
        cell.bias_hh.zero_()
    h_new, c_new = cell(x, (h, c))
    return {"h": h_new.detach(), "c": c_new.detach()}


GRU_GATES = ("r", "z", "n")
GRU = {
    "x": "real[n, d]", "h": "real[n, k]",
    **{f"W_i{gate}": "real[d, k]" for gate in GRU_GATES},
    **{f"W_h{gate}": "real[k, k]" for gate in GRU_GATES},
    "b_r": "real[k]", "b_z": "real[k]", "b_in": "real[k]", "b_hn": "real[k]",
}


@reference("gru_cell", inputs=GRU, outputs=("h",), example=(
    "r = sigmoid(x @ W_ir + h @ W_hr + b_r)",
    "z = sigmoid(x @ W_iz + h @ W_hz + b_z)",
    "n = tanh(x @ W_in + b_in + r * (h @ W_hn + b_hn))",
    "h = (1 - z) * n + z * h",
))
def gru_cell(x: Tensor, h: Tensor, **weights: Tensor) -> dict[str, Tensor]:
    """nn.GRUCell: the reset gate scales the hidden part of the candidate, bias b_hn included."""
    cell = torch.nn.GRUCell(x.shape[1], h.shape[1], dtype=DTYPE)
    zeros = torch.zeros_like(weights["b_r"])
    with torch.no_grad():
        cell.weight_ih.copy_(torch.cat([weights[f"W_i{gate}"].T for gate in GRU_GATES]))
        cell.weight_hh.copy_(torch.cat([weights[f"W_h{gate}"].T for gate in GRU_GATES]))
        cell.bias_ih.copy_(torch.cat([weights["b_r"], weights["b_z"], weights["b_in"]]))
        cell.bias_hh.copy_(torch.cat([zeros, zeros, weights["b_hn"]]))
    return {"h": cell(x, h).detach()}


# ---------------------------------------------------------------- embeddings

def one_hot_of(idx: Tensor, W: Tensor) -> dict[str, Tensor]:
    """The one-hot rows of the indices, as wide as the embedding table is long."""
    return {"x": F.one_hot(idx, num_classes=W.shape[0]).to(DTYPE)}


@reference("embedding_lookup", inputs={"idx": "label(c)[n]", "W": "real[c, d]"},
           derive=one_hot_of, derived={"x": "binary[n, c]"}, example="x @ W")
def embedding_lookup(idx: Tensor, W: Tensor, x: Tensor) -> Tensor:
    """nn.Embedding with weight W: row idx of the table for every index."""
    table = torch.nn.Embedding(W.shape[0], W.shape[1], dtype=DTYPE)
    with torch.no_grad():
        table.weight.copy_(W)
    rows: Tensor = table(idx)
    return rows.detach()


DOT = {"u": "label(c)[n]", "i": "label(c)[n]", "U": "real[c, d]", "V": "real[c, d]", "b_u": "real[c]",
       "b_v": "real[c]"}


@reference("dot_product_recommender", inputs=DOT,
           example="sum(take(U, u) * take(V, i), dim=1) + take(b_u, u) + take(b_v, i)")
def dot_product_recommender(u: Tensor, i: Tensor, U: Tensor, V: Tensor, b_u: Tensor, b_v: Tensor) -> Tensor:
    """Matrix factorisation with biases (fast.ai's DotProductBias) by embedding lookups and einsum."""
    dot = torch.einsum("nd,nd->n", F.embedding(u, U), F.embedding(i, V))
    return dot + F.embedding(u, b_u[:, None])[:, 0] + F.embedding(i, b_v[:, None])[:, 0]


# ---------------------------------------------------------------- BLEU

BLEU_ORDER = 4


def ngrams(tokens: Sequence[Hashable], n: int) -> Counter[tuple[Hashable, ...]]:
    return Counter(tuple(tokens[k:k + n]) for k in range(len(tokens) - n + 1))


def modified_precision(candidate: Sequence[Hashable], references: Sequence[Sequence[Hashable]], n: int) -> float:
    """Clipped n-gram matches over candidate n-grams: each n-gram counts at most its most in any one reference."""
    counts = ngrams(candidate, n)
    most = Counter[tuple[Hashable, ...]]()
    for ref in references:
        for gram, count in ngrams(ref, n).items():
            most[gram] = max(most[gram], count)
    clipped = sum(min(count, most[gram]) for gram, count in counts.items())
    total = sum(counts.values())
    return clipped / total if total else 0.0  # a candidate shorter than n has no n-gram to match


def bleu_from_tokens(candidate: Sequence[Hashable], references: Sequence[Sequence[Hashable]]) -> float:
    """Sentence BLEU-4, unsmoothed: brevity penalty times the geometric mean of p_1..p_4."""
    precisions = [modified_precision(candidate, references, n) for n in range(1, BLEU_ORDER + 1)]
    c = len(candidate)
    r = min((len(ref) for ref in references), key=lambda length: (abs(length - c), length))  # closest length
    brevity = 1.0 if c > r else math.exp(1 - r / c)
    if min(precisions) == 0:
        return 0.0
    return brevity * math.prod(precisions) ** (1 / BLEU_ORDER)


BLEU = {"cand": "label(2)[16]", "ref": "label(2)[16]", "c_len": "count(4, 16)", "r_len": "count(6, 12)"}


def _sentences(cand: Tensor, ref: Tensor, c_len: Tensor, r_len: Tensor) -> tuple[list[int], list[int]]:
    return cand[: int(c_len)].tolist(), ref[: int(r_len)].tolist()


def bleu_statistics(cand: Tensor, ref: Tensor, c_len: Tensor, r_len: Tensor) -> dict[str, Tensor]:
    """The modified precisions p_1..p_4 and the two lengths, from a candidate and one reference."""
    candidate, reference_ = _sentences(cand, ref, c_len, r_len)
    p = [modified_precision(candidate, [reference_], n) for n in range(1, BLEU_ORDER + 1)]
    return {"p": torch.tensor(p, dtype=DTYPE), "c": torch.tensor(float(len(candidate)), dtype=DTYPE),
            "r": torch.tensor(float(len(reference_)), dtype=DTYPE)}


@reference("bleu", inputs=BLEU, derive=bleu_statistics, derived={"p": "prob[4]", "c": "count", "r": "count"},
           example=("bp = min(exp(1 - r / c), 1)", "bleu = bp * exp(mean(log(p)))"))
def bleu(cand: Tensor, ref: Tensor, c_len: Tensor, r_len: Tensor, **_: Tensor) -> Tensor:
    """BLEU-4 of a token candidate against one reference, by the explicit n-gram counting above."""
    candidate, reference_ = _sentences(cand, ref, c_len, r_len)
    return torch.tensor(bleu_from_tokens(candidate, [reference_]), dtype=DTYPE)
