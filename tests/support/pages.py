"""A page of the dashboard read from kept rows against the same page of the whole dashboard
(issue 23): every part a reader sees."""

from __future__ import annotations

from parcours import dashboard_pages as pages
from parcours.domain.standing_views import Dashboard


def assert_same_page(fast: Dashboard | None, whole: Dashboard, page: pages.Page) -> None:
    assert fast is not None, "the kept rows should have answered"
    assert fast.rows == page.rows
    assert fast.next_after == page.next_after
    assert fast.matched == page.matched
    assert fast.summary == whole.summary
    assert fast.programme_alerts == whole.programme_alerts
    assert fast.today == whole.today
