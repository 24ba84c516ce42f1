"""Stage 2, card text: a field's Markdown as HTML (``markdown``) and as a learner reads it (``cardtext``)."""
