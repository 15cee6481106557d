"""Screenshots of the interface in Arabic (right to left), at a desktop's and a phone's
width, on the demo's data: the public meeting page, the registration form, the
organisers' timetable and the desk's scan page.

    .venv/bin/python scripts/screenshots.py              # writes docs/screenshots/*.png
    .venv/bin/python scripts/screenshots.py --language ru --out /tmp/shots

The demo is loaded into a scratch SQLite database in a temporary folder (nothing of the
installation's own is read or written) and served on a free local port; Debian's
Chromium (/usr/bin/chromium, which `make test` installs) is driven by Playwright. The
images are cut to a page's first screens and stored with a palette of 128 colours,
so that they stay small in the repository.
"""

import argparse
import logging
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = Path(tempfile.mkdtemp(prefix="screenshots-"))
# Before the app's configuration is imported: uploads and the database stay in SCRATCH.
os.environ["INSTANCE_PATH"] = str(SCRATCH)
os.environ.pop("DATABASE_URL", None)
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from meeting_app import create_app  # noqa: E402
from meeting_app.demo.loader import DEMO_ACCOUNTS, load_demo  # noqa: E402
from meeting_app.extensions import db  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# As the browser tests launch it: no calls to Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
# The longest part of a page kept: its first screens, where the layout shows.
MAX_HEIGHT = {"desktop": 1100, "phone": 1500}
SLUG = "dakar-demo"
PAGES = (
    ("meeting", f"/meetings/{SLUG}/"),
    ("register", f"/meetings/{SLUG}/register"),
    ("timetable", f"/manage/meetings/{SLUG}/agenda/"),
    ("desk-scan", f"/desk/meetings/{SLUG}/check-in"),
)


def serve():
    """The app on the demo's data, on a free port: (its address, the server)."""
    app = create_app(
        "development",
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{SCRATCH / 'demo.sqlite3'}",
            "BADGES_AHEAD": False,
            "BOOKLETS_AHEAD": False,
            "MAIL_SERVER": "",
        },
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # not a line per migration
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        load_demo()
        db.session.commit()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def sign_in(page) -> None:
    """As the demo's organiser (an administrator: the timetable and the desk are theirs)."""
    email, password, _role = DEMO_ACCOUNTS[0]
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/manage/")


def shoot(page, path: Path, width_name: str) -> None:
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    with Image.open(path) as image:
        image.load()
    image = image.crop((0, 0, image.width, min(image.height, MAX_HEIGHT[width_name])))
    image.convert("RGB").quantize(colors=128).save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--language", default="ar", help="the interface's language (ar)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), type=Path)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    base_url, server = serve()
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width_name, (width, height) in WIDTHS.items():
            context = browser.new_context(
                base_url=base_url,
                locale=args.language,  # Accept-Language: the page's language
                viewport={"width": width, "height": height},
                device_scale_factor=1,
            )
            page = context.new_page()
            sign_in(page)
            for name, url in PAGES:
                page.goto(url)
                if name == "desk-scan":  # a search, for a list of people to check in
                    page.locator("#scan-input").fill("a")
                    page.locator("#scan-input").press("Enter")
                    page.locator(".desk-results li").first.wait_for()
                path = args.out / f"{args.language}-{name}-{width_name}.png"
                shoot(page, path, width_name)
                written.append(path)
            context.close()
        browser.close()
    server.shutdown()
    for path in written:
        print(
            f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
            f"  {path.stat().st_size // 1024} KB"
        )
    print(f"{sum(p.stat().st_size for p in written) // 1024} KB in all")


if __name__ == "__main__":
    main()
