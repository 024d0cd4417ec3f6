"""Sub-commands of the ``makelaar`` console command."""
