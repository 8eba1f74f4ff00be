"""Server-rendered pages of the register. Thin: parse → selector (reads) or service (writes) → render.

Every object is loaded through a scoped selector first, so an object outside the user's data
scope answers 404 exactly like a missing one, before any permission check can reveal it exists.
Services raise field-keyed ValidationError (shown on the form, nothing written) and
PermissionDenied (403)."""

from .appointments import (  # noqa: F401
    AppointmentActionView,
    AppointmentApproveView,
    AppointmentAttachReviewView,
    AppointmentCreateView,
    AppointmentDetailView,
    AppointmentEndView,
    AppointmentFileView,
    AppointmentFilingFormView,
    AppointmentListView,
    AppointmentRejectView,
    _appointment_context,
)
from .base import (  # noqa: F401
    ListPageView,
    _people_options,
    _township_options,
    _village_options,
)
from .batches import (  # noqa: F401
    AppointmentBatchEndView,
    AppointmentBatchFileView,
    ReviewGridView,
)
from .dossier import (  # noqa: F401
    AppointmentFormPdfView,
    AppointmentRequestAddView,
    AppointmentRequestDeleteView,
    AppointmentRequestPdfView,
    AppointmentRequestUpdateView,
    FamilyMemberAddView,
    FamilyMemberDeleteView,
    FamilyMemberUpdateView,
    PersonAppointmentFormPdfView,
    ResumeEntryAddView,
    ResumeEntryDeleteView,
    ResumeEntryUpdateView,
)
from .first_secretaries import (  # noqa: F401
    FirstSecretaryCreateView,
    FirstSecretaryDetailView,
    FirstSecretaryEndView,
    FirstSecretaryGradeView,
    FirstSecretaryListView,
    PostingActionView,
    PresenceRecordView,
    SpotCheckRecordView,
    _posting_context,
)
from .people import (  # noqa: F401
    PRINT_HISTORY_ROWS,
    PersonCreateView,
    PersonDetailView,
    PersonHistoryView,
    PersonListView,
    PersonPdfView,
    PersonPhotoRemoveView,
    PersonPhotoUploadView,
    PersonPhotoView,
    PersonPrintView,
    PersonRecordAddView,
    PersonSectionView,
    PersonUpdateView,
    person_file_context,
)
from .vetting import (  # noqa: F401
    ReviewDetailView,
    ReviewFormView,
    ReviewListView,
    ReviewRequestView,
    VerdictRecordView,
    _review_context,
)
from .villages import (  # noqa: F401
    TownshipCreateView,
    TownshipDetailView,
    TownshipListView,
    TownshipUpdateView,
    VillageCreateView,
    VillageDetailView,
    VillageFlagAddView,
    VillageFlagEndView,
    VillageListView,
    VillageUpdateView,
)
