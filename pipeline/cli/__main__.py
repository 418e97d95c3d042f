"""`python -m pipeline.cli`: the `verbatim` command."""

from pipeline.cli import app

app()
