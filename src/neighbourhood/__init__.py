"""neighbourhood: integrated primary and community care analytics for England."""

__version__ = "0.1.0"
