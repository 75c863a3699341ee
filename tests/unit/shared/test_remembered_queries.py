"""`@api(..., remember_queries=True)`: a query string accepted once is not validated again,
each caller gets its own copy, and a refused one is refused every time."""

from __future__ import annotations

import pytest
from marshmallow import Schema, fields, validate
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from wspolpraca.errors import DomainError
from wspolpraca.http import QueryParser


class Counted(Schema):
    q = fields.String(validate=validate.Length(min=1, max=5))
    tags = fields.List(fields.String())
    loads = 0

    def load(self, *args, **kwargs):
        type(self).loads += 1
        return super().load(*args, **kwargs)


def request(query: str) -> Request:
    return Request(EnvironBuilder(path="/x", query_string=query).get_environ())


def test_an_accepted_query_string_is_loaded_once_and_each_caller_gets_a_copy():
    parse = QueryParser(Counted(), remember=True)
    Counted.loads = 0
    first = parse(request("q=abc&tags=a&tags=b"))
    first["q"] = "changed"
    first["tags"].append("c")
    again = parse(request("q=abc&tags=a&tags=b"))
    assert again == {"q": "abc", "tags": ["a", "b"]}
    assert Counted.loads == 1
    assert parse(request("q=abd")) == {"q": "abd"}
    assert Counted.loads == 2


def test_a_refused_query_string_is_refused_every_time():
    parse = QueryParser(Counted(), remember=True)
    for _ in range(2):
        with pytest.raises(DomainError):
            parse(request("q=far-too-long"))
        with pytest.raises(DomainError):
            parse(request("unknown=1"))


def test_without_remember_every_query_is_loaded():
    parse = QueryParser(Counted())
    Counted.loads = 0
    parse(request("q=abc"))
    parse(request("q=abc"))
    assert Counted.loads == 2


def test_it_keeps_a_bounded_number_of_query_strings():
    parse = QueryParser(Counted(), remember=True)
    for n in range(QueryParser.SIZE + 10):
        parse(request(f"q={n}"))
    assert len(parse._known) == QueryParser.SIZE
