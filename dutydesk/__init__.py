"""dutydesk: the support duty-group lead's desk, built on the studio's support regulation."""

__version__ = "0.1.0"
