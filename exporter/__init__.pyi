# Type checkers read this stub for `exporter` (the names __init__.py loads lazily, with their
# real types); a runtime import never reads it, and import-linter does not see it, so the face
# adds no import edge from the root package to the rooms. Kept equal to __all__ by
# tests/test_architecture.py.
from exporter.config.settings import Config as Config
from exporter.config.settings import load_config as load_config
from exporter.convert import convert_storage as convert_storage
from exporter.errors import AuthError as AuthError
from exporter.errors import ConfigError as ConfigError
from exporter.errors import DeletionRefused as DeletionRefused
from exporter.errors import ExportError as ExportError
from exporter.errors import PartialExport as PartialExport
from exporter.errors import RateLimited as RateLimited
from exporter.run.pipeline import export as export
from exporter.run.summary import ExportSummary as ExportSummary
from exporter.site import SiteReport as SiteReport
from exporter.site import render_site as render_site

__version__: str
__all__: list[str]
