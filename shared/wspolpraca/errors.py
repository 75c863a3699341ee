"""Errors that become the JSON error body of DESIGN.md.

Every failure a client can cause is a `DomainError` (or a subclass) carrying a
machine code, a message a person can read (Polish where officials see it) and,
when one field is at fault, that field.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request refused by a rule; nothing was changed."""

    def __init__(
        self,
        code: str,
        message: str,
        field: str | None = None,
        status: int = 422,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.status = status
        self.fields: dict[str, list[str]] = dict(fields or {})
        if field and field not in self.fields:
            self.fields[field] = [message]

    def to_body(self) -> dict:
        body: dict = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


class MalformedRequest(DomainError):
    def __init__(self, message: str = "Treść żądania nie jest poprawnym JSON-em.") -> None:
        super().__init__("malformed_json", message, status=400)


class UnsupportedMediaType(DomainError):
    def __init__(self) -> None:
        super().__init__("unsupported_media_type",
                         "Treść żądania musi być JSON-em (Content-Type: application/json).",
                         status=415)


class ValidationFailed(DomainError):
    def __init__(self, fields: dict[str, list[str]], message: str = "Niepoprawne dane.") -> None:
        super().__init__("validation_failed", message, status=422, fields=fields)


class Unauthorized(DomainError):
    def __init__(self, message: str = "Wymagane uwierzytelnienie.") -> None:
        super().__init__("unauthorized", message, status=401)


class Forbidden(DomainError):
    def __init__(self, message: str = "Brak uprawnień do tej operacji.") -> None:
        super().__init__("forbidden", message, status=403)


class NotFound(DomainError):
    def __init__(self, message: str = "Nie znaleziono.", code: str = "not_found") -> None:
        super().__init__(code, message, status=404)


class Conflict(DomainError):
    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(code, message, field=field, status=409)
