"""`oms`: the command line of oms for people (tables, progress bars) and scripts (`--json`),
against the local runtime (default http://127.0.0.1:8080) or a deployed stage (`--stage URL`,
signed with SigV4 from botocore's credentials, or `--token` for a console token)."""
