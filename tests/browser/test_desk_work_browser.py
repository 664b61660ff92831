"""The 96110 desk and the search box in a real headless Chromium against a real
`warn serve`: a callback claimed by one operator leaves another's "待认领" list without a
reload; a number typed in full-width digits in the header's search box finds its case;
the worklist's buttons fit a 390×844 phone. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Console, shot
from tests.e2e.stack import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
CALLER = "+8613966667777"
FULL_WIDTH = "１３９　６６６６　７７７７"


@pytest.fixture(scope="module")
def callback_case(console: Console) -> tuple[str, str]:
    """A medium case (its first stage asks 96110 for a callback) and its callback's id."""
    case_id = console.case_of(console.signal(
        "scam_site_visit", {"msisdn": CALLER, "name": "郑某", "location": "万州区周家坝"},
        url="https://safe-account-check.cn/verify", fraud_type="fake_customer_service"))

    def callback() -> str | None:
        found = [d for d in console.case(case_id)["deliveries"]
                 if d["channel"] == "callback_96110"]
        return str(found[0]["id"]) if found else None

    return case_id, eventually(callback, 10, "the callback to be asked for")


def test_a_callback_claimed_by_one_operator_leaves_the_others_list(
        console: Console, callback_case: tuple[str, str]) -> None:
    _, callback = callback_case
    cui = console.signed_in("cui")
    liu = console.signed_in("liu", PHONE, has_touch=True, is_mobile=True)
    for page in (cui, liu):
        page.goto("/callbacks")
        expect(page.locator(f"#cb-unclaimed #cb-{callback}")).to_be_visible()
    row = liu.locator(f"#cb-unclaimed #cb-{callback}")
    tel = row.locator("a.tel")
    expect(tel).to_have_attribute("href", f"tel:{CALLER}")
    box = tel.bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= 200, box  # a thumb's target
    shot(liu, "callbacks-phone-before-claim", full_page=False)
    claim = row.get_by_role("button", name="认领")
    claim_box = claim.bounding_box()
    assert claim_box and claim_box["y"] + claim_box["height"] <= PHONE["height"], claim_box

    cui.locator(f"#cb-unclaimed #cb-{callback}").get_by_role("button", name="认领").click()
    cui.wait_for_load_state()
    expect(cui.locator(".notice.ok")).to_contain_text("已认领")
    expect(cui.locator(f"#cb-mine #cb-{callback}")).to_be_visible()
    mine = cui.locator(f"#cb-mine #cb-{callback}")
    expect(mine.get_by_role("button", name="已劝阻")).to_be_visible()
    expect(mine.locator("form[data-confirm][data-undo-seconds='8']")).to_have_count(1)
    # The other operator's list changes by itself, within a poll or two.
    expect(liu.locator(f"#cb-unclaimed #cb-{callback}")).to_have_count(0, timeout=5000)
    expect(liu.locator(f"#cb-others #cb-{callback}")).to_have_count(1)
    shot(cui, "callbacks-desk-claimed")
    shot(liu, "callbacks-phone-after-claim", full_page=False)

    mine.get_by_role("button", name="无人接听（记一次，稍后再拨）").click()
    cui.wait_for_load_state()
    expect(cui.locator(f"#cb-mine #cb-{callback}")).to_contain_text("已拨 1 次")


def test_search_by_a_full_width_number_finds_its_case(
        console: Console, callback_case: tuple[str, str]) -> None:
    case_id, _ = callback_case
    page = console.signed_in("liu")
    page.goto("/queue")
    box = page.get_by_role("searchbox", name="案件查询")
    box.fill(FULL_WIDTH)
    box.press("Enter")
    page.wait_for_url("**/search")
    assert "?" not in page.url  # posted: the number is in neither the address nor history
    expect(page.locator(f'tr[data-case="{case_id}"]')).to_be_visible()
    expect(page.locator(f'tr[data-case="{case_id}"]')).to_contain_text("郑某")
    shot(page, "search-full-width-number")
    page.goto("/history")
    expect(page.locator("h1")).to_have_text("已结案案件")
    shot(page, "history")
    page.goto("/shift")
    page.get_by_label("交接班说明").fill("郑某案已认领回拨，尚未接通，请接班同事继续跟进")
    page.get_by_role("button", name="交接班", exact=True).click()
    page.wait_for_load_state()
    expect(page.locator(".notice.ok")).to_contain_text("交接班已记录")
    shot(page, "shift-log")
    incoming = console.signed_in("cui")
    incoming.goto("/queue")
    expect(incoming.locator(".handover-banner")).to_contain_text("liu 的交接班")
    shot(incoming, "queue-with-handover", full_page=False)
    incoming.get_by_role("button", name="已阅，接班").click()
    incoming.wait_for_load_state()
    expect(incoming.locator(".handover-banner")).to_have_count(0)
    incoming.goto(f"/cases/{case_id}")
    incoming.get_by_role("button", name="我来承办").click()
    incoming.wait_for_load_state()
    incoming.get_by_label("写备注").fill("已打过一次，无人接听；家属电话待核实")
    incoming.get_by_role("button", name="添加备注").click()
    incoming.wait_for_load_state()
    expect(incoming.locator("#case-desk")).to_contain_text("家属电话待核实")
    expect(incoming.locator("#case-desk .owner")).to_have_text("cui")
    shot(incoming, "case-notes-and-owner")
