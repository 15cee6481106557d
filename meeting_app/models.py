"""The declarative base and the column types every domain shares.

Each domain keeps its models in its own `models.py`; `import_all_models()`
loads them so that Alembic and `db.create_all()` see the whole schema.
"""

from datetime import UTC, datetime
from enum import Enum as PyEnum
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.mutable import MutableDict
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A datetime stored in UTC and always returned timezone-aware.

    SQLite keeps no offset, so naive values read back are UTC by construction;
    naive values written are refused rather than guessed.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC time is stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_cls: type[PyEnum]) -> sa.Enum:
    """A portable enum: a VARCHAR holding the member's value (no PostgreSQL ENUM type,
    so adding a member needs no type migration)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class LabelledEnum(StrEnum):
    """An enum stored by value whose members have a translated label for people."""

    @property
    def label(self) -> str:
        return str(_LABELS[type(self)][self])


_LABELS: dict[type, dict] = {}


def set_labels(enum_cls: type[LabelledEnum], labels: dict) -> None:
    """Give every member of `enum_cls` its label (lazy strings, translated when shown)."""
    missing = set(enum_cls) - set(labels)
    if missing:
        raise ValueError(f"{enum_cls.__name__} members without a label: {missing}")
    _LABELS[enum_cls] = labels


# Text that people write in several languages: {"fr": ..., "en": ..., "es": ...}.
TranslatedText = MutableDict.as_mutable(sa.JSON)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def import_all_models() -> None:
    from meeting_app.accounts import models as _accounts  # noqa: F401
    from meeting_app.agenda import models as _agenda  # noqa: F401
    from meeting_app.communiques import models as _communiques  # noqa: F401
    from meeting_app.delegations import models as _delegations  # noqa: F401
    from meeting_app.desk import models as _desk  # noqa: F401
    from meeting_app.documents import models as _documents  # noqa: F401
    from meeting_app.files import models as _files  # noqa: F401
    from meeting_app.mail import models as _mail  # noqa: F401
    from meeting_app.materials import models as _materials  # noqa: F401
    from meeting_app.meetings import models as _meetings  # noqa: F401
    from meeting_app.messages import models as _messages  # noqa: F401
    from meeting_app.outcomes import models as _outcomes  # noqa: F401
    from meeting_app.privacy import models as _privacy  # noqa: F401
    from meeting_app.questions import models as _questions  # noqa: F401
    from meeting_app.registration import models as _registration  # noqa: F401
    from meeting_app.surveys import models as _surveys  # noqa: F401
    from meeting_app.travel import models as _travel  # noqa: F401
