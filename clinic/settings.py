"""The one settings module. Every environment differs only through the variables read here.

See README.md ("Configuration") for the table of variables.
"""

from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from clinic.env import (
    env_bool,
    env_cache,
    env_choice,
    env_class,
    env_database,
    env_int,
    env_list,
    env_str,
    env_timezone,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

# Serving always needs a secret (sessions, CSRF, signed links): clinic/wsgi.py and asgi.py refuse
# to start without one when DEBUG is off. Management commands that sign nothing (migrate,
# makemigrations, collectstatic) may run without it; anything that signs fails with Django's own
# "SECRET_KEY setting must not be empty".
SECRET_KEY = env_str("SECRET_KEY") or (
    "insecure-development-key-only-used-when-DEBUG-is-on" if DEBUG else ""
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # modeltranslation must come before the admin so its translated fields appear there.
    "modeltranslation",
    # Django's admin, with the staff app list cached (clinic/admin_site.py).
    "clinic.admin_site.ClinicAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    # Staff sign-in protection: lockouts (axes), second factor (django-otp: authenticator apps
    # and single-use recovery codes), Content-Security-Policy (csp).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    # Versions of treatment records (clinical.TreatmentRecord.history).
    "simple_history",
    # Shared building blocks (search, page cache, Markdown, CSP nonce); no models, imports no app.
    "common",
    "clinic",
    "treatments",
    "bookings",
    "education",
    "clinical",
    "privacy",
    "reports",
]

MIDDLEWARE = [
    # First, so every line logged while answering a request carries its id (X-Request-ID).
    "clinic.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses HTML; Django pads gzip output with random bytes (BREACH mitigation) and CSRF
    # tokens are masked per response. Static files come pre-compressed from WhiteNoise.
    "django.middleware.gzip.GZipMiddleware",
    # CSP on every response that passes here (pages, admin, error pages); inside it, the
    # Permissions-Policy and the per-response nonce for cached pages.
    "clinic.middleware.CSPMiddleware",
    "clinic.middleware.SecurityHeadersMiddleware",
    # Only adds its header on the way out; here so cached pages served just below get it too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The fast path: an anonymous visitor's cached public page is answered here, before the
    # session, locale, CSRF, auth, messages, second-factor and lockout middleware and the URL
    # resolver, none of which such a page needs; everything above still runs on it
    # (common/page_cache.py, docs/performance.md).
    "common.page_cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the user is known: which device verified this session, the staff idle timeout, and
    # the second factor for every staff account (/admin/ and /<lang>/staff/).
    "clinic.accounts.auth_cache.CachedOTPMiddleware",
    "clinic.middleware.StaffSessionMiddleware",
    "clinic.middleware.SecondFactorMiddleware",
    # Turns a sign-in refused during a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
    # Last, closest to the views: a lost database connection in a view becomes a 503.
    "clinic.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"
ASGI_APPLICATION = "clinic.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "common.context_processors.clinic",
            ],
            # `{% url %}` keeping the addresses of views without arguments (issue 22).
            "builtins": ["common.templatetags.kept_urls"],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASES = {
    "default": env_database("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # BEGIN IMMEDIATE takes the write lock when a transaction starts, so two bookings can never
        # both read "free" and then both write: SQLite's stand-in for row locks.
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_TIMEOUT_SECONDS", 5, minimum=1),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif env_bool("DATABASE_POOL", default=False):
    # Django's psycopg pool: each process keeps at most DATABASE_POOL_MAX_SIZE connections and
    # lends one to a request for its duration, so servers × workers × max size (plus the tasks
    # workers) bounds the connections, whatever the load; a request waits up to
    # DATABASE_POOL_TIMEOUT seconds for a free one rather than opening another. Persistent
    # connections are the pool's job then (CONN_MAX_AGE must be 0).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN_SIZE", 1, minimum=0, maximum=100),
        "max_size": env_int("DATABASE_POOL_MAX_SIZE", 4, minimum=1, maximum=100),
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10, minimum=1, maximum=120),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3" and env_bool(
    "DATABASE_PGBOUNCER", default=False
):
    # Behind PgBouncer in transaction mode every transaction may run on another server
    # connection: no server-side cursors (QuerySet.iterator() then fetches client-side), no
    # persistent connections of our own. The app keeps no other session state: its only SET is
    # SET LOCAL (ends with the transaction), and it takes no advisory locks and LISTENs to nothing.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # Parameters sent apart from the SQL, so a query of the same shape is the same statement:
    # psycopg prepares it on a connection after its fifth run, and PostgreSQL stops planning it
    # again (planning was a third of the database's time on the staff pages; issue 22). Not
    # behind PgBouncer: transaction mode cannot keep a connection's prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=env_int("DATABASE_PREPARE_THRESHOLD", 5)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Education pages are cached and invalidated on edit; with more than one process the cache must
# be shared (Redis), or other workers keep serving the old page. The deploy check insists.
# The cache is an accelerator, never a dependency: Redis that refuses or hangs costs a request at
# most REDIS_SOCKET_TIMEOUT_MS, then each process leaves it alone for REDIS_RETRY_AFTER_SECONDS
# and serves pages from the database (clinic/cache_backend.py).
CACHES = {
    "default": env_cache(
        "REDIS_URL",
        socket_timeout_ms=env_int("REDIS_SOCKET_TIMEOUT_MS", 250, minimum=10, maximum=5000),
        retry_after_seconds=env_int("REDIS_RETRY_AFTER_SECONDS", 10, minimum=1, maximum=600),
    )
}

# --- Passwords and staff sign-in -----------------------------------------------------------------
# Axes first: once a username+address is locked it refuses before any password hash is computed.
AUTHENTICATION_BACKENDS = [
    "clinic.accounts.backends.LockoutBackend",
    # Django's ModelBackend, with the account and its permissions read through the cache.
    "clinic.accounts.auth_cache.CachedModelBackend",
]
LOGIN_URL = "admin:login"
# Lock a username from one address after this many failures. Keyed on both, so one person
# guessing from the reception desk's shared address locks out neither that address nor the user
# elsewhere.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# An attempt refused during a lock or an account pause checks no password and is not counted
# (counting it would let anyone keep a colleague locked out just by trying).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "common.client_ip.client_ip"
# A browser that completed a full sign-in for a user before (a "known device") is not locked by
# other people's failures; the lockout page also explains an account-wide pause.
AXES_WHITELIST_CALLABLE = "clinic.accounts.signin.axes_whitelisted"
AXES_LOCKOUT_CALLABLE = "clinic.accounts.signin.lockout_response"
# Across all addresses: from this many failures for one username, each further one pauses that
# account's sign-in from unknown browsers for longer (1, 2, 4 … minutes, at most the cap), and
# the owner and the clinic managers are emailed (clinic/accounts/signin.py, docs/security.md).
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 10, minimum=2, maximum=1000)
LOGIN_ACCOUNT_PAUSE_MAX_MINUTES = env_int(
    "LOGIN_ACCOUNT_PAUSE_MAX_MINUTES", 15, minimum=1, maximum=24 * 60
)
# How long a browser stays "known" after a full sign-in (password and second factor).
KNOWN_DEVICE_DAYS = env_int("KNOWN_DEVICE_DAYS", 90, minimum=1, maximum=400)
# A link to set up a second factor (an invitation, or after a lost authenticator) works once,
# for this many hours.
STAFF_ENROLMENT_LINK_HOURS = env_int("STAFF_ENROLMENT_LINK_HOURS", 72, minimum=1, maximum=24 * 14)
# A clinician's calendar subscription covers their visits this many weeks ahead.
CALENDAR_FEED_WEEKS = env_int("CALENDAR_FEED_WEEKS", 8, minimum=1, maximum=52)
# Axes would log usernames; clinic.accounts.signals logs ids instead. Its table of every
# successful sign-in (username, address, browser) is not kept either: the log lines say enough,
# and lockouts need only the failures.
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True
# Staff sessions end after this many idle minutes, and when the browser closes.
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 30, minimum=1, maximum=24 * 60)
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages and time -------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("de", _("German")),
    ("tr", _("Turkish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
USE_I18N = True
# Our own date formats where Django's differ from local usage (Turkish: "3 Kasım 2026").
FORMAT_MODULE_PATH = ["clinic.formats"]
USE_TZ = True
# The clinic's own zone: working hours are wall-clock times here, and DST is handled in it.
TIME_ZONE = env_timezone("TIME_ZONE", "Europe/Berlin")

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"
# Clinical photos are medical data: never under MEDIA_ROOT (which a web server may publish), only
# served by a view that checks permission. Moving them to object storage is a change of this
# backend (e.g. an S3 storage with private ACLs), not of the code.
CLINICAL_PHOTOS_ROOT = Path(env_str("CLINICAL_PHOTOS_ROOT", str(BASE_DIR / "private" / "photos")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "common.static_storage.StaticFilesStorage"},
    "clinical_photos": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": CLINICAL_PHOTOS_ROOT, "base_url": None},
    },
}
# With several app servers, photos go to private object storage (S3, or an S3-compatible service
# in the EU through CLINICAL_PHOTOS_ENDPOINT_URL): set the bucket and install the `s3` extra
# (django-storages). Credentials come from boto3's usual variables or the instance role; the bucket
# blocks public access, and photos still reach browsers only through the permission-checking view.
CLINICAL_PHOTOS_BUCKET = env_str("CLINICAL_PHOTOS_BUCKET")
if CLINICAL_PHOTOS_BUCKET:
    STORAGES["clinical_photos"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": CLINICAL_PHOTOS_BUCKET,
            "region_name": env_str("CLINICAL_PHOTOS_REGION") or None,
            "endpoint_url": env_str("CLINICAL_PHOTOS_ENDPOINT_URL") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email --------------------------------------------------------------------------------------
EMAIL_BACKEND = env_class(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend",
    base="django.core.mail.backends.base.BaseEmailBackend",
    what="a dotted path to an email backend class, "
    "e.g. django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
# Seconds a mail server may take to answer. Without it a server that accepts the connection and
# never replies hangs delivery for ever, holding the outbox row's lock and the worker.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1, maximum=300)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "clinic@example.com")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background tasks -----------------------------------------------------------------------------
# Django's Tasks API (the django-tasks backport). "database" queues tasks in the database for
# `manage.py db_worker`; "immediate" runs them in the request (development, tests).
# At scale the same task code runs on the RQ or Celery backend of the same API.
# "rq" queues them in Redis for `manage.py rqworker --job-class django_tasks_rq.Job default`
# (several servers, many emails; docs/deploy.md), on TASKS_REDIS_URL or else REDIS_URL.
TASKS_BACKEND = env_choice("TASKS_BACKEND", "database", ["database", "immediate", "rq"])
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "rq": "django_tasks_rq.RQBackend",
        }[TASKS_BACKEND],
    }
}
RQ_QUEUES = {
    "default": {
        "URL": env_str("TASKS_REDIS_URL") or env_str("REDIS_URL") or "redis://127.0.0.1:6379/0",
        # A job running longer than this (an email stuck on a mail server) is stopped.
        "DEFAULT_TIMEOUT": 300,
    }
}
if TASKS_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")
# A patient email that fails is retried with growing pauses, then given up and shown in the admin.
EMAIL_MAX_ATTEMPTS = env_int("EMAIL_MAX_ATTEMPTS", 8, minimum=1, maximum=50)

# --- The clinic ---------------------------------------------------------------------------------
CLINIC_NAME = env_str("CLINIC_NAME", "Lumen Skin Clinic")
CLINIC_PHONE = env_str("CLINIC_PHONE", "+49 30 1234 5678")
CLINIC_EMAIL = env_str("CLINIC_EMAIL", "hello@lumen-skin.example")
CLINIC_ADDRESS = env_str("CLINIC_ADDRESS", "Beispielstraße 12, 10115 Berlin")
CLINIC_CURRENCY = env_str("CLINIC_CURRENCY", "EUR")
# Phone numbers without a country code are read as numbers of this country (ISO 3166 code).
CLINIC_COUNTRY = env_str("CLINIC_COUNTRY", "DE")
# For complications outside opening hours; the aftercare text and the contact page name it.
CLINIC_AFTER_HOURS_PHONE = env_str("CLINIC_AFTER_HOURS_PHONE", "+49 30 1234 5699")
# A link to the clinic on a map (any https map service); empty hides the link.
CLINIC_MAP_URL = env_str(
    "CLINIC_MAP_URL",
    "https://www.openstreetmap.org/search?query=Beispielstra%C3%9Fe%2012%2C%2010115%20Berlin",
)

# --- Booking rules ------------------------------------------------------------------------------
# How far ahead patients may book online, and how soon; staff (reception) bookings skip the
# lead time.
BOOKING_LEAD_TIME_HOURS = env_int("BOOKING_LEAD_TIME_HOURS", 24)
BOOKING_HORIZON_DAYS = env_int("BOOKING_HORIZON_DAYS", 90, minimum=1, maximum=730)
BOOKING_GRANULARITY_MINUTES = env_int("BOOKING_GRANULARITY_MINUTES", 15, minimum=5, maximum=120)
# Cleaning and notes time kept free after every appointment of a clinician or a device.
BOOKING_BUFFER_MINUTES = env_int("BOOKING_BUFFER_MINUTES", 10, maximum=120)
BOOKING_CANCELLATION_NOTICE_HOURS = env_int("BOOKING_CANCELLATION_NOTICE_HOURS", 24)
# How long a course stays reserved while the patient completes screening and consent.
BOOKING_HOLD_MINUTES = env_int("BOOKING_HOLD_MINUTES", 20, minimum=1)
# Waitlist (docs/waitlist.md): how long a freed course is held for the patient it is offered
# to, and how many offers one patient gets a day at most.
WAITLIST_OFFER_MINUTES = env_int("WAITLIST_OFFER_MINUTES", 120, minimum=5)
WAITLIST_OFFERS_PER_DAY = env_int("WAITLIST_OFFERS_PER_DAY", 2, minimum=1)
# A booking waits at most this long for another booking's lock, then says "busy, try again".
BOOKING_LOCK_TIMEOUT_SECONDS = env_int("BOOKING_LOCK_TIMEOUT_SECONDS", 5, minimum=1, maximum=60)
# Patients are reminded of a visit once, this many hours before it (`manage.py send_reminders`).
REMINDER_HOURS_BEFORE = env_int("REMINDER_HOURS_BEFORE", 24, minimum=1, maximum=168)
# Care after the visit (docs/aftercare.md): "How is your skin?" this long after each session, the
# outcome question this long after the course's last session, and how long their links work.
FOLLOW_UP_HOURS_AFTER_SESSION = env_int(
    "FOLLOW_UP_HOURS_AFTER_SESSION", 48, minimum=1, maximum=24 * 14
)
OUTCOME_WEEKS_AFTER_COURSE = env_int("OUTCOME_WEEKS_AFTER_COURSE", 12, minimum=1, maximum=52)
FOLLOW_UP_LINK_DAYS = env_int("FOLLOW_UP_LINK_DAYS", 14, minimum=1, maximum=90)
# The front desk's calendar flags a booked patient as late this many minutes after the start,
# and accepts a no-show from this many minutes after the start on (never before the start).
RECEPTION_LATE_MINUTES = env_int("RECEPTION_LATE_MINUTES", 10, minimum=1, maximum=120)
RECEPTION_NO_SHOW_GRACE_MINUTES = env_int(
    "RECEPTION_NO_SHOW_GRACE_MINUTES", 15, minimum=0, maximum=240
)
# The site's public address, for links in emails sent without a request (the reminder job).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Clinical records ---------------------------------------------------------------------------
# A photo upload larger than this many bytes, or declaring more pixels than this, is refused
# before it is decoded (decompression bombs).
CLINICAL_PHOTO_MAX_BYTES = env_int("CLINICAL_PHOTO_MAX_BYTES", 20_000_000, minimum=100_000)
CLINICAL_PHOTO_MAX_PIXELS = env_int("CLINICAL_PHOTO_MAX_PIXELS", 50_000_000, minimum=1_000_000)
# A plan still awaiting review this close to its first visit is highlighted for the clinic.
CLINICAL_REVIEW_URGENT_HOURS = env_int("CLINICAL_REVIEW_URGENT_HOURS", 48, minimum=1)

# --- Privacy ------------------------------------------------------------------------------------
# Guests who typed their details and held times but never completed a booking are erased this
# many days later (`manage.py purge_stale_guests`, daily from cron; docs/privacy.md).
GUEST_RETENTION_DAYS = env_int("GUEST_RETENTION_DAYS", 30, minimum=1, maximum=3650)

# --- Security -----------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions (a patient's booking flow, staff sign-ins) are read from the shared cache and written to
# both, so a request reads no session row; the database keeps them through a cache outage or
# eviction (the cache is an accelerator, never a dependency). Django's cached_db, with changes and
# sign-outs written to the cache past the circuit breaker (clinic/sessions.py).
SESSION_ENGINE = "clinic.sessions"
# Trust X-Forwarded-Proto only behind a proxy that sets it and strips it from clients; without
# such a proxy anyone could send "https" and be treated as on a secure connection.
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The name authenticator apps show next to the code.
OTP_TOTP_ISSUER = CLINIC_NAME
CSRF_FAILURE_VIEW = "clinic.views.csrf_failure"
# django-csp 4. No inline script or style anywhere: scripts need the response's nonce
# ({% csp_nonce %} in a template, which also works on cached pages). data: images are
# Bootstrap's CSS icons (form selects, checkboxes).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}
# Browser features no page here uses. A value is the list of allowed origins ([] = none).
PERMISSIONS_POLICY = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
    "serial": [],
    "magnetometer": [],
    "gyroscope": [],
    "accelerometer": [],
    "browsing-topics": [],
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe the app servers over plain HTTP: answer them, do not redirect.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logs and error reports -----------------------------------------------------------------
# One JSON line per event (clinic/logging.py): UTC time, level, logger, request id, and for
# requests method, path without query, status and user id. Never names, emails, answers, tokens
# or passwords. gunicorn's access log uses the same formatter (clinic/gunicorn.conf.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "clinic.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR"]),
    },
    "loggers": {
        # clinic.request logs every request once; django.request would repeat 4xx lines and
        # runserver's own access lines would repeat all of them.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "ERROR"},
        # Axes logs usernames at INFO/WARNING; clinic.auth logs sign-ins without them.
        "axes": {"level": "ERROR"},
    },
}
# Error reports to Sentry (or a compatible tracker) when set; off by default. No personal data:
# no cookies, user names, addresses or request bodies are sent.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    from clinic.logging import sentry_before_breadcrumb, sentry_before_send

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        # Local variables hold names, screening answers and form data; scrub the rest like logs.
        include_local_variables=False,
        before_send=sentry_before_send,
        before_breadcrumb=sentry_before_breadcrumb,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=0.0,
    )
