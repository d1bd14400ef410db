"""The platform-agnostic core: checklist, answer parsing, and the pure conversation engine.

Nothing in this package performs I/O, reads the clock or imports a chat SDK or a database.
"""
