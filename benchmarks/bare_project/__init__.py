"""The reference of `make loadtest`: a bare Django project as `django-admin startproject` makes it.

Django's default apps and default middleware, one view that answers a short HTML page without a
template or a query. The load test serves it beside the clinic under the same gunicorn settings
and reports every page of the clinic as a share of it (docs/performance.md).
"""
