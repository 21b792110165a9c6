"""Thin routers: parse the request, call the service layer, return its model."""
