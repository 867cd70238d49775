"""R13's rotation, attacked by writers: people designated while rotations run are never
wrapped under a KEK that a rotation then destroys (their keys all still open afterwards)."""

from __future__ import annotations

import threading
from datetime import date

from parcours import Parcours
from tests.conftest import Clock
from tests.support.scenarios import LEAD, in_deployment


def test_people_designated_during_rotations_all_still_open(app: Parcours, clock: Clock) -> None:
    clock.set(date(2025, 6, 2))
    pilot, _ = in_deployment(app)
    errors: list[BaseException] = []
    emails: list[str] = []

    def designate() -> None:
        try:
            for n in range(25):
                email = f"personne.{n}@example.org"
                app.designate_referent(
                    pilot,
                    role="elected",
                    first_name="Prénom",
                    last_name=f"Nom{n}",
                    email=email,
                    phone="+33 3 29 00 00 00",
                    title="Vice-président",  # R11: the elected referent's portfolio
                    actor=LEAD,
                )
                emails.append(email)
        except BaseException as error:
            errors.append(error)

    writer = threading.Thread(target=designate)
    writer.start()
    rotations = []
    while writer.is_alive():
        rotations.append(app.rotate_master_key())
    writer.join()
    rotations.append(app.rotate_master_key())

    assert errors == []
    assert len(rotations) >= 2
    for email in emails:
        records = app.export_personal_data(email=email, actor=LEAD).records
        assert [r.fields["email"] for r in records] == [email]
    keyring = app.pipeline.keys.keyring
    for report in rotations[:-1]:
        for kek_id in report.destroyed_keks:
            assert keyring.get(kek_id) is None
