"""django-import-export Resources with Chinese headers (admin export; imports go through the
ballot sheet on the shared pipeline, which applies the service rules)."""

from import_export import fields, resources

from .models import AnnualReview, ReviewResult


class AnnualReviewResource(resources.ModelResource):
    year = fields.Field(attribute="year", column_name="年度")
    township = fields.Field(attribute="township__name", column_name="乡镇(街道)")
    village = fields.Field(attribute="village__name", column_name="村(社区)")
    person = fields.Field(attribute="person__name", column_name="姓名")
    post_name = fields.Field(attribute="post_name", column_name="职务")
    township_score = fields.Field(attribute="township_score", column_name="乡镇考核评分")
    daily_score = fields.Field(attribute="daily_score", column_name="日常工作考核分")
    village_score = fields.Field(attribute="village_score", column_name="村级综合考核分")

    class Meta:
        model = AnnualReview
        fields = ["year", "township", "village", "person", "post_name", "township_score", "daily_score", "village_score"]
        export_order = fields


class ReviewResultResource(resources.ModelResource):
    year = fields.Field(attribute="year", column_name="年度")
    township = fields.Field(attribute="township__name", column_name="乡镇(街道)")
    village = fields.Field(attribute="village__name", column_name="村(社区)")
    person = fields.Field(attribute="person__name", column_name="姓名")
    score = fields.Field(attribute="score", column_name="综合得分")
    grade_label = fields.Field(attribute="grade_label", column_name="等次")
    rank = fields.Field(attribute="rank", column_name="村排名")
    village_category_label = fields.Field(attribute="village_category_label", column_name="村类别")
    stars = fields.Field(attribute="stars", column_name="星级")
    score_explanation = fields.Field(attribute="score_explanation", column_name="得分计算过程")
    grade_explanation = fields.Field(attribute="grade_explanation", column_name="等次依据")

    class Meta:
        model = ReviewResult
        fields = [
            "year",
            "township",
            "village",
            "person",
            "score",
            "grade_label",
            "rank",
            "village_category_label",
            "stars",
            "score_explanation",
            "grade_explanation",
        ]
        export_order = fields
