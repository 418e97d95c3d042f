"""Storage: the warehouse (the only door to DuckDB), the model store, exports, comparison.

Only `pipeline.jobs` imports it (an import-linter contract holds this).
"""
