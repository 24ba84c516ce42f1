"""Every torch reference; importing this package registers them all (see ``dlflash.verify.registry``).

Adding a reference: write a decorated function in the module of its topic (or a
new module imported below), with an ``example`` formula that passes.
"""

from . import (  # noqa: F401  (imported to register)
    activations,
    basics,
    classical,
    layers,
    losses,
    metrics,
    nlp,
    normalization,
    optimizers,
    precision,
    preprocessing,
    regularization,
    rl,
    schedules,
    vision,
    whitening,
)
