"""Builder of the demo county for ``manage.py seed_demo``.

Why bulk inserts and not the services: this is *trusted, generated* data. The services check the
acting user's permission and data scope, run ``full_clean`` and write one row at a time (several
queries per row); at ``--scale 20`` that is well over 100,000 rows and would take most of an
hour. Instead every rule the services enforce is kept *by construction* here (valid and unique ID
numbers, birth date and sex taken from the ID, one current secretary per village, party joining
at 18 or later, secretary filing state machine, reviews that pass only when every department
passed) and rows are written with ``bulk_create_with_history`` so that each row still has its
history entry (change reason ``seed_demo``). tests/cadres/test_seed_demo.py runs ``full_clean``
on a sample of every model to prove the construction right.

Determinism: every random choice comes from ``random.Random`` streams derived from the seed
(one stream per phase, so that dates relative to *today* — first-secretary terms, presence
logs, the filing queue — never shift the draws that make people and ID numbers)."""

from .county import (  # noqa: F401
    DemoCounty,
)
from .plan import (  # noqa: F401
    BATCH,
    CROSS_POST_SHARE,
    EDU_FIRST_SEC,
    EDU_GROUP,
    EDU_MEMBER,
    EDU_SECRETARY,
    ELECTION_YEAR,
    END_REASONS_MIDTERM,
    FEMALE_SHARE,
    ID_AREA,
    MEMBER_SHARE,
    PARTY_POSTS,
    POST_NAMES,
    PREVIOUS_COHORT,
    REASON,
    REF,
    Stats,
    VillagePlan,
    add_years,
    aware,
    explicit_timestamps,
    first_of_month,
    quota,
    weighted,
)
