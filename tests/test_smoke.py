from tests.factories import make_coordinator, make_teen


def test_an_exchange_comes_with_its_policy_and_categories(exchange):
    assert exchange.policy.min_age == 14
    assert exchange.policy.max_age == 20
    assert exchange.categories.filter(slug="garden").exists()


def test_factories_build_a_teen_and_a_coordinator(exchange):
    teen = make_teen(exchange, age=15)
    coordinator = make_coordinator(exchange)
    assert teen.is_minor
    assert coordinator.memberships.filter(exchange=exchange).exists()
