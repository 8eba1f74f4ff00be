"""factory_boy factories shared by every app's tests."""

import datetime

import factory
from django.contrib.auth.models import Group

from cadres import choices
from cadres.idcard import make_id_number
from cadres.models import Appointment, FirstSecretary, Person, Township, User, Village, VillageFlag
from core.roles import ROLE_GROUPS


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试{n:02d}镇")
    code = factory.Sequence(lambda n: f"430122{n + 500:03d}")
    sort_order = factory.Sequence(int)


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    township = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"测试{n:03d}村")
    code = factory.Sequence(lambda n: f"430122{n + 500000:06d}")
    population = 1800
    households = 520


class VillageFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VillageFlag

    village = factory.SubFactory(VillageFactory)
    kind = choices.VillageFlagKind.WEAK_LAX
    start_date = datetime.date(2024, 3, 1)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    class Params:
        male = True
        born = datetime.date(1980, 5, 17)

    name = factory.Sequence(lambda n: f"张{n:04d}")
    id_number = factory.LazyAttributeSequence(
        lambda o, n: make_id_number("430122", o.born + datetime.timedelta(days=n // 100), n % 100, o.male)
    )

    sex = factory.LazyAttribute(lambda o: choices.Sex.MALE if o.male else choices.Sex.FEMALE)
    birth_date = factory.LazyAttribute(
        lambda o: datetime.date(int(o.id_number[6:10]), int(o.id_number[10:12]), int(o.id_number[12:14]))
    )
    ethnicity = "汉族"
    political_status = choices.PoliticalStatus.MEMBER
    party_join_date = datetime.date(2005, 7, 1)
    education_fulltime = choices.Education.SENIOR


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A current (filed) appointment; pass status=… for drafts."""

    class Meta:
        model = Appointment

    person = factory.SubFactory(PersonFactory)
    village = factory.SubFactory(VillageFactory)
    post = choices.SECRETARY
    post_name = factory.LazyAttribute(lambda o: {p["code"]: p["name"] for p in choices.DEFAULT_POSTS}[o.post])
    start_date = datetime.date(2021, 4, 1)
    cohort = 2021
    status = choices.FilingStatus.FILED


class FirstSecretaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FirstSecretary

    person = factory.SubFactory(PersonFactory)
    village = factory.SubFactory(VillageFactory)
    sending_unit = "县财政局"
    term_start = datetime.date(2025, 3, 1)
    term_end = datetime.date(2027, 3, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    role = choices.Role.COUNTY
    township = None
    password = factory.django.Password("pw-touyan-123")

    @factory.post_generation
    def group(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=ROLE_GROUPS[self.role]))
