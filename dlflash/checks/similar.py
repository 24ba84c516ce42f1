"""Check support: the candidate index of the pairwise lint rules, whose cost grows linearly with the deck.

A pairwise rule (two prompts alike, two values for one quantity) must not compare
every pair of cards. It asks this index, for each record in deck order, which
earlier records may reach its threshold, and verifies only those.

The index is prefix filtering as in set-similarity joins, with two prefixes per
record. If two sets share at least ``k`` elements, then under any one global
order their prefixes of ``n - k + 1`` elements intersect. ``k`` is smallest
when the partner is as short as the length filter allows (``other(n)``
elements: the *probe* prefix) and larger when the partner is at least as long
(``own(n)``: the short *index* prefix). A record is found through an earlier
record's short prefix when it is at least as long, through its probe prefix
when it is shorter; so a word common to the whole deck enters a bucket only
for records made of common words. Elements are ordered rarest first (ties by
first appearance), so prefixes hold the rare words.

Every bucket keeps at most ``BUCKET_CAP`` records, the earliest; a record is
then compared with at most ``BUCKET_CAP`` records per prefix element, which
bounds the work per card. Below the cap nothing is missed; a pair reachable
only through a full bucket is not compared — on the real deck and the oracle
test no bucket reaches it (tests/test_lint.py).
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Hashable, Iterator, Sequence

# records one prefix element can lead to: far above any bucket of the real deck (a few dozen)
BUCKET_CAP = 512

Bound = Callable[[int], float]


def candidates(
    records: Sequence[Sequence[Hashable]], own: Bound, other: Bound, cap: int = BUCKET_CAP
) -> Iterator[tuple[int, Iterator[int]]]:
    """For each record j (a set of elements, in deck order), the earlier records that may pass with it.

    ``own(n)`` is the least overlap a record of ``n`` elements needs with a partner at
    least as long, ``other(n)`` with any partner (after the length filter). Candidates
    of j come lazily, rarest shared element first, each once; j joins the index only
    after the caller has drawn what it needs.
    """
    first_seen: dict[Hashable, int] = {}
    frequency: Counter[Hashable] = Counter()
    for record in records:
        for element in record:
            first_seen.setdefault(element, len(first_seen))
            frequency[element] += 1
    short: dict[Hashable, list[int]] = {}  # records whose index prefix holds the element
    long: dict[Hashable, list[int]] = {}  # records whose probe prefix holds the element
    sizes = [len(r) for r in records]
    for j, record in enumerate(records):
        ordered = sorted(record, key=lambda e: (frequency[e], first_seen[e]))
        probe = ordered[: _prefix(len(ordered), other)]
        index = ordered[: _prefix(len(ordered), own)]
        yield j, _unique(_found(j, probe, set(index), short, long, sizes))
        for element in index:
            _add(short, element, j, cap)
        for element in probe:
            _add(long, element, j, cap)


def _prefix(n: int, bound: Bound) -> int:
    """How many rarest elements must meet a partner's: ``n - k + 1`` (none when k exceeds ``n``)."""
    return max(0, n - math.ceil(bound(n) - 1e-9) + 1)


def _found(
    j: int, probe: list[Hashable], index: set[Hashable],
    short: dict[Hashable, list[int]], long: dict[Hashable, list[int]], sizes: list[int],
) -> Iterator[int]:
    size = sizes[j]
    for element in probe:
        shorter = (i for i in short.get(element, ()) if sizes[i] <= size)
        longer = (i for i in long.get(element, ()) if sizes[i] > size) if element in index else iter(())
        yield from heapq.merge(shorter, longer)  # both in deck order, so the earlier card comes first


def _add(buckets: dict[Hashable, list[int]], element: Hashable, j: int, cap: int) -> None:
    bucket = buckets.setdefault(element, [])
    if len(bucket) < cap:
        bucket.append(j)


def _unique(items: Iterator[int]) -> Iterator[int]:
    seen: set[int] = set()
    for item in items:
        if item not in seen:
            seen.add(item)
            yield item


def numbered(tokens: Sequence[str]) -> list[tuple[str, int]]:
    """Each token with its occurrence number, so that a multiset of tokens becomes a set."""
    seen: Counter[str] = Counter()
    out = []
    for token in tokens:
        seen[token] += 1
        out.append((token, seen[token]))
    return out


def ratio_bounds(ratio: float) -> tuple[Bound, Bound]:
    """(own, other) for difflib's ratio ``2M/(a+b) >= ratio``, ``M`` the shared multiset.

    With a partner at least as long, ``M >= ratio*a``; the length filter
    (``a >= ratio/(2-ratio)*b``) makes any partner need ``M >= ratio/(2-ratio)*n``.
    """
    share = ratio / (2 - ratio)
    return (lambda n: ratio * n), (lambda n: share * n)


def jaccard_bounds(jaccard: float, least: int) -> tuple[Bound, Bound]:
    """(own, other) for ``|A & B| >= least`` and ``|A & B| >= jaccard*|A | B|``.

    A partner at least as long needs ``M >= 2j/(1+j)*a``; any partner ``M >= j*max(a, b) >= j*n``.
    """
    return (lambda n: max(least, 2 * jaccard / (1 + jaccard) * n)), (lambda n: max(least, jaccard * n))
