"""`/queue`: the duty officers' open cases in lanes that match the work — 待我处理 (what
only an officer can move: confirmations, no free team, stuck, exhausted), 高风险在办,
待回拨, 只需等待 — each in the duty room's order (CONTRACT §3 `sort=urgency`), kept live by
polling `/queue.json` every second. A poll whose lists have not changed since the page's
last one answers `same` and sends no personal data, so it is not an access to audit.
`/queue/bulk` confirms or declines many cases' stages in one action."""

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from warn.access import reads
from warn.access.audit import audit_quietly, audited
from warn.access.errors import AccessError
from warn.access.scope import check_may_act
from warn.console import lists
from warn.console.digest import digests
from warn.console.formats import iso
from warn.console.pages_shift import queue_handover
from warn.console.sessions import ConsoleUser
from warn.console.web import Desk, PageError, Poster, redirect, render, templates
from warn.deps import Ctx, Outbox
from warn.domain.events import Missing, Rejected
from warn.domain.policy import TIERS
from warn.domain.signals import SIGNAL_KINDS
from warn.service import actions
from warn.service.context import Context
from warn.store.models import School
from warn.text import typed_text
from warn.vocabulary import BULK, LANES
from warn.work import Work

router = APIRouter(include_in_schema=False)
RECENT = timedelta(hours=2)
BULK_LIMIT = 200  # cases one bulk action may answer (a page's worth, with room)


def _filter(tier: str, kind: str, school: str, mine: str) -> lists.QueueFilter:
    return lists.QueueFilter(tier=tier if tier in TIERS else None,
                             kind=kind if kind in SIGNAL_KINDS else None,
                             school=school[:64] or None, needs_me=mine == "1")


class Shown:
    """What one rendering of the queue lists: each lane's cases, and those resolved lately."""

    def __init__(self, ctx: Context, user: ConsoleUser, wanted: lists.QueueFilter,
                 lane: str | None):
        with ctx.reads() as session:
            self.flags, everyone = lists.desk_counts(session, user.principal)
            self.lanes, self.totals = lists.queue_lanes(session, user.principal, wanted, lane,
                                                        totals=everyone)
            self.recent = lists.recent_keys(session, user.principal, ctx.now() - RECENT)
        self.wanted, self.open_lane = wanted, lane
        totals = [(f"{name}={total}", 0) for name, total in self.totals.items()]
        self.sig = lists.signature(*(keys for keys, _ in self.lanes.values()), self.recent,
                                   totals, [(f"{k}={v}", 0) for k, v in self.flags.items()])

    def keys(self) -> lists.Keys:
        return [key for keys, _ in self.lanes.values() for key in keys] + self.recent


def queue_view(ctx: Context, shown: Shown) -> dict[str, Any]:
    with ctx.reads() as session:
        found = digests(session, shown.keys())
    lanes = []
    for name, (keys, total) in shown.lanes.items():
        rows = [found[case_id] for case_id, _ in keys if case_id in found]
        lanes.append({"key": name, "title": LANES[name][0], "hint": LANES[name][1],
                      "rows": rows, "total": total,
                      "asking": sum(1 for r in rows if "awaiting_confirmation" in r["flags"]),
                      "whole": len(rows) >= total, "open": name == shown.open_lane})
    counts = shown.flags
    return {"lanes": lanes, "recent": [found[c] for c, _ in shown.recent if c in found],
            "counts": counts, "sig": shown.sig, "now": iso(ctx.now()),
            "limit": lists.QUEUE_LIMIT, "wanted": shown.wanted, "query": _query(shown)}


def _query(shown: Shown) -> str:
    """The page's filters as a query string, for the poll and the lane links."""
    wanted = shown.wanted
    parts = {"tier": wanted.tier or "", "kind": wanted.kind or "",
             "school": wanted.school or "", "mine": "1" if wanted.needs_me else "",
             "lane": shown.open_lane or ""}
    return urlencode({k: v for k, v in parts.items() if v})


def shown_view(ctx: Context, user: ConsoleUser, shown: Shown) -> dict[str, Any]:
    """The queue of these cases, written down as shown to `user` before anyone sees it."""
    with audited(ctx, user.principal, "console_queue", "queue", kind="read") as noted:
        view = queue_view(ctx, shown)
        noted["cases"] = [row["id"] for lane in view["lanes"] for row in lane["rows"]] + [
            row["id"] for row in view["recent"]]
    return view


def _schools(ctx: Context) -> list[tuple[str, str]]:
    with ctx.reads() as session:
        return [(row.id, row.name) for row in session.scalars(select(School).order_by(School.id))]


@router.get("/queue", response_class=HTMLResponse)
def queue_page(request: Request, ctx: Ctx, user: Desk, tier: str = "", kind: str = "",
               school: str = "", mine: str = "", lane: str = "", msg: str = ""
               ) -> HTMLResponse:
    shown = Shown(ctx, user, _filter(tier, kind, school, mine),
                  lane if lane in lists.LANES else None)
    view = shown_view(ctx, user, shown)
    return render(request, "queue.html", user, schools=_schools(ctx), kinds=SIGNAL_KINDS,
                  notice=_bulk_notice(msg), handover=queue_handover(ctx, user.principal),
                  **view)


@router.get("/queue.json")
def queue_poll(ctx: Ctx, user: Desk, have: str = "", tier: str = "", kind: str = "",
               school: str = "", mine: str = "", lane: str = "") -> dict[str, Any]:
    shown = Shown(ctx, user, _filter(tier, kind, school, mine),
                  lane if lane in lists.LANES else None)
    if have == shown.sig:
        return {"sig": shown.sig, "now": iso(ctx.now()), "same": True}
    view = shown_view(ctx, user, shown)
    rows = templates().get_template("console/_queue_rows.html").render(**view)
    return {"sig": shown.sig, "now": view["now"], "same": False, "counts": view["counts"],
            "html": rows}


def _bulk_notice(msg: str) -> dict[str, str] | None:
    """`msg` is `confirm-12-1` or `decline-20-0-3`: the action, how many it answered, how
    many no longer applied, and (declines) how many ran out of stages; or `decline-reason`
    when a decline came without one."""
    if msg == "decline-reason":
        return {"kind": "error", "text": BULK["reason_needed"]}
    action, *counts = msg.split("-")
    if (action not in ("confirm", "decline") or len(counts) not in (2, 3)
            or not all(_count_of(count) for count in counts)):
        return None
    done, stale, *ended = (int(count) for count in counts)
    if done + stale > BULK_LIMIT:  # not an answer this page gave
        return None
    text = BULK[f"{action}_done"].format(n=done)
    if ended and ended[0]:
        text += BULK["ended"].format(n=ended[0])
    if stale:
        text += BULK["stale"].format(n=stale)
    return {"kind": "ok" if not stale and not (ended and ended[0]) else "info", "text": text}


@router.post("/queue/bulk")
def bulk(ctx: Ctx, user: Poster, outbox: Outbox,
         action: Annotated[str, Form(max_length=16)],
         pick: Annotated[list[str] | None, Form()] = None,
         reason: Annotated[str, Form(max_length=500)] = "",
         back: Annotated[str, Form(max_length=300)] = "") -> Response:
    """Answer many cases' waiting stages at once: one reason for all the declines. Each case
    is its own transaction, audited as its own action; one that no longer waits is left as
    it is and counted."""
    if user.role not in ("officer", "admin"):
        raise PageError(403, "无权处理", "您的岗位不能处理案件。")
    try:
        check_may_act(user.principal)
    except AccessError:
        raise PageError(403, "无权处理", "您的岗位不能处理案件。") from None
    chosen = _picked(pick or [])
    if action not in ("confirm", "decline") or not chosen:
        raise PageError(422, "没有选中案件", "请先勾选要处理的案件，再选择确认或否决。")
    why = typed_text(reason) if action == "decline" else None
    target = back if back.startswith("/queue") and "//" not in back else "/queue"
    joiner = "&" if "?" in target else "?"
    if action == "decline" and not why:
        # as on the case page: a decline says why, for whoever reads the case later
        return redirect(f"{target}{joiner}msg=decline-reason")
    done = stale = ended = 0
    work = Work()
    for case_id, stage in chosen:
        with ctx.reads() as session:
            if reads.readable_case(session, user.principal, case_id) is None:
                # as by its own URL: someone answering cases not theirs is worth knowing
                audit_quietly(ctx, user.principal, "not_found", f"/cases/{case_id}",
                              status=404, via="console_bulk", action_asked=action)
                stale += 1
                continue
        try:
            with audited(ctx, user.principal, action, case_id, via="console_bulk", stage=stage,
                         **({"reason": why} if action == "decline" else {})):
                if action == "confirm":
                    after, made = actions.confirm(ctx, case_id, stage, user.name)
                else:
                    after, made = actions.decline(ctx, case_id, stage, user.name, why)
            work.add(made)
            done += 1
            ended += after.ladder == "exhausted"
        except (Rejected, Missing):
            stale += 1
    outbox(work)
    said = f"{action}-{done}-{stale}" + (f"-{ended}" if action == "decline" else "")
    return redirect(f"{target}{joiner}msg={said}")


def _count_of(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 3


def _picked(values: list[str]) -> list[tuple[str, int]]:
    """`case-id:stage` pairs, each case once, at most BULK_LIMIT."""
    found: dict[str, int] = {}
    for value in values[:BULK_LIMIT]:
        case_id, _, stage = value.rpartition(":")
        if (case_id and len(case_id) <= 64 and "\x00" not in case_id and stage.isascii()
                and stage.isdigit() and len(stage) < 6):
            found.setdefault(case_id, int(stage))
    return list(found.items())
