"""`python -m checker`: runs the doccheck command line (checker.cli.main) and exits with its status."""

from .cli import main

raise SystemExit(main())
