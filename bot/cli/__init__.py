"""The `supportbot` command line: the composition root for every command."""
