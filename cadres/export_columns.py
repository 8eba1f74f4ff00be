"""Columns of the register's list exports (Chinese headers; personal columns masked by role)."""

from .exports import ExportColumn as C
from .exports import choice_label


def _flags(v):
    return "、".join(f.get_kind_display() for f in getattr(v, "current_flags", []))


def _secretary(v):
    s = v.current_secretary
    return s.person.name if s else "（空缺）"


def _posts(p):
    return "、".join(f"{a.village.township.name}{a.village.name}{a.post_name}" for a in getattr(p, "current_appointments", []))


LIST_COLUMNS = {
    "乡镇(街道)统计": [
        C("区划代码", lambda t: t.code, width=12),
        C("名称", lambda t: t.name),
        C("类型", choice_label("kind")),
        C("村(社区)数", lambda t: t.village_count),
        C("其中社区", lambda t: t.community_count),
        C("现任书记数", lambda t: t.secretary_count),
        C("书记空缺村数", lambda t: t.village_count - t.secretary_count),
    ],
    "资格联审名册": [
        C("乡镇(街道)", lambda r: r.village.township.name),
        C("拟任村(社区)", lambda r: r.village.name),
        C("人选", lambda r: r.person.name),
        C("身份证号", lambda r: r.person.id_number, personal="id", width=21),
        C("拟任职务", lambda r: r.post_name),
        C("换届届次", lambda r: r.cohort),
        C("联审结论", choice_label("outcome")),
        C("提请时间", lambda r: r.requested_at),
        C("办结时间", lambda r: r.concluded_at),
    ],
    "村(社区)名册": [
        C("乡镇(街道)", lambda v: v.township.name),
        C("村(社区)", lambda v: v.name),
        C("代码", lambda v: v.code, width=14),
        C("类型", choice_label("kind")),
        C("户籍人口", lambda v: v.population),
        C("户数", lambda v: v.households),
        C("党员数", lambda v: v.party_members),
        C("现任书记", _secretary),
        C("村类型标记", _flags, width=30),
    ],
    "人员名册": [
        C("姓名", lambda p: p.name),
        C("性别", choice_label("sex")),
        C("民族", lambda p: p.ethnicity),
        C("出生日期", lambda p: p.birth_date),
        C("身份证号", lambda p: p.id_number, personal="id", width=21),
        C("政治面貌", choice_label("political_status")),
        C("入党时间", lambda p: p.party_join_date),
        C("全日制学历", choice_label("education_fulltime")),
        C("在职学历", choice_label("education_inservice")),
        C("毕业院校及专业", lambda p: p.school_major, width=20),
        C("退役军人", lambda p: p.is_veteran),
        C("联系电话", lambda p: p.phone, personal="phone", width=14),
        C("现任职务", _posts, width=40),
    ],
    "任职名册": [
        C("乡镇(街道)", lambda a: a.village.township.name),
        C("村(社区)", lambda a: a.village.name),
        C("姓名", lambda a: a.person.name),
        C("身份证号", lambda a: a.person.id_number, personal="id", width=21),
        C("职务", lambda a: a.post_name),
        C("任职时间", lambda a: a.start_date),
        C("离任时间", lambda a: a.end_date),
        C("离任原因", choice_label("end_reason")),
        C("换届届次", lambda a: a.cohort),
        C("备案状态", choice_label("status"), width=20),
        C("资格联审", lambda a: a.qualification_review.get_outcome_display() if a.qualification_review else "未关联"),
    ],
    "驻村第一书记名册": [
        C("姓名", lambda f: f.person.name),
        C("身份证号", lambda f: f.person.id_number, personal="id", width=21),
        C("联系电话", lambda f: f.person.phone, personal="phone", width=14),
        C("派出单位", lambda f: f.sending_unit, width=20),
        C("原职务/职级", lambda f: f.original_title, width=16),
        C("乡镇(街道)", lambda f: f.village.township.name),
        C("驻村", lambda f: f.village.name),
        C("驻村开始", lambda f: f.term_start),
        C("驻村期满", lambda f: f.term_end),
        C("状态", choice_label("status")),
        C("选派批次", lambda f: f.batch),
    ],
}
