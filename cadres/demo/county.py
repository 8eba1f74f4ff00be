"""The demo county builder (DemoCounty): townships, villages, users, people and posts, reviews and
first secretaries, written in bulk with their history rows."""

from __future__ import annotations

import datetime
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from cadres import choices
from cadres.choices import Education as Edu
from cadres.choices import FilingStatus, PoliticalStatus, VettingResult
from cadres.idcard import make_id_number
from cadres.models import (
    Appointment,
    DepartmentVerdict,
    FilingEvent,
    Person,
    PersonRecord,
    PolicyProfile,
    QualificationReview,
    Township,
    User,
    Village,
    VillageFlag,
)
from cadres.services import user_set_role
from core import dates as core_dates
from core.fastwrite import insert_objects_with_history
from core.policy import default_profile_data

from .. import demo_names as names
from .first_secretaries import FirstSecretariesMixin
from .plan import (
    BATCH,
    CROSS_POST_SHARE,
    EDU_GROUP,
    EDU_MEMBER,
    EDU_PREVIOUS_MEMBER,
    EDU_PREVIOUS_SECRETARY,
    EDU_SECRETARY,
    ELECTION_YEAR,
    END_REASONS_MIDTERM,
    END_REASONS_PREVIOUS_MIDTERM,
    FEMALE_SHARE,
    ID_AREA,
    MEMBER_SHARE,
    PARTY_POSTS,
    POST_NAMES,
    PREVIOUS_AGE,
    PREVIOUS_COHORT,
    PREVIOUS_CONTINUING_SHARE,
    PREVIOUS_CROSS_POST_SHARE,
    PREVIOUS_FEMALE_SHARE,
    PREVIOUS_MIDTERM_SHARE,
    PREVIOUS_SHARE,
    PREVIOUS_YIJIANTIAO_SHARE,
    REASON,
    REF,
    Stats,
    VillagePlan,
    add_years,
    aware,
    explicit_timestamps,
    quota,
    weighted,
)


class DemoCounty(FirstSecretariesMixin):
    """Generates and writes the whole demo county in one transaction."""

    def __init__(self, *, seed: int = 2026, scale: int = 1, townships: int | None = None, password: str, today=None):
        self.seed = seed
        self.scale = max(1, int(scale))
        self.township_limit = townships
        self.password = password
        self.today = today or core_dates.today()
        self.ids: set[str] = set()
        self.stats = Stats()
        self.people: list[Person] = []
        self.appointments: list[Appointment] = []
        self.filing_events: list[tuple[Appointment, str, str, str, datetime.date]] = []
        self.records: list[PersonRecord] = []
        self.queue_reviews: list[tuple[Appointment, datetime.date]] = []
        self.plans: list[VillagePlan] = []

    # -- random streams -----------------------------------------------------------------------
    def rng(self, phase: str) -> random.Random:
        return random.Random(f"touyan:{self.seed}:{phase}")

    # -- people --------------------------------------------------------------------------------
    def _id_number(self, rng: random.Random, birth: datetime.date, male: bool) -> str:
        for shift in range(400):
            day = birth + datetime.timedelta(days=shift)
            start = rng.randrange(100)
            for k in range(100):
                number = make_id_number(ID_AREA, day, (start + k) % 100, male)
                if number not in self.ids:
                    self.ids.add(number)
                    return number
        raise RuntimeError("ran out of ID numbers")  # pragma: no cover

    def _name(self, rng: random.Random, male: bool) -> str:
        pool = names.GIVEN_MALE if male else names.GIVEN_FEMALE
        given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
        return rng.choice(names.SURNAMES) + given

    def person(
        self,
        rng: random.Random,
        *,
        role: str,
        township: Township | None,
        age: tuple[int, int, int],
        member_by: datetime.date | None,
        edu=None,
        female_share: float | None = None,
    ) -> Person:
        """One person. ``age`` = (low, high, mode) at REF; ``member_by``: must be a Party member
        by this date (None → member with the post's usual probability); ``female_share``
        replaces the post's usual share of women."""
        male = rng.random() >= (FEMALE_SHARE.get(role, 0.2) if female_share is None else female_share)
        low, high, mode = age
        years = round(rng.triangular(low, high, mode))
        birth = add_years(REF, -years) - datetime.timedelta(days=rng.randrange(365))
        number = self._id_number(rng, birth, male)
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        p = Person(
            id_number=number,
            name=self._name(rng, male),
            sex=choices.Sex.MALE if male else choices.Sex.FEMALE,
            birth_date=birth,
            ethnicity=rng.choice(names.MINORITIES) if rng.random() < 0.04 else "汉族",
            native_place="湖南长沙" if rng.random() < 0.9 else rng.choice(["湖南湘潭", "湖南益阳", "湖南岳阳"]),
            phone=f"1{rng.choice('35789')}{rng.randrange(10**9):09d}",
            registered_township=township,
            is_veteran=male and rng.random() < 0.08,
            work_start_date=add_years(birth, rng.randint(18, 23)).replace(day=1),
        )
        # Party membership: joined at 18 or later, before the post needs it.
        adult = add_years(birth, 18) + datetime.timedelta(days=30)
        member = member_by is not None or rng.random() < MEMBER_SHARE.get(role, 0.5)
        if member:
            latest = min(member_by or REF, add_years(birth, rng.randint(22, 45)))
            if latest <= adult:
                latest = adult + datetime.timedelta(days=400)
            span = (latest - adult).days
            p.political_status = PoliticalStatus.MEMBER
            p.party_join_date = adult + datetime.timedelta(days=rng.randrange(max(span, 1)))
            if member_by is None and rng.random() < 0.05 and adult < REF - datetime.timedelta(days=400):
                p.political_status = PoliticalStatus.PROBATIONARY
                p.party_join_date = REF - datetime.timedelta(days=rng.randint(30, 300))
        else:
            p.political_status = PoliticalStatus.LEAGUE if years < 28 and rng.random() < 0.5 else PoliticalStatus.MASSES
            p.party_join_date = None
        level = weighted(rng, edu or EDU_MEMBER)
        p.education_fulltime = level
        upgrade = 0.3 if role == "secretary" else 0.1
        if level in (Edu.SENIOR, Edu.VOCATIONAL) and rng.random() < upgrade:
            p.education_inservice = Edu.COLLEGE
            p.school_major = rng.choice(names.SCHOOLS_INSERVICE)
        elif level == Edu.COLLEGE and rng.random() < upgrade / 2:
            p.education_inservice = Edu.BACHELOR
            p.school_major = rng.choice(names.SCHOOLS_INSERVICE)
        elif level >= Edu.COLLEGE:
            p.school_major = rng.choice(names.SCHOOLS_FULLTIME)
        p.created_at = aware(datetime.date(ELECTION_YEAR, 1, 5))
        self.people.append(p)
        return p

    def appoint(
        self,
        plan: VillagePlan,
        person: Person,
        post: str,
        start: datetime.date,
        *,
        cohort: int | None = ELECTION_YEAR,
        end: datetime.date | None = None,
        reason: str = "",
        status: str = FilingStatus.FILED,
    ) -> Appointment:
        a = Appointment(
            person=person,
            village=plan.village,
            post=post,
            post_name=POST_NAMES[post],
            start_date=start,
            end_date=end,
            end_reason=reason,
            cohort=cohort,
            status=status,
            created_by=self.clerks.get(plan.township.code),
            created_at=aware(min(start, self.today)),
        )
        self.appointments.append(a)
        if post == choices.SECRETARY:
            # the filing trail (draft → township approved → county filed), dated before the start
            steps = {
                FilingStatus.DRAFT: [("", FilingStatus.DRAFT)],
                FilingStatus.TOWNSHIP_APPROVED: [("", FilingStatus.DRAFT), (FilingStatus.DRAFT, FilingStatus.TOWNSHIP_APPROVED)],
                FilingStatus.FILED: [
                    ("", FilingStatus.DRAFT),
                    (FilingStatus.DRAFT, FilingStatus.TOWNSHIP_APPROVED),
                    (FilingStatus.TOWNSHIP_APPROVED, FilingStatus.FILED),
                ],
            }[status]
            base = min(start, self.today) - datetime.timedelta(days=21)
            for i, (frm, to) in enumerate(steps):
                note = {FilingStatus.DRAFT: "录入", FilingStatus.TOWNSHIP_APPROVED: "乡镇党委审核同意"}.get(to, "县委组织部备案")
                self.filing_events.append((a, frm, to, note, base + datetime.timedelta(days=7 * i)))
        return a

    # -- build ---------------------------------------------------------------------------------
    def build(self) -> Stats:
        with transaction.atomic():
            self._policy()
            self._townships()
            self._users()
            self._villages()
            self._flags()
            self._cadres()
            self._write_people_and_posts()
            self._two_committee_stats()
            self._reviews()
            self._first_secretaries()
        return self.stats

    def _policy(self) -> None:
        year = self.today.year
        if not PolicyProfile.objects.filter(year=year).exists():
            profile = PolicyProfile(
                year=year, title=f"{year}年度政策配置", data=default_profile_data(), note="系统默认配置（演示数据）"
            )
            bulk_create_with_history([profile], PolicyProfile, default_change_reason=REASON)
        self.register = PolicyProfile.objects.get(year=year).section("register")
        self.stats.add("年度政策配置", 1)

    def _townships(self) -> None:
        rng = self.rng("townships")
        rows: list[Township] = []
        used = {n for n, _ in names.TOWNSHIPS}
        for county in range(self.scale):
            code = names.COUNTY_CODES[county] if county < len(names.COUNTY_CODES) else f"439{county:03d}"
            if county == 0:
                plan = list(names.TOWNSHIPS)
            else:
                kinds = ["subdistrict"] * 3 + ["township"] * 13 + ["xiang"] * 2
                plan = []
                for kind in kinds:
                    suffix = {"subdistrict": "街道", "township": "镇", "xiang": "乡"}[kind]
                    while True:
                        name = rng.choice(names.PLACE_FIRST) + rng.choice(names.PLACE_SECOND) + suffix
                        if name not in used:
                            used.add(name)
                            break
                    plan.append((name, "subdistrict" if kind == "subdistrict" else "township"))
            if county == 0 and self.township_limit:
                plan = plan[: self.township_limit]
            n_sub = n_town = 0
            for name, kind in plan:
                if kind == "subdistrict":
                    n_sub += 1
                    suffix = n_sub
                elif name.endswith("乡"):
                    n_town += 1
                    suffix = 200 + n_town
                else:
                    n_town += 1
                    suffix = 100 + n_town
                rows.append(
                    Township(
                        name=name,
                        code=f"{code}{suffix:03d}",
                        kind=choices.TownshipKind.SUBDISTRICT if kind == "subdistrict" else choices.TownshipKind.TOWNSHIP,
                        sort_order=len(rows) + 1,
                    )
                )
        self.townships = bulk_create_with_history(rows, Township, batch_size=BATCH, default_change_reason=REASON)
        self.stats.add("乡镇(街道)", len(self.townships))

    def _users(self) -> None:
        hashed = make_password(self.password)  # one hash for all demo users: fast at --scale 20
        self.clerks: dict[str, User] = {}

        def ensure(username: str, full_name: str, role: str, township=None, superuser=False) -> User:
            user, _ = User.objects.get_or_create(
                username=username, defaults={"full_name": full_name, "password": hashed, "is_superuser": superuser}
            )
            user_set_role(user=user, role=role, township=township)
            return user

        self.admin = ensure("admin", "系统管理员", choices.Role.ADMIN, superuser=True)
        self.county = ensure("county", "县委组织部组织二科", choices.Role.COUNTY)
        ensure("auditor", "县委巡察办（只读）", choices.Role.AUDITOR)
        for i, t in enumerate(self.townships, start=1):
            self.clerks[t.code] = ensure(f"clerk{i:02d}", f"{t.name}组织委员", choices.Role.CLERK, t)
        self.stats.add("用户", 3 + len(self.townships))

    def _villages(self) -> None:
        rng = self.rng("villages")
        rows: list[Village] = []
        for t in self.townships:
            subdistrict = t.kind == choices.TownshipKind.SUBDISTRICT
            n = rng.randint(9, 19)
            n_comm = round(n * rng.uniform(0.55, 0.85)) if subdistrict else rng.choice([0, 1, 1, 2])
            taken: set[str] = set()
            for i in range(n):
                community = i < n_comm
                while True:
                    if community:
                        base = rng.choice(names.COMMUNITY_NAMES) if rng.random() < 0.6 else rng.choice(names.PLACE_FIRST)
                        base += "" if len(base) > 1 else rng.choice(names.PLACE_SECOND)
                        vname = base + "社区"
                    else:
                        vname = rng.choice(names.PLACE_FIRST) + rng.choice(names.PLACE_SECOND) + "村"
                    if vname not in taken:
                        taken.add(vname)
                        break
                pop = rng.randint(800, 4500)
                rows.append(
                    Village(
                        township=t,
                        name=vname,
                        code=f"{t.code}{(i + 1) if community else (200 + i + 1 - n_comm):03d}",
                        kind=choices.VillageKind.COMMUNITY if community else choices.VillageKind.VILLAGE,
                        population=pop,
                        households=round(pop / rng.uniform(2.9, 3.6)),
                        party_members=round(pop * rng.uniform(0.025, 0.045)),
                    )
                )
        self.villages = bulk_create_with_history(rows, Village, batch_size=BATCH, default_change_reason=REASON)
        by_id = {t.id: t for t in self.townships}
        self.plans = [VillagePlan(village=v, township=by_id[v.township_id]) for v in self.villages]
        self.stats.add("村(社区)", len(self.villages))

    def _flags(self) -> None:
        rng = self.rng("flags")
        K = choices.VillageFlagKind
        rural = [p for p in self.plans if p.village.kind == choices.VillageKind.VILLAGE]
        rows: list[VillageFlag] = []
        n = len(self.plans)

        def flag(plan: VillagePlan, kind: str, start: datetime.date, basis: str, end=None) -> None:
            rows.append(VillageFlag(village=plan.village, kind=kind, start_date=start, end_date=end, basis=basis))
            if end is None:
                plan.flags.append(kind)

        for plan in quota(rng, self.plans, 0.08):
            year = rng.choice([2024, 2025])
            flag(plan, K.WEAK_LAX, datetime.date(year, 3, rng.randint(1, 28)), f"{year}年软弱涣散村党组织排查整顿")
        for plan in quota(rng, rural, 0.15 * n / max(len(rural), 1)):
            year = rng.choice([2017, 2018, 2019])
            flag(plan, K.LIFTED, datetime.date(year, 12, rng.randint(1, 28)), f"{year}年度贫困村退出验收")
        for plan in quota(rng, rural, 0.20 * n / max(len(rural), 1)):
            year = rng.choice([2022, 2023, 2024])
            flag(plan, K.WEAK_COLLECTIVE, datetime.date(year, 5, rng.randint(1, 28)), f"{year}年村级集体经济收入低于10万元")
        for plan in quota(rng, [p for p in self.plans if K.WEAK_LAX not in p.flags], 0.03):
            start = datetime.date(2022, 3, rng.randint(1, 28))
            end = datetime.date(2023, rng.randint(1, 12), 15)
            flag(plan, K.WEAK_LAX, start, "2022年软弱涣散村党组织排查整顿（已整顿转化）", end)
        bulk_create_with_history(rows, VillageFlag, batch_size=BATCH, default_change_reason=REASON)
        self.stats.add("村类型标记", len(rows))

    def _cadres(self) -> None:
        rng = self.rng("cadres")
        vacant = quota(rng, self.plans, 0.03)
        for i, plan in enumerate(vacant):
            plan.vacant = True
            if i < len(vacant) - 1 or len(vacant) == 1:
                plan.queue = FilingStatus.DRAFT if i % 2 == 0 else FilingStatus.TOWNSHIP_APPROVED
        seated = [p for p in self.plans if not p.vacant]
        for plan in quota(rng, seated, 0.87):
            plan.yijiantiao = True
        for plan in quota(rng, seated, 0.12):
            plan.midterm = True
        for plan in quota(rng, self.plans, PREVIOUS_SHARE):
            plan.previous = True
        previous_rng = self.rng("previous")

        sec_age = (35, 59, 48)
        for plan in self.plans:
            t = plan.township
            plan.party_start = datetime.date(ELECTION_YEAR, 1, 8) + datetime.timedelta(days=rng.randint(0, 40))
            plan.committee_start = plan.party_start + datetime.timedelta(days=rng.randint(14, 45))
            ps, cs = plan.party_start, plan.committee_start

            # the 2021 secretary
            young = rng.random() < 0.1
            sec = self.person(
                rng,
                role="secretary",
                township=t,
                age=(28, 35, 32) if young else sec_age,
                member_by=ps - datetime.timedelta(days=365),
                edu=EDU_SECRETARY,
            )
            sec_end = None
            sec_reason = ""
            if plan.vacant:
                sec_end = self.today - datetime.timedelta(days=rng.randint(40, 200))
                sec_reason = weighted(rng, END_REASONS_MIDTERM)
            elif plan.midterm:
                sec_end = datetime.date(rng.randint(2023, 2025), rng.randint(1, 12), rng.randint(1, 28))
                sec_reason = weighted(rng, END_REASONS_MIDTERM)
            self.appoint(plan, sec, "secretary", ps, end=sec_end, reason=sec_reason)
            if plan.previous:
                self._previous_term(previous_rng, plan, successor=sec)
            chair_holder = sec if plan.yijiantiao or (plan.vacant and rng.random() < 0.87) else None
            if chair_holder is None:
                chair_holder = self.person(rng, role="chair", township=t, age=(30, 58, 46), member_by=None)
                self.appoint(plan, chair_holder, "chair", cs)
            else:
                self.appoint(plan, sec, "chair", cs, end=sec_end, reason=sec_reason)
            if sec_reason == choices.EndReason.PROMOTED:
                title = rng.choice(names.CAREERS[:3])
                self.records.append(
                    PersonRecord(
                        person=sec, kind=choices.RecordKind.CAREER, date=sec_end, title=title, issuer="中共望城县委组织部"
                    )
                )

            # mid-term successor (届中调整), or the candidate in the filing queue
            if plan.midterm:
                new = self.person(rng, role="secretary", township=t, age=(32, 52, 42), member_by=sec_end, edu=EDU_SECRETARY)
                # the successor takes over within the same year (the yearly 双述双评 then covers them)
                start = min(sec_end + datetime.timedelta(days=rng.randint(10, 60)), datetime.date(sec_end.year, 12, 31))
                self.appoint(plan, new, "secretary", start, cohort=None)
                if plan.yijiantiao:
                    self.appoint(plan, new, "chair", start + datetime.timedelta(days=rng.randint(20, 60)), cohort=None)
            if plan.queue:
                cand = self.person(
                    rng, role="secretary", township=t, age=(30, 50, 40), member_by=datetime.date(2020, 1, 1), edu=EDU_SECRETARY
                )
                start = self.today + datetime.timedelta(days=rng.randint(10, 40))
                a = self.appoint(plan, cand, "secretary", start, cohort=None, status=plan.queue)
                self.queue_reviews.append((a, self.today - datetime.timedelta(days=rng.randint(20, 50))))

            # The rest of the 两委: the Party branch committee (支部委员会, 5–7 with the secretary)
            # and the villagers' committee (村民委员会, 5–7 with the chair), ≈10 distinct people a
            # village. 交叉任职: about a fifth of the committee seats go to Party committee members.
            # Plus the supervision committee (not 两委) and, in half the villages, a 文书.
            party_extra = ["deputy_secretary"] if rng.random() < 0.7 else []
            party_extra += ["party_member"] * (rng.randint(5, 7) - 1 - len(party_extra))
            committee_extra = ["vice_chair"] if rng.random() < 0.75 else []
            committee_extra += ["committee_member"] * (rng.randint(5, 7) - 1 - len(committee_extra))
            supervision = self.person(rng, role="supervision_chair", township=t, age=(35, 65, 52), member_by=None)
            self.appoint(plan, supervision, "supervision_chair", cs)
            others = [*(["supervision_member"] * rng.randint(2, 4)), *(["clerk"] if rng.random() < 0.5 else [])]
            party_members: list[Person] = []
            first_committee = True
            for post in [*party_extra, *committee_extra, *others]:
                if post in ("committee_member", "vice_chair") and party_members and rng.random() < CROSS_POST_SHARE:
                    holder = party_members.pop(rng.randrange(len(party_members)))
                else:
                    role_age = {"clerk": (24, 50, 34), "supervision_member": (30, 65, 50)}.get(post, (24, 60, 42))
                    member_by = ps - datetime.timedelta(days=180) if post in PARTY_POSTS else None
                    role = post
                    if post == "committee_member" and first_committee:
                        role, first_committee = "women_member", False
                    holder = self.person(rng, role=role, township=t, age=role_age, member_by=member_by)
                    if post in PARTY_POSTS:
                        party_members.append(holder)
                start = (
                    ps
                    if post in PARTY_POSTS
                    else cs + (datetime.timedelta(days=rng.randint(5, 30)) if post == "clerk" else datetime.timedelta())
                )
                end, reason = None, ""
                if rng.random() < 0.04:
                    end = datetime.date(rng.randint(2022, 2025), rng.randint(1, 12), rng.randint(1, 28))
                    reason = rng.choice([choices.EndReason.RESIGNED, choices.EndReason.TRANSFERRED, choices.EndReason.OTHER])
                self.appoint(plan, holder, post, start, end=end, reason=reason)

            # villagers' group leaders
            n_groups = rng.randint(0, 3) if plan.village.kind == choices.VillageKind.COMMUNITY else rng.randint(2, 6)
            for _ in range(n_groups):
                leader = self.person(rng, role="group_leader", township=t, age=(35, 68, 55), member_by=None, edu=EDU_GROUP)
                self.appoint(plan, leader, "group_leader", cs + datetime.timedelta(days=rng.randint(10, 40)))

            # honours, sanctions, 两代表一委员
            current_sec = sec if sec_end is None else None
            if current_sec is not None and rng.random() < 0.08:
                title, level, issuer = rng.choice(names.HONOURS)
                year = rng.randint(2021, 2025)
                self.records.append(
                    PersonRecord(
                        person=current_sec,
                        kind=choices.RecordKind.HONOUR,
                        date=datetime.date(year, 6, 28),
                        level=level,
                        title=title,
                        issuer=issuer,
                        document_no=f"望发〔{year}〕{rng.randint(3, 40)}号",
                    )
                )
            if current_sec is not None and rng.random() < 0.03:
                self.records.append(
                    PersonRecord(
                        person=current_sec,
                        kind=choices.RecordKind.CAREER,
                        date=datetime.date(ELECTION_YEAR, 12, rng.randint(1, 28)),
                        level=choices.RecordLevel.COUNTY,
                        title=rng.choice(names.CAREERS[3:]),
                        issuer="望城县人民代表大会" if rng.random() < 0.6 else "政协望城县委员会",
                    )
                )
            if rng.random() < 0.03:
                title, level, issuer, months = rng.choice(names.SANCTIONS)
                date = datetime.date(rng.randint(2022, 2025), rng.randint(1, 12), rng.randint(1, 28))
                end = None
                if months:
                    y, m = divmod(date.month - 1 + months, 12)
                    end = date.replace(year=date.year + y, month=m + 1)
                target = current_sec if current_sec is not None and rng.random() < 0.5 else supervision
                self.records.append(
                    PersonRecord(
                        person=target,
                        kind=choices.RecordKind.SANCTION,
                        date=date,
                        level=level,
                        title=title,
                        issuer=self._party_committee(t) if issuer == "乡镇党委" else issuer,
                        end_date=end,
                    )
                )

    def _previous_term(self, rng: random.Random, plan: VillagePlan, *, successor: Person) -> None:
        """The village's 两委 of the 2017 换届 (the dashboard's and 统计报表's 上届): its own people,
        older and less schooled than the 2021 term, fewer women, fewer 一肩挑. Most left at the
        2021 换届 (换届离任); some members left mid-term (辞职, 到龄退出, 病故 …); some 2021
        secretaries sat on it as 副书记 or 委员."""
        t = plan.township
        ps, cs = plan.party_start, plan.committee_start
        party_start = datetime.date(PREVIOUS_COHORT, 1, 10) + datetime.timedelta(days=rng.randint(0, 40))
        committee_start = party_start + datetime.timedelta(days=rng.randint(14, 40))
        at_election = {True: (ps - datetime.timedelta(days=1), choices.EndReason.ELECTION)}
        at_election[False] = (cs - datetime.timedelta(days=1), choices.EndReason.ELECTION)

        def left(party: bool) -> tuple[datetime.date, str]:
            if rng.random() < PREVIOUS_MIDTERM_SHARE:
                day = datetime.date(rng.randint(2018, 2020), rng.randint(1, 12), rng.randint(1, 28))
                return day, weighted(rng, END_REASONS_PREVIOUS_MIDTERM)
            return at_election[party]

        def new_person(key: str, role: str, age: tuple[int, int, int], edu, member_by) -> Person:
            p = self.person(
                rng, role=role, township=t, age=age, member_by=member_by, edu=edu, female_share=PREVIOUS_FEMALE_SHARE[key]
            )
            p.created_at = aware(datetime.date(PREVIOUS_COHORT, 1, 5))
            return p

        def appoint(person: Person, post: str, end_reason: tuple[datetime.date, str]) -> None:
            start = party_start if post in PARTY_POSTS else committee_start
            self.appoint(plan, person, post, start, cohort=PREVIOUS_COHORT, end=end_reason[0], reason=end_reason[1])

        member_by = party_start - datetime.timedelta(days=180)
        sec = new_person("secretary", "secretary", PREVIOUS_AGE["secretary"], EDU_PREVIOUS_SECRETARY, datetime.date(2010, 1, 1))
        appoint(sec, "secretary", at_election[True])
        if rng.random() < PREVIOUS_YIJIANTIAO_SHARE:
            appoint(sec, "chair", at_election[False])
        else:
            chair = new_person("chair", "chair", PREVIOUS_AGE["chair"], EDU_PREVIOUS_MEMBER, None)
            appoint(chair, "chair", at_election[False])
        party_posts = ["deputy_secretary"] if rng.random() < 0.5 else []
        party_posts += ["party_member"] * (rng.randint(3, 5) - 1 - len(party_posts))
        committee_posts = ["vice_chair"] if rng.random() < 0.5 else []
        committee_posts += ["committee_member"] * (rng.randint(3, 5) - 1 - len(committee_posts))
        continuing = successor if rng.random() < PREVIOUS_CONTINUING_SHARE else None
        party_people: list[Person] = []
        first_committee = True
        for post in [*party_posts, *committee_posts]:
            party = post in PARTY_POSTS
            was_member = continuing is not None and continuing.party_join_date and continuing.party_join_date <= member_by
            if continuing is not None and (post == "committee_member" or (party and was_member)):
                appoint(continuing, post, at_election[party])  # went on to be the 2021 secretary
                continuing = None
                continue
            if post in ("committee_member", "vice_chair") and party_people and rng.random() < PREVIOUS_CROSS_POST_SHARE:
                holder = party_people.pop(rng.randrange(len(party_people)))
            else:
                key, role = ("party" if party else "committee"), post
                if post == "committee_member" and first_committee:
                    key = role = "women_member"
                    first_committee = False
                holder = new_person(key, role, PREVIOUS_AGE["member"], EDU_PREVIOUS_MEMBER, member_by if party else None)
                if party:
                    party_people.append(holder)
            appoint(holder, post, left(party))

    def _two_committee_stats(self) -> None:
        """The figures the summary prints: distinct current 两委 members, 一肩挑, 交叉任职."""
        bodies = {p["code"]: p.get("body") for p in choices.DEFAULT_POSTS}
        current = [a for a in self.appointments if a.status == FilingStatus.FILED and a.end_date is None]
        party = {(a.person.pk, a.village.pk) for a in current if bodies.get(a.post) == "party"}
        committee = {(a.person.pk, a.village.pk) for a in current if bodies.get(a.post) == "committee"}
        secretaries = {(a.person.pk, a.village.pk) for a in current if a.post == choices.SECRETARY}
        chairs = {(a.person.pk, a.village.pk) for a in current if a.post == choices.CHAIR}
        self.stats.add("两委成员(去重)", len({p for p, _v in party | committee}))
        self.stats.add("其中一肩挑", len(secretaries & chairs))
        self.stats.add("其中交叉任职", len((party & committee) - (secretaries & chairs)))
        self.stats.add("村民小组长", sum(1 for a in current if a.post == "group_leader"))

    @staticmethod
    def _party_committee(t: Township) -> str:
        return f"中共{t.name}{'工作委员会' if t.kind == choices.TownshipKind.SUBDISTRICT else '委员会'}"

    def _write_people_and_posts(self) -> None:
        created_at = Person._meta.get_field("created_at")
        appt_created = Appointment._meta.get_field("created_at")
        with explicit_timestamps(created_at):
            insert_objects_with_history(self.people, user=None, reason=REASON)
        self.stats.add("人员", len(self.people))
        with explicit_timestamps(appt_created):
            insert_objects_with_history(self.appointments, user=None, reason=REASON)
        self.stats.add("任职", len(self.appointments))
        event_at = FilingEvent._meta.get_field("at")
        events = [
            FilingEvent(
                appointment=a,
                from_status=frm,
                to_status=to,
                note=note,
                by=self.county if to == FilingStatus.FILED else a.created_by,
                at=aware(day, 9 + i % 8),
            )
            for i, (a, frm, to, note, day) in enumerate(self.filing_events)
        ]
        with explicit_timestamps(event_at):
            insert_objects_with_history(events, user=None, reason=REASON)
        self.stats.add("备案流程记录", len(events))
        insert_objects_with_history(self.records, user=None, reason=REASON)
        self.stats.add("奖惩及发展去向", len(self.records))

    def _reviews(self) -> None:
        """资格联审: passed reviews for the filing queue, plus pending, passed and one failed."""
        rng = self.rng("reviews")
        departments = self.register["vetting_departments"]
        negative = {i["code"]: i for i in self.register["negative_list"]}
        plan_of = {p.village.id: p for p in self.plans}
        reviews: list[tuple[QualificationReview, list[str], str]] = []  # review, results per department, fail dept

        def review(plan: VillagePlan, person: Person, post: str, requested: datetime.date, outcome: str, results: list[str]):
            r = QualificationReview(
                person=person,
                village=plan.village,
                post=post,
                post_name=POST_NAMES[post],
                outcome=outcome,
                requested_by=self.clerks.get(plan.township.code),
                requested_at=aware(requested),
                concluded_at=aware(requested + datetime.timedelta(days=12)) if outcome != VettingResult.PENDING else None,
            )
            reviews.append((r, results))
            return r

        n = len(departments)
        for appt, requested in self.queue_reviews:
            plan = plan_of[appt.village_id]
            appt.qualification_review = review(
                plan, appt.person, "secretary", requested, VettingResult.PASS, [VettingResult.PASS] * n
            )

        new_people: list[Person] = []
        picks = rng.sample(self.plans, min(len(self.plans), max(4, round(0.02 * len(self.plans))) + 3))
        n_fail = max(1, self.scale)
        for i, plan in enumerate(picks):
            post = rng.choice(["committee_member", "supervision_member", "vice_chair", "group_leader"])
            cand = self.person(rng, role=post, township=plan.township, age=(26, 50, 38), member_by=None)
            new_people.append(cand)
            requested = self.today - datetime.timedelta(days=rng.randint(3, 40))
            if i < n_fail:
                results = [VettingResult.PASS] * n
                results[min(4, n - 1)] = VettingResult.FAIL  # 公安局: criminal record
                review(plan, cand, post, requested, VettingResult.FAIL, results)
            elif i < n_fail + 2:
                review(plan, cand, post, requested, VettingResult.PASS, [VettingResult.PASS] * n)
            else:
                done = rng.randint(2, n - 1)
                results = [VettingResult.PASS] * done + [VettingResult.PENDING] * (n - done)
                review(plan, cand, post, requested, VettingResult.PENDING, results)
        with explicit_timestamps(Person._meta.get_field("created_at")):
            insert_objects_with_history(new_people, user=None, reason=REASON)
        self.stats.add("人员", len(new_people))
        with explicit_timestamps(QualificationReview._meta.get_field("requested_at")):
            insert_objects_with_history([r for r, _ in reviews], user=None, reason=REASON)
        self.stats.add("资格联审", len(reviews))
        verdicts = []
        for r, results in reviews:
            for sort, (dept, result) in enumerate(zip(departments, results, strict=True)):
                fail = result == VettingResult.FAIL
                verdicts.append(
                    DepartmentVerdict(
                        review=r,
                        department_code=dept["code"],
                        department_name=dept["name"],
                        sort=sort,
                        result=result,
                        negative_item_code="n02" if fail else "",
                        negative_item_text=negative["n02"]["text"] if fail else "",
                        note="经查询，该人员有寻衅滋事刑事犯罪记录（2019年）。" if fail else "",
                        reviewed_by=self.county if result != VettingResult.PENDING else None,
                        reviewed_at=r.requested_at + datetime.timedelta(days=2 + sort % 7)
                        if result != VettingResult.PENDING
                        else None,
                    )
                )
        insert_objects_with_history(verdicts, user=None, reason=REASON)
        self.stats.add("部门审查意见", len(verdicts))
        queued = [a for a, _ in self.queue_reviews]
        Appointment.objects.bulk_update(queued, ["qualification_review"], batch_size=BATCH)
