"""The API's service layer: reads over the services DB and the artifact store, no HTTP.

Each function takes a Session (or the store), returns response models, and raises the domain
errors of services.api.errors.
"""
