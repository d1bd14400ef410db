"""Names of the buttons the engine offers; adapters echo them back in ButtonPressed."""

from typing import Final

OPEN_FORM: Final = "open_form"
STATUS: Final = "status"
PREVIEW: Final = "preview"
# Another page of the preview: value `<report>:<page>`.
PREVIEW_PAGE: Final = "preview_page"
SEND: Final = "send"
CONFIRM_SEND: Final = "confirm_send"
CANCEL_SEND: Final = "cancel_send"
# Confirms sending a report again although nothing changed since its last e-mail: a button
# of its own, so that a stale Confirm cannot mail the same report twice by accident.
RESEND_UNCHANGED: Final = "resend_unchanged"
# Answer the question with one of its choices: value `<report>:<item id>:<choice>`.
ANSWER: Final = "answer"
# A question's help, example and full way to answer, shown to whoever asks: value
# `<report>:<item id>`.
MORE: Final = "more"
# Retract a capture: value `<report>:<contribution id>`.
UNDO: Final = "undo"
# A reply that read like talk: value `<report>:<pending id>`.
RECORD_PENDING: Final = "record_pending"
JUST_TALK: Final = "just_talk"
# Run a channel command on the report picked from several open ones: value
# `<report>:<command text>`.
RUN_ON_REPORT: Final = "run_on_report"

ALL: Final = frozenset(
    {
        OPEN_FORM,
        STATUS,
        PREVIEW,
        PREVIEW_PAGE,
        SEND,
        CONFIRM_SEND,
        CANCEL_SEND,
        RESEND_UNCHANGED,
        ANSWER,
        MORE,
        UNDO,
        RECORD_PENDING,
        JUST_TALK,
        RUN_ON_REPORT,
    }
)
