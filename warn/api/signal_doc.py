"""The OpenAPI description of `POST /v1/signals`. The body is parsed by hand (to tell
malformed JSON, oversized bodies and invalid signals apart), so its schema is written here."""

from typing import Any

from warn.domain.signals import (
    FORBIDDEN_CHARACTERS,
    MAX_AMOUNT_CNY,
    MAX_DURATION_S,
    MAX_NUMBER,
    SIGNAL_KINDS,
)

PLAIN = f"^[^{FORBIDDEN_CHARACTERS}]*$"
_TEXT = {"type": "string", "minLength": 1, "pattern": PLAIN}

SUBJECT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["msisdn"],
    "properties": {
        "msisdn": {"type": "string", "pattern": r"^\+[1-9][0-9]{6,14}$",
                   "description": "E.164", "example": "+8613812345678"},
        "name": {**_TEXT, "maxLength": 64},
        "district": {**_TEXT, "maxLength": 64},
        "school": {**_TEXT, "maxLength": 64, "description": "must be registered"},
        "student_no": {**_TEXT, "maxLength": 64},
        "location": {**_TEXT, "maxLength": 256,
                     "description": "where a mobile team would find the person"},
    },
}

SIGNAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Signal",
    "additionalProperties": False,
    "required": ["id", "kind", "observed_at", "subject"],
    "properties": {
        "id": {**_TEXT, "maxLength": 128, "description": "the feed's own id: idempotency key"},
        "kind": {"type": "string", "enum": list(SIGNAL_KINDS)},
        "observed_at": {"type": "string", "format": "date-time",
                        "description": "RFC 3339 with offset; at most 5 minutes ahead and "
                                       "7 days behind the server's clock"},
        "subject": SUBJECT_SCHEMA,
        "attributes": {
            "type": "object",
            "description": "required per kind: scam_site_visit url; flagged_call caller, "
                           "duration_s (ongoing defaults to false); scam_sms sender; "
                           "fraud_app_install app; transfer_attempt account, amount_cny. "
                           "fraud_type is optional on all. At most 16 more attributes, "
                           "each text, a number within ±10^15, a boolean or null.",
            "properties": {
                "duration_s": {"type": "integer", "minimum": 0, "maximum": MAX_DURATION_S,
                               "description": "seconds, at most a week"},
                "ongoing": {"type": "boolean", "default": False},
                "amount_cny": {"type": "number", "exclusiveMinimum": 0,
                               "maximum": MAX_AMOUNT_CNY},
            },
            "additionalProperties": {"anyOf": [
                {**_TEXT, "maxLength": 512},
                {"type": "number", "minimum": -MAX_NUMBER, "maximum": MAX_NUMBER},
                {"type": "boolean"},
                {"type": "null"},
            ]},
            "propertyNames": {"maxLength": 64, "pattern": PLAIN},
        },
    },
}

BATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "SignalBatch",
    "additionalProperties": False,
    "required": ["signals"],
    "properties": {"signals": {"type": "array", "maxItems": 1000, "items": SIGNAL_SCHEMA}},
}

EXAMPLE = {
    "id": "carrier-7-000123", "kind": "flagged_call", "observed_at": "2026-02-23T18:43:00+08:00",
    "subject": {"msisdn": "+8613812345678", "name": "郭某", "district": "wanzhou",
                "school": "sanxia-med", "student_no": "2023-0412",
                "location": "万州区北滨路工商银行大厅"},
    "attributes": {"caller": "+85212345678", "duration_s": 3600, "ongoing": True,
                   "fraud_type": "impersonating_police"},
}

OPENAPI_EXTRA: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "one signal, or {\"signals\": [...]} with up to 1,000; at most 1 MiB",
        "content": {"application/json": {
            "schema": {"oneOf": [SIGNAL_SCHEMA, BATCH_SCHEMA]},
            "examples": {"one": {"value": EXAMPLE},
                         "batch": {"value": {"signals": [EXAMPLE]}}},
        }},
    },
}
