"""End-to-end acceptance of the outputs (issue 6): the real pipeline against the sandbox.

Each module exports once (``helpers.shared_build``: once per session, even across xdist
workers) over real loopback HTTP and checks the files: ``mkdocs build --strict`` and nav order,
link checkers, byte-identical re-exports, git status after incremental runs, moves and deletes,
the hostile seed in every flavor, headless Chromium on the demo, and ``pip install .``.

    python -m pytest tests/e2e -q -n 2
"""
