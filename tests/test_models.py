"""The ORM models' own behaviour: timestamps that are always UTC-aware."""

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy.dialects import postgresql, sqlite

from docchat.models import UTCDateTime

PARIS_SUMMER = timezone(timedelta(hours=2))


def test_utc_datetime_makes_naive_sqlite_values_utc() -> None:
    value = UTCDateTime().process_result_value(datetime(2024, 5, 1, 12, 0), sqlite.dialect())

    assert value == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert value.tzinfo is UTC


def test_utc_datetime_converts_aware_values_from_other_zones_to_utc() -> None:
    moment = datetime(2024, 5, 1, 14, 0, tzinfo=PARIS_SUMMER)

    value = UTCDateTime().process_result_value(moment, postgresql.dialect())

    assert value == moment
    assert value is not None
    assert value.tzinfo is UTC
    assert value.hour == 12


def test_utc_datetime_stores_values_in_utc_and_passes_none_through() -> None:
    moment = datetime(2024, 5, 1, 14, 0, tzinfo=PARIS_SUMMER)

    stored = UTCDateTime().process_bind_param(moment, sqlite.dialect())

    assert stored is not None
    assert stored.tzinfo is UTC
    assert UTCDateTime().process_bind_param(None, sqlite.dialect()) is None
    assert UTCDateTime().process_result_value(None, sqlite.dialect()) is None
