"""Vocabulary of the register: English identifiers, Chinese labels."""

import json
from pathlib import Path

from django.db import models

from core.roles import Role  # noqa: F401  (a user's role: reached as choices.Role across the register)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _load(name: str) -> list[dict]:
    with open(FIXTURES / name, encoding="utf-8") as fh:
        return json.load(fh)["items"]


ETHNICITY_CHOICES = [(item["name"], item["name"]) for item in _load("ethnicities.json")]
ETHNICITY_NAMES = {item["name"] for item in _load("ethnicities.json")}
# Canonical post vocabulary; the yearly policy profile may rename, reclassify or add posts.
DEFAULT_POSTS = _load("posts.json")
SECRETARY = "secretary"
CHAIR = "chair"


class TownshipKind(models.TextChoices):
    TOWNSHIP = "township", "乡镇"
    SUBDISTRICT = "subdistrict", "街道"


class VillageKind(models.TextChoices):
    VILLAGE = "village", "行政村"
    COMMUNITY = "community", "社区"


class VillageFlagKind(models.TextChoices):
    WEAK_LAX = "weak_lax", "软弱涣散村"
    POOR = "poor", "建档立卡贫困村"
    LIFTED = "lifted", "脱贫村"
    WEAK_COLLECTIVE = "weak_collective", "集体经济薄弱村"
    RELOCATION = "relocation", "易地搬迁安置点"
    REVITALISATION = "revitalisation", "乡村振兴任务重村"


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class PoliticalStatus(models.TextChoices):
    MEMBER = "member", "中共党员"
    PROBATIONARY = "probationary", "中共预备党员"
    LEAGUE = "league", "共青团员"
    DEMOCRATIC = "democratic", "民主党派"
    MASSES = "masses", "群众"


class Education(models.TextChoices):
    """Highest education level, ordered from low to high by value prefix."""

    PRIMARY = "1_primary", "小学及以下"
    JUNIOR = "2_junior", "初中"
    SENIOR = "3_senior", "高中"
    VOCATIONAL = "4_vocational", "中专/中技"
    COLLEGE = "5_college", "大专"
    BACHELOR = "6_bachelor", "大学本科"
    POSTGRAD = "7_postgrad", "研究生"


class RecordKind(models.TextChoices):
    HONOUR = "honour", "表彰奖励"
    SANCTION = "sanction", "处分处理"
    CAREER = "career", "发展去向"


class RecordLevel(models.TextChoices):
    NATIONAL = "national", "国家级"
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡镇级"


class FilingStatus(models.TextChoices):
    DRAFT = "draft", "待乡镇审核"
    TOWNSHIP_APPROVED = "township_approved", "乡镇已审核，待县级备案"
    FILED = "filed", "已备案（生效）"
    REJECTED = "rejected", "已退回"


class EndReason(models.TextChoices):
    ELECTION = "election", "换届离任"
    RESIGNED = "resigned", "辞职"
    TRANSFERRED = "transferred", "调任"
    PROMOTED = "promoted", "提拔使用"
    REMOVED = "removed", "免职/撤换"
    RECALLED = "recalled", "罢免"
    RETIRED = "retired", "到龄退出"
    DECEASED = "deceased", "病故"
    OTHER = "other", "其他"


# End reasons that count as a normal departure (正常离任) for the departed-cadre subsidy.
NORMAL_DEPARTURE_REASONS = {
    EndReason.ELECTION,
    EndReason.RESIGNED,
    EndReason.TRANSFERRED,
    EndReason.PROMOTED,
    EndReason.RETIRED,
}


class VettingResult(models.TextChoices):
    PENDING = "pending", "待审查"
    PASS = "pass", "通过"
    FAIL = "fail", "不通过"


class FirstSecretaryStatus(models.TextChoices):
    ACTIVE = "active", "在岗"
    EXPIRED = "expired", "期满"
    RECALLED = "recalled", "召回"


class SpotCheckResult(models.TextChoices):
    """What an unannounced spot check (抽查) found."""

    PRESENT = "present", "在岗"
    ABSENT = "absent", "缺勤"


class FirstSecretaryGrade(models.TextChoices):
    """The county's annual grade of a first secretary, best first (the order caps compare by)."""

    EXCELLENT = "excellent", "优秀"
    COMPETENT = "competent", "称职"
    BASIC = "basic", "基本称职"
    INCOMPETENT = "incompetent", "不称职"
