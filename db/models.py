"""SQLAlchemy 2 typed models: the workspace schema.

Portable across SQLite and PostgreSQL: no dialect-specific SQL, JSON columns through
SQLAlchemy's generic ``JSON`` type, timestamps stored timezone-aware in UTC.

Editable rows (documents, excerpts, claims, appearances) carry a ``version_id`` column used
by SQLAlchemy's optimistic concurrency (``version_id_col``): a stale save raises
``StaleDataError`` instead of silently overwriting another user's change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class WorkspaceInfo(Base):
    """Key/value facts about the workspace itself (its id, creating version)."""

    __tablename__ = "workspace_info"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Blob(Base):
    """Original bytes of an imported file, content-addressed by SHA-256."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused (migration 0002)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), unique=True, index=True)
    filename: Mapped[str] = mapped_column(String(1024))
    media_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(128))
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    outlet: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    # ISO date string: YYYY-MM-DD, YYYY-MM or YYYY (precision says which), or None.
    published: Mapped[str | None] = mapped_column(String(10), index=True)
    published_precision: Mapped[str] = mapped_column(String(8), default="unknown")
    language: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    # [[start, end], ...] code-point spans of each page in ``text`` (PDF), else [].
    pages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Where each metadata field came from ("html:og", "pdf:info", "text:dateline", "user").
    meta_sources: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    sentences: Mapped[list[Sentence]] = relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True, order_by="Sentence.seq"
    )
    blob: Mapped[Blob] = relationship()

    __mapper_args__ = {"version_id_col": version_id}


class Sentence(Base):
    """A sentence span: ``document.text[start:end]`` is the sentence exactly."""

    __tablename__ = "sentences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)

    document: Mapped[Document] = relationship(back_populates="sentences")
    __table_args__ = (Index("ix_sentences_doc_seq", "document_id", "seq"),)


class AliasGroup(Base):
    """A set of names that mean the same thing (``Daesh = ISIS = IS = Islamic State``)."""

    __tablename__ = "alias_groups"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused (migration 0002)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    terms: Mapped[list[Alias]] = relationship(
        back_populates="group", cascade="all, delete-orphan", passive_deletes=True, order_by="Alias.id"
    )


class Alias(Base):
    __tablename__ = "aliases"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused (migration 0002)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("alias_groups.id", ondelete="CASCADE"), index=True)
    term: Mapped[str] = mapped_column(String(256))
    # Short all-caps aliases ("IS") must match case-sensitively or they swallow ordinary words.
    case_sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    group: Mapped[AliasGroup] = relationship(back_populates="terms")


class Excerpt(Base):
    """A highlighted span, anchored like a W3C Web Annotation.

    ``start``/``end`` form the TextPositionSelector (code points); ``exact``/``prefix``/``suffix``
    form the TextQuoteSelector used to re-anchor when the document text changes.
    """

    __tablename__ = "excerpts"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused (migration 0002)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    exact: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(Text, default="")
    suffix: Mapped[str] = mapped_column(Text, default="")
    orphaned: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    document: Mapped[Document] = relationship()
    __mapper_args__ = {"version_id_col": version_id}


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused (migration 0002)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | in review | done
    verdict: Mapped[str | None] = mapped_column(String(32))  # true | mostly true | misleading | ...
    verdict_note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    appearances: Mapped[list[Appearance]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", passive_deletes=True, order_by="Appearance.id"
    )
    external_origins: Mapped[list[ExternalOrigin]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", passive_deletes=True, order_by="ExternalOrigin.id"
    )
    __mapper_args__ = {"version_id_col": version_id}


class Appearance(Base):
    """An excerpt that asserts a claim (state ``accepted``) or a candidate the user rejected."""

    __tablename__ = "appearances"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    excerpt_id: Mapped[int] = mapped_column(ForeignKey("excerpts.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="accepted")  # accepted | rejected
    # verbatim | near-verbatim | paraphrase | mention-with-citation
    relation: Mapped[str | None] = mapped_column(String(32))
    relation_source: Mapped[str] = mapped_column(String(8), default="auto")  # auto | user
    score: Mapped[float | None] = mapped_column(Float)
    # [{"name", "kind", "evidence", "start", "end"}], extracted at acceptance, editable.
    attribution: Mapped[list[Any]] = mapped_column(JSON, default=list)
    derived_from_id: Mapped[int | None] = mapped_column(ForeignKey("appearances.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    claim: Mapped[Claim] = relationship(back_populates="appearances")
    excerpt: Mapped[Excerpt] = relationship()
    __table_args__ = (
        UniqueConstraint("claim_id", "excerpt_id", name="uq_appearance_claim_excerpt"),
        {"sqlite_autoincrement": True},  # ids are never reused (migration 0002)
    )
    __mapper_args__ = {"version_id_col": version_id}


class ExternalOrigin(Base):
    """An attributed source not (yet) in the workspace, e.g. "Sky News, 3 May 2016"."""

    __tablename__ = "external_origins"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused (migration 0002)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16), default="outlet")  # person | outlet
    date: Mapped[str | None] = mapped_column(String(10))
    date_precision: Mapped[str] = mapped_column(String(8), default="unknown")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    evidence: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="external_origins")


class AuditEntry(Base):
    """Append-only audit trail. Its increasing ``id`` doubles as the workspace change feed:
    index caches and other processes catch up by reading entries after the last id they saw."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))  # e.g. document.import, claim.verdict
    entity: Mapped[str] = mapped_column(String(32))  # document | claim | appearance | excerpt | alias
    entity_id: Mapped[int | None] = mapped_column(Integer)
    claim_id: Mapped[int | None] = mapped_column(Integer, index=True)
    document_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
