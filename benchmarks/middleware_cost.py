"""What each middleware costs an anonymous request, measured in one process (no network).

`python -m benchmarks.middleware_cost` (run by `make loadtest` on its seeded database, or with
DATABASE_URL pointing at any database that `seed_demo` filled). For k = 0 … n it builds Django's
WSGI handler with the first k entries of settings.MIDDLEWARE (a prefix is always a working
stack: every middleware comes after the ones it needs) and times anonymous GETs of a cached page,
the education page and /livez; a middleware's cost is the difference its entry makes. Times are
this process's CPU time per request (the machine is shared; CPU time is what the work costs),
the best of a few rounds.
"""

from __future__ import annotations

import re
import sys
import time

from benchmarks import standalone

standalone.setup(secret_key="middleware-cost-not-secret")

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.test import RequestFactory, override_settings  # noqa: E402

REQUESTS = 200
ROUNDS = 7


def call(handler: WSGIHandler, path: str) -> bytes:
    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET")
    environ["HTTP_HOST"] = "127.0.0.1"
    status: list[str] = []
    body = b"".join(handler(environ, lambda s, h, *a: status.append(s)))
    if not status[0].startswith("200"):
        raise SystemExit(f"{path} answered {status[0]} with {settings.MIDDLEWARE}")
    return body


def cpu_us(handler: WSGIHandler, path: str) -> float:
    started = time.process_time()
    for _ in range(REQUESTS):
        call(handler, path)
    return (time.process_time() - started) / REQUESTS * 1_000_000


def handler_with(middleware: list[str]) -> WSGIHandler:
    with override_settings(MIDDLEWARE=middleware):
        return WSGIHandler()


def measure(stacks: list[list[str]], paths: dict[str, str]) -> list[dict[str, float]]:
    """The best CPU time per request of every stack and path; rounds go over all stacks in turn,
    so a busy moment of the machine spoils one round of each, not all rounds of one."""
    handlers = [handler_with(stack) for stack in stacks]
    for handler in handlers:
        for path in paths.values():
            for _ in range(20):
                call(handler, path)  # warm: the page is in the cache, imports are done
    best = [dict.fromkeys(paths, float("inf")) for _ in stacks]
    for _ in range(ROUNDS):
        for index, handler in enumerate(handlers):
            for name, path in paths.items():
                best[index][name] = min(best[index][name], cpu_us(handler, path))
    return best


def main() -> int:
    full = list(settings.MIDDLEWARE)
    handler = WSGIHandler()
    learn = call(handler, "/en/learn/").decode()
    article = re.search(r'href="(/en/learn/[\w-]+/)"', learn)
    if article is None:
        raise SystemExit("no education page: run seed_demo on this database first")
    paths = {"home": "/en/", "education page": article.group(1), "livez": "/livez"}
    stacks = [full[:k] for k in range(len(full) + 1)]
    times = measure(stacks, paths)
    rows = [("(no middleware: URL routing and the view)", times[0])]
    for k in range(1, len(full) + 1):
        rows.append((full[k - 1], {name: times[k][name] - times[k - 1][name] for name in paths}))
    previous = times[-1]
    total = previous
    names = list(paths)
    print(f"| middleware | {' | '.join(f'{name} (µs)' for name in names)} |")
    print(f"|---|{'---|' * len(names)}")
    for name, costs in rows:
        print(f"| `{name}` | {' | '.join(f'{costs[n]:.0f}' for n in names)} |")
    print(f"| **whole request** | {' | '.join(f'**{total[n]:.0f}**' for n in names)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
