"""Prefect flows: wiring only. Every task wraps one call into `pipeline`."""
