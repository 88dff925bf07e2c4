"""Users import and export jobs on USER_EVENTS: one message per part (`edgeauth.users.bulk_import`,
`edgeauth.users.bulk_export`)."""

from __future__ import annotations

from edgeauth.users.bulk_export import MESSAGE_TYPE as EXPORT_MESSAGE
from edgeauth.users.bulk_export import export_part
from edgeauth.users.bulk_import import MESSAGE_TYPE as IMPORT_MESSAGE
from edgeauth.users.bulk_import import import_part

JOB_HANDLERS = {IMPORT_MESSAGE: import_part, EXPORT_MESSAGE: export_part}
