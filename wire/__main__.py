"""``python -m wire`` is the ``wire`` command."""

import sys

from wire.cli import main

sys.exit(main())
