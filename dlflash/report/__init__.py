"""Stage 8, reports about a deck: its counts (``stats``) and its review-load forecast (``forecast``)."""
