"""Names of the buttons the engine offers; adapters echo them back in ButtonPressed."""

from typing import Final

OPEN_FORM: Final = "open_form"
STATUS: Final = "status"
PREVIEW: Final = "preview"
SEND: Final = "send"
CONFIRM_SEND: Final = "confirm_send"
CANCEL_SEND: Final = "cancel_send"

ALL: Final = frozenset({OPEN_FORM, STATUS, PREVIEW, SEND, CONFIRM_SEND, CANCEL_SEND})
