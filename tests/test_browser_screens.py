"""Screenshots of every page for every role, and of the published site, each checked in Chromium.

For each role and each page it may open (``ui.auth.PAGE_ACCESS``), on a desktop (1440×900) and,
for the public map, on a phone (390×844), the page is opened through the local-mode role picker,
left to settle (Streamlit idle, every map drawn) and photographed whole. The same is done for the
site ``python -m geo publish`` writes, opened from disk. What is asserted on the rendered page:

(a) the visible text (``document.body.innerText`` of the page and of every frame in it) has no
    English UI word and no English-formatted number (the patterns of tests/test_words.py);
(b) nothing scrolls sideways (the document, Streamlit's main area, every frame);
(c) every visible Leaflet map is at least 300 px tall on a desktop, and on a phone at least 60 %
    of the screen's height;
(d) no Streamlit exception box, no traceback, no "unexpected error" or "page refused" message;
(e) no request (nor websocket) leaves 127.0.0.1 (from disk: the site's own folder);
(f) the screenshot is not blank, and neither is any map in it (distinct colours, with Pillow);
and no JavaScript error was raised.

Screenshots go to ``$LAGESBILD_SCREENSHOT_DIR`` when set (for a person to look at), else to a
pytest temporary folder. One Streamlit server on demo data for the module, one browser, one
browser context (one Streamlit session) per role; a page is reached by its sidebar link.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlparse

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Frame, Page, sync_playwright

from tests.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    _need_browser,
    _pick_role,
    _start_server,
    demo_data_dir,  # noqa: F401  (the shared demo data folder, one per module)
)
from tests.test_publish_site_browser import site  # noqa: F401  (the published site on disk)
from tests.test_words import _ENGLISH, _ENGLISH_NUMBER
from ui import strings
from ui.auth import ROLES, pages_for

pytestmark = pytest.mark.browser

DESKTOP = (1440, 900)
PHONE = (390, 844)
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
#: Schemes of requests that go nowhere (inline documents and data).
INLINE_SCHEMES = {"data", "blob", "about"}
#: Pages that are about a map: at least one must be drawn there (the check (c) is not vacuous).
MAP_PAGES = {"oversikt", "hotspots", "lagesbild", "publik"}
DESKTOP_MAP_MIN = 300
PHONE_MAP_SHARE = 0.6
#: A screenshot with fewer distinct colours is blank (a page of text alone has hundreds from
#: anti-aliasing); a drawn map has at least its background, the areas' fills and outlines.
PAGE_MIN_COLOURS = 32
MAP_MIN_COLOURS = 4
FOLIUM_IFRAME = "iframe[title='streamlit_folium.st_folium']"
SITE_IFRAME = "iframe[src*='/publik/index.html']"
IDLE_TIMEOUT_S = 180


def _cases() -> list[Any]:
    cases = []
    for role in ROLES:
        for page in pages_for(role):
            cases.append(pytest.param(role, page, DESKTOP, id=f"{role}-{page}-dator"))
            if page == "publik":
                cases.append(pytest.param(role, page, PHONE, id=f"{role}-{page}-telefon"))
    return cases


@dataclass
class Session:
    """One role's browser context and tab: one Streamlit session that keeps its role."""

    role: str
    context: BrowserContext
    page: Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    current: str | None = None

    def reset_records(self) -> None:
        self.requests.clear()
        self.errors.clear()


@pytest.fixture(scope="module")
def screens_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("LAGESBILD_SCREENSHOT_DIR")
    if chosen:
        folder = Path(chosen)
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("skarmbilder")


@pytest.fixture(scope="module")
def screens_server(
    demo_data_dir: Path,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    _need_browser()
    server = _start_server(demo_data_dir, tmp_path_factory.mktemp("log") / "streamlit.log")
    yield server
    server.process.terminate()
    server.process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    _need_browser()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def _new_context(browser: Browser) -> tuple[BrowserContext, Page, list[str], list[str]]:
    """A context on the desktop size, recording every request's URL and JavaScript error.

    The browser keeps Playwright's default language (en-US): the app must not depend on it.
    """
    context = browser.new_context(viewport={"width": DESKTOP[0], "height": DESKTOP[1]})
    requests: list[str] = []
    errors: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.on("websocket", lambda socket: requests.append(socket.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, requests, errors


@pytest.fixture(scope="module")
def sessions(browser: Browser, screens_server: Server) -> Iterator[Callable[[str], Session]]:
    """``sessions(role)``: that role's session, opened (and the role picked) on first use."""
    opened: dict[str, Session] = {}

    def get(role: str) -> Session:
        if role in opened:
            return opened[role]
        context, page, requests, errors = _new_context(browser)
        session = Session(role, context, page, requests, errors)
        opened[role] = session
        page.goto(screens_server.url)
        page.get_by_text("Lokalt läge", exact=False).first.wait_for(timeout=60_000)
        _wait_idle(page)
        if role != ROLES[0]:  # local mode opens as the least privileged role
            _pick_role(page, strings.ROLE_LABELS[role])
            _wait_idle(page)
        session.current = _current_page(page, screens_server, role)
        return session

    yield get
    for session in opened.values():
        session.context.close()


# -- waiting ------------------------------------------------------------------------------------

_IDLE_JS = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  return !!app && app.dataset.testScriptState === 'notRunning'
    && app.dataset.testConnectionState === 'CONNECTED'
    && !document.querySelector('[data-testid=stSpinner], [data-testid=stSkeleton]');
}"""


def _wait_idle(page: Page, settle_s: float = 1.0) -> None:
    """Until Streamlit has run the script to its end and stayed idle for ``settle_s``."""
    deadline = time.monotonic() + IDLE_TIMEOUT_S
    idle_since: float | None = None
    while time.monotonic() < deadline:
        if page.evaluate(_IDLE_JS):
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= settle_s:
                return
        else:
            idle_since = None
        page.wait_for_timeout(150)
    raise AssertionError(f"Streamlit blev inte klar på {IDLE_TIMEOUT_S} s ({page.url})")


def _wait_maps(page: Page) -> None:
    """Until every visible map frame has drawn its areas (the folium maps and the public site)."""
    for _round in range(3):  # a map drawn can make the page grow another (e.g. after a rerun)
        before = page.locator(f"{FOLIUM_IFRAME}, {SITE_IFRAME}").count()
        for iframe in page.locator(FOLIUM_IFRAME).all():
            if not iframe.is_visible():
                continue
            frame = iframe.content_frame
            frame.locator(".leaflet-container").first.wait_for(timeout=60_000)
            frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
        for iframe in page.locator(SITE_IFRAME).all():
            if iframe.is_visible():
                iframe.content_frame.locator("body[data-klar=ja]").wait_for(timeout=60_000)
        _wait_idle(page, settle_s=0.5)
        if page.locator(f"{FOLIUM_IFRAME}, {SITE_IFRAME}").count() == before:
            return


# -- navigation -------------------------------------------------------------------------------


def _link_href(server: Server, role: str, page_key: str) -> str:
    """The sidebar link of a page: the first page of a role's navigation is the app's root."""
    return f"{server.url}/" if page_key == pages_for(role)[0] else f"{server.url}/{page_key}"


def _current_page(page: Page, server: Server, role: str) -> str | None:
    if len(pages_for(role)) == 1:  # Streamlit shows no navigation for a single page
        return pages_for(role)[0]
    for key in pages_for(role):
        link = page.locator(
            f"[data-testid=stSidebarNavLink][href='{_link_href(server, role, key)}']"
        )
        if link.count() and link.first.get_attribute("aria-current") == "page":
            return key
    return None


def _go_to(session: Session, server: Server, page_key: str) -> None:
    page = session.page
    if session.current == page_key and page.locator("[data-testid=stHeading]").count():
        return
    link = page.locator(
        f"[data-testid=stSidebarNavLink][href='{_link_href(server, session.role, page_key)}']"
    )
    link.click()
    page.wait_for_function(
        "(a) => a.getAttribute('aria-current') === 'page'", arg=link.element_handle()
    )
    _wait_idle(page)
    session.current = page_key


# -- what is checked ------------------------------------------------------------------------


def _frames(page: Page) -> list[Frame]:
    return [frame for frame in page.frames if frame is not page.main_frame]


def _frame_name(frame: Frame) -> str:
    return f"ram {urlparse(frame.url).path or frame.url}"


#: The page's text without its live regions: what a screen reader announces there ("4 options
#: available.") is React Aria's, in the browser's language (a Swedish browser hears Swedish), so
#: it says nothing about the app's own words in an en-US test browser.
_PAGE_TEXT_JS = """() => {
  let text = document.body.innerText;
  for (const region of document.querySelectorAll('[aria-live]')) {
    const said = region.innerText.trim();
    if (said) text = text.split(said).join('');
  }
  return text;
}"""


def _visible_texts(page: Page) -> dict[str, str]:
    """What a reader sees: the page's text and the text inside each frame."""
    texts = {"sidan": str(page.evaluate(_PAGE_TEXT_JS))}
    for number, frame in enumerate(_frames(page)):
        text = frame.evaluate("() => document.body ? document.body.innerText : ''")
        texts[f"{_frame_name(frame)} #{number}"] = str(text)
    return texts


def _language_problems(texts: dict[str, str]) -> list[str]:
    problems = []
    for where, text in texts.items():
        for pattern, kind in ((_ENGLISH, "engelskt ord"), (_ENGLISH_NUMBER, "engelskt tal")):
            for found in pattern.finditer(text):
                start, end = max(found.start() - 50, 0), found.end() + 50
                context = text[start:end].replace("\n", " ⏎ ")
                problems.append(f"(a) {kind} {found.group(0)!r} i {where}: …{context}…")
    return problems


_SIDEWAYS_JS = """() => {
  const found = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth)
    found.push(`dokumentet är ${root.scrollWidth} px brett, fönstret ${window.innerWidth} px`);
  for (const selector of ['[data-testid=stAppViewContainer]', '[data-testid=stMain]']) {
    const element = document.querySelector(selector);
    if (element && element.scrollWidth > element.clientWidth)
      found.push(`${selector} rullar i sidled: ${element.scrollWidth} px i ${element.clientWidth} px`);
  }
  return found;
}"""


def _sideways_problems(page: Page) -> list[str]:
    problems = [f"(b) {text}" for text in page.evaluate(_SIDEWAYS_JS)]
    for frame in _frames(page):
        if not frame.frame_element().is_visible():
            continue
        wide, shown = frame.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if wide > shown:
            problems.append(f"(b) {_frame_name(frame)} rullar i sidled: {wide} px i {shown} px")
    return problems


class Box(NamedTuple):
    """A rectangle in the window's pixels."""

    x: float
    y: float
    width: float
    height: float


def _visible_maps(page: Page) -> list[tuple[str, Box]]:
    """Each visible Leaflet container with the part of it that shows (clipped by its frame)."""
    maps = []
    for frame in page.frames:
        clip = None
        if frame is not page.main_frame:
            element = frame.frame_element()
            if not element.is_visible():
                continue
            clip = element.bounding_box()
        for container in frame.locator(".leaflet-container").all():
            found = container.bounding_box()
            if found is None or not container.is_visible():
                continue
            left, top = found["x"], found["y"]
            right, bottom = left + found["width"], top + found["height"]
            if clip is not None:
                left, top = max(left, clip["x"]), max(top, clip["y"])
                right = min(right, clip["x"] + clip["width"])
                bottom = min(bottom, clip["y"] + clip["height"])
            box = Box(left, top, max(right - left, 0.0), max(bottom - top, 0.0))
            maps.append(("sidan" if frame is page.main_frame else _frame_name(frame), box))
    return maps


def _map_problems(page: Page, viewport: tuple[int, int], page_key: str | None) -> list[str]:
    width, height = viewport
    minimum = DESKTOP_MAP_MIN if width >= 800 else PHONE_MAP_SHARE * height
    maps = _visible_maps(page)
    problems = [
        f"(c) kartan i {where} är {box.height:.0f} px hög, minst {minimum:.0f} px krävs"
        for where, box in maps
        if box.height < minimum
    ]
    if page_key in MAP_PAGES and not maps:
        problems.append("(c) ingen synlig karta på en kartsida")
    return problems


def _failure_problems(page: Page, texts: dict[str, str], streamlit_page: bool) -> list[str]:
    problems = []
    if streamlit_page:
        boxes = page.locator("[data-testid=stException]").count()
        if boxes:
            problems.append(f"(d) {boxes} undantagsruta(or) från Streamlit")
        if not page.locator("[data-testid=stMain] [data-testid=stHeading]").count():
            problems.append("(d) sidan har ingen rubrik: den ritades inte")
    for where, text in texts.items():
        for sign in ("Traceback (most recent call last)", strings.PAGE_UNEXPECTED[:60],
                     strings.PAGE_REFUSED[:40]):  # fmt: skip
            if sign in text:
                problems.append(f"(d) {sign!r} i {where}")
    return problems


def _request_problems(requests: list[str], allowed_prefix: str | None = None) -> list[str]:
    """(e) Every request stays on this computer (``allowed_prefix``: inside that file folder)."""
    problems = []
    for url in dict.fromkeys(requests):
        parsed = urlparse(url)
        if parsed.scheme in INLINE_SCHEMES:
            continue
        if allowed_prefix is not None:
            if not url.startswith(allowed_prefix):
                problems.append(f"(e) begäran utanför webbplatsens mapp: {url}")
        elif parsed.hostname not in LOCAL_HOSTS:
            problems.append(f"(e) begäran lämnar datorn: {url}")
    return problems


def _colours(image: Image.Image) -> int:
    rgb = image.convert("RGB")
    found = rgb.getcolors(maxcolors=rgb.width * rgb.height)
    return len(found) if found else rgb.width * rgb.height


def _screenshot(
    page: Page, path: Path, viewport: tuple[int, int], *, streamlit_page: bool
) -> list[str]:
    """(f) A whole-page PNG that is not blank, nor any map in it.

    Streamlit scrolls inside its main area, not the document, so for the whole page the window
    is made as tall as that area's content for the picture and set back afterwards.
    """
    width, height = viewport
    if streamlit_page:
        full = page.evaluate(
            "() => Math.max(document.documentElement.scrollHeight, ...[...document.querySelectorAll("
            "'[data-testid=stMain], [data-testid=stSidebarContent]')].map(e => e.scrollHeight))"
        )
        page.set_viewport_size({"width": width, "height": min(max(height, int(full)), 16_000)})
        _wait_idle(page, settle_s=0.5)
        page.wait_for_timeout(300)  # Leaflet redraws on resize
    try:
        maps = _visible_maps(page)
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size({"width": width, "height": height})
    problems = []
    with Image.open(path) as image:
        colours = _colours(image)
        if colours < PAGE_MIN_COLOURS:
            problems.append(f"(f) skärmbilden {path.name} har bara {colours} färger: tom")
        for where, box in maps:
            if box.width < 1 or box.height < 1:
                continue  # reported under (c)
            inside = (
                round(box.x),
                round(box.y),
                round(box.x + box.width),
                round(box.y + box.height),
            )
            shown = _colours(image.crop(inside))
            if shown < MAP_MIN_COLOURS:
                problems.append(f"(f) kartan i {where} är tom i skärmbilden ({shown} färger)")
    return problems


def _report(where: str, problems: list[str]) -> str:
    return f"{where}:\n  " + "\n  ".join(problems)


# -- the tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "page_key", "viewport"), _cases())
def test_every_page_for_every_role_on_screen(
    sessions: Callable[[str], Session],
    screens_server: Server,
    screens_dir: Path,
    role: str,
    page_key: str,
    viewport: tuple[int, int],
) -> None:
    session = sessions(role)
    session.reset_records()
    page = session.page
    page.set_viewport_size({"width": DESKTOP[0], "height": DESKTOP[1]})  # the sidebar is open
    _go_to(session, screens_server, page_key)
    if viewport != DESKTOP:
        page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        _wait_idle(page)
    _wait_maps(page)

    texts = _visible_texts(page)
    problems = _language_problems(texts)
    problems += _sideways_problems(page)
    problems += _map_problems(page, viewport, page_key)
    problems += _failure_problems(page, texts, streamlit_page=True)
    shot = screens_dir / f"{role}-{page_key}-{viewport[0]}x{viewport[1]}.png"
    problems += _screenshot(page, shot, viewport, streamlit_page=True)
    problems += _request_problems(session.requests)
    problems += [f"JavaScript-fel: {error}" for error in session.errors]
    assert session.current == page_key
    if any(problem.startswith("(d)") for problem in problems):  # the traceback is in the log
        log = screens_server.log.read_text(errors="replace").splitlines()
        problems.append("serverns logg, sista raderna:\n    " + "\n    ".join(log[-40:]))
    assert not problems, _report(f"{role} / {page_key} / {viewport[0]}×{viewport[1]}", problems)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["telefon", "dator"])
def test_published_site_from_disk_on_screen(
    browser: Browser,
    site: Path,  # noqa: F811
    screens_dir: Path,
    viewport: tuple[int, int],
) -> None:
    context, page, requests, errors = _new_context(browser)
    try:
        page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        page.goto((site / "index.html").as_uri())
        page.wait_for_selector("body[data-klar=ja]", timeout=30_000)
        page.locator("#karta path.leaflet-interactive").first.wait_for(timeout=30_000)
        page.wait_for_timeout(300)

        texts = _visible_texts(page)
        problems = _language_problems(texts)
        problems += _sideways_problems(page)
        problems += _map_problems(page, viewport, "publik")
        problems += _failure_problems(page, texts, streamlit_page=False)
        shot = screens_dir / f"webbplatsen-{viewport[0]}x{viewport[1]}.png"
        problems += _screenshot(page, shot, viewport, streamlit_page=False)
        problems += _request_problems(requests, allowed_prefix=site.as_uri() + "/")
        problems += [f"JavaScript-fel: {error}" for error in errors]
        assert requests, "no request recorded: the recorder is broken"
        assert not problems, _report(
            f"webbplatsen från disk / {viewport[0]}×{viewport[1]}", problems
        )
    finally:
        context.close()


def test_the_checks_find_what_they_look_for(browser: Browser, tmp_path: Path) -> None:
    """Each check reports a page made to break its rule (so a pass above means something)."""
    context, page, requests, _errors = _new_context(browser)
    try:
        context.route("http://192.0.2.1/**", lambda route: route.abort())  # TEST-NET: never sent
        page.set_content(
            "<body style='margin:0;background:#fff'>"
            "<p>Download 1,000 rows, 0.5 h</p><div style='width:3000px;height:10px'></div>"
            "<div class='leaflet-container' style='height:120px;width:200px'></div>"
            "<pre>Traceback (most recent call last):</pre>"
            "<img src='http://192.0.2.1/tile.png' alt=''></body>"
        )
        page.wait_for_timeout(300)
        texts = _visible_texts(page)
        found = " | ".join(
            _language_problems(texts)
            + _sideways_problems(page)
            + _map_problems(page, DESKTOP, "publik")
            + _failure_problems(page, texts, streamlit_page=False)
            + _request_problems(requests)
        )
        for expected in ("'Download'", "'1,000'", "'0.5'", "(b) dokumentet är",
                         "är 120 px hög", "(d) 'Traceback", "lämnar datorn: http://192.0.2.1"):  # fmt: skip
            assert expected in found, (expected, found)
        page.set_content("<body style='margin:0;background:#fff'><div class='leaflet-container' "
                         "style='height:400px;width:400px;background:#ddd'></div></body>")  # fmt: skip
        blank = " | ".join(_screenshot(page, tmp_path / "tom.png", PHONE, streamlit_page=False))
        assert "(f) skärmbilden tom.png har bara 2 färger" in blank, blank
        assert "(f) kartan i sidan är tom i skärmbilden (1 färger)" in blank, blank
        assert _map_problems(page, PHONE, None) == [
            f"(c) kartan i sidan är 400 px hög, minst {0.6 * PHONE[1]:.0f} px krävs"
        ]
    finally:
        context.close()
