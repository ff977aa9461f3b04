"""A delegate's phone joins by opening the URL of the QR code on the access slip."""

from tests.browser.helpers import axe_violations, describe, screenshot, sign_in_staff


def test_join_url_signs_a_phone_in_and_shows_the_live_page(live_server, phone_page):
    url = live_server.join_urls["Aylin Demir"]
    phone_page.goto(url)
    assert "/live" in phone_page.url
    phone_page.wait_for_selector("#connection[data-state=online]")
    assert "Aylin Demir" in phone_page.inner_text("main")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone_page, "join-phone")


def test_a_signed_in_phone_asks_before_joining_as_someone_else(live_server, phone_page):
    phone_page.goto(live_server.join_urls["Aylin Demir"])
    assert "/live" in phone_page.url
    phone_page.goto(live_server.join_urls["Elif Kaya"])
    question = phone_page.inner_text("main")
    assert "Aylin Demir" in question and "Elif Kaya" in question
    assert "/live" not in phone_page.url
    violations = axe_violations(phone_page)
    assert not violations, describe(violations)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone_page, "join-switch")
    phone_page.click("main form button[type=submit]")
    phone_page.wait_for_url("**/live")
    phone_page.wait_for_selector("#connection[data-state=online]")
    assert "Elif Kaya" in phone_page.inner_text("main")


def test_wrong_code_is_refused_clearly(live_server, phone_page):
    response = phone_page.goto(live_server.url + "/join/AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GG")
    assert response.status == 404
    assert phone_page.locator("[role=alert]").count() == 1
    assert "/live" not in phone_page.url


def test_staff_signs_in_and_sees_the_admin_pages(live_server, desktop_page):
    sign_in_staff(desktop_page, live_server)
    desktop_page.goto(live_server.url + "/admin/")
    assert desktop_page.locator("h1").inner_text() in ("Verwaltung", "Administration")
    desktop_page.goto(live_server.url + "/admin/organisations")
    assert "Brückenhaus Bielefeld" in desktop_page.inner_text("main")
