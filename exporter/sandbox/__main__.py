"""``python -m exporter.sandbox``: the ``sandbox`` command without the main CLI."""

from exporter.sandbox.command import sandbox_command

sandbox_command(prog_name="python -m exporter.sandbox")
