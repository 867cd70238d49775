from __future__ import annotations

import parcours

CONTRACT = {
    "enroll",
    "designate_referent",
    "start_diagnostic",
    "log_time",
    "recommend_project",
    "complete_diagnostic",
    "frame_project",
    "start_deployment",
    "record_follow_up",
    "record_rex",
    "report_indicator",
    "raise_alert",
    "start_evaluation",
    "record_evaluation",
    "close",
    "withdraw",
    "request_communication",
    "decide_communication",
    "publish_communication",
    "rectify_contact",
    "record_objection",
    "erase_person",
    "get_pilot",
    "list_pilots",
    # R15 (second round)
    "grant",
    "revoke",
    "principals",
    "history",
    "export_personal_data",
    "export_audit",
}


def test_the_public_surface_is_curated() -> None:
    assert set(parcours.__all__) == {
        "ConcurrencyConflict",
        "ConfigurationError",
        "InvalidInput",
        "NotAuthorised",
        "NotFound",
        "Parcours",
        "ParcoursError",
        "Phase",
        "PhaseError",
        "PilotNotFound",
        "PilotSummary",
        "PilotView",
        "Programme",
        "ProgrammeError",
        "RuleViolation",
        "Settings",
        "load_programme",
    }


def test_the_facade_has_every_contract_name() -> None:
    assert set(dir(parcours.Parcours)) >= CONTRACT


def test_errors_are_also_builtin_errors() -> None:
    assert issubclass(parcours.InvalidInput, ValueError)
    assert issubclass(parcours.PilotNotFound, LookupError)
    assert issubclass(parcours.RuleViolation, parcours.ParcoursError)
    assert issubclass(parcours.NotAuthorised, parcours.ParcoursError)
    assert issubclass(parcours.NotAuthorised, PermissionError)
