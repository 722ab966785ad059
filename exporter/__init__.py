"""confluence-export: Confluence Cloud spaces to Markdown and a static site."""

__version__ = "0.1.0"
