"""The application layer: what the commands share, without click's declarations.

  errors.py    InputError: bad usage or input, one line on stderr, exit 2
  language.py  the reader's language: --lang or the locale, and the Translator made from it
  setup.py     one scan built from options: rules, SKU list, cache folder, OCR preflight,
               outputs check (prepare_scan -> ScanRequest); the run-wide parts audit reuses
  outcome.py   one place that writes the reports and computes the exit status

cli.py declares the options and calls checker.commands.*, which call this layer."""
