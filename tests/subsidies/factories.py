"""Factories and small builders for the pay ledger tests."""

import datetime
from decimal import Decimal

import factory

from subsidies.choices import EntrySource, EntryType, PeriodKind
from subsidies.models import LedgerEntry, PayAccount, PayPeriod

from ..factories import AppointmentFactory, PersonFactory, UserFactory


class PayPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PayPeriod
        django_get_or_create = ("code",)

    code = "2025-03"
    kind = factory.LazyAttribute(lambda o: PeriodKind.MONTH if "-" in o.code else PeriodKind.YEAR)
    year = factory.LazyAttribute(lambda o: int(o.code[:4]))
    month = factory.LazyAttribute(lambda o: int(o.code[5:]) if "-" in o.code else None)


class PayAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PayAccount

    person = factory.SubFactory(PersonFactory)
    bank_name = "县农商银行"
    account_number = factory.Sequence(lambda n: f"62210000{n:011d}")
    pension_insured = True
    pension_at_standard = True


class LedgerEntryFactory(factory.django.DjangoModelFactory):
    """A manual entry (tests only: production entries come from services)."""

    class Meta:
        model = LedgerEntry

    person = factory.SubFactory(PersonFactory)
    township = factory.LazyAttribute(lambda o: o.village.township if o.village else None)
    village = None
    period = factory.SubFactory(PayPeriodFactory)
    entry_type = EntryType.BASE
    amount = Decimal("2250.00")
    source = EntrySource.MANUAL
    rule = "manual"
    explanation = "测试"
    created_by = factory.SubFactory(UserFactory)


def cadre(village, post="secretary", *, start=datetime.date(2021, 4, 1), end=None, end_reason="", person=None, **person_kw):
    """A filed appointment (current unless ``end`` is given)."""
    person = person or PersonFactory(**person_kw)
    return AppointmentFactory(village=village, person=person, post=post, start_date=start, end_date=end, end_reason=end_reason)
