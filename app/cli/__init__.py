"""The ``sourcetrace`` command line. Each module registers its own subcommands."""
