"""The configuration: every key declared once, loaded from config.yaml, the environment and flags.

``schema`` declares the keys (frozen settings dataclasses whose fields carry their check) and
derives ``SCHEMA`` from them; ``fields`` holds the checks (typed descriptors that report every
problem with its key path); ``settings`` loads and validates a file into a frozen ``Config``
(``load_config``) and says which settings a command still needs. Depends only on the kernel.
"""
