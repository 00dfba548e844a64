"""Writes of the marketplace: every business rule lives here (`<entity>_<verb>`).

Services take keyword arguments, validate before they write, raise
`django.core.exceptions.ValidationError` with a dict of field -> German messages for bad input
and `marketplace.services.errors.Conflict` for a request that the current state forbids.
"""
