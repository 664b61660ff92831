"""Rendering a delivery's body when the delivery is created: the row is the exact message."""

from collections.abc import Mapping
from dataclasses import replace

from sqlalchemy.orm import Session

from warn.domain.case import Case
from warn.domain.events import Send
from warn.domain.signals import Signal, signal_from_dict
from warn.domain.words import stage_called
from warn.render import MessageContext, centre_name, render_message
from warn.store.models import District, School, SignalRow


class BodyRenderer:
    """Renders every Send of one decision, reading the case's latest signal only once."""

    def __init__(self, session: Session, case: Case, known: Mapping[str, Signal]):
        self._session = session
        self._case = case
        self._known = known  # signals the batch already read, by our key
        self._base: MessageContext | None = None

    def body(self, send: Send) -> str:
        try:
            base = self._base or self._context()
            self._base = base
            team = send.recipient if send.channel == "mobile_team" else None
            stages = self._case.stages
            named = stage_called(stages[send.stage]) if send.stage < len(stages) else None
            return render_message(send.channel, replace(base, page_reason=send.reason,
                                                        stage_index=send.stage, team=team,
                                                        stage_name=named))
        except Exception:
            if send.reason != "stuck":
                raise
            # The page that says a case is stuck must go out even when rendering its case
            # is what keeps failing: it then says only what the officer needs to find it.
            return f"【{centre_name()}值班】案件 {self._case.id} 自动处理多次失败，请人工处置。"

    def _context(self) -> MessageContext:
        case, subject = self._case, self._case.subject
        signal = self._known.get(case.signal_ids[-1]) or self._stored(case.signal_ids[-1])
        # Names as registered, never the codes a feed sent: an unregistered school or
        # district is left out of the message.
        school = self._session.get(School, case.school) if case.school else None
        district = self._session.get(District, case.district) if case.district else None
        return MessageContext(
            case_id=case.id, tier=case.tier, score=case.score, msisdn=subject.msisdn,
            subject_name=subject.name, district=district.name if district else None,
            school_name=school.name if school else None,
            student_no=subject.student_no, location=subject.location,
            signal_kinds=tuple(case.kind_scores), fraud_type=signal.fraud_type,
            latest_kind=signal.kind, latest_observed_at=signal.observed_at,
            latest_attributes=dict(signal.attributes), page_reason=None, stage_index=None,
            team=None)

    def _stored(self, signal_id: str) -> Signal:
        row = self._session.get(SignalRow, signal_id)
        assert row is not None, "a case always has its signals stored"
        return signal_from_dict(row.payload)
