"""The learner's deck-options preset for this deck's cards, and the FSRS parameters to simulate them with.

Owns the rule ``stats --forecast --collection`` states in its output: the
parameters are the preset's own when it has them (the learner pressed
"Optimize" in Anki), else computed by Anki's backend from the review log of
this deck's cards (``compute_fsrs_params``, the optimizer behind that button)
when it returns parameters, else fsrs-rs's defaults. The backend returns
none for a short review log and, as seen on longer ones too, when it keeps
the current (here default) parameters, presumably because the fitted ones
predict the reviews no better. The preset is the one the most of this deck's
cards are in; read from an already
copied collection (``dlflash.anki.snapshot``), nothing is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from dlflash.anki.collection import db

if TYPE_CHECKING:
    from anki.collection import Collection

# where the parameters came from, as the forecast's first line says it
FROM_PRESET = "preset"
FROM_REVIEWS = "computed"
FROM_DEFAULTS = "defaults"


@dataclass(frozen=True)
class LearnerPreset:
    name: str
    desired_retention: float
    new_per_day: int
    learning_steps: int
    relearning_steps: int
    parameters: tuple[float, ...] | None  # None: use the defaults
    parameters_from: str  # FROM_PRESET, FROM_REVIEWS or FROM_DEFAULTS
    reviews_used: int  # the review-log items the optimizer found (0 unless it was asked)

    def describe_parameters(self) -> str:
        if self.parameters_from == FROM_PRESET:
            return f'your preset "{self.name}"\'s FSRS parameters'
        if self.parameters_from == FROM_REVIEWS:
            return f"FSRS parameters computed from your {self.reviews_used} reviews of this deck's cards"
        return (
            f"default FSRS parameters (your preset has none, and from {self.reviews_used} reviews of this deck's "
            "cards Anki's optimizer kept the defaults: too few reviews, or the defaults already fit them best)"
        )


def learner_preset(col: Collection, search: str) -> LearnerPreset | None:
    """The preset of the most cards ``search`` selects, with its parameters; None if it selects no card."""
    card_ids = col.find_cards(search)
    if not card_ids:
        return None
    decks = Counter(did for (did,) in db(col).all(f"SELECT did FROM cards WHERE id IN {ids_list(card_ids)}"))
    deck_id = decks.most_common(1)[0][0]
    preset = col._backend.get_deck_config(col.decks.config_dict_for_deck_id(deck_id)["id"])
    config = preset.config
    base = LearnerPreset(
        name=preset.name,
        desired_retention=round(float(config.desired_retention), 4),
        new_per_day=int(config.new_per_day),
        learning_steps=len(config.learn_steps),
        relearning_steps=len(config.relearn_steps),
        parameters=None,
        parameters_from=FROM_DEFAULTS,
        reviews_used=0,
    )
    # FSRS-6 parameters when optimized by Anki 25+, else the FSRS-5 ones an older Anki left
    own = tuple(config.fsrs_params_6) or tuple(config.fsrs_params_5)
    if own:
        return replace(base, parameters=own, parameters_from=FROM_PRESET)
    fitted = col._backend.compute_fsrs_params(
        search=search,
        current_params=[],
        ignore_revlogs_before_ms=0,
        num_of_relearning_steps=base.relearning_steps,
        health_check=False,
    )
    # no parameters back: too few reviews, or none better than the defaults (module docstring)
    if fitted.params:
        return replace(
            base, parameters=tuple(fitted.params), parameters_from=FROM_REVIEWS, reviews_used=fitted.fsrs_items
        )
    return replace(base, reviews_used=fitted.fsrs_items)


def ids_list(ids: Sequence[int]) -> str:
    """An SQL list of card ids (Anki's ids are integers, so nothing to escape)."""
    return "(" + ",".join(str(int(i)) for i in ids) + ")"
