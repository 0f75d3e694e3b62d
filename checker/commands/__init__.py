"""The commands, one module (or package) each; cli.py declares their options and calls them:

  scan.py        doccheck scan: one folder, its reports and exit status
  watch/         doccheck watch: keep a synced folder's verdicts fresh
  audit/         doccheck audit: many clients' folders at once
  export.py      doccheck export: an upload-ready copy of a batch
  listing.py     doccheck rules: the categories, one category, the unmapped Ozon types
  explain.py     doccheck explain: what a reason code means
  show_config.py doccheck config: the settings a scan would use and where each comes from

`doccheck ozon …` lives in checker/ozon/commands.py. Every command builds its scan and writes
its outcome through checker.app."""
