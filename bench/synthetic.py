"""Filling the database fast with copies of one real case, for the timer and scale figures.

The rows are made by PostgreSQL itself (generate_series) from a case that warn really
processed, so their sizes and shapes are those of real cases."""

import psycopg

_COPY_CASES = """
INSERT INTO cases (id, msisdn, district, school, state, outcome, tier, score, flag_awaiting,
                   flag_overdue, flag_no_team, flag_exhausted, opened_at, updated_at,
                   last_signal_at, resolved_at, school_notified_at, aggregate, policy_id, version)
SELECT %(prefix)s || g, '+8612' || lpad(g::text, 9, '0'), district, school, %(state)s::text,
       %(outcome)s::text, tier, score, false, false, false, false,
       now() - interval '1 day', now(), %(last_signal)s::timestamptz,
       %(resolved)s::timestamptz, NULL,
       jsonb_set(jsonb_set(jsonb_set(aggregate, '{id}', to_jsonb(%(prefix)s || g)),
                           '{last_signal_at}', to_jsonb(%(last_signal_text)s::text)),
                 '{state}', to_jsonb(%(state)s::text)),
       policy_id, 1
FROM cases, generate_series(%(first)s::bigint, %(last)s::bigint) AS g
WHERE cases.id = %(template)s
"""

_COPY_SIGNALS = """
INSERT INTO signals (id, kind, observed_at, received_at, msisdn, content_hash, payload, state,
                     case_id)
SELECT %(prefix)s || 's' || g, kind, observed_at, received_at, '+8612' || lpad(g::text, 9, '0'),
       content_hash, payload, 'processed', %(prefix)s || g
FROM signals, generate_series(%(first)s::bigint, %(last)s::bigint) AS g
WHERE signals.case_id = %(template)s
"""

_COPY_DELIVERIES = """
INSERT INTO deliveries (id, case_id, stage, channel, recipient, body, state, attempts, rounds,
                        created_at, sent_at, lease_until, last_error, dispatch_open)
SELECT %(prefix)s || g || '-' || deliveries.id, %(prefix)s || g, stage, channel, recipient,
       body, 'sent', attempts, rounds, created_at, sent_at, NULL, NULL, false
FROM deliveries, generate_series(%(first)s::bigint, %(last)s::bigint) AS g
WHERE deliveries.case_id = %(template)s
"""

_COPY_TIMELINE = """
INSERT INTO timeline (case_id, at, type, actor, detail)
SELECT %(prefix)s || g, at, type, actor, detail
FROM timeline, generate_series(%(first)s::bigint, %(last)s::bigint) AS g
WHERE timeline.case_id = %(template)s
"""


def copy_cases(database_url: str, template: str, prefix: str, first: int, last: int, *,
               state: str = "resolved", last_signal: str = "2026-01-01T00:00:00+00:00",
               with_history: bool = True) -> None:
    """Cases `prefix||first` .. `prefix||last`, copies of case `template`."""
    params = {"prefix": prefix, "first": first, "last": last, "template": template,
              "state": state, "outcome": "warned" if state == "resolved" else None,
              "resolved": "2026-01-01T02:00:00+00:00" if state == "resolved" else None,
              "last_signal": last_signal, "last_signal_text": last_signal}
    with psycopg.connect(database_url) as db:
        for statement in (_COPY_CASES, *((_COPY_SIGNALS, _COPY_DELIVERIES, _COPY_TIMELINE)
                                         if with_history else ())):
            db.execute(statement, params)


def add_timers(database_url: str, prefix: str, first: int, last: int, due: str) -> None:
    with psycopg.connect(database_url) as db:
        db.execute("INSERT INTO timers (case_id, due_at, status) SELECT %(prefix)s || g, "
                   "%(due)s, 'pending' "
                   "FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g",
                   {"prefix": prefix, "first": first, "last": last, "due": due})


def scalar(database_url: str, sql: str, params: dict[str, object] | None = None) -> float:
    with psycopg.connect(database_url) as db:
        row = db.execute(sql, params or {}).fetchone()
    return float(row[0]) if row and row[0] is not None else 0.0
