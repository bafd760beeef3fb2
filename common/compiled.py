"""Read queries the ORM compiles once per process and runs again with new values (issue 22).

Building and compiling a queryset costs Django far more than running it: on the clinician
dashboard a list with three joins and the visibility subquery costs 2 ms of CPU to build and
compile, and 0.2 ms to run and turn into objects. The staff pages run the same few queries on
every request with different values (a clinician's id, today's date), so:

    @compiled
    def sessions_between(*, clinician_id: int | None, start: datetime, end: datetime):
        return Appointment.objects.filter(clinician_id=clinician_id, start__gte=start, ...)

    rows = sessions_between.rows(clinician_id=7, start=..., end=...)

The first call for a shape compiles the queryset twice, with two sets of stand-in values, and
learns where each value lands in the SQL's parameters. Later calls put the new values in those
places and run the stored SQL; Django's own iterables still turn the rows into model instances
(select_related, annotations and prefetches included), through a copy of the compiler that
compiled the query.

The rules that keep it correct, each enforced when a shape is first compiled:

- Every argument is keyword-only and is an `int`, a `str`, an aware `datetime`, a `bool` or
  `None`. Booleans and `None` choose the query's shape (they are part of the cache key, with
  the database, the language and the time zone); ints, strings and datetimes are values. A
  value must land in the parameters (not in the SQL text or only in Python) and the SQL must
  not change with it.
- Nothing else may vary: the two compilations must agree on every other parameter, so a
  `timezone.now()` hidden in the function is refused rather than frozen. (A value that changes
  more slowly, such as a setting, is caught by clearing every shape when a setting changes.)
- Only reads: `select_for_update()` is refused.

A query the ORM knows to be empty (`.none()`) is remembered as empty.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import connections
from django.db.models import Model, QuerySet
from django.utils import timezone, translation

M = TypeVar("M", bound=Model)

# Two sets of stand-in values, unlike any real one and unlike each other (one odd, one even).
# Small enough for a SmallIntegerField: Django treats a value out of a field's range as "matches
# nothing" and would compile no SQL at all.
_PROBE_INTS = (30_011, 30_512)
_PROBE_TEXTS = ("compiled-query stand-in one", "compiled-query stand-in two")
_PROBE_TIMES = (
    datetime(2001, 2, 3, 4, 5, 6, 7_001, tzinfo=UTC),
    datetime(2003, 4, 5, 6, 7, 8, 9_003, tzinfo=UTC),
)


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
        compiler = copy.copy(shape.compiler)
        compiler.connection = connections[compiler.using]  # this thread's connection
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
        stand_ins = [_stand_ins(values, probed, round_) for round_ in (0, 1)]
        compiled = [self._sql_of(self.build(**stand_in)) for stand_in in stand_ins]
        (queryset, compiler, sql, params), (_, _, other_sql, other_params) = compiled
        if queryset is None or other_sql is None:
            if (queryset is None) != (other_sql is None):
                raise ImproperlyConfigured(f"{self.__name__}: a value decides whether it is empty")
            return _Shape(queryset=None)
        if sql != other_sql or len(params) != len(other_params):
            raise ImproperlyConfigured(f"{self.__name__}: the SQL changes with a value")
        slots = []
        for index, (first, second) in enumerate(zip(params, other_params, strict=True)):
            slot = _slot_of(index, first, second, stand_ins, probed, compiler)
            if slot is not None:
                slots.append(slot)
            elif first != second or type(first) is not type(second):
                raise ImproperlyConfigured(
                    f"{self.__name__}: parameter {index} varies but is not an argument "
                    "(pass what varies, such as the time, as an argument)"
                )
        missing = set(probed) - {slot.name for slot in slots}
        if missing:
            raise ImproperlyConfigured(
                f"{self.__name__}: {', '.join(sorted(missing))} did not reach the SQL's "
                "parameters (make it a bool to choose a shape, or leave it out)"
            )
        return _Shape(queryset, compiler, sql, tuple(params), tuple(slots))

    @staticmethod
    def _sql_of(queryset: QuerySet) -> tuple[QuerySet | None, Any, str | None, list]:
        if queryset.query.select_for_update:
            raise ImproperlyConfigured("compiled queries only read: no select_for_update()")
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None, None, None, []
        return queryset, compiler, sql, list(params)


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


def _stand_ins(values: dict[str, Any], probed: list[str], round_: int) -> dict[str, Any]:
    stand_ins = dict(values)
    for number, name in enumerate(probed):
        if isinstance(values[name], datetime):
            stand_ins[name] = _PROBE_TIMES[round_] + timedelta(seconds=number)
        elif isinstance(values[name], str):
            stand_ins[name] = f"{_PROBE_TEXTS[round_]} {number}"
        else:
            stand_ins[name] = _PROBE_INTS[round_] + number
    return stand_ins


def _slot_of(
    index: int, first: object, second: object, stand_ins: list[dict], probed: list[str], compiler
) -> _Slot | None:
    """The argument whose stand-ins are parameter `index` in both compilations, if any."""
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
            expected = slot.value(stand_ins[0], compiler.connection)
            if type(first) is type(expected) and first == expected:
                again = slot.value(stand_ins[1], compiler.connection)
                if type(second) is not type(again) or second != again:
                    raise ImproperlyConfigured(f"parameter {index} follows {name} only sometimes")
                return slot
    return None


def _clear_all(**kwargs: object) -> None:
    for query in _ALL:
        query.clear()


# A setting read while building (a time window, a limit) is compiled into the SQL: start again
# when one changes (tests change settings; a process's settings do not change otherwise).
setting_changed.connect(_clear_all, dispatch_uid="common.compiled")
