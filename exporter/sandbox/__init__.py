"""The sandbox: a faithful fake of Atlassian OAuth and Confluence Cloud (REST v1 and v2).

Tests, benchmarks and ``confluence-export demo`` talk to it over real HTTP on loopback::

    from exporter.sandbox import SandboxOptions, start_sandbox

    with start_sandbox(SandboxOptions(seed="sample")) as sb:
        sb.base_url, sb.ready, sb.stats()
"""

from exporter.sandbox.app import Sandbox
from exporter.sandbox.server import (
    SandboxHandle,
    SandboxOptions,
    build_sandbox,
    serve_sandbox,
    start_sandbox,
)

__all__ = [
    "Sandbox",
    "SandboxHandle",
    "SandboxOptions",
    "build_sandbox",
    "serve_sandbox",
    "start_sandbox",
]
