"""Vocabulary of the training app: English identifiers, Chinese labels."""

from django.db import models


class Level(models.TextChoices):
    NATIONAL = "national", "国家级"
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡镇级"


# Levels that satisfy "secretaries attend at least one county-or-above session a year".
COUNTY_OR_ABOVE = (Level.NATIONAL, Level.PROVINCE, Level.CITY, Level.COUNTY)


class Kind(models.TextChoices):
    ROTATION = "rotation", "集中轮训"
    THEMATIC = "thematic", "专题培训"
    STUDY_VISIT = "study_visit", "外出观摩"
    MENTORING = "mentoring", "导师帮带"
    ONLINE = "online", "网络学习"
    INDUCTION = "induction", "入职培训"
    OTHER = "other", "其他"


class Audience(models.TextChoices):
    SECRETARIES = "secretaries", "村党组织书记"
    MEMBERS = "members", "村“两委”成员"
    RESERVES = "reserves", "后备力量"
    FIRST_SECRETARIES = "first_secretaries", "驻村第一书记"


class DayLength(models.TextChoices):
    FULL = "full", "全天"
    HALF = "half", "半天"
    OFF = "off", "不安排"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "出勤"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺勤"
    LATE_EARLY = "late_early", "迟到早退"


class Certificate(models.TextChoices):
    PENDING = "pending", "待考勤"
    ISSUED = "issued", "发放结业证书"
    WITHHELD = "withheld", "不发结业证书"


class UpgradeKind(models.TextChoices):
    DEGREE = "degree", "学历提升"
    FARMER_COLLEGE = "farmer_college", "农民大学生"


class UpgradeStatus(models.TextChoices):
    STUDYING = "studying", "在读"
    GRADUATED = "graduated", "已毕业"
    WITHDRAWN = "withdrawn", "已退学"


class SubsidyKind(models.TextChoices):
    TUITION = "tuition", "学费补贴"
    DIPLOMA = "diploma", "学历补贴"


class CoverageStatus(models.TextChoices):
    TRAINED = "trained", "已参训"
    NOT_TRAINED = "not_trained", "未参训"


class InductionStatus(models.TextChoices):
    ON_TIME = "on_time", "按期完成"
    LATE = "late", "逾期后完成"
    OVERDUE = "overdue", "逾期未培训"
    DUE = "due", "期限内待培训"
