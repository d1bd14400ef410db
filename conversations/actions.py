"""Names of the buttons the engine offers; adapters echo them back in ButtonPressed."""

from typing import Final

OPEN_FORM: Final = "open_form"
STATUS: Final = "status"
PREVIEW: Final = "preview"
SEND: Final = "send"
CONFIRM_SEND: Final = "confirm_send"
CANCEL_SEND: Final = "cancel_send"
# Confirms sending a report again although nothing changed since its last e-mail: a button
# of its own, so that a stale Confirm cannot mail the same report twice by accident.
RESEND_UNCHANGED: Final = "resend_unchanged"

ALL: Final = frozenset(
    {OPEN_FORM, STATUS, PREVIEW, SEND, CONFIRM_SEND, CANCEL_SEND, RESEND_UNCHANGED}
)
