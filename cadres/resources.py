"""django-import-export Resources with Chinese headers (admin import/export, list exports)."""

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from .models import Appointment, FirstSecretary, Person, Township, Village


class TownshipResource(resources.ModelResource):
    code = fields.Field(attribute="code", column_name="区划代码")
    name = fields.Field(attribute="name", column_name="名称")
    kind = fields.Field(attribute="kind", column_name="类型")

    class Meta:
        model = Township
        import_id_fields = ["code"]
        fields = ["code", "name", "kind"]
        skip_unchanged = True
        report_skipped = True


class VillageResource(resources.ModelResource):
    township = fields.Field(attribute="township", column_name="乡镇(街道)", widget=ForeignKeyWidget(Township, "name"))
    code = fields.Field(attribute="code", column_name="村(社区)代码")
    name = fields.Field(attribute="name", column_name="名称")
    kind = fields.Field(attribute="kind", column_name="类型")
    population = fields.Field(attribute="population", column_name="户籍人口")
    households = fields.Field(attribute="households", column_name="户数")

    class Meta:
        model = Village
        import_id_fields = ["code"]
        fields = ["township", "code", "name", "kind", "population", "households"]
        skip_unchanged = True
        report_skipped = True


class PersonResource(resources.ModelResource):
    """Export for the person list (ID numbers included; exports are logged by the view)."""

    name = fields.Field(attribute="name", column_name="姓名")
    sex = fields.Field(attribute="get_sex_display", column_name="性别", readonly=True)
    ethnicity = fields.Field(attribute="ethnicity", column_name="民族")
    birth_date = fields.Field(attribute="birth_date", column_name="出生日期")
    id_number = fields.Field(attribute="id_number", column_name="身份证号")
    political_status = fields.Field(attribute="get_political_status_display", column_name="政治面貌", readonly=True)
    party_join_date = fields.Field(attribute="party_join_date", column_name="入党时间")
    education_fulltime = fields.Field(attribute="get_education_fulltime_display", column_name="全日制学历", readonly=True)
    education_inservice = fields.Field(attribute="get_education_inservice_display", column_name="在职学历", readonly=True)
    phone = fields.Field(attribute="phone", column_name="联系电话")
    posts = fields.Field(column_name="现任职务", readonly=True)

    class Meta:
        model = Person
        import_id_fields = ["id_number"]
        fields = [
            "name",
            "sex",
            "ethnicity",
            "birth_date",
            "id_number",
            "political_status",
            "party_join_date",
            "education_fulltime",
            "education_inservice",
            "phone",
            "posts",
        ]

    def dehydrate_posts(self, person):
        current = getattr(person, "current_appointments", None)
        if current is None:
            return ""
        return "、".join(f"{a.village.township.name}{a.village.name}{a.post_name}" for a in current)


class AppointmentResource(resources.ModelResource):
    person = fields.Field(attribute="person__name", column_name="姓名", readonly=True)
    id_number = fields.Field(attribute="person__id_number", column_name="身份证号", readonly=True)
    township = fields.Field(attribute="village__township__name", column_name="乡镇(街道)", readonly=True)
    village = fields.Field(attribute="village__name", column_name="村(社区)", readonly=True)
    post_name = fields.Field(attribute="post_name", column_name="职务")
    start_date = fields.Field(attribute="start_date", column_name="任职时间")
    end_date = fields.Field(attribute="end_date", column_name="离任时间")
    status = fields.Field(attribute="get_status_display", column_name="备案状态", readonly=True)
    cohort = fields.Field(attribute="cohort", column_name="换届届次")

    class Meta:
        model = Appointment
        fields = ["person", "id_number", "township", "village", "post_name", "start_date", "end_date", "status", "cohort"]


class FirstSecretaryResource(resources.ModelResource):
    person = fields.Field(attribute="person__name", column_name="姓名", readonly=True)
    sending_unit = fields.Field(attribute="sending_unit", column_name="派出单位")
    original_title = fields.Field(attribute="original_title", column_name="原职务/职级")
    township = fields.Field(attribute="village__township__name", column_name="乡镇(街道)", readonly=True)
    village = fields.Field(attribute="village__name", column_name="驻村", readonly=True)
    term_start = fields.Field(attribute="term_start", column_name="驻村开始")
    term_end = fields.Field(attribute="term_end", column_name="驻村期满")
    status = fields.Field(attribute="get_status_display", column_name="状态", readonly=True)

    class Meta:
        model = FirstSecretary
        fields = ["person", "sending_unit", "original_title", "township", "village", "term_start", "term_end", "status"]
