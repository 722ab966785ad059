"""End-to-end acceptance of the outputs (issue 6): the real pipeline against the sandbox."""
