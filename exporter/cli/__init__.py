"""The `confluence-export` command line: one module per command group over the library API."""
