"""The run's site step: the static site rendered from the docs folder the run just wrote.

The site room (``exporter.site``) renders; this module only names the site and hands over
the flavor, the spaces and the cache folder the run knows.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from urllib.parse import urlsplit

from exporter.auth.connect import Connection
from exporter.config.settings import Config
from exporter.models import Flavor, RunChanges, Space
from exporter.run.manifest import STATE_DIR
from exporter.run.summary import ProgressFn
from exporter.warnings import PageWarning

__all__ = ["render_site_step", "site_name"]

log = logging.getLogger("exporter.run.pipeline")


def site_name(config: Config, connection: Connection, site_url: str) -> str:
    """``output.site_name``, else the Confluence site's name, else its host name."""
    name = config.output.site_name or getattr(connection, "site_name", None)
    return str(name or urlsplit(site_url).hostname or "Documentation")


def render_site_step(
    out: Path,
    flavor: Flavor,
    progress: ProgressFn,
    site_name: str,
    spaces: list[Space],
    changes: list[RunChanges] | None = None,
    *,
    warnings: list[PageWarning] | None = None,
    llms_txt: bool = True,
) -> None:
    """Render ``OUT/site`` from ``OUT/docs`` (logged; skipped when the renderer is missing),
    with the run's ``warnings`` as its export report, ``llms.txt`` unless ``llms_txt`` is off,
    and ``changes`` (the changes log's runs) on its Recent changes page and feed."""
    try:
        from exporter.site import render_site
    except ImportError:
        log.warning("The static site renderer is not available; only docs/ was written.")
        return
    started = time.monotonic()
    report = render_site(
        out / "docs",
        out / "site",
        flavor=flavor,
        site_name=site_name,
        spaces=spaces,
        cache_dir=out / STATE_DIR / "site-cache",
        changes=changes,
        progress=lambda done, total: progress("site", done, total),
        llms_txt=llms_txt,
        warnings=warnings,
    )
    log.info(
        "Site rendered in %.1f s: %d page(s) (%d rendered), %d file(s) written",
        time.monotonic() - started,
        report.pages,
        report.rendered,
        report.written,
    )
