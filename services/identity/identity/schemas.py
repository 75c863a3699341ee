"""Request and response schemas of the identity service (and of its events' payloads)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from identity.domain import (
    ASSIGNABLE_ROLES,
    INVITABLE_ROLES,
    MAX_PASSWORD_LENGTH,
    RepresentationStatus,
)
from wspolpraca.fields import Text, record_schema
from wspolpraca.pagination import PageQuery
from wspolpraca.validators import OBJECT_ID, ONE_OF, one_of


def Email(**kwargs) -> fields.Email:  # noqa: N802 - reads as a field type
    return fields.Email(validate=validate.Length(max=254), **kwargs)


# --- accounts -----------------------------------------------------------------------------
class AccountCreateSchema(Schema):
    email = Email(required=True)
    name = Text(required=True, max_length=200)
    # length and the common-passwords list are checked by domain.check_password (422)
    password = fields.String(required=True, validate=validate.Length(
        max=MAX_PASSWORD_LENGTH, error="Hasło może mieć najwyżej {max} znaków."),
        load_only=True)


class RegisteredSchema(Schema):
    """The answer to a registration: the same whether the address was known or not."""

    email = fields.String()
    status = fields.String(metadata={"example": "unconfirmed"})
    message = fields.String()


class ConfirmSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=16, max=200))


class PasswordResetRequestSchema(Schema):
    email = Email(required=True)


class PasswordResetSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=16, max=200))
    password = fields.String(required=True, validate=validate.Length(max=MAX_PASSWORD_LENGTH),
                             load_only=True)


def roles_of(allowed, description: str) -> fields.List:
    """The roles an account is given, each one of `allowed`."""
    choice = one_of(allowed)
    return fields.List(fields.String(validate=choice),
                       load_default=list, metadata={"description": description})


class InvitationSchema(Schema):
    email = Email(required=True)
    name = Text(required=True, max_length=200)
    roles = roles_of(INVITABLE_ROLES, "`[\"committee\"]` for a competition's committee; none "
                                      "for a council member.")


class StaffCreateSchema(InvitationSchema):
    roles = roles_of(ASSIGNABLE_ROLES, "No role: a resident or an NGO person (representation "
                                       "gives `ngo`).")
    department = fields.String(load_default=None, validate=validate.Regexp(
        r"^[a-z0-9][a-z0-9_-]{0,39}$", error="Niepoprawny kod wydziału."))
    password = fields.String(load_default=None, load_only=True, validate=validate.Length(
        max=MAX_PASSWORD_LENGTH), metadata={
        "description": "For seeding (`make demo`): the account is active with this password "
                       "at once. Left out, the person sets one through the emailed link."})


class AccountQuerySchema(PageQuery):
    email = fields.Email()


AccountSchema = record_schema("AccountSchema", """
    email name status roles:strs department? created_at:aware confirmed_at?:aware
""")


class InvitedSchema(Schema):
    account_id = fields.String(metadata={"description": "The `user_id` to appoint."})
    email = fields.String()
    name = fields.String()
    roles = fields.List(fields.String())
    status = fields.String(metadata={
        "description": "`invited`: a new account, the person sets a password through the "
                       "emailed link; `existing`: the address had an account (the roles "
                       "added; a new link is emailed only while it was never confirmed)."})


class AccountCreatedSchema(AccountSchema):
    set_password_url = fields.String(
        metadata={"description": "Shown once: the link the person sets their password with "
                                 "(also sent by email)."})


# --- clients ------------------------------------------------------------------------------
class ClientCreateSchema(Schema):
    name = Text(required=True, max_length=200)
    kind = fields.String(required=True,
                         validate=validate.OneOf(["department", "web"], error=ONE_OF),
                         metadata={"description": "`department`: a department's system "
                                   "(client credentials); `web`: a confidential web "
                                   "application signing people in (code + PKCE)."})
    department = fields.String(load_default=None, validate=validate.Regexp(
        r"^[a-z0-9][a-z0-9_-]{0,39}$", error="Niepoprawny kod wydziału."))
    redirect_uris = fields.List(fields.Url(schemes={"https", "http"}, require_tld=False),
                                load_default=list)
    post_logout_redirect_uris = fields.List(
        fields.Url(schemes={"https", "http"}, require_tld=False), load_default=list)


ClientSchema = record_schema("ClientSchema", """
    client_id name kind department? redirect_uris:strs post_logout_redirect_uris:strs
    grant_types:strs token_endpoint_auth_method created_at:aware
""", with_id=False, client_id=fields.String(attribute="_id"))


class ClientCreatedSchema(ClientSchema):
    client_secret = fields.String(metadata={"description": "Shown once; stored only hashed."})


# --- representations ----------------------------------------------------------------------
class RepresentationCreateSchema(Schema):
    organization_id = fields.String(required=True, validate=OBJECT_ID)


class ReasonSchema(Schema):
    reason = Text(required=True, max_length=2000)


class OptionalReasonSchema(Schema):
    reason = Text(load_default=None, max_length=2000)


class RepresentationQuerySchema(PageQuery):
    status = fields.String(validate=one_of(RepresentationStatus))
    organization_id = fields.String(validate=OBJECT_ID)


RepresentationSchema = record_schema("RepresentationSchema", """
    account_id name organization_id organization_name? status reason? requested_at:aware
    decided_at?:aware decided_by?
""")
