"""Writes to the register. The only place where business rules change data.

Every function takes keyword-only arguments, runs in one transaction, checks the acting user's
permission and data scope, validates with Chinese messages keyed by field, and records history
with who and when (django-simple-history, user taken from ``by``)."""

from .appointments import (  # noqa: F401
    CheckedPost,
    NewPost,
    _check_review_passed,
    _log_filing,
    appointment_attach_review,
    appointment_check_bulk,
    appointment_create,
    appointment_create_bulk,
    appointment_end,
    appointment_file,
    appointment_reject,
    appointment_start_date_bulk,
    appointment_start_errors,
    appointment_township_approve,
    current_posts_of,
    validate_appointment,
)
from .dossier import (  # noqa: F401
    Replaced,
    appointment_request_create,
    appointment_request_delete,
    appointment_request_errors,
    appointment_request_initial,
    appointment_request_update,
    family_member_create,
    family_member_delete,
    family_member_errors,
    family_member_update,
    family_members_replace,
    month_text,
    resume_entry_create,
    resume_entry_delete,
    resume_entry_update,
    resume_line_errors,
    resume_overlaps,
    resume_replace,
    resume_rows_errors,
    span_text,
)
from .first_secretaries import (  # noqa: F401
    FIRST_SECRETARY_EARLIEST,
    FIRST_SECRETARY_MAX_YEARS,
    first_secretary_create,
    first_secretary_create_bulk,
    first_secretary_default_term_end,
    first_secretary_end,
    first_secretary_term_errors,
    first_secretary_terms_expire,
    first_secretary_update_bulk,
    presence_record,
    presence_shortfall,
)
from .people import (  # noqa: F401
    DUPLICATE_ID,
    PERSON_FIELDS,
    _strip,
    out_of_scope,
    person_check_new,
    person_check_update,
    person_create,
    person_create_bulk,
    person_new_values,
    person_record_add,
    person_registered_township_id,
    person_update,
    person_update_bulk,
    validate_party_fields,
    validate_person,
)
from .users import (  # noqa: F401
    user_set_role,
)
from .vetting import (  # noqa: F401
    _post_or_error,
    _recompute_outcome,
    department_verdict_record,
    qualification_review_request,
)
from .villages import (  # noqa: F401
    FLAG_EARLIEST,
    TOWNSHIP_FIELDS,
    VILLAGE_FIELDS,
    VILLAGE_STRUCTURE_FIELDS,
    _check_and_save,
    _township_conflicts,
    _village_conflicts,
    township_create,
    township_update,
    village_create,
    village_flag_add,
    village_flag_end,
    village_update,
)
