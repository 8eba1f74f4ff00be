from django.apps import AppConfig


class ReservesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reserves"
    verbose_name = "后备力量"

    def ready(self):
        from cadres.models import register_person_township_link
        from cadres.person_sections import PersonSection, register_person_section

        from . import policy_section, sheets  # noqa: F401  (register the policy section and the sheet type)
        from .models import ReserveCandidate
        from .selectors import person_section_context

        # A clerk sees the person page of every reserve of the own township. A ``person_id``
        # subquery (the form cadres.querysets.PersonQuerySet.for_township prefers: ``pk IN (…)``,
        # computed once) rather than a correlated EXISTS.
        register_person_township_link(lambda tid: ReserveCandidate.objects.filter(village__township_id=tid).values("person_id"))
        # Township clerks keep their township's reserves (the services also check role and scope).
        from core.roles import Role, register_domain_app, register_role_permissions

        register_domain_app("reserves")
        from .access import register

        register()

        register_role_permissions(
            Role.CLERK,
            [
                "reserves.view_reservecandidate",
                "reserves.add_reservecandidate",
                "reserves.change_reservecandidate",
                "reserves.view_reserveevent",
                *(
                    f"reserves.{action}_{model}"
                    for model in ("mentorship", "practicepost", "appraisal", "partystagerecord")
                    for action in ("view", "add", "change")
                ),
            ],
        )
        register_person_section(
            PersonSection(
                key="reserves",
                label="后备力量",
                order=20,
                template="reserves/_person_section.html",
                context=person_section_context,
            )
        )
        from . import dashboard  # noqa: F401  (registers the home dashboard provider)
