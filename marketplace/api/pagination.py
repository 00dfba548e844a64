from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

# Far beyond any list we hold, far below PostgreSQL's bigint: a larger offset is a client's
# mistake, answered with a 400 naming the field instead of a database error.
MAX_OFFSET = 1_000_000


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200

    def get_offset(self, request):
        offset = super().get_offset(request)
        if offset > MAX_OFFSET:
            raise ValidationError({self.offset_query_param: [
                _("Höchstens %(max)s.") % {"max": MAX_OFFSET}]})
        return offset
