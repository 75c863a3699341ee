"""Cursor pagination over `_id` (ids are time-ordered ObjectId strings)."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from marshmallow import Schema, fields, validate
from pymongo import ASCENDING
from pymongo.collection import Collection

from wspolpraca.errors import DomainError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_ID = re.compile(r"^[0-9a-f]{24}$")


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


class PageQuery(Schema):
    """Base of every list query schema: `?limit=&cursor=`."""

    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))
    cursor = fields.String(load_default=None)


def new_id() -> str:
    return str(ObjectId())


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        value = ""
    if not _ID.match(value):
        raise DomainError("invalid_cursor", "Niepoprawny kursor stronicowania.", field="cursor")
    return value


def paginate(collection: Collection, query: dict[str, Any], limit: int,
             cursor: str | None) -> Page:
    if cursor:
        query = {"$and": [query, {"_id": {"$gt": decode_cursor(cursor)}}]}
    docs = list(collection.find(query).sort("_id", ASCENDING).limit(limit + 1))
    more = len(docs) > limit
    docs = docs[:limit]
    return Page(docs, encode_cursor(docs[-1]["_id"]) if more and docs else None)
