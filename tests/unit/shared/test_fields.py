from decimal import Decimal

import pytest
from marshmallow import Schema, ValidationError
from marshmallow import fields as mfields

from wspolpraca.fields import Money, Text, format_money, record_schema, to_money


class Offer(Schema):
    amount = Money(required=True)
    title = Text(required=True, max_length=10)


@pytest.mark.parametrize("raw, expected", [
    ("10000.00", Decimal("10000.00")), ("10000", Decimal("10000.00")),
    ("0.1", Decimal("0.10")), ("10000.01", Decimal("10000.01")),
])
def test_money_is_a_decimal_string_with_two_decimals(raw, expected):
    assert Offer().load({"amount": raw, "title": "x"})["amount"] == expected


@pytest.mark.parametrize("raw", [10000.0, 10000, "10 000", "1e3", "1.001", "-5.00", "", None])
def test_money_as_a_number_or_in_another_form_is_refused(raw):
    with pytest.raises(ValidationError) as refused:
        Offer().load({"amount": raw, "title": "x"})
    assert "amount" in refused.value.messages


def test_money_is_written_with_two_decimals():
    assert Offer().dump({"amount": Decimal("5"), "title": "x"})["amount"] == "5.00"
    assert format_money(Decimal("0.005")) == "0.01"
    with pytest.raises(TypeError):
        to_money(0.1)


def test_text_is_stripped_and_never_blank():
    assert Offer().load({"amount": "1", "title": "  ok  "})["title"] == "ok"
    for blank in ("", "   ", "\t\n"):
        with pytest.raises(ValidationError):
            Offer().load({"amount": "1", "title": blank})


def test_a_record_schema_answers_its_fields_in_the_order_of_its_spec():
    inner = record_schema("InnerSchema", "title starts_at:time")
    schema = record_schema("ThingSchema", """
        title reason? amount:money count:int done:bool tags:strs
        at?:time items""", items=mfields.List(mfields.Nested(inner)))
    assert schema.__name__ == "ThingSchema" and schema.__module__ == __name__
    record = {"_id": "t1", "title": "Zbiórka", "reason": None, "amount": "12.5", "count": 3,
              "done": True, "tags": ["a"], "at": None, "items": [{"_id": "i1", "title": "x"}]}
    dumped = schema().dump(record)
    assert list(dumped) == ["id", "title", "reason", "amount", "count", "done", "tags", "at",
                            "items"]
    assert dumped["id"] == "t1" and dumped["amount"] == "12.50"
    assert dumped["items"] == [{"id": "i1", "title": "x"}]
    assert schema._declared_fields["reason"].allow_none
    assert not schema._declared_fields["title"].allow_none


def test_a_record_schema_refuses_a_named_field_its_spec_does_not_place():
    import pytest
    with pytest.raises(TypeError, match="extra"):
        record_schema("BadSchema", "title", extra=mfields.Dict())
