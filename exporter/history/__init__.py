"""Confluence history as git history: one commit per page version (``output.history: git``).

``fastimport`` writes commits through one ``git fast-import`` process, ``versions`` reads past
versions from REST v2, ``cache`` keeps what a budget-cut run already read, ``commits`` turns
versions into authors, messages and file contents, and ``run`` ties them to an export.
"""
