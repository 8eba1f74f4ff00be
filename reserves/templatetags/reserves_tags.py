from django import template

from reserves.choices import Status

register = template.Library()

_BADGES = {
    Status.SURVEYED: "text-bg-light border",
    Status.NOMINATED: "text-bg-info",
    Status.REVIEWING: "text-bg-warning",
    Status.POOLED: "text-bg-success",
    Status.APPOINTED: "text-bg-primary",
    Status.EXITED: "text-bg-secondary",
}


@register.filter
def reserve_badge(status: str) -> str:
    return _BADGES.get(status, "text-bg-light")
