"""The git-ready docs folder: its layout, links between pages, navigation files, and the writer."""
