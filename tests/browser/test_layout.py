"""Zoom as a browser does it, and pages that load nothing from other hosts.

Reflow at 320 and 640 CSS px is checked on every page in test_every_page.py; here, that
640 px really is what a 1280 px window zoomed to 200% lays out.
"""

from urllib.parse import urlsplit

from ideas.accounts.models import Role
from tests.browser.site_pages import page_urls, seed_site, sign_in_with_keyboard


def test_a_window_zoomed_to_200_percent_lays_out_640_css_px(browser, live_server):
    """Zoom doubles the device pixels per CSS pixel and halves the CSS viewport."""
    context = browser.new_context(
        base_url=live_server, viewport={"width": 640, "height": 450}, device_scale_factor=2
    )
    tab = context.new_page()
    tab.goto("/register")
    assert tab.evaluate("() => [window.innerWidth, window.devicePixelRatio]") == [640, 2]
    assert tab.evaluate("() => document.documentElement.scrollWidth") <= 640
    context.close()


def test_pages_load_nothing_from_other_hosts(app, browser, live_server):
    """Styles, scripts, fonts and icons all come from static/ on our own server."""
    site = seed_site(app, "zh_Hant_TW")
    context = browser.new_context(base_url=live_server)
    requested, foreign = [], []

    def guard(route):
        # Anything not for our server is refused before it leaves the machine.
        url = route.request.url
        requested.append(url)
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    context.route("**/*", guard)
    tab = context.new_page()
    sign_in_with_keyboard(tab, site.users[Role.SECRETARIAT].email)
    for url in page_urls(app, site, Role.SECRETARIAT):
        tab.goto(url)  # waits for the load event: styles, scripts, fonts, images
    context.close()
    assert foreign == []
    # The pages did load their own styles and scripts, from static/.
    paths = {urlsplit(url).path for url in requested}
    assert {"/static/css/site.css", "/static/js/site.js"} <= paths
