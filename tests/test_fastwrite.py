"""core.fastwrite: rows written by COPY (executemany on SQLite) each get one '+' history row."""

import datetime

import pytest
from django.utils import timezone

from cadres.models import DepartmentVerdict, QualificationReview
from core.fastwrite import insert_objects_with_history
from tests.factories import PersonFactory, VillageFactory

pytestmark = pytest.mark.django_db


def test_insert_objects_with_history_saves_children_of_a_saved_parent_and_their_history():
    village = VillageFactory()
    review = QualificationReview.objects.create(
        person=PersonFactory(), village=village, post="secretary", post_name="村党组织书记"
    )
    verdicts = [DepartmentVerdict(review=review, department_code=f"d{i}", department_name=f"部门{i}", sort=i) for i in range(3)]

    insert_objects_with_history(verdicts, user=None, reason="演示数据初始化")

    assert all(v.pk for v in verdicts)
    stored = list(DepartmentVerdict.objects.filter(review=review).order_by("sort").values_list("pk", "department_name"))
    assert stored == [(v.pk, v.department_name) for v in verdicts]
    history = DepartmentVerdict.history.filter(id__in=[v.pk for v in verdicts])
    assert sorted(history.values_list("history_type", "history_change_reason")) == [("+", "演示数据初始化")] * 3


def test_insert_objects_with_history_writes_people_with_their_photo_field_and_explicit_dates():
    from cadres.models import Person

    created = timezone.make_aware(datetime.datetime(2021, 3, 1, 9, 0))
    people = [PersonFactory.build(photo="") for _ in range(2)]
    for p in people:
        p.created_at = created
    people[1].photo = "photos/p2.jpg"

    insert_objects_with_history(people, user=None, reason="演示数据初始化")

    stored = dict(Person.objects.filter(pk__in=[p.pk for p in people]).values_list("pk", "photo"))
    assert stored == {people[0].pk: "", people[1].pk: "photos/p2.jpg"}
    assert set(Person.objects.filter(pk__in=[p.pk for p in people]).values_list("created_at", flat=True)) == {created}
    assert Person.history.filter(id__in=[p.pk for p in people], history_type="+").count() == 2


# --- COPY streamed in chunks, and the history rows found by id range or by list ----------------


def _people_rows(n, township):
    from cadres.idcard import make_id_number

    return [
        {
            "id_number": make_id_number("430122", datetime.date(1970, 1, 1) + datetime.timedelta(days=i), 1, True),
            "name": f"干部{i}",
            "sex": "M",
            "birth_date": datetime.date(1970, 1, 1) + datetime.timedelta(days=i),
            "registered_township_id": township.pk,
            # text the CSV must carry through: quotes, a comma, a line break, an empty string
            "note": ['他说"好"', "甲,乙", "第一行\n第二行", ""][i % 4],
            "party_join_date": None if i % 2 else datetime.date(1995, 7, 1),
            "political_status": "masses" if i % 2 else "member",
        }
        for i in range(n)
    ]


def test_insert_with_history_writes_every_chunk_and_keeps_quotes_breaks_empty_text_and_nulls():
    from cadres.models import Person
    from core.fastwrite import _CsvStream, insert_with_history

    township = VillageFactory().township
    n = _CsvStream.ROWS_PER_CHUNK * 2 + 7  # three chunks on PostgreSQL
    rows = _people_rows(n, township)

    ids = insert_with_history(Person, rows, user=None, reason="表格导入 #1")

    assert len(ids) == n == len(set(ids))
    stored = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    for pk, row in zip(ids, rows, strict=True):
        person = stored[pk]
        assert (person.id_number, person.note, person.party_join_date) == (row["id_number"], row["note"], row["party_join_date"])
        assert person.ethnicity == Person._meta.get_field("ethnicity").get_default()  # a missing field: its default
    history = Person.history.filter(id__in=ids)
    assert history.count() == n
    assert set(history.values_list("history_type", "history_change_reason")) == {("+", "表格导入 #1")}
    # the time stamps (written as text on PostgreSQL) are the history's own instant, to the microsecond
    stamps = set(Person.objects.filter(pk__in=ids).values_list("created_at", "updated_at"))
    assert stamps == {(history.first().history_date,) * 2}
    assert abs(timezone.now() - history.first().history_date) < datetime.timedelta(minutes=1)


def test_history_rows_are_found_by_their_ids_when_the_sequence_was_shared(monkeypatch):
    """Ids interleaved with another session's (not one unbroken run): the history rows are
    copied for exactly the rows written, not for the rows between them."""
    from cadres.models import Person
    from core import fastwrite

    township = VillageFactory().township
    other = PersonFactory()
    real = fastwrite.allocate_ids
    monkeypatch.setattr(fastwrite, "allocate_ids", lambda model, n: [pk * 2 + other.pk * 10 for pk in real(model, n)])

    ids = fastwrite.insert_with_history(Person, _people_rows(3, township), user=None, reason="表格导入 #2")

    assert max(ids) - min(ids) > len(ids) - 1
    assert sorted(Person.history.filter(history_change_reason="表格导入 #2").values_list("id", flat=True)) == sorted(ids)
    assert not Person.history.filter(id=other.pk, history_change_reason="表格导入 #2").exists()


def test_copy_rows_of_nothing_writes_nothing():
    from cadres.models import FilingEvent
    from core.fastwrite import copy_rows

    copy_rows(FilingEvent._meta.db_table, ["appointment_id", "from_status", "to_status", "at", "note"], iter(()))
    assert FilingEvent.objects.count() == 0


# --- history rows keep their user as a plain reference ------------------------------------------


def test_no_history_table_holds_a_database_constraint_on_its_user_and_deleting_a_user_clears_it():
    from django.apps import apps

    from cadres.models import Person
    from tests.factories import UserFactory

    tracked = [m for m in apps.get_models() if m.__name__.startswith("Historical")]
    assert len(tracked) >= 39
    assert all(not m._meta.get_field("history_user").db_constraint for m in tracked)

    user = UserFactory()
    person = PersonFactory()
    person._history_user = user
    person.name = "改名"
    person.save()
    entry = Person.history.filter(id=person.pk).latest("history_id")
    assert entry.history_user_id == user.pk

    user.delete()

    entry.refresh_from_db()
    assert entry.history_user_id is None and entry.name == "改名"


def test_an_appointment_keeps_who_entered_it_without_a_database_constraint_and_that_user_cannot_be_deleted():
    from django.db.models import ProtectedError

    from cadres.models import Appointment
    from tests.factories import AppointmentFactory, UserFactory

    assert not Appointment._meta.get_field("created_by").db_constraint
    user = UserFactory()
    appointment = AppointmentFactory(created_by=user)

    with pytest.raises(ProtectedError):
        user.delete()

    appointment.refresh_from_db()
    assert appointment.created_by_id == user.pk


def test_history_managers_are_built_once_and_still_bind_to_their_instance():
    from django.apps import apps

    from cadres.models import Person

    tracked = [m for m in apps.get_models() if hasattr(m._meta, "simple_history_manager_attribute")]
    assert len(tracked) >= 39
    assert all(type(m.history) is type(m.history) for m in tracked)  # one class, not one per access
    person = PersonFactory()
    person.name = "改名"
    person.save()
    other = PersonFactory()
    assert [h.name for h in person.history.order_by("history_id")][-1] == "改名"
    assert person.history.count() == 2 and other.history.count() == 1
    assert Person.history.filter(id__in=[person.pk, other.pk]).count() == 3


# --- PostgreSQL's work alongside Python's (core.fastwrite.alongside) ---------------------------


def _lane_threads():
    import threading

    return [t for t in threading.enumerate() if t.name == "touyan-db-alongside"]


def test_alongside_hands_the_history_to_the_lane_and_a_query_in_the_block_sees_it_written():
    """On PostgreSQL insert_with_history returns with its history rows still being written by
    the lane; the block's next query waits for them, so it reads every row and its history.
    Elsewhere the same block runs in order, with the same result."""
    from django.db import connection

    from cadres.models import Person
    from core import fastwrite

    township = VillageFactory().township
    with fastwrite.alongside():
        ids = fastwrite.insert_with_history(Person, _people_rows(1200, township), user=None, reason="表格导入 #3")
        handed_off = fastwrite._lane() is not None and fastwrite._lane()._thread is not None
        assert Person.history.filter(id__in=ids, history_change_reason="表格导入 #3").count() == 1200
    assert handed_off == (connection.vendor == "postgresql")
    assert Person.objects.filter(pk__in=ids).count() == 1200
    assert not _lane_threads() and fastwrite._lane() is None


def test_alongside_checks_the_new_rows_foreign_keys_and_defers_them_again():
    """A row whose foreign key points nowhere is refused as at COMMIT (Django's IntegrityError):
    on PostgreSQL by the block's next query, its table's keys having been checked by the lane
    (and when the block ends, if no query comes); on SQLite by Django's own check of the
    constraints. After the block the table's keys are deferred again: a person may still be
    written before the township it is registered to."""
    from django.db import IntegrityError, connection

    from cadres.models import Person, Township
    from core import fastwrite

    township = VillageFactory().township
    missing = Township.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    bad = {**_people_rows(1, township)[0], "registered_township_id": missing}
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError) as refused, transaction_savepoint(), fastwrite.alongside():
            fastwrite.insert_with_history(Person, [bad], user=None, reason="表格导入 #4")
            Person.objects.count()  # the next query raises the lane's error
        assert "registered_township" in str(refused.value)
        assert any("alongside" in note for note in getattr(refused.value.__cause__, "__notes__", []))
        with pytest.raises(IntegrityError), transaction_savepoint(), fastwrite.alongside():
            fastwrite.insert_with_history(Person, [bad], user=None, reason="表格导入 #4")
        with fastwrite.alongside():
            fastwrite.insert_with_history(Person, _people_rows(2, township), user=None, reason="表格导入 #5")
        later = {**_people_rows(3, township)[2], "registered_township_id": missing}
        fastwrite.insert_with_history(Person, [later], user=None, reason="表格导入 #6")  # no error now: deferred again
        Township.objects.create(pk=missing, name="后建乡镇", code="430122999")  # … and satisfied before COMMIT
        connection.check_constraints()
    else:
        with fastwrite.alongside():
            fastwrite.insert_with_history(Person, [bad], user=None, reason="表格导入 #4")
        with pytest.raises(IntegrityError):
            connection.check_constraints(table_names=[Person._meta.db_table])
        Person.objects.filter(registered_township_id=missing).delete()  # not left for the test's own check


def transaction_savepoint():
    from django.db import transaction

    return transaction.atomic()


def test_a_failing_block_ends_the_lane_before_its_error_goes_up():
    from cadres.models import Person
    from core import fastwrite

    township = VillageFactory().township
    with pytest.raises(ZeroDivisionError), transaction_savepoint(), fastwrite.alongside():
        fastwrite.insert_with_history(Person, _people_rows(600, township), user=None, reason="表格导入 #6")
        1 / 0  # noqa: B018
    assert not _lane_threads() and fastwrite._lane() is None
    assert not Person.objects.filter(name__startswith="干部").exists()


def test_a_submitted_statement_runs_in_order_and_its_error_is_django_s():
    from django.db import DatabaseError

    from cadres.models import Township
    from core import fastwrite

    township = VillageFactory().township
    with fastwrite.alongside() as database:
        database.submit(('UPDATE "cadres_township" SET "name" = %s WHERE "id" = %s', ["乙镇", township.pk]))
        assert Township.objects.get(pk=township.pk).name == "乙镇"
    with pytest.raises(DatabaseError), transaction_savepoint(), fastwrite.alongside() as database:
        database.submit(("SELECT no_such_column FROM cadres_township", []))
    assert not _lane_threads()


def test_update_statement_writes_what_save_with_update_fields_writes_and_fails_as_it_does():
    from django.db import DatabaseError
    from django.utils import timezone

    from cadres.models import ImportBatch
    from core import fastwrite
    from tests.factories import UserFactory

    user = UserFactory()
    twins = [
        ImportBatch.objects.create(sheet_type="cadres", original_name="花名册.xlsx", checksum="x", uploaded_by=user)
        for _ in range(2)
    ]
    fields = ["status", "counts", "summary", "message", "previewed_at"]
    now = timezone.now()
    for batch in twins:
        batch.summary = {"rows": [{"n": 3, "s": "new", "name": "张三", "w": ["「现任职务」：待备案"]}], "errors": []}
        batch.counts = {"total": 1, "created": 1}
        batch.status = ImportBatch.Status.PREVIEWED
        batch.previewed_at = now
        batch.message = "同一文件已导入过"
    with fastwrite.alongside() as database:
        database.submit(fastwrite.update_statement(twins[0], fields))
    twins[1].save(update_fields=fields)
    lane, saved = (ImportBatch.objects.filter(pk=b.pk).values(*fields, "original_name").get() for b in twins)
    assert lane == saved and lane["summary"]["rows"][0]["name"] == "张三" and lane["previewed_at"] == now

    gone = ImportBatch(pk=twins[1].pk + 100, sheet_type="cadres")
    with (
        pytest.raises(DatabaseError, match="did not affect any rows"),
        transaction_savepoint(),
        fastwrite.alongside() as database,
    ):
        database.submit(fastwrite.update_statement(gone, ["sheet_type"]))


# --- rows checked as the COPY reads them ---------------------------------------------------------


def test_rows_that_fail_their_check_during_the_copy_leave_nothing_written_and_the_transaction_usable():
    """A generator that checks each row and raises at the end (as person_create_bulk does): its
    own error comes out of the COPY, not the driver's, and the rows before it are not kept."""
    from django.core.exceptions import ValidationError

    from cadres.models import Person
    from core import fastwrite

    township = VillageFactory().township
    rows = _people_rows(1300, township)

    def checked():
        yield from rows[:1100]  # two whole chunks sent before the bad row is met
        raise ValidationError("共有1条人员未通过校验（如第1101条：姓名不能为空），未写入任何数据。")

    with pytest.raises(ValidationError, match="第1101条"):
        fastwrite.insert_with_history(Person, checked(), count=1300, user=None, reason="表格导入 #7")
    assert not Person.objects.filter(name__startswith="干部").exists()  # and the transaction still answers
    assert not Person.history.filter(history_change_reason="表格导入 #7").exists()
