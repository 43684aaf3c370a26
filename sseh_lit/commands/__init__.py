"""CLI commands, one module per stage; each registers its commands on ``sseh_lit.cli.cli``."""
