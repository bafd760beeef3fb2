"""gunicorn settings: `gunicorn -c clinic/gunicorn.conf.py clinic.wsgi` (used by `make serve`).

- Logs: gunicorn's own lines and its access log are JSON lines in the same shape as Django's
  (clinic/logging.py): time in UTC, level, logger, request id (the X-Request-ID the app sent
  back), method, path without the query string (search terms stay out of the logs), status and
  duration. No client address, user agent or referrer.
- Proxies: gunicorn itself trusts X-Forwarded-Proto (and turns a request into "https") only from
  the addresses in FORWARDED_ALLOW_IPS, and only when TRUST_X_FORWARDED_PROTO is on, like
  Django's SECURE_PROXY_SSL_HEADER. Off, it trusts no one, not even 127.0.0.1.

Worker count and bind address are left to the command line (`make serve`) or gunicorn's own
environment variables (WEB_CONCURRENCY, GUNICORN_CMD_ARGS).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from clinic.env import env_bool, env_list

if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    # The proxy's own address(es); "*" when only the load balancer can reach the app servers.
    forwarded_allow_ips = ",".join(env_list("FORWARDED_ALLOW_IPS", default=["127.0.0.1", "::1"]))
else:
    forwarded_allow_ips = ""

# Never the request line or the query string, whatever formatter reads this.
access_log_format = "%(m)s %(U)s %(s)s"

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "clinic.logging.JsonFormatter"}},
    "handlers": {
        "json_console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"level": "INFO", "handlers": ["json_console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["json_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["json_console"], "propagate": False},
    },
}


def post_worker_init(worker: object) -> None:
    """Once a worker has loaded the app, everything the imports created lives as long as the
    process: gc.freeze() keeps the cycle collector from scanning it again at every collection of
    the oldest generation (issue 22; a few per cent of a dynamic page's CPU)."""
    import gc

    gc.freeze()
