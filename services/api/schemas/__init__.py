"""Pydantic response models of the API (its OpenAPI schemas), one module per resource."""
