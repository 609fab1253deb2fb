"""Study exports: tables streamed from Postgres with server-side cursors, written as JSONL, CSV or Parquet."""
