"""`python -m oms_cli`, the same as the installed `oms` command."""

from oms_cli.main import main

main()
