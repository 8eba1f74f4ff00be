from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SubsidiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "subsidies"
    verbose_name = "报酬补贴"

    def ready(self):
        from cadres.person_sections import PersonSection, register_person_history, register_person_section
        from core.roles import (
            Role,
            register_domain_app,
            register_masked_permissions,
            register_restricted_permissions,
            register_role_permissions,
        )

        from . import policy_section, sheets  # noqa: F401  (register the policy section and the pay sheet type)
        from .roles import FINANCE_ONLY, _on_post_migrate
        from .selectors import person_section_context
        from .services import clerk_permissions

        register_domain_app("subsidies")
        from .access import register

        register()  # the pay-run actions of the permission gate (separation of duties)

        register_role_permissions(Role.CLERK, clerk_permissions())
        register_restricted_permissions([f"subsidies.{codename}" for codename in FINANCE_ONLY])
        # Auditors read everything but full bank card numbers.
        register_masked_permissions(["view_bank_account"])
        # After cadres' roles sync (connected earlier): only the 财务 group sees full card numbers.
        post_migrate.connect(_on_post_migrate, dispatch_uid="subsidies_finance_group")
        register_person_section(
            PersonSection(
                key="subsidies",
                label="报酬与补贴",
                order=50,
                template="subsidies/_person_section.html",
                context=person_section_context,
                permission="subsidies.view_ledgerentry",
                deferred=True,  # the ledger, accounts and runs load after the page
            )
        )
        # Ledger entries and the (masked) account history are shown inside the section itself.
        from .models import BenefitRecord, LivingSubsidyStop

        register_person_history("生活补贴终止", LivingSubsidyStop, scoped=True)
        register_person_history("保险体检待遇", BenefitRecord, scoped=True)
        from . import dashboard  # noqa: F401  (registers the home dashboard provider)
