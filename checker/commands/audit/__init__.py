"""doccheck audit CLIENTS: one run over many clients' batches, for an agency.

Each subfolder of CLIENTS is one client's batch: its papers, its skus.csv, its KYC folder and an
optional doccheck.toml (seller type, SKU list, date, report language, OCR). Every client is scanned
on its own and gets its own reports in OUT/<client>/; OUT/summary.csv and the terminal table sum
them up. A client whose batch cannot be audited (bad config, unusable skus.csv, …) gets a row that
says why, and the others go on.

Nothing is ever written inside CLIENTS; a client's name (its folder name) is made safe before it
names an output folder, so no name can reach outside OUT.

  model.py    AuditSettings (the command line), ClientRow (one client's outcome), ClientError
  config.py   a client's doccheck.toml over the command line's defaults
  clients.py  finding the client folders, naming their report folders safely
  run.py      auditing one client, then all of them; the exit status; the command itself
  summary.py  OUT/summary.csv
  table.py    the terminal table
"""

from .clients import allocate_folder, find_clients, looks_like_one_batch, report_file_name, safe_folder_name
from .config import CONFIG_FILE, CONFIG_KEYS, ClientConfig, read_config
from .model import AuditSettings, ClientError, ClientRow
from .run import audit_client, exit_code_for, run_audit, run_audit_command
from .summary import SUMMARY_COLUMNS, SUMMARY_FILE, summary_rows, write_summary
from .table import print_table

__all__ = ["AuditSettings", "CONFIG_FILE", "CONFIG_KEYS", "ClientConfig", "ClientError", "ClientRow", "SUMMARY_COLUMNS",
           "SUMMARY_FILE", "allocate_folder", "audit_client", "exit_code_for", "find_clients", "looks_like_one_batch",
           "print_table", "read_config", "report_file_name", "run_audit", "run_audit_command", "safe_folder_name",
           "summary_rows", "write_summary"]
