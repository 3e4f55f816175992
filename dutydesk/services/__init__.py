"""Use cases: each is one transaction that leaves audit events. Nothing else writes."""
