"""The REST routes, one module per resource; :mod:`gateway.rest` assembles them."""
