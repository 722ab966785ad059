"""Authentication: from a ``Config`` to a ready ``Connection`` (``/wiki`` base URL, cloudId, auth).

``tokens`` keeps the token file (locked, private, rotated refresh tokens); ``oauth`` talks to
Atlassian's token endpoint and accessible-resources; ``httpauth`` attaches OAuth Bearer tokens
(refreshed once for all concurrent requests) or API tokens as ``httpx.Auth``; ``login`` runs the
consent flow, only when the ``login`` command asks; ``connect`` only connects (no login, ever)
and reports the auth rows of ``check``. Below the CLI and the run, above ``confluence`` and
``config``: ``confluence.access`` reads a connection through its ``Credentials`` Protocol.
"""
