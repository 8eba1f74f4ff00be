from django.apps import AppConfig


class TrainingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "training"
    verbose_name = "教育培训"

    def ready(self):
        from core.roles import register_domain_app

        register_domain_app("training")
        from .access import register

        register()
        from cadres.person_sections import PersonSection, register_person_history, register_person_section
        from core.scope import scoped

        from . import policy_section, sheets  # noqa: F401  (register the policy section and the sheet type)
        from .models import Attendance, EducationUpgrade, Enrollment
        from .selectors import person_training

        register_person_section(
            PersonSection(
                key="training",
                label="教育培训",
                order=30,
                template="training/_person_section.html",
                context=person_training,
                deferred=True,  # loads after the page shows
            )
        )
        # History on the person page, narrowed to what the viewer may see (a clerk: the own
        # township's enrolments and upgrades).
        register_person_history("参训记录", Enrollment, scoped=True)
        register_person_history(
            "考勤",
            Attendance,
            person_field="enrollment__person_id",
            narrow=lambda rows, *, user, person: rows.filter(
                enrollment_id__in=scoped(user, Enrollment).filter(person_id=person.pk).values("id")
            ),
        )
        register_person_history("学历提升", EducationUpgrade, scoped=True)
        from . import dashboard  # noqa: F401  (registers the home dashboard provider)
