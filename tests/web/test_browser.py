"""A subscriber in a real Chromium: sign in, write a rule with live feedback, preview, save, list, delete."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from playwright.async_api import Browser, Dialog, Page, expect

from services.notify.delivery.ledger import Keys, Ledger
from services.notify.rules.store import SubscriptionStore
from services.notify.rules.subscriptions import Subscription
from shared.models import Alert
from tests.web.articles import corpus, seed
from tests.web.conftest import TOKEN, Serve, require_chromium

pytestmark = pytest.mark.browser


async def record_deliveries(redis: aioredis.Redis, sub: Subscription) -> None:
    """Two alerts of ``sub`` as delivery would have recorded them: one sent, one dead-lettered."""
    ledger = Ledger(redis, Keys(), ttl_s=86_400, recent_kept=100)
    ((channel, _target),) = sub.channels().items()
    now = datetime.now(UTC)
    for tagged, status in zip(corpus()[:2], ("sent", "dead"), strict=True):
        alert = Alert(
            id=f"alert-{status}",
            subscription=sub.id,
            subscription_name=sub.name,
            channel=channel,
            story=f"{tagged.story}-{status}",
            tagged=tagged,
        )
        await ledger.claim(alert, now)
        await ledger.set_status([alert.id], status, now, reason="smtp: 550 mailbox unavailable" * (status == "dead"))


async def shoot(page: Page, folder: Path, name: str) -> None:
    """Write a full-page screenshot of what the subscriber sees."""
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


async def test_a_subscriber_writes_previews_saves_and_deletes_a_rule(
    serve: Serve, browser: Browser, redis: aioredis.Redis, screenshots: Path
) -> None:
    await seed(redis, corpus())
    base = await serve(token=TOKEN)
    context = await browser.new_context(locale="fr-FR", viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    dialogs: list[str] = []

    async def answer(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.accept()

    page.on("dialog", answer)

    assert (await page.request.get(f"{base}/api/rules")).status == 401
    response = await page.goto(f"{base}/rules")
    assert response is not None
    assert response.status == 401
    await shoot(page, screenshots, "login-401")
    await page.get_by_label("Jeton d’API").fill(TOKEN)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page).to_have_url(f"{base}/rules")
    await expect(page.get_by_role("heading", name="Règles de veille")).to_be_visible()

    await page.get_by_role("link", name="Nouvelle règle").click()
    query = page.get_by_label("Requête")
    await query.fill("AES AND")
    error = page.locator("#interpretation .error")
    # the first interpretation may load the vocabulary (seconds on a busy machine)
    await expect(error).to_contain_text("Erreur à la colonne 5", timeout=30_000)
    await expect(error).to_have_attribute("data-column", "5")
    await expect(page.locator("#interpretation mark.fault")).to_have_count(1)
    await shoot(page, screenshots, "editor-parse-error")

    await query.fill("Russia orpaillage")
    readings = page.locator("#interpretation .readings")
    await expect(readings).to_contain_text("y compris personnes et groupes affiliés")
    await expect(page.locator("#interpretation li.unknown")).to_contain_text("orpaillage")

    await query.fill("AES summit")
    await expect(readings).to_contain_text("Alliance of Sahel States")
    await expect(readings.locator("li", has_text="summit")).to_contain_text("thème")
    await shoot(page, screenshots, "editor-interpretation")

    await page.get_by_role("button", name="Aperçu").click()
    hits = page.locator("#preview article.hit")
    await expect(hits).to_have_count(4)
    await expect(page.locator("#preview .summary")).to_contain_text("4 articles correspondants en 3 sujets")
    await expect(page.locator('#preview article.hit[lang="fr"] mark').first).to_have_text("l’AES")
    assert sum([int(c) for c in await page.locator("#preview svg rect").evaluate_all(
        "rects => rects.map(r => r.dataset.count)")]) == 3  # fmt: skip
    await shoot(page, screenshots, "editor-preview")

    await page.get_by_label("Nom").fill("Sommets du Sahel")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "query", "the query field follows the name by keyboard"
    await page.get_by_label("Ajouter des destinataires, un par ligne").fill("mailto:veille@example.org")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page).to_have_url(f"{base}/rules?done=rules.saved")
    row = page.locator("tr", has_text="Sommets du Sahel")
    await expect(row).to_contain_text("AES summit")
    await expect(row).to_contain_text("mailto:v…@example.org")
    await shoot(page, screenshots, "rules")
    (saved,) = await SubscriptionStore(redis).all()
    assert saved.query == "AES summit"
    await record_deliveries(redis, saved)

    for path, name in (("/alerts", "alerts"), ("/feeds", "feeds"), ("/articles?q=AES", "articles")):
        await page.goto(f"{base}{path}")
        await expect(page.locator("main h1")).to_be_visible()
        await shoot(page, screenshots, name)
        if name == "alerts":
            await expect(page.locator('tr[data-status="dead"]')).to_contain_text("550 mailbox unavailable")
            await expect(
                page.get_by_role("button", name="Envoyer une alerte de test: mailto:v…@example.org")
            ).to_be_visible()
    await expect(page.locator("article.hit h3", has_text="<script>alert(1)</script>")).to_have_count(1)

    await page.goto(f"{base}/rules")
    await page.get_by_role("button", name="Supprimer Sommets du Sahel").click()
    await expect(page.get_by_role("status")).to_have_text("Règle supprimée.")
    await expect(page.locator("tr", has_text="Sommets du Sahel")).to_have_count(0)
    assert await SubscriptionStore(redis).all() == []
    assert dialogs == ["Supprimer cette règle ?"]  # the confirmation, and no script from an article ever ran
    await context.close()


async def test_the_page_fits_a_phone_and_speaks_english_on_request(
    serve: Serve, browser: Browser, redis: aioredis.Redis, screenshots: Path
) -> None:
    await seed(redis, corpus())
    base = await serve()
    context = await browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = await context.new_page()
    await page.goto(f"{base}/rules/new?query=AES%20summit")
    await expect(page.get_by_role("heading", name="New watch rule")).to_be_visible()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    await shoot(page, screenshots, "phone-editor")
    await page.get_by_role("link", name="FR").click()
    await expect(page.get_by_role("heading", name="Nouvelle règle de veille")).to_be_visible()
    await page.goto(f"{base}/articles")
    await expect(page.get_by_role("heading", name="Derniers articles analysés")).to_be_visible()
    await shoot(page, screenshots, "phone-articles")
    await context.close()


@pytest.mark.parametrize(("ci", "outcome"), [("1", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_a_missing_chromium_fails_under_ci_and_skips_elsewhere(
    ci: str, outcome: type[BaseException], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NEWSALERT_CI", ci)
    with pytest.raises(outcome, match="chromium"):
        require_chromium(tmp_path / "chromium")
