"""Message bodies from Jinja2 templates under templates/, checked at start-up (CONTRACT §5).

One sandboxed environment serves message templates (plain text, autoescape off: values
appear exactly as the feed sent them) and the console's .html pages (autoescaped). Jinja
never evaluates values, so `{{7*7}}` in a name stays literal. Message output also passes
through `defang` (warn.links), value by value and then as a whole: no body can carry a
working link, even one smuggled in by a feed value. A fraud type that is not one of the
contract's is never shown (the generic wording stands in), and the school group's message
has the subject's number masked in every spelling, as a liaison reads it anywhere else.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    meta,
    nodes,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from warn import vocabulary as labels
from warn.access.masking import mask_phone, masked_form
from warn.channels.base import CHANNEL_NAMES
from warn.links import contains_link, defang, first_link

FLASH_SMS_LIMIT = 70
FLASH_SMS_DEFAULT = (
    "[反诈中心]您可能正遭遇电信网络诈骗，公检法不会要求转账，切勿转账汇款，有疑问请拨打110"
)
DEFAULT_CENTRE = "反诈中心"
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


class TemplateCheckError(Exception):
    """A message template cannot be used; the message names the file and the problem."""


@dataclasses.dataclass(frozen=True)
class MessageContext:
    case_id: str
    tier: str
    score: int
    msisdn: str
    subject_name: str | None
    district: str | None
    school_name: str | None
    student_no: str | None
    location: str | None
    signal_kinds: tuple[str, ...]
    fraud_type: str | None
    latest_kind: str
    latest_observed_at: datetime
    latest_attributes: Mapping[str, object]
    page_reason: str | None = None
    stage_index: int | None = None
    team: str | None = None
    # how people name the stage (中风险第2级: its tier's ladder, its place counted from 1)
    stage_name: str | None = None


def render_message(channel: str, ctx: MessageContext, *, templates_dir: Path | None = None) -> str:
    """The body for `channel`. A flash SMS over 70 characters becomes FLASH_SMS_DEFAULT."""
    if channel not in CHANNEL_NAMES:
        raise ValueError(f"unknown channel {channel!r}")
    body = _render(channel, ctx, templates_dir)
    if channel == "flash_sms" and (len(body) > FLASH_SMS_LIMIT or contains_link(body)):
        return FLASH_SMS_DEFAULT
    # Each value was defanged on its own; a link can still form where two values, or a value
    # and the template's text, meet.
    body = defang(body)
    if channel == "school_group":  # what a liaison receives is masked as what it reads
        body = mask_phone(body, ctx.msisdn)
    return body


def check_templates(*, templates_dir: Path | None = None) -> None:
    """Render every message template against sample values; raise TemplateCheckError."""
    root = resolve_templates_dir(templates_dir)
    if len(FLASH_SMS_DEFAULT) > FLASH_SMS_LIMIT:  # guards against an edit of the constant
        raise TemplateCheckError("FLASH_SMS_DEFAULT is over 70 characters")
    for channel in CHANNEL_NAMES:
        path = root / "messages" / f"{channel}.j2"
        for label, ctx in sample_contexts():
            _check_one(channel, path, label, ctx, root)


def _check_one(channel: str, path: Path, label: str, ctx: MessageContext, root: Path) -> None:
    try:
        body = _render(channel, ctx, root)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f"{path}:{line}" if line else str(path)
        raise TemplateCheckError(f"{where}: does not render ({label}): {exc}") from exc
    if not body:
        raise TemplateCheckError(f"{path}: renders an empty message ({label})")
    link = first_link(body)
    if link:
        raise TemplateCheckError(f"{path}: contains a link {link!r} ({label})")
    if channel == "flash_sms" and len(body) > FLASH_SMS_LIMIT:
        raise TemplateCheckError(
            f"{path}: flash SMS is {len(body)} characters, over {FLASH_SMS_LIMIT} ({label}): {body}"
        )


def _render(channel: str, ctx: MessageContext, templates_dir: Path | None) -> str:
    env = environment(templates_dir)
    values = dict(vars(ctx))
    # A fraud type without a label (`other`, or a feed's own code) never reaches a message.
    if not _labelled(ctx.fraud_type):
        values["fraud_type"] = None
    if "fraud_type" in ctx.latest_attributes and not _labelled(
            ctx.latest_attributes["fraud_type"]):
        values["latest_attributes"] = {
            key: value for key, value in ctx.latest_attributes.items() if key != "fraud_type"}
    name = f"messages/{channel}.j2"
    key = _memo_key(env, name, values)
    memo = _memos.setdefault(env, {})
    if key is not None and key in memo:
        return memo[key]
    body = env.get_template(name).render(values).strip()
    if channel == "flash_sms":  # one SMS: template line breaks are layout, not text
        body = "".join(line.strip() for line in body.splitlines())
    if key is not None:
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[key] = body
    return body


# A template renders the same text from the same values (its filters are pure, and it
# reads no clock): in a campaign thousands of messages differ only in values their
# template never reads (the number, the case), and are rendered once.
_MEMO_SIZE = 4096
_memos: WeakKeyDictionary[SandboxedEnvironment, dict[tuple[object, ...], str]] = (
    WeakKeyDictionary())


def _memo_key(env: SandboxedEnvironment, name: str, values: Mapping[str, object]
              ) -> tuple[object, ...] | None:
    used = _names_read(env, name)
    if used is None:
        return None
    try:
        key = (name, *(_frozen(values.get(n)) for n in used))
        hash(key)
    except TypeError:  # a value that cannot be a key: rendered every time
        return None
    return key


@lru_cache(maxsize=64)
def _names_read(env: SandboxedEnvironment, name: str) -> tuple[str, ...] | None:
    """The values a template reads; None when it can read more than it names (an include
    or an extends shares its whole context), and is then never memoised."""
    source = env.loader.get_source(env, name)[0] if env.loader else ""
    tree = env.parse(source)
    if any(tree.find_all((nodes.Include, nodes.Extends))) or any(
            node.with_context for node in tree.find_all((nodes.Import, nodes.FromImport))):
        return None
    return tuple(sorted(meta.find_undeclared_variables(tree)))


def _frozen(value: object) -> object:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def _labelled(fraud_type: object) -> bool:
    return isinstance(fraud_type, str) and fraud_type in labels.FRAUD_LABELS


_BUILT_IN_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def resolve_templates_dir(override: Path | None = None) -> Path:
    if override is not None:
        return Path(override)
    from_env = os.environ.get("WARN_TEMPLATES", "").strip()
    return Path(from_env) if from_env else _BUILT_IN_TEMPLATES


def environment(templates_dir: Path | None = None) -> SandboxedEnvironment:
    return _environment(str(resolve_templates_dir(templates_dir)), centre_name())


def centre_name() -> str:
    return os.environ.get("WARN_CENTRE_NAME", "").strip() or DEFAULT_CENTRE


@lru_cache(maxsize=8)
def _environment(root: str, centre: str) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=FileSystemLoader(root),
        undefined=StrictUndefined,
        autoescape=select_autoescape(("html", "html.j2"), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
        # Checked at start-up and read once: a changed template takes a restart, as a
        # changed policy does, and no render asks the disk whether the file changed.
        auto_reload=False,
    )
    env.filters.update(
        national=national,
        local_time=local_time,
        kind_label=labels.kind_label,
        fraud_label=labels.fraud_label,
        tier_label=labels.tier_label,
        duration=duration,
        yuan=yuan,
        defang=defang,
        mask=masked_form,
    )
    env.globals["centre"] = centre
    return env


@pass_context
def _finalize(context: Context, value: Any) -> Any:
    if not (context.name or "").startswith("messages/"):
        return value
    text = value if isinstance(value, str) else str(value)
    defanged = defang(text)
    return value if defanged == text else defanged


def national(msisdn: str) -> str:
    """+8613812345678 → 13812345678; other countries keep their E.164 form."""
    return msisdn[3:] if msisdn.startswith("+86") else msisdn


def local_time(moment: datetime) -> str:
    """A moment in Asia/Shanghai local time, e.g. `2月23日 18:43` (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(LOCAL_TZ)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def duration(seconds: object) -> str:
    total = int(float(str(seconds)))
    if total < 60:
        return f"{total}秒"
    return f"{round(total / 60)}分钟"


def yuan(amount: object) -> str:
    """60000 → 60,000元; a value that is not a number is shown as sent."""
    try:
        value = float(str(amount))
    except ValueError:
        return f"{amount}元"
    return f"{value:,.0f}元" if value == int(value) else f"{value:,.2f}元"


_SAMPLE_ATTRIBUTES: dict[str, dict[str, object]] = {
    "scam_site_visit": {"url": "https://gov-safe-account.cn/verify?id=20260223"},
    "flagged_call": {"caller": "+85212345678", "duration_s": 3725, "ongoing": True},
    "scam_sms": {"sender": "+8617012345678"},
    "fraud_app_install": {"app": "屏幕共享会议助手"},
    "transfer_attempt": {"account": "6222020200112233445", "amount_cny": 60000},
}
_PAGE_REASONS = ("confirm", "overdue", "no_team", "exhausted", "stuck", None)


def sample_contexts() -> list[tuple[str, MessageContext]]:
    """Long-ish realistic values: every kind × every fraud type, plus sparse contexts."""
    samples: list[tuple[str, MessageContext]] = []
    fraud_types: list[str | None] = [*labels.FRAUD_LABELS, None]
    for n, (kind, fraud) in enumerate((k, f) for k in labels.KIND_LABELS for f in fraud_types):
        ctx = _sample(kind, fraud, _PAGE_REASONS[n % len(_PAGE_REASONS)], full=True)
        samples.append((f"sample {kind}/{fraud}/{ctx.page_reason}", ctx))
        sparse = _sample(kind, fraud, _PAGE_REASONS[(n + 2) % len(_PAGE_REASONS)], full=False)
        samples.append((f"sparse sample {kind}/{fraud}/{sparse.page_reason}", sparse))
    return samples


def _sample(kind: str, fraud: str | None, reason: str | None, *, full: bool) -> MessageContext:
    attributes = {**_SAMPLE_ATTRIBUTES[kind], **({"fraud_type": fraud} if fraud else {})}
    return MessageContext(
        case_id="C20260223-184300-0412",
        tier="high" if full else "medium",
        score=95 if full else 55,
        msisdn="+8613812345678",
        subject_name="郭晓明" if full else None,
        district="wanzhou" if full else None,
        school_name="重庆三峡医药高等专科学校" if full else None,
        student_no="2023-0412" if full else None,
        location="万州区北滨大道二段工商银行万州分行营业部大厅" if full else None,
        signal_kinds=(*labels.KIND_LABELS,) if full else (kind,),
        fraud_type=fraud,
        latest_kind=kind,
        latest_observed_at=datetime(2026, 2, 23, 10, 43, tzinfo=UTC),
        latest_attributes=attributes if full else {},
        page_reason=reason,
        stage_index=3 if full else None,
        team="wanzhou-1" if full else None,
        stage_name="高风险第2级" if full else None,
    )
