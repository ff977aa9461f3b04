"""Domain errors with messages a person can read; routes map them to HTTP statuses."""


class DomainError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Invalid(DomainError):
    status = 422

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        #: Per-field or per-row messages, for forms and imports.
        self.errors = errors or {}
