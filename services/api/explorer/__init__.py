"""The web explorer: server-rendered HTML pages over the indexed database, under /explorer."""

from services.api.explorer.pages import router

__all__ = ["router"]
