"""Request bodies (validated, unknown fields refused) and the documented answers."""

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from warn.domain.case import OFFICER_OUTCOMES
from warn.text import without_unseen

# Free text from people (notes, reasons): line breaks and tabs are fine, other control
# characters are not. A NUL cannot even be stored in PostgreSQL, and escape sequences would
# reach terminals through `warn demo` and log readers.
PLAIN_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
# Bidi and invisible characters are taken out, not refused: one pasted from a chat must not
# cost the officer the note.
FreeText = Annotated[str | None, AfterValidator(
    lambda text: without_unseen(text) if text is not None else None)]
Text = Field(default=None, max_length=2000, pattern=PLAIN_TEXT)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConfirmBody(Body):
    stage: int = Field(ge=0, description="index of the stage that awaits confirmation")
    team: str | None = Field(None, min_length=1, max_length=64,
                             description="the mobile team to send, of any district; "
                                         "busy or unknown: 409")


class DeclineBody(Body):
    stage: int = Field(ge=0, description="index of the stage that awaits confirmation")
    reason: FreeText = Text


class EscalateBody(Body):
    reason: FreeText = Text


Outcome = Literal[OFFICER_OUTCOMES]  # type: ignore[valid-type]


class OutcomeBody(Body):
    outcome: Outcome
    note: FreeText = Text


class ResultBody(Body):
    result: str = Field(min_length=1, max_length=32, pattern=PLAIN_TEXT,
                        description="one of the channel's results (CONTRACT §3)")
    note: FreeText = Text


# --- documented answers -------------------------------------------------------------------

class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


class SignalAccepted(BaseModel):
    id: str
    duplicate: bool


class IndexedAccepted(SignalAccepted):
    index: int


class IndexedRejected(BaseModel):
    index: int
    error: ErrorDetail


class BatchOut(BaseModel):
    accepted: list[IndexedAccepted]
    rejected: list[IndexedRejected]


class SignalState(BaseModel):
    id: str
    state: Literal["received", "processed"]
    case_id: str | None


class ResultOut(BaseModel):
    result: str
    note: str | None
    actor: str
    at: str


class DeliveryOut(BaseModel):
    id: str
    case_id: str
    stage: int
    channel: str
    recipient: str
    body: str
    state: Literal["queued", "sent", "failed", "cancelled"]
    attempts: int
    results: list[ResultOut]
    created_at: str
    sent_at: str | None


class DeliveryList(BaseModel):
    items: list[DeliveryOut]


class SignalRef(BaseModel):
    id: str = Field(description="the feed's own id")
    kind: str
    observed_at: str


class StageOut(BaseModel):
    index: int
    tier: str
    channels: list[str]
    state: str
    started_at: str | None
    deadline_at: str | None


class TimelineOut(BaseModel):
    at: str
    type: str
    actor: str
    detail: str


class CaseOut(BaseModel):
    id: str
    state: Literal["open", "resolved"]
    outcome: str | None
    tier: Literal["low", "medium", "high"]
    score: int
    flags: list[str]
    subject: dict[str, str]
    signals: list[SignalRef]
    stages: list[StageOut]
    deliveries: list[DeliveryOut]
    timeline: list[TimelineOut]


class CaseSummary(BaseModel):
    id: str
    state: str
    outcome: str | None
    tier: str
    score: int
    flags: list[str]
    subject: dict[str, str]
    district: str | None
    school: str | None
    opened_at: str
    updated_at: str
    last_signal_at: str
    resolved_at: str | None


class CaseList(BaseModel):
    items: list[CaseSummary]
    next: str | None


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorOut} for status in statuses}
