"""The process model: local worker processes (executor), a Dask cluster (cluster), and the progress bar."""
