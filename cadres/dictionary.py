"""The register's vocabularies in the 数据字典 (core.dictionary)."""

from core.dictionary import Vocabulary, register_vocabulary

from . import choices


def register() -> None:
    person = "人员信息"
    village = "乡镇与村(社区)"
    post = "任职与联审"
    for order, (key, label, group, items, note) in enumerate(
        [
            ("sex", "性别", person, choices.Sex.choices, "由身份证号自动得出。"),
            (
                "ethnicity",
                "民族",
                person,
                [(item["code"], item["name"]) for item in choices._load("ethnicities.json")],
                "国家标准 GB/T 3304，56个民族。",
            ),
            ("political_status", "政治面貌", person, choices.PoliticalStatus.choices, ""),
            ("education", "学历", person, choices.Education.choices, "全日制学历与在职学历共用，由低到高排列。"),
            ("record_kind", "奖惩及发展去向类别", person, choices.RecordKind.choices, ""),
            ("record_level", "奖惩级别", person, choices.RecordLevel.choices, ""),
            ("township_kind", "乡镇(街道)类型", village, choices.TownshipKind.choices, ""),
            ("village_kind", "村(社区)类型", village, choices.VillageKind.choices, ""),
            ("village_flag", "村类型标记", village, choices.VillageFlagKind.choices, "按认定日期和摘帽/销号日期判断是否有效。"),
            ("filing_status", "任职备案状态", post, choices.FilingStatus.choices, "只有已备案的任职计为现任。"),
            ("end_reason", "离任原因", post, choices.EndReason.choices, ""),
            ("vetting_result", "资格联审结果", post, choices.VettingResult.choices, ""),
            ("first_secretary_status", "第一书记状态", post, choices.FirstSecretaryStatus.choices, ""),
        ],
        start=1,
    ):
        register_vocabulary(
            Vocabulary(
                key=f"cadres.{key}",
                label=label,
                group=group,
                items=[("" if key != "ethnicity" else code, name) for code, name in items],
                note=note,
                order=order,
            )
        )
