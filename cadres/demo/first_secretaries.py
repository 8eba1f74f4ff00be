"""The demo county's 驻村第一书记: postings to the weak, lifted and collectively weak villages
first, earlier postings ended or recalled, and six months of presence records."""

from __future__ import annotations

import calendar
import datetime

from cadres import choices
from cadres.choices import FirstSecretaryStatus
from cadres.models import FirstSecretary, Person, PresenceMonth
from core.fastwrite import insert_objects_with_history

from .. import demo_names as names
from .plan import EDU_FIRST_SEC, REASON, VillagePlan, add_years, explicit_timestamps, first_of_month


class FirstSecretariesMixin:
    """Part of DemoCounty (plans, people and the random streams are the county's)."""

    def _first_secretaries(self) -> None:
        rng = self.rng("first-secretaries")  # structure and people: independent of today
        when = self.rng("first-secretary-dates")  # dates relative to today
        K = choices.VillageFlagKind
        n = round(0.4 * len(self.plans))
        order: list[VillagePlan] = []
        taken: set[int] = set()  # village ids (plans are compared by identity, never by value)
        for kind in (K.WEAK_LAX, K.LIFTED, K.WEAK_COLLECTIVE):
            group = [p for p in self.plans if kind in p.flags and p.village.id not in taken]
            rng.shuffle(group)
            order += group
            taken.update(p.village.id for p in group)
        rest = [p for p in self.plans if p.village.id not in taken]
        rng.shuffle(rest)
        rest.sort(key=lambda p: p.village.kind != choices.VillageKind.VILLAGE)  # villages before communities
        chosen = (order + rest)[:n]
        expiring = set(range(0, len(chosen), 10))  # ~10 %: term ends within 90 days
        people: list[Person] = []
        postings: list[FirstSecretary] = []
        for i, plan in enumerate(chosen):
            unit, title = rng.choice(names.SENDING_UNITS)
            p = self.person(
                rng,
                role="first_secretary",
                township=None,
                age=(26, 50, 34),
                member_by=datetime.date(2020, 1, 1),
                edu=EDU_FIRST_SEC,
            )
            p.school_major = rng.choice(names.SCHOOLS_FULLTIME)
            p.education_inservice = ""
            people.append(p)
            history = rng.random() < 0.15
            old = None
            if history:
                old_unit, old_title = rng.choice(names.SENDING_UNITS)
                old = self.person(
                    rng,
                    role="first_secretary",
                    township=None,
                    age=(28, 50, 36),
                    member_by=datetime.date(2018, 1, 1),
                    edu=EDU_FIRST_SEC,
                )
                people.append(old)
            end = self.today + datetime.timedelta(days=when.randint(7, 85) if i in expiring else when.randint(100, 700))
            start = add_years(end, -2)
            postings.append(
                FirstSecretary(
                    person=p,
                    village=plan.village,
                    sending_unit=unit,
                    original_title=title,
                    batch=f"{start.year}年选派驻村第一书记",
                    term_start=start,
                    term_end=end,
                    status=FirstSecretaryStatus.ACTIVE,
                )
            )
            if old is not None:
                recalled = when.random() < 0.15
                old_end = start - datetime.timedelta(days=1)
                old_start = add_years(old_end, -2)
                postings.append(
                    FirstSecretary(
                        person=old,
                        village=plan.village,
                        sending_unit=old_unit,
                        original_title=old_title,
                        batch=f"{old_start.year}年选派驻村第一书记",
                        term_start=old_start,
                        term_end=old_end,
                        status=FirstSecretaryStatus.RECALLED if recalled else FirstSecretaryStatus.EXPIRED,
                        ended_on=old_end - datetime.timedelta(days=when.randint(60, 200)) if recalled else old_end,
                        end_note="驻村期间多次抽查不在岗，召回撤换" if recalled else "任期届满",
                    )
                )
        with explicit_timestamps(Person._meta.get_field("created_at")):
            insert_objects_with_history(people, user=None, reason=REASON)
        self.stats.add("人员", len(people))
        insert_objects_with_history(postings, user=None, reason=REASON)
        self.stats.add("驻村第一书记", len(postings))

        # monthly presence for the last six full months of each active posting
        township_of = {p.village.id: p.township for p in self.plans}
        presence = []
        for posting in postings:
            if posting.status != FirstSecretaryStatus.ACTIVE:
                continue
            for back in range(6, 0, -1):
                month = first_of_month(self.today, back)
                if month < posting.term_start.replace(day=1):
                    continue
                days_in_month = calendar.monthrange(month.year, month.month)[1]
                short = when.random() < 0.15
                leave = when.randint(0, 3)
                days = when.randint(12, 19) if short else when.randint(20, min(25, days_in_month - leave))
                note = when.choice(["参加县委党校集中培训", "派出单位临时工作安排", "因病请假", "家中有事请假"]) if short else ""
                presence.append(
                    PresenceMonth(
                        first_secretary=posting,
                        month=month,
                        days_in_village=days,
                        leave_days=min(leave, days_in_month - days),
                        note=note,
                        recorded_by=self.clerks.get(township_of[posting.village_id].code),
                    )
                )
        insert_objects_with_history(presence, user=None, reason=REASON)
        self.stats.add("驻村天数", len(presence))
