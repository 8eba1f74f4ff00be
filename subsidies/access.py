"""This app's actions at the permission gate (core.access.can).

The pay-run steps are permissions of the role groups (the county holds them all, a clerk creates
and confirms the own township's runs, see services.clerk_permissions). The county steps need a
county-wide user, and approval keeps separation of duties: when the year's policy says so
(``approval.separate_approver``, default on), the approver of a run is neither the account
that created it nor the one that confirmed it.
"""

from __future__ import annotations

from core.access import register_action

APPROVE = "subsidies.approve_payrun"
RETURN = "subsidies.return_payrun"
PAY = "subsidies.pay_payrun"


def approver_refusal(user, run) -> str | None:
    """Separation of duties on a pay run, in Chinese; None when ``user`` may approve it."""
    from .policy_section import separate_approver

    if user.pk not in (run.created_by_id, run.prepared_by_id) or not separate_approver(run.policy_year):
        return None
    did = "创建" if user.pk == run.created_by_id else "确认"
    return f"职责分离：本批次由您{did}，不能由您本人审批，请由其他县级工作人员审批。"


def register() -> None:
    register_action(APPROVE, perm=APPROVE, county=True, rule=approver_refusal, message="只有县级可以审批发放批次。")
    register_action(RETURN, perm=APPROVE, county=True, message="只有县级可以退回批次。")
    register_action(PAY, perm=PAY, message="只有县级财务可以登记发放。")
