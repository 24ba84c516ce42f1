"""The kitchen deck's content: its reference and its figure."""
