from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = "年度考核"

    def ready(self):
        from cadres.person_sections import (
            PersonSection,
            register_person_history,
            register_person_section,
            register_yearly_results,
        )
        from core.roles import Role, register_domain_app, register_role_permissions

        from . import policy_section, sheets  # noqa: F401  (register the policy section and the sheet type)
        from .selectors import person_final_grades, person_section_context

        register_person_section(
            PersonSection(
                key="assessments",
                label="年度考核（双述双评）",
                order=40,
                template="assessments/_person_section.html",
                context=person_section_context,
                deferred=True,  # loads after the page shows
            )
        )
        register_yearly_results(person_final_grades)  # 年度考核结果 on the 干部任免审批表
        from .models import AnnualReview, BallotTally, ConsequenceProposal, ReviewResult

        # the person's file is the scope: a review follows its secretary
        register_person_history("年度考核", AnnualReview)
        register_person_history("考核测评票", BallotTally, person_field="review__person_id")
        register_person_history("考核结果", ReviewResult)
        register_person_history("考核后续处理", ConsequenceProposal)
        register_domain_app("assessments")
        register_role_permissions(
            Role.CLERK,
            [
                "assessments.view_reviewcampaign",
                "assessments.view_annualreview",
                "assessments.add_annualreview",
                "assessments.change_annualreview",
                "assessments.view_ballottally",
                "assessments.add_ballottally",
                "assessments.change_ballottally",
                "assessments.view_reviewfile",
                "assessments.add_reviewfile",
                "assessments.view_reviewitem",
                "assessments.view_reviewresult",
                "assessments.resolve_tie",
                "assessments.view_consequenceproposal",
                "assessments.view_rolluprun",
            ],
        )
        from . import dashboard  # noqa: F401  (registers the home dashboard provider)
