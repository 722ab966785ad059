"""``python -m exporter.action STEP``: the entry point action.yml runs."""

import sys

from exporter.action.steps import main

sys.exit(main())
