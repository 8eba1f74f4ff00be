"""Real-browser tests: Playwright for Python driving Debian's headless Chromium (/usr/bin/chromium).

``make test`` installs the browser (``make browser``: ``apt-get install chromium chromium-l10n
fonts-noto-cjk``; chromium-l10n holds the zh-CN locale pack that lays date inputs out as 年/月/日).
Where it cannot be installed, every test here is skipped with a message saying so; nothing here
downloads a browser of its own (``playwright install`` is never run).

The pages are served by pytest-django's ``live_server`` (one server thread for the session; each
test gets a flushed database, as ``live_server`` needs ``transactional_db``). People log in through
the real login form. Screenshots of the main pages go to docs/screenshots/ (committed, linked from
the README); every run overwrites them.
"""

import contextlib
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("TOUYAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",  # UI language: date inputs read 年/月/日, numbers use Chinese grouping
]
# Chromium on Linux also reads the language from the environment. LANG stays a UTF-8 locale that
# exists on the machine (Debian images often have only C.UTF-8; an uninstalled zh_CN.UTF-8 falls
# back to ASCII and breaks Chinese download names); LANGUAGE picks Chinese.
CHROMIUM_ENV = {**os.environ, "LANG": "C.UTF-8", "LANGUAGE": "zh_CN:zh", "TZ": "Asia/Shanghai"}
DESKTOP = {"width": 1366, "height": 768}  # the common office screen (issue #8)
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "pw-touyan-123"  # tests/factories.py UserFactory
TIMEOUT_MS = 15_000

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = expect = None
    PlaywrightTimeoutError = TimeoutError


def _missing_browser_reason() -> str | None:
    if sync_playwright is None:
        return "浏览器测试已跳过：未安装 Python 包 playwright（运行 make deps，或 pip install -r tests/e2e/requirements.txt）。"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)) and not shutil.which(CHROMIUM):
        return (
            f"浏览器测试已跳过：找不到 Chromium（{CHROMIUM}）。请以 root 运行 `make browser`"
            "（apt-get install -y chromium chromium-l10n fonts-noto-cjk），或设置 TOUYAN_CHROMIUM 指向 Chromium 可执行文件。"
        )
    return None


def pytest_collection_modifyitems(config, items):
    """Every test in this folder is a browser test; mark and (where no browser) skip them here."""
    reason = _missing_browser_reason()
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="package")
def _playwright():
    """One Playwright driver for the e2e package. Playwright's sync API keeps an event loop in this
    thread, which makes Django refuse ORM calls ("async context"); the tests set up data with the ORM
    between browser steps, so the guard is lifted for exactly the life of the driver."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright().start()
    try:
        yield manager
    finally:
        manager.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=CHROMIUM_ENV, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


@pytest.fixture
def site(live_server):
    """The live server's base URL (no trailing slash)."""
    return live_server.url


def login(page, site: str, username: str, password: str = PASSWORD, *, next_url: str = "") -> None:
    """Log in through the real form (axes, CSRF and the session cookie included)."""
    page.goto(f"{site}/login/" + (f"?next={next_url}" if next_url else ""))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("form[action='/logout/']")).to_have_count(1)  # logged in (the navbar may be collapsed)


def phone_context(browser):
    """A 390×844 phone (touch, mobile viewport), Chinese locale like the desktop context."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    return context


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page scrolls sideways (0 = fits the viewport)."""
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


def shot(page, name: str, *, full_page: bool = False) -> Path:
    """Save docs/screenshots/<name>.png (overwritten on every run)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_load_state("load")
    # let late requests (htmx, the API schema) settle; a page that keeps polling is shot anyway
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_load_state("networkidle", timeout=5_000)
    page.evaluate("document.fonts.ready")
    page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
    return path


NAV_GROUPS = {
    "人员名册": ("干部名册", "人员名册（一人一档）"),
    "任职备案": ("干部名册", "任职备案"),
    "表格导入": ("数据与配置", "表格导入"),
    "政策配置": ("数据与配置", "年度政策配置"),
}


def nav(page, item: str) -> None:
    """Open a main-navigation dropdown and follow one of its links, as a user would."""
    group, label = NAV_GROUPS[item]
    bar = page.get_by_role("navigation", name="主导航")
    bar.get_by_role("button", name=group).or_(bar.get_by_role("link", name=group, exact=True)).first.click()
    bar.get_by_role("link", name=label, exact=True).click()
