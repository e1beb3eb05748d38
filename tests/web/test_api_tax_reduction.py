"""GET /api/tax-reduction: the figures of TAX_RULES.md, and clear 400s."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize(
    ("query", "net_cost_cents", "reduction_cents", "capped"),
    [
        ("amount=100&scheme=income_tax", 3400, 6600, False),
        ("amount=50.00&scheme=income_tax", 1700, 3300, False),
        ("amount=30,00&scheme=income_tax", 1020, 1980, False),
        ("amount=15&scheme=income_tax", 510, 990, False),
        ("amount=1000&scheme=ifi", 25000, 75000, False),
        ("amount=80000&scheme=ifi", 3000000, 5000000, True),
        ("amount=10000&scheme=company", 400000, 600000, False),
        ("amount=0.01&scheme=income_tax", 0, 1, False),
        ("amount=1000&scheme=income_tax&taxable_income=2000", 73600, 26400, True),
        ("amount=100000&scheme=company&turnover=1000000", 8800000, 1200000, True),
    ],
)
def test_api_reproduces_the_tax_rules(
    client: FlaskClient, query: str, net_cost_cents: int, reduction_cents: int, capped: bool
) -> None:
    response = client.get(f"/api/tax-reduction?{query}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["net_cost_cents"] == net_cost_cents
    assert body["reduction_cents"] == reduction_cents
    assert body["capped"] is capped
    assert body["amount_cents"] == net_cost_cents + reduction_cents
    assert set(body) >= {"amount_cents", "reduction_cents", "net_cost_cents", "rate", "capped", "carry_forward_cents"}


def test_api_reports_what_carries_forward(client: FlaskClient) -> None:
    body = client.get("/api/tax-reduction?amount=1000&scheme=income_tax&taxable_income=2000").get_json()
    assert body["carry_forward_cents"] == 100000 - 40000
    assert body["rate"] == "0.66"


def test_api_gives_the_year_of_a_monthly_gift(client: FlaskClient) -> None:
    body = client.get("/api/tax-reduction?amount=15&scheme=income_tax&kind=monthly").get_json()
    assert body["net_cost_display"] == "5,10\u00a0€"
    assert body["yearly_net_cost_cents"] == 6120


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("scheme=income_tax", "amount"),
        ("amount=&scheme=income_tax", "amount"),
        ("amount=-5&scheme=income_tax", "amount"),
        ("amount=0&scheme=income_tax", "amount"),
        ("amount=abc&scheme=income_tax", "amount"),
        ("amount=10.123&scheme=income_tax", "amount"),
        ("amount=1e5&scheme=income_tax", "amount"),
        ("amount=NaN&scheme=income_tax", "amount"),
        ("amount=99999999999999&scheme=income_tax", "amount"),
        ("amount=100", "scheme"),
        ("amount=100&scheme=coluche", "scheme"),
        ("amount=100&scheme=income_tax&taxable_income=-3", "taxable_income"),
        ("amount=100&scheme=company&turnover=lots", "turnover"),
        ("amount=100&scheme=income_tax&kind=weekly", "kind"),
    ],
)
def test_api_refuses_bad_input_with_400_and_a_message(client: FlaskClient, query: str, fragment: str) -> None:
    response = client.get(f"/api/tax-reduction?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert fragment in error
    assert len(error) > len(fragment) + 5


def test_api_messages_follow_the_visitor_language(client: FlaskClient) -> None:
    french = client.get("/api/tax-reduction?amount=-5&scheme=income_tax").get_json()["error"]
    english = client.get("/api/tax-reduction?amount=-5&scheme=income_tax&lang=en").get_json()["error"]
    assert "supérieur à zéro" in french
    assert "greater than zero" in english
