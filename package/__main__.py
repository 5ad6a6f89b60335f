"""`python -m hflint ...` runs the command line, so editors can start the server from any interpreter."""

from hflint.server.cli import main

raise SystemExit(main())
