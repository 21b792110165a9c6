"""The Assay HTTP API (FastAPI) over the services database and the artifact store.

`create_app(ApiSettings(...))` builds an isolated app (tests build one per database);
`assay api` serves one with uvicorn. docs/services.md lists the routes.
"""

from services.api.app import create_app
from services.api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app"]
