"""`make loadtest`: a bounded load against `make serve` on PostgreSQL, loopback only.

1. Drops and re-creates its own database (the name must contain "load", so no other database can
   be dropped by mistake), migrates it and loads the demo clinic (`seed_demo`).
2. Starts `make serve` on 127.0.0.1:<port> (gunicorn, WhiteNoise, DEBUG off, the tasks worker),
   with a private Redis on another loopback port when `redis-server` is installed.
   Beside it, the reference: a bare Django project with Django's default middleware and one view
   (benchmarks/bare_project), under the same gunicorn settings and worker count.
3. Runs each scenario for a fixed time with a fixed number of concurrent clients (a small asyncio
   HTTP/1.1 client; every request has a timeout, every loop a deadline and a request cap), in
   windows alternating with the bare view, so both are measured in the same moments of a shared
   machine: the project's `/livez`, home, catalogue, a protocol page, an education page, the
   catalogue without its cache, the booking screening page, a patient's manage page, the
   clinician dashboard and the reception calendar (signed-in sessions from
   benchmarks/signed_in.py), a day's free times in the booking flow; then whole bookings
   through the public flow (screening, times, details and hold, consent, confirm). Booking
   clients use distinct loopback addresses (127.0.0.x), as distinct patients would, so the
   per-address rate limits on holding and confirming apply to each one separately.
4. Prints requests per second, p50/p95/p99 latency and errors per scenario, each page as a share
   of the bare view (budgets of docs/performance.md: 0.5 for public pages, 0.1 for booking,
   manage and staff pages), and whole bookings per second as bookings, with the median and p95
   of a whole booking.

Exit status 1 on any error, any failed booking, or a page under its budget.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
REQUEST_TIMEOUT = 30.0
MAX_REQUESTS_PER_SCENARIO = 50_000
ROUNDS = 4  # windows per page, alternating with the bare view
UNCACHED = "catalogue rendered every time"
LIVEZ = "the project's /livez"
MANAGE = "manage page (patient's link)"
DASHBOARD = "clinician dashboard"
CALENDAR = "reception calendar (a day with visits)"
# Budgets of docs/performance.md, as a share of the bare Django view's requests per second.
PUBLIC_SHARE = 0.5
DYNAMIC_SHARE = 0.1
TARGETS = {
    "home": PUBLIC_SHARE,
    "catalogue": PUBLIC_SHARE,
    "protocol page": PUBLIC_SHARE,
    "education page": PUBLIC_SHARE,
    "booking: screening page": DYNAMIC_SHARE,
    "a day's free times": DYNAMIC_SHARE,
    MANAGE: DYNAMIC_SHARE,
    DASHBOARD: DYNAMIC_SHARE,
    CALENDAR: DYNAMIC_SHARE,
}


# --- A minimal HTTP/1.1 client -------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    content: bytes

    @property
    def body(self) -> str:
        return self.content.decode("utf-8", "replace")

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")


@dataclass
class Client:
    """One visitor: its own cookies and, optionally, its own loopback address."""

    port: int
    source_ip: str = HOST
    cookies: dict[str, str] = field(default_factory=dict)

    async def request(
        self, method: str, path: str, form: dict[str, str] | list | None = None
    ) -> Response:
        assert urlsplit(path).netloc in ("", f"{HOST}:{self.port}"), "loopback only"
        path = urlsplit(path)._replace(scheme="", netloc="").geturl()
        body = urlencode(form or {}, doseq=True).encode() if method == "POST" else b""
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {HOST}:{self.port}",
            "Connection: close",
            "User-Agent: clinic-loadtest",
        ]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if method == "POST":
            lines += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
                f"Origin: http://{HOST}:{self.port}",
            ]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(HOST, self.port, local_addr=(self.source_ip, 0)),
            REQUEST_TIMEOUT,
        )
        try:
            writer.write(raw)
            await writer.drain()
            data = await asyncio.wait_for(reader.read(), REQUEST_TIMEOUT)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        head, _, content = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = [tuple(part.strip() for part in line.split(":", 1)) for line in header_lines]
        for name, value in headers:
            if name.lower() == "set-cookie":
                cookie, _, attributes = value.partition(";")
                key, _, cookie_value = cookie.partition("=")
                if "max-age=0" in attributes.lower() or not cookie_value:
                    self.cookies.pop(key.strip(), None)
                else:
                    self.cookies[key.strip()] = cookie_value.strip()
        return Response(int(status_line.split()[1]), headers, content)


# --- Forms in the booking flow -------------------------------------------------------------------


class FormParser(HTMLParser):
    """The POST forms of a page: action and fields (inputs, radios, checkboxes, selects)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {
                    "action": attributes.get("action", ""),
                    "method": attributes.get("method", "get").lower(),
                    "fields": [],
                }
            )
        elif not self.forms:
            return
        elif tag in ("input", "textarea") and attributes.get("name"):
            self.forms[-1]["fields"].append(
                {
                    "name": attributes["name"],
                    "type": attributes.get("type", "text").lower(),
                    "value": attributes.get("value", ""),
                    "checked": "checked" in attributes,
                }
            )
        elif tag == "select":
            self._select = attributes.get("name")
        elif tag == "option" and self._select:
            self.forms[-1]["fields"].append(
                {
                    "name": self._select,
                    "type": "option",
                    "value": attributes.get("value", ""),
                    "checked": "selected" in attributes,
                }
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def post_form(html: str) -> dict:
    parser = FormParser()
    parser.feed(html)
    forms = [form for form in parser.forms if form["method"] == "post"]
    if not forms:
        raise LoadError("no form to post on the page")
    return forms[0]


def fill(form: dict, values: dict[str, str], *, radio_default: str | None = None) -> dict:
    """What a browser sends for `form`, with `values` typed in and radios answered."""
    data: dict[str, str] = {}
    for item in form["fields"]:
        name, kind = item["name"], item["type"]
        if name in values:
            data[name] = values[name]
        elif kind == "radio":
            if item["checked"] or (radio_default is not None and item["value"] == radio_default):
                data[name] = item["value"]
        elif kind == "checkbox":
            if item["checked"]:
                data[name] = item["value"] or "on"
        elif kind == "option":
            if item["checked"] or name not in data:
                data[name] = item["value"]
        elif kind not in ("submit", "button"):
            data[name] = item["value"]
    return data


class LoadError(Exception):
    pass


def expect(response: Response | None, what: str, status: int = 200) -> Response:
    if response is None:
        raise LoadError(f"{what}: no answer")
    if response.status != status:
        raise LoadError(f"{what}: {response.status} {response.header('Location')}".strip())
    return response


# --- Measuring -----------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    notes: str = ""
    reference_rps: float = 0.0  # the bare Django view, measured in the same moments

    def add(self, started: float, ok: bool) -> None:
        self.latencies.append(time.perf_counter() - started)
        if not ok:
            self.errors += 1

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def timed(result: Result, call, ok=lambda r: r.status == 200) -> Response | None:
    started = time.perf_counter()
    try:
        response = await call()
    except (TimeoutError, OSError, LoadError, ValueError, IndexError):
        result.add(started, False)
        return None
    result.add(started, ok(response))
    return response


async def hammer(
    name: str,
    port: int,
    path: str,
    seconds: float,
    concurrency: int,
    cookies: dict[str, str] | None = None,
) -> Result:
    result = Result(name)
    deadline = time.perf_counter() + seconds

    async def visitor() -> None:
        client = Client(port, cookies=dict(cookies or {}))
        while time.perf_counter() < deadline and len(result.latencies) < MAX_REQUESTS_PER_SCENARIO:
            await timed(result, lambda: client.request("GET", path))

    started = time.perf_counter()
    await asyncio.gather(*(visitor() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


# --- The booking flow ----------------------------------------------------------------------------

PATIENT_NUMBERS = iter(range(1, 10_000))


def find(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    if not found:
        raise LoadError(f"not on the page: {pattern}")
    return found.group(1)


async def start_course(
    client: Client, result: Result, slug: str, earliest: date
) -> tuple[Response, str]:
    """Screening answered "no" throughout, then the course proposed from `earliest`."""
    start = f"/en/book/{slug}/"
    page = await timed(result, lambda: client.request("GET", start))
    page = expect(page, "screening page")
    form = post_form(page.body)
    answered = await timed(
        result,
        lambda: client.request("POST", start, fill(form, {}, radio_default="no")),
        ok=lambda r: r.status == 302,
    )
    if "/times/" not in expect(answered, "screening", 302).header("Location"):
        raise LoadError(f"screening answered: {answered.header('Location')}")
    times_url = f"/en/book/{slug}/times/?" + urlencode(
        {"clinician": "", "earliest": earliest.isoformat()}
    )
    times = await timed(result, lambda: client.request("GET", times_url))
    return expect(times, "times page"), times_url


async def book_once(port: int, source_ip: str, slug: str, earliest: date, result: Result) -> str:
    """One whole booking; returns "booked", or raises LoadError."""
    client = Client(port, source_ip)
    number = next(PATIENT_NUMBERS)
    _, times_url = await start_course(client, result, slug, earliest)
    details_url = f"/en/book/{slug}/details/"
    for _attempt in range(3):
        page = await timed(result, lambda: client.request("GET", details_url))
        page = expect(page, "details page")
        values = {
            "full_name": f"Load Test Patient {number}",
            "email": f"load-patient-{number}@example.com",
            "phone": f"+49 30 555 {number:04d}",
            "date_of_birth": "1985-05-17",
            "preferred_language": "en",
        }
        data = fill(post_form(page.body), values)
        sent = await timed(
            result,
            lambda data=data: client.request("POST", details_url, data),
            ok=lambda r: r.status == 302,
        )
        if expect(sent, "details", 302).header("Location").endswith("/review/"):
            break
        # "That time was just taken": the flow proposes new times; choose again.
        await timed(result, lambda: client.request("GET", times_url))
    else:
        raise LoadError("no time could be held in three tries")
    review_url = f"/en/book/{slug}/review/"
    review = await timed(result, lambda: client.request("GET", review_url))
    review = expect(review, "review page")
    confirmed = await timed(
        result,
        lambda: client.request("POST", review_url, fill(post_form(review.body), {"consent": "on"})),
        ok=lambda r: r.status == 302,
    )
    if not expect(confirmed, "confirmation", 302).header("Location").endswith("/book/done/"):
        raise LoadError(f"confirmation answered: {confirmed.header('Location')}")
    done = await timed(result, lambda: client.request("GET", confirmed.header("Location")))
    expect(done, "done page")
    return "booked"


async def bookings(port: int, slugs: list[str], count: int, concurrency: int) -> Result:
    result = Result("whole bookings (every request)")
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(count):
        queue.put_nowait(number)
    booked = failed = 0
    durations: list[float] = []

    async def patient_desk(desk: int) -> None:
        nonlocal booked, failed
        while not queue.empty():
            number = queue.get_nowait()
            # Each patient its own loopback address, protocol and first day, as in real life.
            source_ip = f"127.0.0.{20 + number % 200}"
            earliest = date.today() + timedelta(days=2 + number % 10)
            started = time.perf_counter()
            try:
                await book_once(port, source_ip, slugs[number % len(slugs)], earliest, result)
            except LoadError as error:
                failed += 1
                result.notes += f" [{error}]"
            else:
                booked += 1
                durations.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(patient_desk(desk) for desk in range(concurrency)))
    result.seconds = time.perf_counter() - started
    result.errors += failed
    median = statistics.median(durations) * 1000 if durations else float("nan")
    ordered = sorted(durations)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000 if ordered else 0.0
    result.notes = (
        f"{booked} bookings in {result.seconds:.1f} s = {booked / result.seconds:.2f} bookings/s "
        f"({len(result.latencies)} requests); a whole booking: median {median:.0f} ms, "
        f"p95 {p95:.0f} ms; {failed} failed" + result.notes
    )
    return result


async def free_times(
    port: int, slug: str, reference_port: int, seconds: float, concurrency: int
) -> Result:
    """A day's free start times for one visit, as the booking flow's day picker asks, measured
    like `beside_reference`: each patient first starts a course (not counted: the screening and
    the course proposal are other pages), then windows of the day picker alternate with the bare
    view at the same concurrency."""
    result = Result("a day's free times")
    setup = Result("setup")
    reference = Result("reference")

    async def start(number: int) -> tuple[Client, str]:
        client = Client(port, f"127.0.0.{230 + number}")
        times, _ = await start_course(client, setup, slug, date.today() + timedelta(days=3))
        return client, find(rf'href="(/en/book/{re.escape(slug)}/times/\d+/)"', times.body)

    patients = await asyncio.gather(*(start(number) for number in range(concurrency)))
    days = [0] * concurrency

    async def pick_days(number: int, deadline: float) -> None:
        client, visit = patients[number]
        while time.perf_counter() < deadline and len(result.latencies) < MAX_REQUESTS_PER_SCENARIO:
            url = f"{visit}?day={date.today() + timedelta(days=3 + days[number] % 20)}"
            await timed(result, lambda url=url: client.request("GET", url))
            days[number] += 1

    window = seconds / ROUNDS
    for _round in range(ROUNDS):
        part = await hammer(reference.name, reference_port, "/", window, concurrency)
        reference.latencies += part.latencies
        reference.seconds += part.seconds
        started = time.perf_counter()
        await asyncio.gather(
            *(pick_days(number, started + window) for number in range(concurrency))
        )
        result.seconds += time.perf_counter() - started
    result.errors += setup.errors
    result.reference_rps = reference.rps
    return result


# --- Setting up and running ----------------------------------------------------------------------


def prepare_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql") or "load" not in name:
        sys.exit(
            f"The load test drops and re-creates its database: {url!r} must be PostgreSQL "
            "and its name must contain 'load'."
        )
    maintenance = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=10) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        sys.exit(f"PostgreSQL at {parts.hostname}:{parts.port or 5432} cannot be used: {error}")
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true", "LOG_LEVEL": "WARNING"}
    for command in (["migrate", "--no-input", "-v", "0"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=600,
        )


def seeded_script(module: str, database_url: str, *, timeout: float) -> str:
    """What `python -m <module>` prints, run against the load test's seeded database."""
    return subprocess.run(
        [sys.executable, "-m", module],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "REDIS_URL": ""},
        check=True,
        timeout=timeout,
        capture_output=True,
        text=True,
    ).stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def private_redis():
    """A throwaway Redis on a loopback port, when installed; else the per-process cache."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"redis://{HOST}:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def served(port: int, database_url: str, redis_url: str | None, log: Path, **extra: str):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": redis_url or "",
        "WEB_CONCURRENCY": str(web_concurrency()),
        **extra,
    }
    with log.open("w") as output:
        server = subprocess.Popen(
            ["make", "--no-print-directory", "serve", f"HOST={HOST}", f"PORT={port}"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped whole below
        )
        try:
            wait_for_port(server, port, log)
            yield
        finally:
            stop(server)


def web_concurrency() -> int:
    """The worker count of `make serve` (cores + 1 unless WEB_CONCURRENCY says otherwise)."""
    return int(os.environ.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) + 1)


@contextlib.contextmanager
def served_reference(port: int, log: Path):
    """The bare Django project (benchmarks/bare_project) under the clinic's gunicorn settings."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.bare_project.settings",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "benchmarks.bare_project.wsgi",
        "-c",
        str(ROOT / "clinic" / "gunicorn.conf.py"),
        "--workers",
        str(web_concurrency()),
        "--bind",
        f"{HOST}:{port}",
    ]
    with log.open("w") as output:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for_port(server, port, log)
            yield
        finally:
            stop(server)


def wait_for_port(server: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 120
    while True:
        if server.poll() is not None:
            sys.exit(f"the server on port {port} stopped; see {log}")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"the server on port {port} did not answer within 120 s; see {log}")
            time.sleep(0.5)


def stop(server: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


async def beside_reference(
    name: str,
    port: int,
    path: str,
    reference_port: int,
    seconds: float,
    concurrency: int,
    cookies: dict[str, str] | None = None,
) -> Result:
    """`path` measured in windows alternating with the bare view, so both share the same moments
    of a shared machine; the result carries the reference's rate of those moments. `cookies`:
    a signed-in staff session for the staff pages."""
    await hammer(name, port, path, 1, 2, cookies)  # warm-up, not counted
    page = Result(name)
    reference = Result("reference")
    window = seconds / ROUNDS
    for _round in range(ROUNDS):
        for target, target_port, measured, sent in (
            (reference, reference_port, "/", None),
            (page, port, path, cookies),
        ):
            part = await hammer(target.name, target_port, measured, window, concurrency, sent)
            target.latencies += part.latencies
            target.errors += part.errors
            target.seconds += part.seconds
    page.reference_rps = reference.rps
    return page


async def run(
    port: int,
    reference_port: int,
    seconds: float,
    concurrency: int,
    booking_count: int,
    keys: dict[str, str],
) -> list[Result]:
    probe = Client(port)
    # Warm every worker's first import and template loading before measuring.
    for _ in range(20):
        await probe.request("GET", "/livez")
        await Client(reference_port).request("GET", "/")
    catalogue = await probe.request("GET", "/en/treatments/")
    slugs = list(dict.fromkeys(re.findall(r'href="/en/treatments/([\w-]+)/"', catalogue.body)))
    learn = await probe.request("GET", "/en/learn/")
    article = find(r'href="(/en/learn/[\w-]+/)"', learn.body)
    if not slugs:
        raise LoadError("the catalogue lists no protocol")
    pages = {
        LIVEZ: "/livez",
        "home": "/en/",
        "catalogue": "/en/treatments/",
        "protocol page": f"/en/treatments/{slugs[0]}/",
        "education page": article,
        # For comparison, not judged: the same catalogue rendered on every request (a parameter
        # it does not declare bypasses the cache), i.e. what the pages cost without the cache.
        UNCACHED: "/en/treatments/?utm_source=loadtest",
        "booking: screening page": f"/en/book/{slugs[0]}/",
    }
    # Pages for one person: a patient's manage page, and the staff pages with a signed-in
    # session past the second factor (benchmarks/signed_in.py).
    sessions = {
        MANAGE: (f"/en/manage/{keys['manage_token']}/", None),
        DASHBOARD: ("/en/staff/", {"sessionid": keys["clinician"]}),
        CALENDAR: (
            f"/admin/bookings/appointment/calendar/?day={keys['calendar_day']}",
            {"sessionid": keys["reception"]},
        ),
    }
    results = []
    for name, path in pages.items():
        results.append(
            await beside_reference(name, port, path, reference_port, seconds, concurrency)
        )
    for name, (path, cookies) in sessions.items():
        results.append(
            await beside_reference(
                name, port, path, reference_port, seconds, min(concurrency, 4), cookies
            )
        )
    results.append(await free_times(port, slugs[0], reference_port, seconds, min(concurrency, 4)))
    results.append(await bookings(port, slugs, booking_count, min(concurrency, 4)))
    return results


# --- Two servers, one PostgreSQL, one Redis ------------------------------------------------------

RACERS = 16
CROWD = 200


def emails_by_status(database_url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(database_url, connect_timeout=10) as connection:
        rows = connection.execute(
            "SELECT status, count(*) FROM bookings_outgoingemail GROUP BY status"
        ).fetchall()
    return dict(rows)


async def same_slot_race(ports: list[int], slug: str) -> Result:
    """RACERS patients, alternating between the servers, are proposed the same first course and
    send their details at the same moment: one may hold it, every other one must be refused
    ("just taken"), none may get a server error."""
    result = Result(f"same-slot race, {RACERS} patients over {len(ports)} servers")
    started = time.perf_counter()
    earliest = date.today() + timedelta(days=5)
    clients = [
        Client(ports[number % len(ports)], f"127.0.0.{100 + number}") for number in range(RACERS)
    ]
    # The same protocol, first day and "any clinician": the planner proposes the same course.
    await asyncio.gather(*(start_course(client, result, slug, earliest) for client in clients))
    details_url = f"/en/book/{slug}/details/"
    forms = []
    for number, client in enumerate(clients):
        page = expect(await client.request("GET", details_url), "details page")
        values = {
            "full_name": f"Race Patient {number}",
            "email": f"race-{number}@example.com",
            "phone": f"+49 30 777 {number:04d}",
            "date_of_birth": "1980-01-01",
            "preferred_language": "en",
        }
        forms.append(fill(post_form(page.body), values))
    answers = await asyncio.gather(
        *(
            timed(
                result,
                lambda client=client, form=form: client.request("POST", details_url, form),
                ok=lambda r: r.status == 302,
            )
            for client, form in zip(clients, forms, strict=True)
        )
    )
    held = [
        client
        for client, answer in zip(clients, answers, strict=True)
        if answer is not None and answer.header("Location").endswith("/review/")
    ]
    refused = sum(
        1
        for answer in answers
        if answer is not None
        and answer.status == 302
        and not answer.header("Location").endswith("/review/")
    )
    booked = 0
    for client in held:
        review_url = f"/en/book/{slug}/review/"
        review = expect(await client.request("GET", review_url), "review page")
        consent = fill(post_form(review.body), {"consent": "on"})
        confirmed = await client.request("POST", review_url, consent)
        booked += confirmed.header("Location").endswith("/book/done/")
    server_errors = sum(1 for answer in answers if answer is None or answer.status >= 500)
    result.seconds = time.perf_counter() - started
    result.notes = (
        f"{len(held)} held and {booked} booked, {refused} refused as taken, "
        f"{server_errors} server errors"
    )
    if not (len(held) == 1 and booked == 1 and refused == RACERS - 1 and not server_errors):
        result.errors += 1
    return result


async def crowd(ports: list[int], paths: list[str], seconds: float) -> Result:
    """CROWD clients at once, spread over the servers and pages: every answer a 200."""
    result = Result(f"{CROWD} concurrent clients over {len(ports)} servers")
    deadline = time.perf_counter() + seconds

    async def visitor(number: int) -> None:
        client = Client(ports[number % len(ports)], f"127.0.1.{number % 250 + 1}")
        path = paths[number % len(paths)]
        while time.perf_counter() < deadline and len(result.latencies) < MAX_REQUESTS_PER_SCENARIO:
            await timed(result, lambda: client.request("GET", path))

    started = time.perf_counter()
    await asyncio.gather(*(visitor(number) for number in range(CROWD)))
    result.seconds = time.perf_counter() - started
    return result


def overlapping_appointments(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url, connect_timeout=10) as connection:
        return connection.execute(
            """
            SELECT count(*) FROM bookings_appointment a JOIN bookings_appointment b
              ON a.id < b.id AND a.status <> 'cancelled' AND b.status <> 'cancelled'
             AND (a.clinician_id = b.clinician_id OR a.device_id = b.device_id)
             AND a.start < b."end" AND b.start < a."end"
            """
        ).fetchone()[0]


async def run_two_servers(ports: list[int], seconds: float) -> list[Result]:
    probe = Client(ports[0])
    for port in ports:
        for _ in range(10):
            await Client(port).request("GET", "/livez")
    catalogue = await probe.request("GET", "/en/treatments/")
    slugs = list(dict.fromkeys(re.findall(r'href="/en/treatments/([\w-]+)/"', catalogue.body)))
    race = await same_slot_race(ports, slugs[0])
    busy = await crowd(ports, ["/healthz", f"/en/book/{slugs[0]}/", "/en/learn/"], seconds)
    return [race, busy]


def report(results: list[Result]) -> bool:
    print(
        f"\n{'scenario':38} {'requests':>8} {'rps':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'errors':>6}  share of a bare Django view (default middleware)"
    )
    good = True
    for result in results:
        share = ""
        target = TARGETS.get(result.name)
        if result.reference_rps:
            ratio = result.rps / result.reference_rps
            share = f"{ratio:5.3f} of {result.reference_rps:.0f} rps beside it"
            if target is not None:
                passed = ratio >= target
                good &= passed
                share += f"  {'PASS' if passed else 'FAIL'} (budget {target})"
        good &= result.errors == 0
        print(
            f"{result.name:38} {len(result.latencies):8d} {result.rps:8.1f} "
            f"{result.percentile(0.50):8.1f} {result.percentile(0.95):8.1f} "
            f"{result.percentile(0.99):8.1f} {result.errors:6d}  {share}"
        )
        if result.notes:
            print(f"{'':38} {result.notes}")
    return good


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/clinic_loadtest"
    )
    parser.add_argument("--seconds", type=float, default=8, help="per scenario")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--bookings", type=int, default=24)
    parser.add_argument(
        "--servers",
        type=int,
        choices=(1, 2),
        default=1,
        help="2: two servers on two ports (pooled connections, RQ tasks) for the race and crowd",
    )
    options = parser.parse_args()

    print(f"Preparing {urlsplit(options.database_url).path.lstrip('/')} (migrate, seed_demo)…")
    prepare_database(options.database_url)
    print("\nWhat each middleware costs an anonymous request (CPU µs, in one process):")
    print(seeded_script("benchmarks.middleware_cost", options.database_url, timeout=600))
    log = Path(tempfile.gettempdir()) / f"clinic-loadtest-{options.port}.log"
    if options.servers == 2:
        return two_servers(options, log)
    keys = json.loads(seeded_script("benchmarks.signed_in", options.database_url, timeout=120))
    reference_port = free_port()
    reference_log = Path(tempfile.gettempdir()) / f"clinic-loadtest-bare-{reference_port}.log"
    with private_redis() as redis_url:
        print(
            f"Serving on {HOST}:{options.port} with make serve "
            f"(cache: {'Redis' if redis_url else 'per-process'}; log {log}), and the bare "
            f"Django view on {HOST}:{reference_port}, {web_concurrency()} gunicorn workers each…"
        )
        with (
            served(options.port, options.database_url, redis_url, log),
            served_reference(reference_port, reference_log),
        ):
            results = asyncio.run(
                asyncio.wait_for(
                    run(
                        options.port,
                        reference_port,
                        options.seconds,
                        options.concurrency,
                        options.bookings,
                        keys,
                    ),
                    timeout=options.seconds * 20 + 600,
                )
            )
    good = report(results)
    print("\nEvery page within its budget, no errors." if good else "\nFAILED.")
    return 0 if good else 1


def two_servers(options: argparse.Namespace, log: Path) -> int:
    """Two `make serve` on two ports against one PostgreSQL and one Redis, as production runs
    them: pooled connections (DATABASE_POOL) and tasks on Redis (TASKS_BACKEND=rq)."""
    ports = [options.port, free_port()]
    logs = [log, Path(tempfile.gettempdir()) / f"clinic-loadtest-{ports[1]}.log"]
    with private_redis() as redis_url:
        if redis_url is None:
            sys.exit("Two servers need a shared Redis: install redis-server.")
        print(
            f"Two servers on {HOST}:{ports[0]} and {HOST}:{ports[1]} (logs {logs[0]}, {logs[1]})…"
        )
        shared = {"DATABASE_POOL": "true", "TASKS_BACKEND": "rq"}
        with (
            served(ports[0], options.database_url, redis_url, logs[0], **shared),
            served(ports[1], options.database_url, redis_url, logs[1], **shared),
        ):
            results = asyncio.run(
                asyncio.wait_for(run_two_servers(ports, options.seconds), timeout=600)
            )
            # The confirmation goes out through the RQ worker of either server.
            deadline = time.monotonic() + 30
            while emails_by_status(options.database_url).get("pending") and (
                time.monotonic() < deadline
            ):
                time.sleep(1)
    emails = emails_by_status(options.database_url)
    print(f"\nBooking emails by status (sent by the RQ workers): {emails}")
    overlaps = overlapping_appointments(options.database_url)
    too_many = sum(path.read_text(errors="replace").count("too many clients") for path in logs)
    good = report(results)
    print(f"\nOverlapping appointments: {overlaps}; 'too many clients' in the logs: {too_many}")
    good &= overlaps == 0 and too_many == 0 and emails.get("sent", 0) >= 1
    good &= not emails.get("pending") and not emails.get("failed")
    print("\nOne booking in the race, no overlap, no error." if good else "\nFAILED.")
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
