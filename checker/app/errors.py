"""The one error type of the commands: bad usage or input, shown as one line, exit 2."""

from __future__ import annotations

import click

from ..codes import ExitCode


class InputError(click.ClickException):
    """Bad usage or input (a report path inside the scanned folder, an unreadable SKU list, a rules
    folder that does not load…): cli.main prints `doccheck: error: <message>` and exits
    ExitCode.BAD_INPUT, never with a traceback."""
    exit_code = ExitCode.BAD_INPUT
