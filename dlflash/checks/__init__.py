"""Stage 7, the checks ``dlflash check`` runs: coverage, formulas, figures, typesetting and lint (``run``)."""
