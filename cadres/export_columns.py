"""Columns of the register's list exports (Chinese headers; personal columns masked by role)."""

from django.db.models import CharField, OuterRef
from django.db.models.functions import Concat

from core.exports import ExportColumn as C
from core.exports import JoinedText, choice_label

from .models import Appointment


def _flags(v):
    return "、".join(f.get_kind_display() for f in getattr(v, "current_flags", []))


def _secretary(v):
    s = v.current_secretary
    return s.person.name if s else "（空缺）"


def current_posts_text() -> JoinedText:
    """A person's current posts as one text, "甲镇一村党组织书记、甲镇一村村委会主任" (ordered by
    village and post, as the person list shows them), computed by the database."""
    posts = (
        Appointment.objects.current()
        .filter(person_id=OuterRef("pk"))
        .order_by("village_id", "post")
        .annotate(text=Concat("village__township__name", "village__name", "post_name", output_field=CharField()))
        .values("text")
    )
    return JoinedText(posts)


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
    # The two longest lists of the register are read with values_list() (no model instances).
    "人员名册": [
        C("姓名", field="name"),
        C("性别", field="sex"),
        C("民族", field="ethnicity"),
        C("出生日期", field="birth_date"),
        C("身份证号", field="id_number", personal="id", width=21),
        C("政治面貌", field="political_status"),
        C("入党时间", field="party_join_date"),
        C("全日制学历", field="education_fulltime"),
        C("在职学历", field="education_inservice"),
        C("毕业院校及专业", field="school_major", width=20),
        C("全日制学位", field="degree_fulltime"),
        C("在职教育毕业院校及专业", field="school_major_inservice", width=20),
        C("在职学位", field="degree_inservice"),
        C("出生地", field="birthplace"),
        C("健康状况", field="health"),
        C("专业技术职务", field="professional_title"),
        C("熟悉专业有何专长", field="specialty", width=20),
        C("退役军人", field="is_veteran"),
        C("联系电话", field="phone", personal="phone", width=14),
        C("现任职务", field="export_current_posts", expression=current_posts_text(), width=40),
    ],
    "任职名册": [
        C("乡镇(街道)", field="village__township__name"),
        C("村(社区)", field="village__name"),
        C("姓名", field="person__name"),
        C("身份证号", field="person__id_number", personal="id", width=21),
        C("职务", field="post_name"),
        C("任职时间", field="start_date"),
        C("离任时间", field="end_date"),
        C("离任原因", field="end_reason"),
        C("换届届次", field="cohort"),
        C("备案状态", field="status", width=20),
        C("资格联审", field="qualification_review__outcome", empty="未关联"),
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
