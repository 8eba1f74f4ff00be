from django.apps import AppConfig


def _register_roles() -> None:
    """What each role holds of the register's permissions (county staff and admins: everything)."""
    from core.roles import Role, register_domain_app, register_masked_permissions, register_role_permissions

    register_domain_app("cadres")
    register = [
        "township",
        "village",
        "villageflag",
        "person",
        "personrecord",
        "appointment",
        "filingevent",
        "qualificationreview",
        "departmentverdict",
        "firstsecretary",
        "presencemonth",
        "spotcheck",
        "firstsecretarygrade",
        "policyprofile",
    ]
    view_all = [f"view_{m}" for m in register]
    clerk = [
        *view_all,
        "add_person",
        "change_person",
        "add_personrecord",
        "change_village",
        "add_appointment",
        "change_appointment",
        "approve_appointment",
        "add_qualificationreview",
        "view_personal_data",
        "add_presencemonth",
        "change_presencemonth",
        # change history of the clerk's own township on the person and village pages (login
        # logs need the axes permissions, which clerks do not get)
        "view_history",
    ]
    register_role_permissions(Role.COUNTY, ["*"])
    register_role_permissions(Role.ADMIN, ["*"])
    register_role_permissions(Role.AUDITOR, [f"cadres.{c}" for c in (*view_all, "view_vetting_details", "view_history")])
    register_role_permissions(Role.CLERK, [f"cadres.{c}" for c in clerk])
    # Auditors read everything but personal data (full ID numbers and phones).
    register_masked_permissions(["view_personal_data"])


def _register_badges() -> None:
    from core.templatetags.touyan import register_badges

    from . import choices

    register_badges(
        "filing",
        {
            choices.FilingStatus.DRAFT: "text-bg-warning",
            choices.FilingStatus.TOWNSHIP_APPROVED: "text-bg-info",
            choices.FilingStatus.FILED: "text-bg-success",
            choices.FilingStatus.REJECTED: "text-bg-secondary",
        },
    )
    register_badges(
        "vetting",
        {
            choices.VettingResult.PENDING: "text-bg-warning",
            choices.VettingResult.PASS: "text-bg-success",
            choices.VettingResult.FAIL: "text-bg-danger",
        },
    )
    register_badges(
        "posting",
        {
            choices.FirstSecretaryStatus.ACTIVE: "text-bg-success",
            choices.FirstSecretaryStatus.EXPIRED: "text-bg-secondary",
            choices.FirstSecretaryStatus.RECALLED: "text-bg-danger",
        },
    )


def _register_dossier_sections() -> None:
    """简历, 家庭成员 and the 干部任免审批表 on the person page, below the register's own sections."""
    from .person_sections import PersonSection, register_person_section
    from .views import dossier

    for key, label, order, context in (
        ("resume", "简历", 1, dossier.resume_section_context),
        ("family", "家庭主要成员及重要社会关系", 2, dossier.family_section_context),
        ("appointment_form", "干部任免审批表", 3, dossier.appointment_form_section_context),
    ):
        register_person_section(
            PersonSection(key=key, label=label, order=order, template=f"cadres/_section_{key}.html", context=context)
        )


class CadresConfig(AppConfig):
    """The register: townships, villages, people (一人一档), appointments, joint review, first
    secretaries — and the concrete framework models (user, policy profile, import batch, export log)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "cadres"
    verbose_name = "村干部名册"

    def ready(self):
        # register the policy section, the sheet types and the home page's provider
        from core.imports.batches import register_rollback_guard
        from core.imports.pipeline import BASE_READ_MODELS

        from . import dashboard, dictionary, policy_section, search, sheets  # noqa: F401

        search.register()  # 全局搜索: 人员, 村(社区)
        dictionary.register()  # 数据字典
        _register_roles()
        _register_badges()
        from .views import exchange

        exchange.register()  # who may download 干部任免审批表 files (.lrmx)
        # Every sheet type's plan reads the register (the preview's fingerprint covers these).
        BASE_READ_MODELS.extend(
            m
            for m in (
                "cadres.Person",
                "cadres.Appointment",
                "cadres.FirstSecretary",
                "cadres.QualificationReview",  # 凡进必审: a review concluded since the preview re-plans
                "cadres.Village",
                "cadres.Township",
                "cadres.PolicyProfile",
            )
            if m not in BASE_READ_MODELS
        )
        # An import is not undone when rows it wrote were changed or referenced since.
        register_rollback_guard(sheets.touched_since)
        register_rollback_guard(sheets.dossier_touched_since)  # 家庭成员 / 简历 lists changed since
        _register_dossier_sections()
        from .models import FirstSecretaryGrade, SpotCheck
        from .person_sections import register_person_history

        register_person_history("第一书记抽查", SpotCheck, person_field="posting__person_id", scoped=True)
        register_person_history("第一书记年度考核", FirstSecretaryGrade, person_field="posting__person_id", scoped=True)
