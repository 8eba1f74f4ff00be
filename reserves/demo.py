"""Demo data for the reserve pool, on top of the register built by ``manage.py seed_demo``.

Trusted, generated rows written with bulk inserts (like cadres/demo/): the rules the
services enforce hold *by construction* — every reserve meets the default age and education
conditions, 入库 records have a passed joint review with every department passed, steps are
dated in order, Party stages respect the minimum intervals (rules.py), a poor appraisal carries
its adjustment proposal. Every tracked row gets its history entry (reason ``seed_demo``).
Deterministic from ``rng``.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from cadres import demo_names as names
from cadres.choices import Education, PoliticalStatus, Role, VettingResult
from cadres.idcard import make_id_number
from cadres.models import DepartmentVerdict, Person, QualificationReview, User, Village
from core.fastwrite import insert_objects_with_history
from core.policy import policy_for_year

from . import rules
from .choices import ExitReason, PartyStage, Status
from .models import Appraisal, Mentorship, PartyStageRecord, PracticePost, ReserveCandidate, ReserveEvent
from .policy_section import codes, reserve_rules

REASON = "演示数据初始化"
ID_AREA = "430122"
PER_VILLAGE = [(0, 8), (1, 17), (2, 35), (3, 30), (4, 10)]
STATUSES = [
    (Status.POOLED, 64),
    (Status.REVIEWING, 9),
    (Status.NOMINATED, 9),
    (Status.SURVEYED, 10),
    (Status.EXITED, 8),
]
EDUCATION = [(Education.SENIOR, 30), (Education.VOCATIONAL, 15), (Education.COLLEGE, 32), (Education.BACHELOR, 23)]
POSTS = [("committee_member", 40), ("vice_chair", 15), ("party_member", 15), ("group_leader", 15), ("clerk", 10), ("chair", 5)]


def _pick(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _days(rng: random.Random, start: datetime.date, lo: int, hi: int, limit: datetime.date) -> datetime.date:
    return min(start + datetime.timedelta(days=rng.randint(lo, hi)), limit)


class _Builder:
    def __init__(self, rng: random.Random, today: datetime.date):
        self.rng = rng
        self.today = today
        section = reserve_rules(today.year)
        self.eligibility = section["eligibility"]
        self.cohort = int(self.eligibility["current_cohort"])
        self.cutoff = rules.cutoff_date(self.cohort, self.eligibility.get("age_cutoff", "01-01"))
        self.sources = list(codes(section, "source_categories").values())
        self.mentor_types = list(codes(section, "mentor_types").values())
        self.practice_posts = list(codes(section, "practice_posts").values())
        self.results = list(codes(section, "appraisal_results").values())
        register = policy_for_year(today.year).section("register")
        self.departments = register["vetting_departments"]
        self.post_names = {p["code"]: p["name"] for p in register["posts"]}  # the year's post table, read once
        self.ids = set(Person.objects.values_list("id_number", flat=True))
        self.people: list[Person] = []
        self.reviews: list[QualificationReview] = []
        self.candidates: list[ReserveCandidate] = []
        self.plans: list[dict] = []

    def _id_number(self, birth: datetime.date, male: bool) -> str:
        for shift in range(400):
            day = birth + datetime.timedelta(days=shift)
            start = self.rng.randrange(100)
            for k in range(100):
                number = make_id_number(ID_AREA, day, (start + k) % 100, male)
                if number not in self.ids:
                    self.ids.add(number)
                    return number
        raise RuntimeError("ran out of ID numbers")  # pragma: no cover

    def person(self, village: Village) -> Person:
        rng = self.rng
        male = rng.random() < 0.72
        education = _pick(rng, EDUCATION)
        limit = rules.age_limit(education, self.eligibility)
        age = rng.randint(22, limit)
        birth = self.cutoff.replace(year=self.cutoff.year - age - 1) + datetime.timedelta(days=rng.randint(1, 360))
        number = self._id_number(birth, male)
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        status = _pick(rng, [(PoliticalStatus.MEMBER, 35), (PoliticalStatus.LEAGUE, 25), (PoliticalStatus.MASSES, 40)])
        join = None
        if status == PoliticalStatus.MEMBER:
            join_year = birth.year + rng.randint(19, 24)
            join = min(birth.replace(year=join_year, day=min(birth.day, 28)), self.today - datetime.timedelta(days=400))
        pool = names.GIVEN_MALE if male else names.GIVEN_FEMALE
        given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
        person = Person(
            id_number=number,
            name=rng.choice(names.SURNAMES) + given,
            sex="M" if male else "F",
            birth_date=birth,
            political_status=status,
            party_join_date=join,
            education_fulltime=education,
            is_veteran=rng.random() < 0.1,
            is_returned_graduate=education >= Education.COLLEGE and rng.random() < 0.4,
            registered_township_id=village.township_id,
            note="后备力量（演示数据）",
        )
        self.people.append(person)
        return person

    def candidate(self, village: Village, clerk: User | None, county: User | None) -> None:
        rng, today = self.rng, self.today
        person = self.person(village)
        status = _pick(rng, STATUSES)
        post = _pick(rng, POSTS)
        source = rng.choice(self.sources)
        if person.is_veteran:
            source = next((s for s in self.sources if s["code"] == "veteran"), source)
        surveyed = today - datetime.timedelta(days=rng.randint(120, 720))
        steps = [(Status.SURVEYED, surveyed, clerk, "村级摸底")]
        order = [Status.NOMINATED, Status.REVIEWING, Status.POOLED]
        reached = {
            Status.SURVEYED: 0,
            Status.NOMINATED: 1,
            Status.REVIEWING: 2,
            Status.POOLED: 3,
            Status.EXITED: rng.randint(0, 3),
        }[status]
        day = surveyed
        for step in order[:reached]:
            day = _days(rng, day, 10, 60, today)
            by = clerk if step == Status.NOMINATED else county
            steps.append(
                (step, day, by, {"nominated": "乡镇推荐", "reviewing": "提请资格联审", "pooled": "资格联审通过，入库"}[step])
            )
        review = None
        if reached >= 2:
            passed = reached >= 3 or (status == Status.EXITED and reached == 3)
            outcome = VettingResult.PASS if passed else VettingResult.PENDING
            review = QualificationReview(
                person=person,
                village=village,
                post=post,
                post_name=self.post_names[post],
                cohort=self.cohort,
                outcome=outcome,
                requested_by=county,
                concluded_at=None,
                note=f"后备力量县级审核（{self.cohort}届）",
            )
            self.reviews.append(review)
        exit_reason = ""
        closed = None
        if status == Status.EXITED:
            # Withdrawn people only (a pending review stays pending): the register's demo holds the
            # county's one failed joint review.
            exit_reason = _pick(rng, [(ExitReason.MOVED_AWAY, 4), (ExitReason.VOLUNTARY, 3)])
            closed = _days(rng, day, 10, 90, today)
            steps.append((Status.EXITED, closed, county, ExitReason(exit_reason).label))
        candidate = ReserveCandidate(
            person=person,
            village=village,
            cohort=self.cohort,
            source=source["code"],
            source_name=source["name"],
            intended_post=post,
            intended_post_name=self.post_names[post],
            status=status,
            surveyed_on=surveyed,
            closed_on=closed,
            exit_reason=exit_reason,
            created_by=clerk,
        )
        self.candidates.append(candidate)
        self.plans.append({"candidate": candidate, "review": review, "steps": steps, "clerk": clerk})

    def development(self, plan: dict) -> tuple[list, list, list, list]:
        rng, today = self.rng, self.today
        c: ReserveCandidate = plan["candidate"]
        mentors, practice, appraisals, stages = [], [], [], []
        if c.status != Status.POOLED:
            return mentors, practice, appraisals, stages
        pooled_on = plan["steps"][-1][1]
        for mtype in rng.sample(self.mentor_types, 1 if rng.random() < 0.7 else 2):
            male = rng.random() < 0.7
            pool = names.GIVEN_MALE if male else names.GIVEN_FEMALE
            mentors.append(
                Mentorship(
                    candidate=c,
                    mentor_type=mtype["code"],
                    mentor_type_name=mtype["name"],
                    mentor_name=rng.choice(names.SURNAMES) + rng.choice(pool) + rng.choice(pool),
                    start_date=_days(rng, pooled_on, 0, 30, today),
                    note="集体座谈、言传身教，传授农村工作方法",
                )
            )
        if rng.random() < 0.6:
            post = rng.choice(self.practice_posts)
            start = _days(rng, pooled_on, 10, 60, today)
            end = (
                start + datetime.timedelta(days=180)
                if rng.random() < 0.4 and start + datetime.timedelta(days=180) <= today
                else None
            )
            practice.append(
                PracticePost(
                    candidate=c,
                    post=post["code"],
                    post_name=post["name"],
                    start_date=start,
                    end_date=end,
                    assessment="列席村级会议，协助开展工作，表现较好" if end else "",
                )
            )
        last_year = today.year - 1
        if pooled_on.year <= last_year:
            result = _pick(rng, [(r, {"good": 40, "fair": 35, "average": 20}.get(r["code"], 5)) for r in self.results])
            on = datetime.date(last_year, 12, rng.randint(10, 28))
            appraisals.append(
                Appraisal(
                    candidate=c,
                    year=last_year,
                    result=result["code"],
                    result_name=result["name"],
                    is_poor=bool(result.get("poor")),
                    date=on,
                    note="村党组织年度测评",
                    recorded_by=plan["clerk"],
                )
            )
            if result.get("poor"):
                c.adjustment_proposed_on = on
                c.adjustment_note = f"{last_year}年度测评“{result['name']}”：建议调整出库，并从本村择优补充推荐后备力量。"
        if c.person.political_status != PoliticalStatus.MEMBER and rng.random() < 0.45:
            day = today - datetime.timedelta(days=rng.randint(200, 1100))
            history: list = []
            for stage in (PartyStage.APPLICANT, PartyStage.ACTIVIST, PartyStage.CANDIDATE):
                if day > today or rules.party_stage_errors(history, stage=stage, on=day, today=today):
                    break
                history.append((stage, day, None))
                stages.append(PartyStageRecord(candidate=c, stage=stage, date=day, note="入党引导", recorded_by=plan["clerk"]))
                nxt = rules.next_party_step(history)
                day = nxt[1] + datetime.timedelta(days=rng.randint(0, 90))
        return mentors, practice, appraisals, stages


def seed_demo(*, rng: random.Random, today: datetime.date, stdout) -> None:
    """Reserves for every village of the demo county (about 2.3 a village, most in the pool)."""
    if ReserveCandidate.objects.exists():
        stdout.write("  后备力量：已有数据，跳过。")
        return
    villages = list(Village.objects.select_related("township").order_by("township__sort_order", "code"))
    if not villages:
        return
    county = User.objects.filter(role=Role.COUNTY, is_active=True).order_by("id").first()
    clerks = {}
    for u in User.objects.filter(role=Role.CLERK, is_active=True).order_by("id"):
        clerks.setdefault(u.township_id, u)
    b = _Builder(rng, today)
    for village in villages:
        for _ in range(_pick(rng, PER_VILLAGE)):
            b.candidate(village, clerks.get(village.township_id), county)
    development = [b.development(plan) for plan in b.plans]
    now = timezone.now()
    with transaction.atomic():
        insert_objects_with_history(b.people, user=None, reason=REASON)
        for review in b.reviews:
            review.person_id, review.village_id = review.person.pk, review.village.pk
        insert_objects_with_history(b.reviews, user=None, reason=REASON)
        verdicts = []
        for plan in b.plans:
            review = plan["review"]
            if review is None:
                continue
            plan["candidate"].qualification_review = review
            for i, d in enumerate(b.departments):
                if review.outcome == VettingResult.PASS:
                    result = VettingResult.PASS
                elif review.outcome == VettingResult.FAIL and i == 0:
                    result = VettingResult.FAIL
                else:
                    result = VettingResult.PASS if rng.random() < 0.6 else VettingResult.PENDING
                verdicts.append(
                    DepartmentVerdict(
                        review=review,
                        department_code=d["code"],
                        department_name=d["name"],
                        sort=i,
                        result=result,
                        negative_item_code="n09" if result == VettingResult.FAIL else "",
                        negative_item_text="失信被执行人" if result == VettingResult.FAIL else "",
                        reviewed_by=county if result != VettingResult.PENDING else None,
                        reviewed_at=now if result != VettingResult.PENDING else None,
                    )
                )
        QualificationReview.objects.filter(pk__in=[r.pk for r in b.reviews if r.outcome != VettingResult.PENDING]).update(
            concluded_at=now
        )
        insert_objects_with_history(verdicts, user=None, reason=REASON)
        for c in b.candidates:
            c.person_id, c.village_id = c.person.pk, c.village.pk
            c.qualification_review_id = c.qualification_review.pk if c.qualification_review else None
        insert_objects_with_history(b.candidates, user=None, reason=REASON)
        events = []
        for plan in b.plans:
            previous = ""
            for status, day, by, note in plan["steps"]:
                events.append(
                    ReserveEvent(candidate=plan["candidate"], from_status=previous, to_status=status, date=day, by=by, note=note)
                )
                previous = status
        insert_objects_with_history(events, user=None, reason=REASON)
        mentors = [m for d in development for m in d[0]]
        practice = [p for d in development for p in d[1]]
        appraisals = [a for d in development for a in d[2]]
        stages = [s for d in development for s in d[3]]
        insert_objects_with_history(mentors, user=None, reason=REASON)
        insert_objects_with_history(practice, user=None, reason=REASON)
        insert_objects_with_history(appraisals, user=None, reason=REASON)
        insert_objects_with_history(stages, user=None, reason=REASON)
    pooled = sum(1 for c in b.candidates if c.status == Status.POOLED)
    stdout.write(f"  后备力量：{len(b.candidates)}人（入库{pooled}人），覆盖{len(villages)}个村(社区)")
