"""Dates, owners and due dates written in the other languages postmortems use."""

from __future__ import annotations

import datetime as dt

import pytest

from pmsync.config import Config
from pmsync.extract import extract_document
from pmsync.extract.dates import find_dates


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("No dia 12 de março de 2024 a API caiu", dt.date(2024, 3, 12)),
        ("El 5 de septiembre de 2023 falló el login", dt.date(2023, 9, 5)),
        ("Le 14 juillet 2023, le service était indisponible", dt.date(2023, 7, 14)),
        ("Am 3. März 2024 fiel der Dienst aus", dt.date(2024, 3, 3)),
        ("Il 2 dicembre 2022 il servizio era giù", dt.date(2022, 12, 2)),
        ("Op 9 augustus 2021 lag de site plat", dt.date(2021, 8, 9)),
    ],
)
def test_month_names_of_other_languages(text: str, date: dt.date) -> None:
    assert [found.date for found in find_dates(text)] == [date]


@pytest.mark.parametrize("text", ["We set 3 alarms in 2024", "It went out 3 times in 2023", "Two days ago 4 of 2022"])
def test_short_words_are_no_month(text: str) -> None:
    assert find_dates(text) == []


PORTUGUESE = """# Post-mortem: indisponibilidade da API de pagamentos

## Resumo

No dia 12 de março de 2024 a API de pagamentos ficou indisponível por 45 minutos.

## Ações corretivas

- Automatizar a renovação de certificados (responsável: @joao, prazo: 2024-04-01)
- Criar alerta 30 dias antes da expiração — Responsable: @maria
- Documentar o procedimento de renovação, Frist: 2024-05-15
"""


def test_a_portuguese_postmortem_gives_its_date_owners_and_due_dates() -> None:
    pm = extract_document("pt.md", PORTUGUESE.encode("utf-8"), Config())
    assert pm.incident.date == dt.date(2024, 3, 12)
    assert [(item.title, item.owner, item.due) for item in pm.items] == [
        ("Automatizar a renovação de certificados", "joao", dt.date(2024, 4, 1)),
        ("Criar alerta 30 dias antes da expiração", "maria", None),
        ("Documentar o procedimento de renovação", None, dt.date(2024, 5, 15)),
    ]


@pytest.mark.parametrize(
    ("document", "date"),
    [
        # The summary ("Resumo") dates the incident before a numeric date that reads either way.
        ("# Queda da API\n\n**Data:** 12/03/2024\n\n## Resumo\n\nNo dia 12 de março de 2024 caiu.\n", "2024-03-12"),
        ("# Caída del login\n\nFecha: 2 de mayo de 2024\n\n## Qué pasó\n\nEl login no respondió.\n", "2024-05-02"),
        ("# Ausfall des Logins\n\nDatum: 2024-06-07\n\n## Ablauf\n\nDer Login war weg.\n", "2024-06-07"),
        ("# 決済APIの停止\n\n日付：2024年3月12日\n\n## 経緯\n\n停止しました。\n", "2024-03-12"),
    ],
)
def test_the_incident_date_from_labels_and_summaries_in_other_languages(document: str, date: str) -> None:
    pm = extract_document("doc.md", document.encode("utf-8"), Config())
    assert pm.incident.date == dt.date.fromisoformat(date)
