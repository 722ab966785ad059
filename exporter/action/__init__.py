"""The GitHub Action's steps, as Python so they can be tested: ``python -m exporter.action STEP``."""
