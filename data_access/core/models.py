"""SQLAlchemy 2 typed models: the whole programme of seeds 000 and 004 in one schema.

Codes (route, stage, ventana, service type, alert category...) are short strings or
small integers whose meaning lives in ``rules`` (pure module); the store only keeps them.
Columns named ``municipality_code`` are denormalised on purpose onto the large fact
tables so that access scoping (``data_access.core.scope``) is a single indexed predicate.
Every row a form can edit carries ``version`` for optimistic concurrency.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
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
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Versioned:
    """Optimistic-concurrency counter; bumped by every audited write."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class Imported:
    """The intake batch (``import_batch``) that last wrote the row; None: demo, form or
    command. Any figure can be traced back to the file its rows came from."""

    import_batch_id: Mapped[int | None] = mapped_column(Integer)


# --------------------------------------------------------------------------- territory


class RegionalOffice(Base):
    __tablename__ = "regional_office"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class Department(Base):
    __tablename__ = "department"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class Municipality(Imported, Versioned, Base):
    __tablename__ = "municipality"
    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    department_code: Mapped[str] = mapped_column(ForeignKey("department.code"), index=True)
    regional_office_id: Mapped[int | None] = mapped_column(
        ForeignKey("regional_office.id"), index=True
    )
    # 'divipola' (registry package) or 'mgn' (added when reconciling with DANE MGN boundaries)
    source: Mapped[str] = mapped_column(String(20), default="divipola")


class Targeting(Imported, Versioned, Base):
    """Focalización per municipality and year (seed 000 §3 i)."""

    __tablename__ = "targeting"
    __table_args__ = (UniqueConstraint("municipality_code", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    prioritised: Mapped[bool] = mapped_column(Boolean, default=False)
    target_population: Mapped[int] = mapped_column(Integer, default=0)
    score_poverty: Mapped[float] = mapped_column(Float, default=0.0)
    score_rurality: Mapped[float] = mapped_column(Float, default=0.0)
    score_victims: Mapped[float] = mapped_column(Float, default=0.0)
    score_productive: Mapped[float] = mapped_column(Float, default=0.0)
    total_score: Mapped[float] = mapped_column(Float, default=0.0)


class TerritorialAlert(Imported, Versioned, Base):
    """Public-goods gap of a municipality (seed 000 §3 iv)."""

    __tablename__ = "territorial_alert"
    __table_args__ = (Index("uq_territorial_alert_code", "code", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(40))  # codigo_alerta of the intake (unique index, 0006)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    category: Mapped[str] = mapped_column(String(30))  # rules.core.catalog.ALERT_CATEGORIES
    severity: Mapped[str] = mapped_column(String(10))  # alta | media | baja
    status: Mapped[str] = mapped_column(String(12), index=True)  # abierta | en_gestion | cerrada
    description: Mapped[str] = mapped_column(Text, default="")
    opened_on: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)


# ----------------------------------------------------------------------- participants


class ValueChain(Base):
    __tablename__ = "value_chain"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class Opr(Imported, Versioned, Base):
    """Organización de productores rurales."""

    __tablename__ = "opr"
    id: Mapped[int] = mapped_column(primary_key=True)
    nit: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(200))
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    value_chain_id: Mapped[int | None] = mapped_column(ForeignKey("value_chain.id"), index=True)
    members: Mapped[int] = mapped_column(Integer, default=0)
    formalised: Mapped[bool] = mapped_column(Boolean, default=False)
    formalisation: Mapped[str] = mapped_column(String(40), default="colectivo")
    created_on: Mapped[dt.date | None] = mapped_column(Date)


class Household(Imported, Versioned, Base):
    __tablename__ = "household"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    head_name: Mapped[str] = mapped_column(String(160))  # personal data
    document_id: Mapped[str] = mapped_column(String(20))  # personal data
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    sex: Mapped[str] = mapped_column(String(1))  # F | M
    age: Mapped[int] = mapped_column(Integer)  # head's age at registration
    youth: Mapped[bool] = mapped_column(Boolean)  # 18–28
    ethnicity: Mapped[str] = mapped_column(String(20))  # rules.core.catalog.ETHNICITIES
    victim: Mapped[bool] = mapped_column(Boolean)
    opr_id: Mapped[int | None] = mapped_column(ForeignKey("opr.id"), index=True)
    registered_on: Mapped[dt.date] = mapped_column(Date)


# -------------------------------------------------------------------------- operators


class Operator(Imported, Base):
    __tablename__ = "operator"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    nit: Mapped[str] = mapped_column(String(20), default="")
    is_psde: Mapped[bool] = mapped_column(Boolean, default=False)


class OperatorContract(Imported, Base):
    """An operator's contract for one route in one regional office."""

    __tablename__ = "operator_contract"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operator.id"), index=True)
    route: Mapped[str] = mapped_column(String(20))  # basica | intermedia | competitividad
    regional_office_id: Mapped[int] = mapped_column(ForeignKey("regional_office.id"), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    value_cop: Mapped[int] = mapped_column(BigInteger, default=0)


class ServiceType(Base):
    """The eight services of seed 000 §5."""

    __tablename__ = "service_type"
    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    in_basic_route: Mapped[bool] = mapped_column(Boolean, default=False)


class ContractService(Base):
    __tablename__ = "contract_service"
    contract_id: Mapped[int] = mapped_column(ForeignKey("operator_contract.id"), primary_key=True)
    service_type_code: Mapped[str] = mapped_column(
        ForeignKey("service_type.code"), primary_key=True
    )


# ------------------------------------------------------------------------------ routes


class Enrolment(Imported, Versioned, Base):
    """A participant (household or OPR) on one route; promotions chain enrolments."""

    __tablename__ = "enrolment"
    __table_args__ = (
        Index("ix_enrolment_route_muni", "route", "municipality_code"),
        Index("ix_enrolment_cohort", "cohort_quarter"),
        Index("ix_enrolment_previous", "previous_enrolment_id"),  # 0003: Sankey promotions
        Index("ix_enrolment_contract_cohort", "contract_id", "cohort_quarter"),  # 0004: ANS
        Index("uq_enrolment_code", "code", unique=True),  # 0006: codigo_inscripcion
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(40))  # codigo_inscripcion of the intake (unique index, 0006)
    participant_kind: Mapped[str] = mapped_column(String(10))  # hogar | opr
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    opr_id: Mapped[int | None] = mapped_column(ForeignKey("opr.id"), index=True)
    route: Mapped[str] = mapped_column(String(20))
    entry_mechanism: Mapped[str] = mapped_column(String(20))  # barrido | convocatoria | promocion
    entry_date: Mapped[dt.date] = mapped_column(Date)
    cohort_quarter: Mapped[str] = mapped_column(String(6))  # e.g. 2024Q3
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("operator_contract.id"))
    current_stage: Mapped[str] = mapped_column(String(30))
    furthest_stage_order: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12))  # activo | finalizado | salido
    exit_outcome: Mapped[str | None] = mapped_column(String(30))
    exit_date: Mapped[dt.date | None] = mapped_column(Date)
    previous_enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolment.id"))


class StageEvent(Imported, Base):
    __tablename__ = "stage_event"
    __table_args__ = (
        Index("ix_stage_event_enrolment_stage", "enrolment_id", "stage"),
        # 0003: covering index, the funnel reads its events from the index alone
        Index("ix_stage_event_funnel", "enrolment_id", "stage", "event_date", "outcome"),
        # 0004: ANS scans by date and by stage
        Index("ix_stage_event_date", "event_date", "enrolment_id", "registered_on"),
        Index("ix_stage_event_stage_date", "stage", "event_date", "enrolment_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    stage: Mapped[str] = mapped_column(String(30))  # rules.routes.model stage code
    event_date: Mapped[dt.date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(30))  # viable | no_viable | ... | exit outcome
    registered_on: Mapped[dt.date] = mapped_column(Date)  # when the operator registered it
    registered_by: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class ServiceDelivery(Imported, Base):
    __tablename__ = "service_delivery"
    __table_args__ = (
        Index("ix_service_delivery_enrolment", "enrolment_id", "service_type_code"),
        Index("ix_service_delivery_first", "enrolment_id", "service_type_code", "delivery_date"),  # 0004
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    service_type_code: Mapped[str] = mapped_column(ForeignKey("service_type.code"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operator.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("operator_contract.id"), index=True)
    municipality_code: Mapped[str] = mapped_column(String(5), index=True)
    delivery_date: Mapped[dt.date] = mapped_column(Date)
    registered_on: Mapped[dt.date] = mapped_column(Date)


class HouseholdCofinancing(Imported, Versioned, Base):
    """Cofinanciación of a ruta básica household's micro-project (seed 000 §4.1 d–e): what was
    committed and disbursed, and whether the household met the instrument's requirements."""

    __tablename__ = "household_cofinancing"
    __table_args__ = (Index("uq_household_cofinancing_enrolment", "enrolment_id", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    municipality_code: Mapped[str] = mapped_column(String(5), index=True)  # scope, as on the enrolment
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"), index=True)
    committed_cop: Mapped[int] = mapped_column(BigInteger, default=0)
    disbursed_cop: Mapped[int] = mapped_column(BigInteger, default=0)
    requirements_met: Mapped[bool] = mapped_column(Boolean, default=False)
    committed_on: Mapped[dt.date | None] = mapped_column(Date)
    disbursed_on: Mapped[dt.date | None] = mapped_column(Date)
    registered_on: Mapped[dt.date] = mapped_column(Date)


class ExitRecord(Base):
    """The «registro de estado verificable» written when a participant leaves a route: the
    structured record (``payload``, canonical JSON) sealed by its SHA-256 in the audit chain and
    printed on a certificate carrying ``code``; ``tablero verify CODE`` recomputes the seal."""

    __tablename__ = "exit_record"
    __table_args__ = (Index("uq_exit_record_enrolment", "enrolment_id", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)  # verification code on the certificate
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    route: Mapped[str] = mapped_column(String(20))
    municipality_code: Mapped[str] = mapped_column(String(5), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(30))
    exit_date: Mapped[dt.date] = mapped_column(Date)
    payload: Mapped[dict] = mapped_column(JSON)  # outcome, capacities, services, co-financing, documents
    sha256: Mapped[str] = mapped_column(String(64))
    # path → first 12 hex of the SHA-256 of each payload value: where a changed payload differs
    digests: Mapped[dict | None] = mapped_column(JSON)
    audit_log_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


# ---------------------------------------------------------------- business plans (PN)


class BusinessPlan(Imported, Versioned, Base):
    """Plan de negocio of an OPR (seed 004)."""

    __tablename__ = "business_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)  # codigo_pn
    opr_id: Mapped[int] = mapped_column(ForeignKey("opr.id"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolment.id"))
    ventana: Mapped[int] = mapped_column(Integer)  # 1 | 2 | 3
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    value_chain_id: Mapped[int | None] = mapped_column(ForeignKey("value_chain.id"))
    psde_operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"), index=True)
    first_disbursement_date: Mapped[dt.date | None] = mapped_column(Date)
    closure_date: Mapped[dt.date | None] = mapped_column(Date)
    cofinancing_committed_cop: Mapped[int] = mapped_column(BigInteger, default=0)
    cofinancing_disbursed_cop: Mapped[int] = mapped_column(BigInteger, default=0)


class AllianceEvidence(Imported, Versioned, Base):
    __tablename__ = "alliance_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    business_plan_id: Mapped[int] = mapped_column(ForeignKey("business_plan.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # contrato | factura | credito
    ally_type: Mapped[str] = mapped_column(String(12))  # comercial | financiero
    ally_name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[dt.date] = mapped_column(Date)  # a factura's date
    end_date: Mapped[dt.date | None] = mapped_column(Date)  # empty = open-ended
    document_ref: Mapped[str] = mapped_column(String(200), default="")
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_on: Mapped[dt.date | None] = mapped_column(Date)  # first known: the first import or edit


class Sales(Imported, Versioned, Base):
    __tablename__ = "sales"
    __table_args__ = (UniqueConstraint("business_plan_id", "year", "is_baseline"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    business_plan_id: Mapped[int] = mapped_column(ForeignKey("business_plan.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    amount_cop: Mapped[int] = mapped_column(BigInteger)
    is_baseline: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_on: Mapped[dt.date | None] = mapped_column(Date)  # first known: the first import or edit


# ------------------------------------------------------------------------- ANS (SLA)


class SlaDefinition(Imported, Versioned, Base):
    __tablename__ = "sla_definition"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    route: Mapped[str] = mapped_column(String(20))
    service_type_code: Mapped[str] = mapped_column(ForeignKey("service_type.code"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(10))  # reported | derived
    derived_key: Mapped[str | None] = mapped_column(String(40))  # which SQL derivation
    unit: Mapped[str] = mapped_column(String(20))  # % | días | número
    target: Mapped[float] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(6))  # higher | lower
    tolerance: Mapped[float] = mapped_column(Float, default=0.0)  # amber band width
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    frequency: Mapped[str] = mapped_column(String(12), default="trimestral")


class SlaMeasurement(Imported, Versioned, Base):
    __tablename__ = "sla_measurement"
    __table_args__ = (UniqueConstraint("definition_id", "contract_id", "quarter"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("sla_definition.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("operator_contract.id"), index=True)
    quarter: Mapped[str] = mapped_column(String(6))  # 2024Q3
    value: Mapped[float | None] = mapped_column(Float)
    evidence_ref: Mapped[str] = mapped_column(String(300), default="")
    reported_by: Mapped[str] = mapped_column(String(60), default="")
    reported_on: Mapped[dt.date | None] = mapped_column(Date)


# ---------------------------------------------------------------------------- geodata


class BoundarySet(Base):
    """One imported DANE MGN vintage; exactly one row is active."""

    __tablename__ = "boundary_set"
    id: Mapped[int] = mapped_column(primary_key=True)
    vintage: Mapped[str] = mapped_column(String(20))
    source_name: Mapped[str] = mapped_column(String(300))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    imported_by: Mapped[str] = mapped_column(String(60), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    municipal_topojson: Mapped[str] = mapped_column(Text)  # simplified, quantised, for the browser
    department_geojson: Mapped[str] = mapped_column(Text)
    report: Mapped[str] = mapped_column(Text, default="")


class MunicipalityBoundary(Base):
    __tablename__ = "municipality_boundary"
    boundary_set_id: Mapped[int] = mapped_column(ForeignKey("boundary_set.id"), primary_key=True)
    municipality_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    centroid_lon: Mapped[float] = mapped_column(Float)
    centroid_lat: Mapped[float] = mapped_column(Float)
    area_km2: Mapped[float] = mapped_column(Float, default=0.0)


# ----------------------------------------------------------------- users, audit, meta


class AppUser(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(160))
    email: Mapped[str | None] = mapped_column(String(200), unique=True)  # OIDC identity
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2; None = OIDC only
    role: Mapped[str] = mapped_column(String(20))  # rules.core.catalog.Role; what it may do: rules.access
    regional_office_id: Mapped[int | None] = mapped_column(ForeignKey("regional_office.id"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    route: Mapped[str | None] = mapped_column(String(20))  # a dirección de ruta's route (rules.access Reach.ROUTE)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # SQLAlchemy's version counter: every ORM change of the account bumps it, so an open session
    # (which keeps the version it read) and every write notice a deactivation or a new role or scope
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class SavedCohort(Base):
    __tablename__ = "saved_cohort"
    __table_args__ = (UniqueConstraint("username", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), index=True)
    name: Mapped[str] = mapped_column(String(120))
    filters: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class AuditLog(Base):
    """Append-only, hash-chained log of every write (see data_access.audit.log)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    username: Mapped[str] = mapped_column(String(60), index=True)
    entity: Mapped[str] = mapped_column(String(40), index=True)
    entity_id: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(20))
    before: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    after: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ImportBatch(Base):
    """One imported file: who loaded what, when, from which bytes, and what it changed."""

    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(40), index=True)  # rules.intake.sheets entity
    file_name: Mapped[str] = mapped_column(String(260))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    username: Mapped[str] = mapped_column(String(60), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    counts: Mapped[dict] = mapped_column(JSON)  # "<sheet>.insert" / ".update" / ".unchanged" / ".void"


# ---------------------------------------------------------------- reporting cycle


class ReportSubmission(Base):
    """An operator's report of one quarter: borrador → enviado → aprobado | devuelto
    (``rules.reporting.cycle``). Its files wait in ``submission_file`` and reach the
    programme's tables only when the PMO approves it."""

    __tablename__ = "report_submission"
    __table_args__ = (Index("ix_report_submission_operator_quarter", "operator_id", "quarter"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operator.id"))
    quarter: Mapped[str] = mapped_column(String(6), index=True)  # 2026Q2
    state: Mapped[str] = mapped_column(String(10), index=True)  # rules.reporting.cycle.State
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    submitted_by: Mapped[str | None] = mapped_column(String(60))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # the last time it was sent
    first_submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # timeliness counts this one
    reviewed_by: Mapped[str | None] = mapped_column(String(60))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    # every state change bumps it; a change names the version it saw, so of two reviewers
    # acting at once exactly one wins (``UPDATE … WHERE version = :seen``)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class SubmissionFile(Base):
    """One intake file of a submission, kept as uploaded until the submission is approved."""

    __tablename__ = "submission_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("report_submission.id"), index=True)
    entity: Mapped[str] = mapped_column(String(40))  # rules.intake.sheets entity
    file_name: Mapped[str] = mapped_column(String(260))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    added_by: Mapped[str] = mapped_column(String(60))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)
    counts: Mapped[dict] = mapped_column(JSON)  # what the file would change when checked
    import_batch_id: Mapped[int | None] = mapped_column(Integer)  # set when the approval loads it


class PeriodClose(Base):
    """A quarter closed by the PMO: its official figures are frozen in ``official_figure``
    and their SHA-256 enters the audit chain. A reopened close keeps its row (and figures)."""

    __tablename__ = "period_close"
    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(6), index=True)
    closed_by: Mapped[str] = mapped_column(String(60))
    closed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text, default="")  # why it closed with submissions pending
    pending: Mapped[list] = mapped_column(JSON)  # the submissions still pending at the close
    sha256: Mapped[str] = mapped_column(String(64))  # of the canonical official figures
    reopened_by: Mapped[str | None] = mapped_column(String(60))
    reopened_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reopen_reason: Mapped[str] = mapped_column(Text, default="")


class OfficialFigure(Base):
    """One frozen figure of a close, for one scope: ``national``, ``office:<id>`` or
    ``operator:<id>`` — the scopes a viewer can have (``rules.access.Reach``)."""

    __tablename__ = "official_figure"
    __table_args__ = (Index("ix_official_figure_close_scope", "close_id", "scope", "figure"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    close_id: Mapped[int] = mapped_column(ForeignKey("period_close.id"))
    scope: Mapped[str] = mapped_column(String(30))
    figure: Mapped[str] = mapped_column(String(40))  # e.g. alliance, alliance.by_office, sla, funnel, overview
    payload: Mapped[dict | list] = mapped_column(JSON)


# ---------------------------------------------------------------- results framework


class Target(Imported, Versioned, Base):
    """A meta: the value an indicator of ``rules.results.catalog`` should reach in a year
    (``quarter`` 0) or by the end of a quarter, nationally, in an oficina regional or in a
    departamento."""

    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("indicator", "year", "quarter", "level", "territory_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer, default=0)  # 0: the year's target; 1–4: a quarter's
    level: Mapped[str] = mapped_column(String(20))  # nacional | oficina_regional | departamento
    territory_code: Mapped[str] = mapped_column(String(10), default="")  # "" | office code (CAR) | DIVIPOLA dept
    value: Mapped[float] = mapped_column(Float)


class CommitteeSession(Versioned, Base):
    """A sitting of a committee (the national one, or a comité regional) and the figures it saw,
    frozen as shown, for its acta."""

    __tablename__ = "committee_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    regional_office_id: Mapped[int | None] = mapped_column(ForeignKey("regional_office.id"), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    participants: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[list | None] = mapped_column(JSON)  # the key figures shown, as shown
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Agreement(Versioned, Base):
    """A compromiso: what a committee agreed about an indicator, a municipality, an operator, a
    PN or an alert, who answers for it and by when. «Vencido» is not stored: it is a due date
    passed while still pendiente or en curso."""

    __tablename__ = "agreement"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("committee_session.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(20))  # indicador | municipio | operador | pn | alerta
    subject_code: Mapped[str] = mapped_column(String(40))
    regional_office_id: Mapped[int | None] = mapped_column(ForeignKey("regional_office.id"), index=True)
    municipality_code: Mapped[str | None] = mapped_column(String(5))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"), index=True)  # assigned to
    description: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(160))
    due_on: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)  # pendiente | en_curso | cumplido | cancelado
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)


class AgreementNote(Base):
    """A dated follow-up of an agreement, with the status it left it in."""

    __tablename__ = "agreement_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    username: Mapped[str] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))


class FigureComment(Base):
    """A comment on a figure, keeping the figure's value and filters when it was written; seen
    by others whose scope covers the commenter's (``regional_office_id`` / ``operator_id``)."""

    __tablename__ = "figure_comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    figure: Mapped[str] = mapped_column(String(60), index=True)  # e.g. indicator code or page.figure key
    value_text: Mapped[str] = mapped_column(String(200))
    filters: Mapped[dict] = mapped_column(JSON)
    cutoff: Mapped[dt.date] = mapped_column(Date)
    regional_office_id: Mapped[int | None] = mapped_column(ForeignKey("regional_office.id"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"))
    username: Mapped[str] = mapped_column(String(60))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    text: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("figure_comment.id"))


# ------------------------------------------------- characterisation and knowledge (seed 000 §3 ii, v)


class Baseline(Imported, Versioned, Base):
    """A participant's characterisation at entry (``entrada``: the línea de base) or at exit
    (``salida``: the follow-up). Household fields or OPR fields are filled, by the enrolment's
    participant kind; the documented set is ``rules.characterisation``."""

    __tablename__ = "baseline"
    __table_args__ = (Index("uq_baseline_enrolment_moment", "enrolment_id", "moment", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id"))
    moment: Mapped[str] = mapped_column(String(10))  # entrada | salida
    measured_on: Mapped[dt.date] = mapped_column(Date)
    municipality_code: Mapped[str] = mapped_column(String(5), index=True)  # scope, as on the enrolment
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"), index=True)
    # household
    income_cop: Mapped[int | None] = mapped_column(BigInteger)  # monthly household income
    productive_assets_cop: Mapped[int | None] = mapped_column(BigInteger)
    capacities_score: Mapped[float | None] = mapped_column(Float)  # 0–100
    credit_access: Mapped[bool | None] = mapped_column(Boolean)
    # OPR
    members: Mapped[int | None] = mapped_column(Integer)
    sales_cop: Mapped[int | None] = mapped_column(BigInteger)  # yearly
    formalised: Mapped[bool | None] = mapped_column(Boolean)
    markets: Mapped[int | None] = mapped_column(Integer)  # market channels reached


class TerritorialAsset(Imported, Versioned, Base):
    """One entry of a municipality's mapa de activos: a market or centro de acopio, an
    institutional offer or demand, or a public good and its state."""

    __tablename__ = "territorial_asset"
    __table_args__ = (Index("uq_territorial_asset_code", "code", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # rules.characterisation ASSET_KINDS
    name: Mapped[str] = mapped_column(String(200))
    entity: Mapped[str] = mapped_column(String(200), default="")  # who runs it / offers / demands
    services: Mapped[str] = mapped_column(String(300), default="")  # service type codes, comma separated
    category: Mapped[str | None] = mapped_column(String(30))  # public goods: an alert category
    status: Mapped[str] = mapped_column(String(20), default="")  # public goods: bueno | regular | malo | inexistente
    description: Mapped[str] = mapped_column(Text, default="")
    updated_on: Mapped[dt.date] = mapped_column(Date)


class KnowledgeRecord(Imported, Versioned, Base):
    """A buena práctica, historia de vida or lección aprendida (macroprocess v). Without
    ``consent`` no personal link (household, OPR) is shown."""

    __tablename__ = "knowledge_record"
    __table_args__ = (Index("uq_knowledge_record_code", "code", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # buena_practica | historia_de_vida | leccion_aprendida
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    route: Mapped[str | None] = mapped_column(String(20))
    service_type_code: Mapped[str | None] = mapped_column(String(30))
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operator.id"), index=True)
    opr_id: Mapped[int | None] = mapped_column(ForeignKey("opr.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    tags: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[str] = mapped_column(String(60), default="")
    created_on: Mapped[dt.date] = mapped_column(Date)


class Document(Base):
    """A stored file, content-addressed: its bytes live in the document store under their
    SHA-256 (``TABLERO_DOCUMENTS``); the row keeps what ``tablero audit verify`` checks."""

    __tablename__ = "document"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    stored_at: Mapped[dt.datetime] = mapped_column(DateTime)


class DocumentLink(Base):
    """A document attached to a row (evidence, an ANS value, an exit record, a knowledge record);
    seen by whoever may see that row."""

    __tablename__ = "document_link"
    __table_args__ = (Index("ix_document_link_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("document.sha256"), index=True)
    entity: Mapped[str] = mapped_column(String(40))  # the table of the row
    entity_id: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(260))
    added_by: Mapped[str] = mapped_column(String(60))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)


class DataVersion(Base):
    """Per-topic change counter: cached reads key on it, so a write in any app
    process invalidates exactly the affected reads at every user's next rerun."""

    __tablename__ = "data_version"
    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


# ------------------------------------------------------------- summaries (0011, data_access.summary)
# Derived from stage_event and service_delivery per enrolment, kept exact by the writers' own
# transaction (``versions.bump`` of "participants"); no foreign keys, so that clearing the
# programme never waits on them: a summary is rebuilt from what is there.


class SummaryState(Base):
    """The "participants" data version a summary was last made exact for: a reader uses the
    summary only when it equals the current version, else it computes live."""

    __tablename__ = "summary_state"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class EnrolmentServicesReached(Base):
    """First date an enrolment reached «servicios activados» (its earliest such stage event)."""

    __tablename__ = "summary_services_reached"
    enrolment_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reached_on: Mapped[dt.date] = mapped_column(Date)


class EnrolmentFirstService(Base):
    """First delivery date of each service type to an enrolment."""

    __tablename__ = "summary_first_service"
    enrolment_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_type_code: Mapped[str] = mapped_column(String(30), primary_key=True)
    first_on: Mapped[dt.date] = mapped_column(Date)


class EnrolmentQuarterEvents(Base):
    """Stage events of an enrolment per quarter of their date: how many, and how many were
    registered on time (``rules.sla.scoring.ON_TIME_DAYS``)."""

    __tablename__ = "summary_quarter_events"
    __table_args__ = (Index("ix_summary_quarter_events_quarter", "quarter", "enrolment_id", "events", "on_time"),)
    enrolment_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter: Mapped[str] = mapped_column(String(6), primary_key=True)
    events: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)
