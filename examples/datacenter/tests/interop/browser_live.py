"""Headless Chromium on `datacenter serve`'s /live page, driven through the
DevTools protocol (over Python's `websockets`): with `via=sse` the page
subscribes with `EventSource`, with `via=ws` with a `WebSocket`. While the
page is open, servers are created in country 3 and country 44 over REST; the
page must show the first two of country 3 and none of 44. A screenshot of
each page is saved. Usage: browser_live.py CHROMIUM BASE_URL OUT_DIR"""
import asyncio
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websockets

chromium, base, out_dir = sys.argv[1:4]


def create(hostname, country):
    body = json.dumps({"hostname": hostname, "country": country, "datacenter": "live"}).encode()
    request = urllib.request.Request(base + "/servers", data=body,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 201, answer.status


class Page:
    """One page target of a browser, over the DevTools protocol."""

    def __init__(self, socket):
        self.socket = socket
        self.next_id = 0

    async def send(self, method, **params):
        self.next_id += 1
        await self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            answer = json.loads(await asyncio.wait_for(self.socket.recv(), 20))
            if answer.get("id") == self.next_id:
                assert "error" not in answer, answer
                return answer["result"]

    async def evaluate(self, expression):
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")


async def watch(port, via):
    # The browser's page list, once it answers.
    deadline = time.time() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as answer:
                pages = [t for t in json.loads(answer.read()) if t["type"] == "page"]
            if pages:
                break
        except OSError:
            pass
        assert time.time() < deadline, "Chromium's DevTools did not answer"
        await asyncio.sleep(0.1)
    async with websockets.connect(pages[0]["webSocketDebuggerUrl"], max_size=None) as socket:
        page = Page(socket)
        await page.send("Page.enable")
        await page.send("Page.navigate", url=f"{base}/live?via={via}&country=3&limit=2")
        status = ""
        for _ in range(200):
            status = await page.evaluate("document.getElementById('status').textContent") or ""
            if status.startswith("subscribed"):
                break
            await asyncio.sleep(0.05)
        assert status.startswith("subscribed"), f"{via}: the page says {status!r}"
        loop = asyncio.get_running_loop()
        for n in range(1, 3):
            await loop.run_in_executor(None, create, f"live-{via}-44-{n}", 44)
            await loop.run_in_executor(None, create, f"live-{via}-3-{n}", 3)
        for _ in range(200):
            status = await page.evaluate("document.getElementById('status').textContent")
            if status.startswith("done"):
                break
            await asyncio.sleep(0.05)
        assert status == "done: 2 changes", f"{via}: the page says {status!r}"
        shown = await page.evaluate(
            "[...document.querySelectorAll('#changes li')].map(li => li.dataset.hostname)")
        assert shown == [f"live-{via}-3-2", f"live-{via}-3-1"], f"{via}: the page shows {shown}"
        shot = await page.send("Page.captureScreenshot", format="png")
        path = os.path.join(out_dir, f"live-{via}.png")
        with open(path, "wb") as file:
            file.write(base64.b64decode(shot["data"]))
        print(f"{via}: the page showed {shown}; screenshot: {path}")


def main():
    profile = tempfile.mkdtemp(prefix="datacenter-live-")
    browser = subprocess.Popen(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=900,600", "--remote-debugging-port=0", f"--user-data-dir={profile}",
         "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        port = None
        for line in browser.stderr:
            found = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if found:
                port = int(found.group(1))
                break
        assert port, "Chromium did not say where DevTools listen"
        for via in ("sse", "ws"):
            asyncio.run(watch(port, via))
    finally:
        browser.kill()
        browser.wait()
        shutil.rmtree(profile, ignore_errors=True)
    print("browser: all checks passed")


main()
