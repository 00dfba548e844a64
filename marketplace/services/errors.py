class Conflict(Exception):
    """The request is well-formed but the object's state forbids it (HTTP 409)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
