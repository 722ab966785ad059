"""``python -m exporter``: the ``confluence-export`` command line."""

from exporter.cli.main import main

main()
