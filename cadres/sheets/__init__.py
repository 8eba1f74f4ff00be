"""The register's sheet types on the shared pipeline: 两委成员花名册, 第一书记花名册, 第一书记抽查记录表,
and the 干部任免审批表's 家庭成员 and 简历."""

from .dossier import (  # noqa: F401
    FamilyMemberSheet,
    ResumeSheet,
    dossier_touched_since,
)
from .first_secretaries import (  # noqa: F401
    FS_COLUMNS,
    FirstSecretaryRosterSheet,
)
from .lrmx import LrmxSheet  # noqa: F401
from .roster import (  # noqa: F401
    _START_SPLIT,
    CHUNK,
    PERSON_COLUMNS,
    UPDATABLE,
    CadreRosterSheet,
    RegisterSheetMixin,
    _chunks,
    _json,
    _rollback_register,
    _unjson,
    check_identity,
    identity_parsers,
    touched_since,
)
from .spot_checks import SPOT_CHECK_COLUMNS, SpotCheckSheet  # noqa: F401
