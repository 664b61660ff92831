"""`python -m warn` is the `warn` command."""

from warn.cli import app

app()
