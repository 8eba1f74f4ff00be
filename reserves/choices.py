"""Vocabulary of the reserve pool: English identifiers, Chinese labels.

Source categories, mentor types, practice posts and appraisal results are *data* in the yearly
policy profile (section "reserves"); only the pipeline and the Party path are fixed here.
"""

from django.db import models


class Status(models.TextChoices):
    SURVEYED = "surveyed", "村级摸底"
    NOMINATED = "nominated", "乡镇推荐"
    REVIEWING = "reviewing", "县级审核"
    POOLED = "pooled", "入库"
    APPOINTED = "appointed", "已任用"
    EXITED = "exited", "退出"


# Records still in the pipeline (not closed by appointment or removal).
OPEN_STATUSES = (Status.SURVEYED, Status.NOMINATED, Status.REVIEWING, Status.POOLED)
CLOSED_STATUSES = (Status.APPOINTED, Status.EXITED)
# Steps a township clerk may take; county staff take every step.
CLERK_STEPS = (Status.SURVEYED, Status.NOMINATED)


class ExitReason(models.TextChoices):
    APPRAISAL_POOR = "appraisal_poor", "年度测评较差（动态调整）"
    REVIEW_FAILED = "review_failed", "资格联审未通过"
    OVER_AGE = "over_age", "超过年龄条件"
    MOVED_AWAY = "moved_away", "外出/迁出"
    VOLUNTARY = "voluntary", "本人申请退出"
    DISCIPLINE = "discipline", "违纪违法"
    OTHER = "other", "其他"


class PartyStage(models.TextChoices):
    APPLICANT = "applicant", "申请入党"
    ACTIVIST = "activist", "入党积极分子"
    CANDIDATE = "candidate", "发展对象"
    PROBATIONARY = "probationary", "预备党员"
    EXTENSION = "extension", "延长预备期"
    FULL = "full", "正式党员"


class MentorMode(models.TextChoices):
    ONE_TO_ONE = "one_to_one", "一带一"
    MANY_TO_ONE = "many_to_one", "多带一"
