"""The kitchen deck's references; importing this package registers them."""

from . import temperature  # noqa: F401  (imported to register)
