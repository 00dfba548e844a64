"""One transport per channel (STYLE habit 4). Each has `send(notification)` that returns on
success and raises `TemporaryError` (try again later) or `PermanentError` (give up)."""


class TemporaryError(Exception):
    pass


class PermanentError(Exception):
    pass


def transport(channel: str):
    from . import call_task, email, inapp, sms

    return {"email": email, "inapp": inapp, "sms": sms, "call": call_task}[channel]
