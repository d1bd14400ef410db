"""The composition root: settings, wiring, the turn runner and the command line."""
