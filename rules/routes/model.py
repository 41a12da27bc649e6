"""Route stages and allowed transitions (seed 000 §4.1–4.3), as data in one place.

Used by the funnels (stage order), the edit forms (which transitions may be
recorded), validation of imported/edited histories, and the demo generator.
A participant "reached" a stage when it has a stage event for it.

Exits: SALIDA may follow any stage (abandono can happen anywhere); its outcome must fit
the stage left from (``allowed_exit_outcomes``). A «no viable» evaluation is a loop, not an
end (§4.1 c, §4.2 d: "se retroalimenta al hogar"): the participant returns to formulación
with the feedback recorded and is evaluated again, or exits for a stated reason; a history
is therefore ordered by viability round (``history_rounds``), then route order, then date.
Entries: who may enter each route and by which mechanism is ``ENTRY_RULES`` (§3.2, §4);
a completed exit of básica or intermedia may be promoted to the next route (``NEXT_ROUTE``).
In a funnel, SALIDA counts completed exits only; an exit for a loss reason is a loss of the last stage reached before it
(``last_stage_before_exit``). Conversions are measured from the previous *mandatory*
stage (``conversion_base``), so an optional stage (formación in básica) never breaks
the chain.
"""

from __future__ import annotations

from dataclasses import dataclass

from rules.core.i18n import t

# Stage codes common to the three routes, in route order.
INGRESO = "ingreso"
EVAL_CAPACIDADES = "evaluacion_capacidades"
FORMACION = "formacion"
FORMULACION = "formulacion"
EVAL_VIABILIDAD = "evaluacion_viabilidad"
SOLICITUD = "solicitud_cofinanciacion"
REQUISITOS = "requisitos_recursos"
SERVICIOS = "servicios_activados"
PLAN_COMPLETADO = "plan_completado"
SALIDA = "salida"

STAGES: tuple[str, ...] = (
    INGRESO,
    EVAL_CAPACIDADES,
    FORMACION,
    FORMULACION,
    EVAL_VIABILIDAD,
    SOLICITUD,
    REQUISITOS,
    SERVICIOS,
    PLAN_COMPLETADO,
    SALIDA,
)



def stage_name(stage: str, lang: str = "es", funnel: bool = False, optional: bool = False) -> str:
    """The stage's name from the one catalogue (``routes.stage.<code>`` in ``locales/routes.json``),
    used by the Rutas page, the edit forms, the map profile, the slides and the pack alike. In a
    funnel (``funnel``) «salida» is the row of completed exits: «Salida (egreso cumplido)»;
    ``optional`` adds «(opcional)» (a stage the route may skip)."""
    name = t("routes.funnel.salida", lang) if funnel and stage == SALIDA else t(f"routes.stage.{stage}", lang)
    return f"{name} ({t('routes.optional', lang)})" if optional else name


# Spanish names for messages (validation, intake), from the same catalogue.
STAGE_LABELS: dict[str, str] = {stage: stage_name(stage) for stage in STAGES}

# Outcomes recorded on a stage event.
VIABLE, NO_VIABLE = "viable", "no_viable"
CUMPLE, NO_CUMPLE = "cumple", "no_cumple"
STAGE_OUTCOMES: dict[str, tuple[str, ...]] = {
    EVAL_VIABILIDAD: (VIABLE, NO_VIABLE),
    REQUISITOS: (CUMPLE, NO_CUMPLE),
}

# Exit outcomes (SALIDA.outcome). Completed exits feed the next route (§3.2).
EXIT_GRADUADO = "graduado"  # plan completed, capacities documented
EXIT_AUTOGESTION = "asociacion_autogestionada"  # competitividad completed (§3.2)
EXIT_NO_VIABLE = "no_viable"  # viability failed: retroalimentación and exit
EXIT_REQUISITOS = "requisitos_no_cumplidos"
EXIT_ABANDONO = "abandono"
EXIT_OUTCOMES: dict[str, str] = {
    EXIT_GRADUADO: "Graduado: capacidades fortalecidas",
    EXIT_AUTOGESTION: "Asociación autogestionada",
    EXIT_NO_VIABLE: "No viable (retroalimentación)",
    EXIT_REQUISITOS: "Requisitos no cumplidos",
    EXIT_ABANDONO: "Abandono",
}
COMPLETED_EXITS = frozenset({EXIT_GRADUADO, EXIT_AUTOGESTION})
LOSS_REASONS = (EXIT_NO_VIABLE, EXIT_REQUISITOS, EXIT_ABANDONO)


@dataclass(frozen=True)
class RouteModel:
    route: str
    stages: tuple[str, ...]
    optional: frozenset[str]  # stages that may be skipped
    participant_kinds: frozenset[str]
    completed_exit: str

    def order(self, stage: str) -> int:
        """1-based position of a stage on this route."""
        return self.stages.index(stage) + 1

    def next_stages(self, stage: str | None) -> tuple[str, ...]:
        """Stages that may be recorded right after ``stage`` (None = not yet entered).

        Forward to the next stage (or past optional ones); exit (SALIDA) is always
        allowed once entered — abandono can happen anywhere. A failed viability or
        requirements outcome only allows exit: seed 000 routes it to feedback.
        """
        if stage is None:
            return (INGRESO,)
        if stage == SALIDA:
            return ()
        i = self.stages.index(stage)
        nxt: list[str] = []
        j = i + 1
        while j < len(self.stages):
            nxt.append(self.stages[j])
            if self.stages[j] not in self.optional:
                break
            j += 1
        if SALIDA not in nxt:
            nxt.append(SALIDA)
        return tuple(nxt)


_ALL_STAGES = STAGES
ROUTE_MODELS: dict[str, RouteModel] = {
    # §4.1: training is given only to households without an idea or capacities.
    "basica": RouteModel(
        "basica", _ALL_STAGES, frozenset({FORMACION}), frozenset({"hogar"}), EXIT_GRADUADO
    ),
    # §4.2: households from básica, associative projects, incipient associations.
    "intermedia": RouteModel(
        "intermedia", _ALL_STAGES, frozenset(), frozenset({"hogar", "opr"}), EXIT_GRADUADO
    ),
    # §4.3: mature associations; exit = self-managing association.
    "competitividad": RouteModel(
        "competitividad", _ALL_STAGES, frozenset(), frozenset({"opr"}), EXIT_AUTOGESTION
    ),
}

# Promotions between routes (§3.2: exits of one route are entries of the next).
NEXT_ROUTE: dict[str, str | None] = {
    "basica": "intermedia",
    "intermedia": "competitividad",
    "competitividad": None,
}


def route_model(route: str) -> RouteModel:
    try:
        return ROUTE_MODELS[route]
    except KeyError:
        raise ValueError(
            f"Ruta desconocida «{route}»: use basica, intermedia o competitividad."
        ) from None


def allowed_next(route: str, current: str | None, last_outcome: str | None = None) -> tuple[str, ...]:
    """Allowed next stages, honouring failed filters: after «no viable» the participant
    reformulates (back to formulación, the viability loop) or exits; after «requisitos no
    cumplidos» it exits."""
    model = route_model(route)
    if current == EVAL_VIABILIDAD and last_outcome == NO_VIABLE:
        return (FORMULACION, SALIDA)
    if current in STAGE_OUTCOMES and last_outcome in (NO_VIABLE, NO_CUMPLE):
        return (SALIDA,)
    return model.next_stages(current)


def is_reformulation(current: str | None, last_outcome: str | None, stage: str) -> bool:
    """Is ``stage`` after (``current``, ``last_outcome``) a reformulation (the loop's way back)?"""
    return current == EVAL_VIABILIDAD and last_outcome == NO_VIABLE and stage == FORMULACION


REFORMULATION_RULES = (
    "Una reformulación sigue a una evaluación «no viable», lleva fecha posterior a esa evaluación "
    "y registra en la nota la retroalimentación dada al participante."
)


def history_rounds(history: list[tuple[str, str | None, object]]) -> list[int]:
    """Per event ``(stage, outcome, date)``, its viability round: how many «no viable»
    evaluations are dated strictly before it. A reformulation (dated after the «no viable»)
    opens the next round; an exit on the day of the «no viable» stays in its round."""
    failed = sorted(d for s, o, d in history if s == EVAL_VIABILIDAD and o == NO_VIABLE)
    if not failed:
        return [0] * len(history)
    return [sum(1 for f in failed if f < d) for _, _, d in history]


def history_key(route: str, stage: str, day, round_: int = 0) -> tuple:
    """Sort key of an event in a history: viability round, route order, then date — so that,
    within a round, a date out of order is reported as such (not as a skipped stage)."""
    return round_, route_model(route).order(stage), day


def sort_history(route: str, history: list[tuple]) -> list[tuple]:
    """Events ``(stage, outcome, date, ...)`` in history order (``history_key``)."""
    rounds = history_rounds([(e[0], e[1], e[2]) for e in history])
    order = sorted(range(len(history)), key=lambda i: history_key(route, history[i][0], history[i][2], rounds[i]))
    return [history[i] for i in order]


# ------------------------------------------------------------------ entries (§3.2, §4)

BARRIDO, CONVOCATORIA, PROMOCION = "barrido", "convocatoria", "promocion"

ENTRY_RULES: dict[str, dict[str, tuple[str, ...]]] = {
    # §4.1: "los hogares, provenientes del proceso de barrido".
    "basica": {"hogar": (BARRIDO,)},
    # §3.2 / §4.2: households that completed básica, households with a project found by barrido;
    # incipient associations and collectives (OPR) come by convocatoria (§3.1).
    "intermedia": {"hogar": (PROMOCION, BARRIDO), "opr": (CONVOCATORIA,)},
    # §3.2 / §4.3: mature associations, from intermedia or by convocatoria.
    "competitividad": {"opr": (PROMOCION, CONVOCATORIA)},
}

_KIND_NAMES = {"hogar": "hogares", "opr": "OPR"}


def entry_problem(route: str, kind: str, mechanism: str) -> str | None:
    """Why ``kind`` may not enter ``route`` by ``mechanism`` (Spanish, with the fix), or None."""
    rules = ENTRY_RULES.get(route)
    if rules is None:
        return f"Ruta desconocida «{route}»: use basica, intermedia o competitividad."
    allowed = rules.get(kind)
    if allowed is None:
        who = " y ".join(_KIND_NAMES[k] for k in rules)
        return (f"La ruta «{route}» admite solo {who} (seed 000 §3.2): corrija «ruta» o "
                "«tipo_participante».")
    if mechanism not in allowed:
        return (f"Un participante de tipo «{kind}» entra a la ruta «{route}» solo por "
                f"{' o '.join(f'«{m}»' for m in allowed)} (seed 000 §3.2, §4), no por «{mechanism}»: "
                "corrija «mecanismo_ingreso» o la ruta.")
    return None


def promotion_target(route: str, kind: str, outcome: str | None) -> tuple[str, str] | None:
    """(next route, participant kind entering it) of a completed exit that may be promoted,
    or None. A household leaving intermedia enters competitividad as the OPR it joined."""
    nxt = NEXT_ROUTE.get(route)
    if nxt is None or outcome != route_model(route).completed_exit:
        return None
    kinds = ENTRY_RULES[nxt]
    target_kind = kind if kind in kinds and PROMOCION in kinds[kind] else "opr"
    return nxt, target_kind


# A failed filter leads to exactly one exit outcome (seed 000 §4.1 c–d: retroalimentación).
EXIT_AFTER_FAILED: dict[str, str] = {NO_VIABLE: EXIT_NO_VIABLE, NO_CUMPLE: EXIT_REQUISITOS}


def allowed_exit_outcomes(route: str, current: str | None, last_outcome: str | None = None) -> tuple[str, ...]:
    """Exit outcomes that may be recorded after ``current`` (the last stage reached).

    After a failed viability / requirements filter: only the matching loss reason.
    After the plan is completed: the route's completed exit (graduado; asociación
    autogestionada in competitividad). Anywhere else: abandono.
    """
    model = route_model(route)
    if current is None or current == SALIDA:
        return ()
    if current in STAGE_OUTCOMES and last_outcome in EXIT_AFTER_FAILED:
        return (EXIT_AFTER_FAILED[last_outcome],)
    if current == PLAN_COMPLETADO:
        return (model.completed_exit, EXIT_ABANDONO)
    return (EXIT_ABANDONO,)


def conversion_base(route: str, stage: str) -> str | None:
    """The stage a stage's conversion is measured from: the previous mandatory stage.

    ``None`` for the first stage. For básica, formulación converts from evaluación de
    capacidades (formación is optional there); formación itself converts from it too.
    """
    model = route_model(route)
    i = model.order(stage) - 1
    for prev in reversed(model.stages[:i]):
        if prev not in model.optional:
            return prev
    return None


def last_stage_before_exit(route: str, reached: set[str] | frozenset[str]) -> str | None:
    """The furthest non-exit stage among ``reached`` (where an exit is counted as a loss)."""
    model = route_model(route)
    for stage in reversed(model.stages):
        if stage != SALIDA and stage in reached:
            return stage
    return None


@dataclass(frozen=True)
class StageProblem:
    position: int  # 0-based index in the history
    stage: str
    message: str  # Spanish, names the problem and the fix
    field: str = "stage"  # what to correct: stage | outcome | event_date


def validate_history(
    route: str, history: list[tuple[str, str | None]], dates: list | None = None
) -> list[StageProblem]:
    """Check a participant's ordered stage history ``[(stage, outcome), ...]``.

    Reports unknown stages, skipped mandatory stages, moves backwards (including a stage
    recorded twice) other than a reformulation after «no viable» (dated after it),
    outcomes that do not belong to the stage, progress after a failed filter, exit
    outcomes that do not fit the stage left from (a completed exit needs
    «Plan cumplido»; «no viable» / «requisitos no cumplidos» need the failed filter just
    before) and dates going back.
    """
    model = route_model(route)
    problems: list[StageProblem] = []
    current: str | None = None
    last_outcome: str | None = None
    for i, (stage, outcome) in enumerate(history):
        if stage not in model.stages:
            problems.append(
                StageProblem(i, stage, f"Etapa «{stage}» desconocida: use una de {', '.join(model.stages)}.")
            )
            continue
        allowed = allowed_next(route, current, last_outcome)
        if stage in allowed and dates is not None and i > 0 and is_reformulation(current, last_outcome, stage) \
                and dates[i] <= dates[i - 1]:
            problems.append(StageProblem(i, stage, "La reformulación tiene fecha igual o anterior a la evaluación "
                                                   "«no viable»: regístrela con una fecha posterior.", "event_date"))
        if stage not in allowed:
            if current is not None and stage in model.stages and model.order(stage) > model.order(current):
                skipped = [
                    s
                    for s in model.stages[model.order(current): model.order(stage) - 1]
                    if s not in model.optional
                ]
                msg = (
                    f"Salta la etapa «{STAGE_LABELS[skipped[0]]}»: registre primero esa etapa."
                    if skipped
                    else f"Después de un resultado «{last_outcome}» solo se permite "
                    f"{'la reformulación o ' if last_outcome == NO_VIABLE else ''}la salida."
                )
            elif current is None:
                msg = "La historia debe empezar por «Ingreso»."
            else:
                msg = (
                    f"Transición no permitida de «{STAGE_LABELS[current]}» a «{STAGE_LABELS[stage]}»: "
                    f"permitidas: {', '.join(STAGE_LABELS[s] for s in allowed) or 'ninguna'}."
                )
            problems.append(StageProblem(i, stage, msg))
        valid_outcomes = STAGE_OUTCOMES.get(stage)
        if stage == SALIDA:
            if outcome not in EXIT_OUTCOMES:
                problems.append(
                    StageProblem(i, stage, f"La salida requiere un resultado: {', '.join(EXIT_OUTCOMES)}.", "outcome")
                )
            elif current is not None and current in model.stages and current != SALIDA:
                fitting = allowed_exit_outcomes(route, current, last_outcome)
                if outcome not in fitting:
                    problems.append(
                        StageProblem(
                            i,
                            stage,
                            f"Resultado de salida «{EXIT_OUTCOMES[outcome]}» no corresponde a la etapa previa "
                            f"«{STAGE_LABELS[current]}»: use {' o '.join(EXIT_OUTCOMES[o] for o in fitting)}.",
                            "outcome",
                        )
                    )
        elif valid_outcomes and outcome not in valid_outcomes:
            problems.append(
                StageProblem(i, stage, f"Resultado «{outcome}» no válido: use {' o '.join(valid_outcomes)}.", "outcome")
            )
        if dates is not None and i > 0 and dates[i] < dates[i - 1] \
                and not is_reformulation(current, last_outcome, stage):
            problems.append(
                StageProblem(i, stage, "La fecha es anterior a la de la etapa previa: corrija la fecha.", "event_date")
            )
        current, last_outcome = stage, outcome
    return problems
