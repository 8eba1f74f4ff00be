"""django-import-export Resources with Chinese headers (admin export of the reserve pool).

Export only (the admin offers no import): new reserve records go through the 后备干部花名册 sheet
type (reserves/sheets.py) or the services, which hold the pipeline rules.
"""

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from cadres.models import Person, Village

from .models import ReserveCandidate


class ReserveCandidateResource(resources.ModelResource):
    person = fields.Field(attribute="person", column_name="身份证号", widget=ForeignKeyWidget(Person, "id_number"))
    name = fields.Field(attribute="person__name", column_name="姓名", readonly=True)
    village = fields.Field(attribute="village", column_name="村(社区)代码", widget=ForeignKeyWidget(Village, "code"))
    cohort = fields.Field(attribute="cohort", column_name="换届届次")
    source_name = fields.Field(attribute="source_name", column_name="来源类别", readonly=True)
    intended_post_name = fields.Field(attribute="intended_post_name", column_name="拟培养职务", readonly=True)
    status = fields.Field(attribute="get_status_display", column_name="状态", readonly=True)
    surveyed_on = fields.Field(attribute="surveyed_on", column_name="摸底日期", readonly=True)

    class Meta:
        model = ReserveCandidate
        fields = ["person", "name", "village", "cohort", "source_name", "intended_post_name", "status", "surveyed_on"]
        import_id_fields = ["person", "cohort"]
        skip_unchanged = True
