"""A call task: for a provider reached "by phone through the coordination" (or by letter) the
message becomes an item on the coordinators' call list, with the text to read out. Sending
puts it on the list; a coordinator ticks it off when she has phoned."""


def send(notification) -> None:
    # The row is the list item; nothing leaves the system.
    return None
