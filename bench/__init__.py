"""The benchmark: generated data at scale and the figures the desk must reach (issue 7)."""
