"""A small, realistic county for the screenshots and the dashboard journey, built with the shared
factories and the services (no seed_demo: it is far too slow for a browser test)."""

import datetime
import importlib
import io
import random
from dataclasses import dataclass, field

from cadres import choices, services
from cadres.idcard import make_id_number
from cadres.models import Person, Township, User, Village
from core import dates as core_dates

from ..factories import (
    AppointmentFactory,
    FirstSecretaryFactory,
    PersonFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    VillageFlagFactory,
)

E = choices.Education
MEMBER, MASSES = choices.PoliticalStatus.MEMBER, choices.PoliticalStatus.MASSES

# township → villages → (secretary, [committee members]); a person: (name, birth, male, education, one_shoulder)
REGISTER = {
    ("白沙镇", "430122100"): {
        "白沙村": (("陈志远", "1978-08-09", True, E.COLLEGE, True), [("李秀英", "1986-03-12", False, E.SENIOR, False)]),
        "金桥村": (("刘海军", "1969-11-02", True, E.SENIOR, False), [("周敏", "1992-07-21", False, E.BACHELOR, False)]),
        "杨柳社区": (("黄晓丽", "1988-01-30", False, E.BACHELOR, True), [("吴建平", "1975-05-05", True, E.JUNIOR, False)]),
        "石门村": (None, [("郑国强", "1972-09-18", True, E.JUNIOR, False)]),
    },
    ("青山镇", "430122200"): {
        "青山村": (("王建华", "1983-04-16", True, E.COLLEGE, True), [("张丽", "1995-10-08", False, E.COLLEGE, False)]),
        "枫树村": (("赵德明", "1962-12-24", True, E.JUNIOR, False), [("孙燕", "1990-02-14", False, E.SENIOR, False)]),
        "新塘村": (("罗文斌", "1991-06-01", True, E.BACHELOR, True), [("胡春花", "1980-08-08", False, E.SENIOR, False)]),
    },
    ("金井镇", "430122300"): {
        "金井村": (("彭卫东", "1974-03-03", True, E.SENIOR, True), [("邓小红", "1989-12-12", False, E.COLLEGE, False)]),
        "观音岩村": (("谢志刚", "1985-09-09", True, E.COLLEGE, False), [("唐芳", "1993-05-20", False, E.BACHELOR, False)]),
    },
}

# The 2016 换届 (the "上届" of the dashboard's structure charts): secretaries then, in office until
# the 2021 election. Villages not listed here re-elected today's secretary (2016 and 2021 terms).
PREVIOUS_SECRETARIES = {
    "金桥村": ("何永福", "1958-02-11", True, E.JUNIOR),
    "杨柳社区": ("马桂兰", "1963-06-06", False, E.SENIOR),
    "石门村": ("雷振华", "1960-10-01", True, E.PRIMARY),
    "枫树村": ("宋长林", "1956-04-19", True, E.JUNIOR),
    "新塘村": ("程建军", "1966-08-30", True, E.VOCATIONAL),
}
PREVIOUS_TERM = {
    "cohort": 2016,
    "start_date": datetime.date(2016, 4, 1),
    "end_date": datetime.date(2021, 3, 31),
    "end_reason": choices.EndReason.ELECTION,
}


@dataclass
class County:
    county_user: User
    clerk: User
    townships: dict[str, Township] = field(default_factory=dict)
    villages: dict[str, Village] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)


def _person(name, birth, male, education, seq) -> Person:
    born = datetime.date.fromisoformat(birth)
    return PersonFactory(
        name=name,
        born=born,
        male=male,
        id_number=make_id_number("430122", born, seq, male),
        education_fulltime=education,
        political_status=MEMBER if seq % 5 else MASSES,
        party_join_date=datetime.date(born.year + 22, 7, 1) if seq % 5 else None,
        phone=f"138073{seq:05d}",
        native_place="湖南长沙",
    )


def build_county() -> County:
    county_user = UserFactory(username="zhou_jh", full_name="周建华", role=choices.Role.COUNTY)
    first_township = next(iter(REGISTER))
    clerk = UserFactory(
        username="liu_xy",
        full_name="刘晓燕",
        role=choices.Role.CLERK,
        township=TownshipFactory(name=first_township[0], code=first_township[1], sort_order=1),
    )
    county = County(county_user=county_user, clerk=clerk)
    seq = 1
    for order, ((t_name, t_code), villages) in enumerate(REGISTER.items(), start=1):
        township = TownshipFactory(name=t_name, code=t_code, sort_order=order)
        county.townships[t_name] = township
        for i, (v_name, (secretary, members)) in enumerate(villages.items(), start=1):
            village = VillageFactory(
                township=township,
                name=v_name,
                code=f"{t_code}{i:03d}",
                kind=choices.VillageKind.COMMUNITY if v_name.endswith("社区") else choices.VillageKind.VILLAGE,
                population=1500 + 217 * i,
                households=430 + 61 * i,
                party_members=48 + 7 * i,
            )
            county.villages[v_name] = village
            for spec, post in [(secretary, choices.SECRETARY), *((m, "committee_member") for m in members)]:
                if spec is None:
                    continue
                name, birth, male, education, one_shoulder = spec
                person = _person(name, birth, male, education, seq)
                seq += 1
                county.people[name] = person
                AppointmentFactory(person=person, village=village, post=post)
                if one_shoulder:
                    AppointmentFactory(person=person, village=village, post=choices.CHAIR)
                if post == choices.SECRETARY and v_name not in PREVIOUS_SECRETARIES:
                    AppointmentFactory(person=person, village=village, post=post, **PREVIOUS_TERM)
            if v_name in PREVIOUS_SECRETARIES:
                name, birth, male, education = PREVIOUS_SECRETARIES[v_name]
                person = _person(name, birth, male, education, seq)
                seq += 1
                county.people[name] = person
                AppointmentFactory(person=person, village=village, post=choices.SECRETARY, **PREVIOUS_TERM)
    VillageFlagFactory(village=county.villages["枫树村"], kind=choices.VillageFlagKind.WEAK_LAX, basis="2024年软弱涣散党组织排查")
    for v_name, unit, name in (("石门村", "县财政局", "蒋立新"), ("枫树村", "县农业农村局", "夏雨")):
        FirstSecretaryFactory(
            village=county.villages[v_name],
            sending_unit=unit,
            person=_person(name, "1987-04-04", name != "夏雨", E.BACHELOR, seq),
        )
        seq += 1
    # the 石门村 secretary on the way: reviewed, approved by the township, waiting for county filing
    candidate = _person("杨光明", "1984-10-10", True, E.COLLEGE, seq)
    county.people["杨光明"] = candidate
    review = services.qualification_review_request(
        by=clerk, person=candidate, village=county.villages["石门村"], post=choices.SECRETARY, cohort=2021
    )
    for verdict in review.verdicts.all():
        services.department_verdict_record(verdict=verdict, by=county_user, result=choices.VettingResult.PASS)
    appointment = services.appointment_create(
        by=clerk,
        person=candidate,
        village=county.villages["石门村"],
        post=choices.SECRETARY,
        start_date=core_dates.today() - datetime.timedelta(days=20),
        cohort=2021,
        qualification_review=review,
    )
    services.appointment_township_approve(appointment=appointment, by=clerk, note="镇党委会议研究同意")
    # a history entry by a named user on the person page
    services.person_update(person=county.people["陈志远"], by=county_user, phone="13807319999")
    return county


DEMO_APPS = ("reserves", "training", "assessments", "subsidies")


def seed_apps(county: County, *, seed: int = 8) -> None:
    """The other apps' data for this county from their own demo builders (``<app>/demo.py``, the
    same code ``seed_demo`` runs after the register): reserves, training sessions with sign-ins,
    three years of 双述双评 results and posted pay runs, all valid by construction. Needs this
    year's policy profile."""
    today = core_dates.today()
    for index, app in enumerate(DEMO_APPS, start=1):
        importlib.import_module(f"{app}.demo").seed_demo(rng=random.Random(seed * 100 + index), today=today, stdout=io.StringIO())
