"""The command line: the top of the house. It may import every stage and the flows; nothing in the
library imports it (checked by ``tests/test_architecture.py``)."""

from itb_evidence.cli.main import app

__all__ = ["app"]
