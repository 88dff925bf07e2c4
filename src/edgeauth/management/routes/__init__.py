"""One module per Management API resource, each an `APIRouter` named `router`."""
