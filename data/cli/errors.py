"""The one error type for problems the user can fix (bad paths, bad files, bad options).

Does not handle: internal invariants (those are asserts) or bugs (those keep their traceback).
"""


class InputError(ValueError):
    """Raised for input the user can correct; CLIs print it as one line and exit with code 2."""
