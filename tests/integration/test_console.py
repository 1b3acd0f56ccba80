"""``graphrisk console`` on a real Neo4j holding the demo world, scored by the real pipeline.

The module runs ``graphrisk demo`` into Neo4j once (load, features, the GNN, rings,
write-back). The HTTP tests go through FastAPI's test client; the browser tests drive
Debian's headless Chromium through Selenium against the console served by uvicorn, and
leave screenshots in ``$GRAPHRISK_CONSOLE_SCREENSHOTS`` when it is set (docs/img does).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from graphrisk.cli.main import main
from graphrisk.console import ConsoleAccess, check_bind, create_app
from graphrisk.errors import ConfigError
from graphrisk.store.maintenance import clear_graph
from graphrisk.store.runner import connect

pytestmark = pytest.mark.integration

TOKEN = "a-console-token-of-some-length"
LOOPBACK = "http://127.0.0.1:8765"
SHOTS_ENV = "GRAPHRISK_CONSOLE_SCREENSHOTS"


@pytest.fixture(scope="module")
def demo_world(neo4j_config, tmp_path_factory) -> Iterator[None]:
    """The demo world loaded and scored into Neo4j by ``graphrisk demo`` (read by every test here)."""
    out = tmp_path_factory.mktemp("console-demo")
    with connect(neo4j_config) as runner:
        clear_graph(runner)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEO4J_URI", neo4j_config.uri)
        assert main(["demo", "--out", str(out), "--world-users", "1200", "--fraud-share", "0.06", "--epochs", "60",
                     "--patience", "10", "--seed", "1"]) == 0
    yield
    with connect(neo4j_config) as runner:
        clear_graph(runner)


@pytest.fixture(scope="module")
def client(neo4j_config, demo_world) -> Iterator[TestClient]:
    with TestClient(create_app(lambda: connect(neo4j_config)), base_url=LOOPBACK) as test_client:
        yield test_client


def _ring_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-ring="([^"]+)">', html)


def _cells(html: str, column: int) -> list[str]:
    rows = re.findall(r'<tr data-ring=.*?</tr>', html, flags=re.S)
    return [re.sub(r"<[^>]+>", "", re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)[column]).strip() for row in rows]


def _number(text: str) -> float:
    return float(text.replace(",", ""))


# --- pages over HTTP --------------------------------------------------------------------------


def test_the_ring_list_sorts_by_exposure_size_and_risk(client):
    by_exposure = client.get("/rings")
    assert by_exposure.status_code == 200
    exposures = [_number(v) for v in _cells(by_exposure.text, 1)]
    assert len(exposures) >= 3 and exposures == sorted(exposures, reverse=True)
    sizes = [_number(v) for v in _cells(client.get("/rings?sort=size").text, 2)]
    assert sizes == sorted(sizes, reverse=True)
    risks = [_number(v) for v in _cells(client.get("/rings?sort=risk").text, 3)]
    assert risks == sorted(risks, reverse=True)
    assert "graphrisk query ring_list --param sort=size" in client.get("/rings?sort=size").text


def test_the_ring_list_filters_by_size_and_review_state(client):
    page = client.get("/rings?min_size=0").text
    every = _ring_ids(page)
    big = client.get("/rings?min_size=5").text
    sizes = [_number(v) for v in _cells(big, 2)]
    assert sizes and min(sizes) >= 5 and len(sizes) < len(every)
    # each ring's state from its "reviewed / members" cell, whatever verdicts other tests recorded
    counts = [tuple(int(n) for n in cell.split(" / ")) for cell in _cells(page, 5)]
    state = {ring: "unreviewed" if done == 0 else "reviewed" if done == size else "partial"
             for ring, (done, size) in zip(every, counts)}
    for review in ("unreviewed", "partial", "reviewed"):
        shown = _ring_ids(client.get(f"/rings?review={review}&min_size=0").text)
        assert shown == [ring for ring in every if state[ring] == review]


def test_a_bad_filter_is_one_clear_message(client):
    reply = client.get("/rings?sort=colour")
    assert reply.status_code == 400
    assert "parameter sort: expected one of exposure, size, risk, got &#39;colour&#39;" in reply.text


def test_every_view_shows_its_cypher_and_its_command(client):
    ring_id = _ring_ids(client.get("/rings").text)[0]
    ring = client.get(f"/rings/{ring_id}").text
    for name in ("ring_summary", "ring_members", "ring_money_flow", "ring_graph"):
        assert f'data-query="{name}"' in ring
        assert f"graphrisk query {name} --param ring_id={ring_id}" in ring
    assert "MATCH (ring:Ring {ring_id: $ring_id})" in ring
    member = re.findall(r'<tr data-user="([^"]+)">', ring)[0]
    account = client.get(f"/accounts/{member}").text
    for name in ("user_risk_profile", "account_timeline", "verdict_history"):
        assert f"graphrisk query {name} --param user_id={member}" in account
    assert "graphrisk query review_queue" in client.get("/queue").text


def test_unknown_ids_say_not_found(client):
    assert client.get("/rings/R-nope").status_code == 404
    assert "not found: ring R-nope" in client.get("/rings/R-nope").text
    reply = client.get("/accounts/U-nope")
    assert reply.status_code == 404 and "not found: user U-nope" in reply.text


def test_the_drawing_carries_members_shared_entities_and_transfers(client):
    ring_id = _ring_ids(client.get("/rings?sort=size").text)[0]
    page = client.get(f"/rings/{ring_id}").text
    data = re.search(r'<script type="application/json" id="ring-graph-data">(.*?)</script>', page, flags=re.S)
    drawing = json.loads(data.group(1))
    members = {m["id"] for m in drawing["members"]}
    assert drawing["ring_id"] == ring_id and len(members) >= 2
    assert all(e["source"] in members for e in drawing["edges"])
    assert {e["kind"] for e in drawing["edges"]} <= {"used", "paid", "sent"}
    for edge in drawing["edges"]:
        if edge["kind"] == "sent":
            assert edge["amount"] is not None and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", edge["first_seen"])


def test_neighbours_expand_a_node(client):
    ring_id = _ring_ids(client.get("/rings").text)[0]
    member = re.findall(r'<tr data-user="([^"]+)">', client.get(f"/rings/{ring_id}").text)[0]
    reply = client.get("/api/neighbours", params={"kind": "user", "key": member})
    rows = reply.json()["rows"]
    assert reply.status_code == 200 and rows
    assert {row["tie"] for row in rows} <= {"used", "paid", "sent"}
    assert client.get("/api/neighbours", params={"kind": "planet", "key": "x"}).status_code == 400


def test_everything_shown_is_escaped(neo4j_config, client):
    nasty = "<script>alert(1)</script>"
    with connect(neo4j_config) as runner:
        user = runner.read("MATCH (u:User {flagged: true}) RETURN u.user_id AS u ORDER BY u LIMIT 1")[0]["u"]
        old = runner.read("MATCH (u:User {user_id: $u}) RETURN u.risk_reasons AS r", {"u": user})[0]["r"]
        runner.write("MATCH (u:User {user_id: $u}) SET u.risk_reasons = [$nasty]", {"u": user, "nasty": nasty})
    try:
        page = client.get(f"/accounts/{user}").text
        assert nasty not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    finally:
        with connect(neo4j_config) as runner:
            runner.write("MATCH (u:User {user_id: $u}) SET u.risk_reasons = $old", {"u": user, "old": old})
    hostile_ring = '"><img src=x onerror=alert(1)>'
    reply = client.get("/rings/" + hostile_ring)
    assert reply.status_code == 404 and hostile_ring not in reply.text and "&lt;img src=x" in reply.text


def test_the_drawings_data_cannot_close_its_script_block(neo4j_config, client):
    ring_id = _ring_ids(client.get("/rings").text)[0]
    nasty = "</script><script>alert(1)</script>"
    with connect(neo4j_config) as runner:
        member = runner.read("MATCH (u:User)-[:MEMBER_OF]->(:Ring {ring_id: $r}) RETURN u.user_id AS u, "
                             "u.verdict AS v ORDER BY u LIMIT 1", {"r": ring_id})[0]
        runner.write("MATCH (u:User {user_id: $u}) SET u.verdict = $nasty", {"u": member["u"], "nasty": nasty})
    try:
        page = client.get(f"/rings/{ring_id}").text
        block = re.search(r'<script type="application/json" id="ring-graph-data">(.*?)</script>', page, flags=re.S)
        assert "alert(1)" in block.group(1)  # the hostile value is in the drawing's data, whole ...
        assert nasty not in page  # ... and nowhere as markup
        verdicts = {m["key"]: m["verdict"] for m in json.loads(block.group(1))["members"]}
        assert verdicts[member["u"]] == nasty
    finally:
        with connect(neo4j_config) as runner:
            runner.write("MATCH (u:User {user_id: $u}) SET u.verdict = $v", {"u": member["u"], "v": member["v"]})


def test_pages_forbid_scripts_from_elsewhere(client):
    policy = client.get("/rings").headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy


def test_a_verdict_needs_the_console_form(client):
    queue = client.get("/queue").text
    user = re.findall(r'<tr data-user="([^"]+)">', queue)[0]
    forged = client.post(f"/accounts/{user}/verdict", data={"verdict": "fraud", "by": "mallory"},
                         follow_redirects=False)
    assert forged.status_code == 403
    assert "mallory" not in client.get(f"/accounts/{user}").text
    assert client.get("/queue").text.count('<tr data-user=') == queue.count('<tr data-user=')


def test_a_wrong_form_secret_or_a_foreign_origin_is_refused(client):
    user = re.findall(r'<tr data-user="([^"]+)">', client.get("/queue").text)[0]
    wrong = client.post(f"/accounts/{user}/verdict", data={"verdict": "fraud", "by": "mallory", "form_secret": "guess"},
                        follow_redirects=False)
    assert wrong.status_code == 403
    secret = re.search(r'name="form_secret" value="([^"]+)"', client.get(f"/accounts/{user}").text).group(1)
    foreign = client.post(f"/accounts/{user}/verdict", headers={"Origin": "http://evil.example"},
                          data={"verdict": "fraud", "by": "mallory", "form_secret": secret}, follow_redirects=False)
    assert foreign.status_code == 403
    assert "mallory" not in client.get(f"/accounts/{user}").text


def test_a_verdict_never_redirects_off_the_console(neo4j_config, client):
    with connect(neo4j_config) as runner:
        user = runner.read("MATCH (u:User) WHERE NOT u.flagged RETURN u.user_id AS u ORDER BY u LIMIT 1")[0]["u"]
    secret = re.search(r'name="form_secret" value="([^"]+)"', client.get(f"/accounts/{user}").text).group(1)
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        reply = client.post(f"/accounts/{user}/verdict", data={"verdict": "unsure", "by": "ana", "next": target,
                                                               "form_secret": secret}, follow_redirects=False)
        assert reply.status_code == 303
        location = reply.headers["location"]
        assert location.startswith("/") and not location.startswith("//") and "evil" not in location


def test_without_a_token_only_loopback_host_names_are_served(neo4j_config, demo_world):
    with TestClient(create_app(lambda: connect(neo4j_config)), base_url="http://rebound.example:8765") as rebound:
        reply = rebound.get("/rings")
        assert reply.status_code == 421 and "Ring" not in reply.text
    for host in ("http://localhost:8765", "http://[::1]:8765"):
        with TestClient(create_app(lambda: connect(neo4j_config)), base_url=host) as local:
            assert local.get("/rings").status_code == 200


def test_binding_beyond_loopback_needs_a_token():
    check_bind("127.0.0.1", None)
    check_bind("::1", None)
    with pytest.raises(ConfigError, match="GRAPHRISK_CONSOLE_TOKEN"):
        check_bind("0.0.0.0", None)
    with pytest.raises(ConfigError, match="at least 16"):
        check_bind("0.0.0.0", "short")
    check_bind("0.0.0.0", TOKEN)


def test_with_a_token_every_request_must_carry_it(neo4j_config, demo_world):
    app = create_app(lambda: connect(neo4j_config), ConsoleAccess(token=TOKEN))
    with TestClient(app, base_url="http://console.example:8765") as anonymous:  # a token admits any host name
        assert anonymous.get("/rings").status_code == 401
        wrong = anonymous.get("/rings?token=wrong")
        assert wrong.status_code == 401 and "frame-ancestors 'none'" in wrong.headers["content-security-policy"]
        assert anonymous.get("/rings", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        first = anonymous.get(f"/rings?sort=size&token={TOKEN}", follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/rings?sort=size"
        assert anonymous.get("/rings?sort=size").status_code == 200  # the cookie now carries it


def test_the_cli_refuses_an_open_bind_without_a_token(capsys, monkeypatch):
    monkeypatch.delenv("GRAPHRISK_CONSOLE_TOKEN", raising=False)
    assert main(["console", "--host", "0.0.0.0", "--uri", "bolt://127.0.0.1:1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "needs a token in GRAPHRISK_CONSOLE_TOKEN" in err[0]


# --- in a real browser ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def console_url(neo4j_config, demo_world) -> Iterator[str]:
    """The console served by uvicorn in a thread, as ``graphrisk console`` serves it."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(lambda: connect(neo4j_config)), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the console did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Headless Chromium through chromedriver (Debian's packages; ``make test`` installs them)."""
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium and chromedriver are needed: make test installs them (tools/install-browser)")
        pytest.skip("chromium or chromedriver missing: run tools/install-browser (make test does)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _shot(driver, name: str) -> None:
    folder = os.environ.get(SHOTS_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"console-{name}.png"))


def _wait(driver, condition, seconds: float = 20.0):
    """Wait for ``condition``; an element of the page being left (stale) or not there yet means "not yet"."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
                         ).until(condition)


def _queue(driver, console_url: str) -> tuple[int, list[str]]:
    """The queue's length and the accounts it shows, as the queue page says them."""
    from selenium.webdriver.common.by import By

    driver.get(f"{console_url}/queue")
    waiting = int(driver.find_element(By.ID, "queue").get_attribute("data-waiting"))
    return waiting, [row.get_attribute("data-user")
                     for row in driver.find_elements(By.CSS_SELECTOR, "#queue tbody tr[data-user]")]


def test_in_a_browser_from_ring_list_to_ring_to_account_to_verdict_and_the_queue_shrinks(browser, console_url):
    from selenium.webdriver.common.by import By

    waiting_before, queue_before = _queue(browser, console_url)
    assert queue_before, "the demo world should have flagged accounts to review"
    _shot(browser, "queue")

    browser.get(f"{console_url}/rings")
    _shot(browser, "rings")
    first_ring = browser.find_element(By.CSS_SELECTOR, "#rings tbody a.ring")
    ring_id = first_ring.text
    first_ring.click()
    _wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == f"Ring {ring_id}")

    # the drawing: drawn, and a click on a member expands its neighbours
    graph = browser.find_element(By.ID, "ring-graph")
    _wait(browser, lambda d: graph.get_attribute("data-ready") == "true")
    drawn = browser.execute_script("return window.graphriskCy.nodes().length")
    assert drawn >= 2
    browser.execute_script("window.graphriskCy.nodes(\"[kind = 'user']\")[0].emit('tap')")
    _wait(browser, lambda d: graph.get_attribute("data-expanded") == "1")
    assert browser.execute_script("return window.graphriskCy.nodes().length") > drawn
    assert "open the account" in browser.find_element(By.ID, "graph-selection").text
    _shot(browser, "ring")

    # to an account of the ring that waits in the queue
    members = [row.get_attribute("data-user") for row in browser.find_elements(By.CSS_SELECTOR, "#members tbody tr")]
    waiting = [m for m in members if m in queue_before]
    user = waiting[0] if waiting else queue_before[0]
    if waiting:
        browser.find_element(By.CSS_SELECTOR, f"#members tr[data-user='{user}'] a.account").click()
    else:  # a ring without an unreviewed member: take the queue's first account
        browser.get(f"{console_url}/accounts/{user}")
    _wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == f"Account {user}")
    assert browser.find_elements(By.CSS_SELECTOR, "#timeline tbody tr")
    assert "No verdict yet." in browser.find_element(By.ID, "verdicts").text
    _shot(browser, "account")

    # record a verdict with the form
    browser.find_element(By.CSS_SELECTOR, "#verdict-form input[value='fraud']").click()
    browser.find_element(By.CSS_SELECTOR, "#verdict-form input[name='by']").send_keys("ana")
    browser.find_element(By.CSS_SELECTOR, "#verdict-form textarea[name='note']").send_keys("shares the ring's device")
    browser.find_element(By.ID, "record-verdict").click()
    _wait(browser, lambda d: "fraud by ana" in d.find_element(By.ID, "current-verdict").text)
    assert "shares the ring's device" in browser.find_element(By.ID, "verdicts").text

    # the queue shrank by exactly that account
    waiting_after, queue_after = _queue(browser, console_url)
    assert waiting_after == waiting_before - 1 and user not in queue_after
    assert browser.find_element(By.ID, "queue-count").text.startswith(f"{waiting_after:,} flagged")


def test_in_a_browser_the_queue_leads_back_to_itself_after_a_verdict(browser, console_url):
    from selenium.webdriver.common.by import By

    waiting_before, before = _queue(browser, console_url)
    user = before[0]
    browser.find_element(By.CSS_SELECTOR, f"#queue tr[data-user='{user}'] a.account").click()
    _wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == f"Account {user}")
    browser.find_element(By.CSS_SELECTOR, "#verdict-form input[value='legit']").click()
    name = browser.find_element(By.CSS_SELECTOR, "#verdict-form input[name='by']")
    if not name.get_attribute("value"):
        name.send_keys("ana")
    browser.find_element(By.ID, "record-verdict").click()
    _wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Review queue")
    waiting_after = int(browser.find_element(By.ID, "queue").get_attribute("data-waiting"))
    rows = [r.get_attribute("data-user") for r in browser.find_elements(By.CSS_SELECTOR, "#queue tbody tr[data-user]")]
    assert user not in rows and waiting_after == waiting_before - 1


def test_in_a_browser_pages_raise_no_script_errors(browser, console_url):
    from selenium.webdriver.common.by import By

    browser.get(f"{console_url}/rings")
    browser.find_element(By.CSS_SELECTOR, "#rings tbody a.ring").click()
    _wait(browser, lambda d: d.find_element(By.ID, "ring-graph").get_attribute("data-ready") == "true")
    severe = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []
