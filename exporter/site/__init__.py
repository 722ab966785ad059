"""The navigable static site, rendered from an exported docs folder.

``render_site(docs_dir, site_dir)`` is the library entry point; ``command.py`` holds the
``site`` and ``serve`` click commands.
"""

from exporter.site.render import SiteReport, render_site

__all__ = ["SiteReport", "render_site"]
