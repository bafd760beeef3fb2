"""Read queries the ORM compiles once per process and runs again with new values (issue 22).

Building and compiling a queryset costs Django far more than running it: on the clinician
dashboard a list with three joins and the visibility subquery costs 2 ms of CPU to build and
compile, and 0.2 ms to run and turn into objects. The staff pages run the same few queries on
every request with different values (a clinician's id, today's date), so:

    @compiled
    def sessions_between(*, clinician_id: int | None, start: datetime, end: datetime):
        return Appointment.objects.filter(clinician_id=clinician_id, start__gte=start, ...)

    rows = sessions_between.rows(clinician_id=7, start=..., end=...)

The first call for a shape builds and compiles the queryset three times, with three sets of
stand-in values, and learns where each value lands in the SQL's parameters. Later calls put the
new values in those places and run the stored SQL; Django's own iterables still turn the rows
into model instances (select_related and annotations included), through a copy of the compiler
that compiled the query.

The rules that keep it correct. Those in the first two points are checked when a shape is first
compiled, and a query that breaks one is refused (ImproperlyConfigured), never run wrongly:

- Every argument is keyword-only and is an `int`, a `str`, an aware `datetime`, a `bool` or
  `None`. Booleans and `None` choose the query's shape (the cache key holds them, the active
  language and the current time zone); ints, strings and datetimes are values. A value must
  land in the parameters as given (not transformed first, not in the SQL text, not only in
  Python), and the SQL must be the same whatever the values. The stand-ins differ from round to
  round in spacing, parity, case, spaces and LIKE wildcards, so that a value plus an offset, a
  normalised string or an escaped one is caught rather than swapped for the raw value.
- Nothing else may vary, and the function must not read the database (a query while building is
  refused) nor put a value in a prefetch's queryset or a related manager. The parameters that
  are not values must be equal in the three rounds: a `timezone.now()` inside is refused.
- Not checked, so never do it: read the date or a coarse time inside the function (it would be
  the same in the three rounds and frozen: pass it as an argument), or branch in Python on a
  value (the stand-ins vary enough to catch most such branches, not all of them).
- Only reads: `select_for_update()` is refused.

An int outside the range of the column type it lands in runs through the ORM as built (Django
decides such lookups without the database; psycopg would wrap the value around). A query the
ORM knows to be empty for every round (`.none()`) is remembered as empty. A setting read while
building is compiled in: every shape is dropped when a setting changes (tests).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import connections
from django.db.models import Model, Prefetch, QuerySet
from django.utils import timezone, translation

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Round:
    """One set of stand-in values. Ints stay small enough for a SmallIntegerField: Django treats
    a value out of a field's range as "matches nothing" and would compile no SQL at all."""

    first_int: int
    int_step: int
    first_time: datetime
    time_step: timedelta
    text: str

    def stand_in(self, value: object, number: int) -> object:
        if isinstance(value, datetime):
            return self.first_time + self.time_step * number
        if isinstance(value, str):
            return f"{self.text}{number}"
        return self.first_int + self.int_step * number


_ROUNDS = (
    _Round(30_011, 7, datetime(2001, 2, 3, 4, 5, 6, 7_001, tzinfo=UTC), timedelta(seconds=7),
           "Stand-In %_\\'Ä "),
    _Round(30_512, 13, datetime(2003, 4, 5, 6, 7, 8, 9_003, tzinfo=UTC), timedelta(seconds=13),
           " stand-in _%'\\é  "),
    _Round(20_017, 11, datetime(1999, 8, 9, 10, 11, 12, 5_005, tzinfo=UTC),
           timedelta(seconds=11), "STAND-IN\t%%__ "),
)  # fmt: skip

# The ranges of psycopg's integer types (PostgreSQL binds integer columns' values with them);
# a plain int is bound as a bigint or a numeric.
_INT_BITS = {"Int2": 16, "Int4": 32, "Int8": 64}


@dataclass(frozen=True)
class _Slot:
    index: int  # in the parameters
    name: str  # of the argument
    # How the backend adapted the value: as a DateTimeField's (SQLite: a string), or into an int
    # type of its driver (psycopg's Int2/Int4/Int8 for integer columns), or not at all.
    as_datetime: bool = False
    int_type: type = int

    def value(self, values: dict[str, Any], connection: Any) -> object:
        value = values[self.name]
        if self.as_datetime:
            return connection.ops.adapt_datetimefield_value(value)
        return self.int_type(value) if self.int_type is not int else value

    def fits(self, values: dict[str, Any]) -> bool:
        value = values[self.name]
        if not isinstance(value, int):
            return True
        bits = _INT_BITS.get(self.int_type.__name__, 64)
        return -(2 ** (bits - 1)) <= value < 2 ** (bits - 1)


@dataclass(frozen=True)
class _Shape:
    queryset: QuerySet | None  # None: the ORM knows the query matches nothing
    compiler: Any = None
    sql: str = ""
    params: tuple = ()
    slots: tuple[_Slot, ...] = ()


class CompiledQuery(Generic[M]):
    def __init__(self, build: Callable[..., QuerySet[M]]) -> None:
        self.build = build
        self._shapes: dict[tuple, _Shape] = {}
        functools.update_wrapper(self, build)
        _ALL.append(self)

    def rows(self, **values: Any) -> list[M]:
        """The query's rows for `values`, as the built queryset would give them."""
        key = (
            *((name, _shape_part(name, value)) for name, value in sorted(values.items())),
            translation.get_language(),
            timezone.get_current_timezone_name(),
        )
        shape = self._shapes.get(key)
        if shape is None:
            shape = self._shapes[key] = self._compile(values)
        if shape.queryset is None:
            return []
        if not all(slot.fits(values) for slot in shape.slots):
            return list(self.build(**values))
        compiler = copy.copy(shape.compiler)
        compiler.connection = connections[compiler.using]  # this thread's connection
        converters = _converters(shape, compiler)
        compiler.get_converters = lambda expressions: converters
        params = list(shape.params)
        for slot in shape.slots:
            params[slot.index] = slot.value(values, compiler.connection)
        compiler.as_sql = lambda *args, **kwargs: (shape.sql, params)
        queryset = shape.queryset.all()  # a fresh queryset and query: nothing shared is changed
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        return list(queryset)

    def clear(self) -> None:
        self._shapes.clear()

    def _compile(self, values: dict[str, Any]) -> _Shape:
        probed = [name for name, value in values.items() if not _is_shape(value)]
        stand_ins = [
            {**values, **{name: round_.stand_in(values[name], n) for n, name in enumerate(probed)}}
            for round_ in _ROUNDS
        ]
        with _no_queries(self.__name__):
            rounds = [_Compiled.of(self.__name__, self.build(**values)) for values in stand_ins]
        if all(compiled.sql is None for compiled in rounds):
            return _Shape(queryset=None)
        first, *others = rounds
        if any(compiled.sql is None for compiled in rounds):
            raise ImproperlyConfigured(f"{self.__name__}: a value decides whether it is empty")
        if any(o.sql != first.sql or len(o.params) != len(first.params) for o in others):
            raise ImproperlyConfigured(f"{self.__name__}: the SQL changes with a value")
        if any(other.prefetches != first.prefetches for other in others):
            raise ImproperlyConfigured(f"{self.__name__}: a value reaches a prefetch's queryset")
        slots = []
        for index, in_rounds in enumerate(zip(*(c.params for c in rounds), strict=True)):
            slot = _slot_of(index, in_rounds, stand_ins, probed, first.compiler)
            if slot is not None:
                slots.append(slot)
            elif len({(type(param), param) for param in in_rounds}) > 1:
                raise ImproperlyConfigured(
                    f"{self.__name__}: parameter {index} varies but is not an argument "
                    "(pass what varies, such as the time, as an argument)"
                )
        missing = set(probed) - {slot.name for slot in slots}
        if missing:
            raise ImproperlyConfigured(
                f"{self.__name__}: {', '.join(sorted(missing))} did not reach the SQL's "
                "parameters as given (make it a bool to choose a shape, or leave it out)"
            )
        return _Shape(first.queryset, first.compiler, first.sql, tuple(first.params), tuple(slots))


# Per database connection (each thread has its own, and SQLite's converters are bound to it), on
# the connection itself so that they go with it: the compiler's converters for each shape's
# columns, by the shape's id. An entry refers to its shape weakly (shapes are dropped when a
# setting changes) and is checked against it, so an id is never taken for another shape's.
_CONVERTERS = "compiled_query_converters"
# Past this many entries on a connection, those of dropped shapes are removed.
_CONVERTERS_TIDY_AT = 64


def _converters(shape: _Shape, compiler: Any) -> list:
    """What Django's compiler works out again on every run of a query (a tenth of it)."""
    kept = compiler.connection.__dict__.setdefault(_CONVERTERS, {})
    entry = kept.get(id(shape))
    if entry is None or entry[0]() is not shape:
        if len(kept) >= _CONVERTERS_TIDY_AT:
            for key in [key for key, (shape_ref, _c) in kept.items() if shape_ref() is None]:
                del kept[key]
        columns = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        entry = kept[id(shape)] = (weakref.ref(shape), compiler.get_converters(columns))
    return entry[1]


def compiled(build: Callable[..., QuerySet[M]]) -> CompiledQuery[M]:
    return CompiledQuery(build)


_ALL: list[CompiledQuery] = []


def _is_shape(value: object) -> bool:
    return value is None or isinstance(value, bool)


def _shape_part(name: str, value: object) -> object:
    if _is_shape(value):
        return value
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            raise TypeError(f"{name} must be an aware datetime")
        return datetime
    if type(value) in (int, str):
        return type(value)
    raise TypeError(f"{name} must be an int, a str, an aware datetime, a bool or None: {value!r}")


@contextlib.contextmanager
def _no_queries(name: str) -> Iterator[None]:
    """What the function read from the database would be read with the stand-ins and kept."""

    def refuse(*args: object) -> None:
        raise ImproperlyConfigured(f"{name}: a compiled query's function must not run queries")

    with contextlib.ExitStack() as stack:
        for alias in settings.DATABASES:
            stack.enter_context(connections[alias].execute_wrapper(refuse))
        yield


@dataclass(frozen=True)
class _Compiled:
    """One round: the queryset as built and compiled (no SQL: the ORM knows it is empty)."""

    queryset: QuerySet
    compiler: Any = None
    sql: str | None = None
    params: tuple = ()
    prefetches: tuple = ()  # the SQL and parameters of each prefetch's queryset

    @classmethod
    def of(cls, name: str, queryset: QuerySet) -> _Compiled:
        if queryset.query.select_for_update:
            raise ImproperlyConfigured(f"{name}: compiled queries only read: no select_for_update")
        if queryset._known_related_objects:
            # The related manager's instance would be attached to every row, as built.
            raise ImproperlyConfigured(f"{name}: filter by id, not through a related manager")
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return cls(queryset)
        # A prefetch's queryset runs later as built: it must not hold a value.
        prefetches = tuple(
            lookup.queryset.query.sql_with_params()
            for lookup in queryset._prefetch_related_lookups
            if isinstance(lookup, Prefetch) and lookup.queryset is not None
        )
        return cls(queryset, compiler, sql, tuple(params), prefetches)


def _slot_of(
    index: int, in_rounds: tuple, stand_ins: list[dict], probed: list[str], compiler: Any
) -> _Slot | None:
    """The argument whose stand-ins are parameter `index` in every round, if any."""
    first = in_rounds[0]
    for name in probed:
        if isinstance(stand_ins[0][name], datetime):
            candidates = [_Slot(index, name), _Slot(index, name, as_datetime=True)]
        elif isinstance(stand_ins[0][name], str):
            candidates = [_Slot(index, name)]
        elif isinstance(first, int) and not isinstance(first, bool):
            candidates = [_Slot(index, name, int_type=type(first))]
        else:
            continue
        for slot in candidates:
            if not _is(first, slot.value(stand_ins[0], compiler.connection)):
                continue
            for param, values in zip(in_rounds, stand_ins, strict=True):
                if not _is(param, slot.value(values, compiler.connection)):
                    raise ImproperlyConfigured(f"parameter {index} follows {name} only sometimes")
            return slot
    return None


def _is(param: object, expected: object) -> bool:
    return type(param) is type(expected) and param == expected


def _clear_all(**kwargs: object) -> None:
    for query in _ALL:
        query.clear()


# A setting read while building (a time window, a limit) is compiled into the SQL: start again
# when one changes (tests change settings; a process's settings do not change otherwise).
setting_changed.connect(_clear_all, dispatch_uid="common.compiled")
