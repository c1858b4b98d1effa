#!/usr/bin/env python3
"""Clicks a button of a page in headless Chromium, as a person would.

Usage: click.py URL SELECTOR AUTHORIZATION PROFILE_DIR

Drives Debian's Chromium over the DevTools protocol on --remote-debugging-pipe
(fd 3 in, fd 4 out, NUL-separated JSON): opens URL with the Authorization
header on every request, clicks the first element matching SELECTOR, waits
for the page the form leads to, and prints that page's text. Exit 0 on
success, 1 with the reason otherwise. Bounded: 60 s in all.
"""
import json
import os
import select
import subprocess
import sys
import time

url, selector, authorization, profile = sys.argv[1:5]
deadline = time.monotonic() + 60

to_chrome_r, to_chrome_w = os.pipe()
from_chrome_r, from_chrome_w = os.pipe()


def child_fds():
    os.dup2(to_chrome_r, 3)
    os.dup2(from_chrome_w, 4)


chrome = subprocess.Popen(
    ["/usr/bin/chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
     "--disable-background-networking", "--disable-component-update", "--user-data-dir=" + profile,
     "--remote-debugging-pipe", "about:blank"],
    preexec_fn=child_fds, pass_fds=(3, 4),  # kept open through exec (closing the others comes after preexec_fn)
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.close(to_chrome_r)
os.close(from_chrome_w)
buffer = b""
next_id = 0


def fail(why):
    print("click.py: " + why)
    chrome.kill()
    chrome.wait()
    sys.exit(1)


def receive():
    """The next message from Chromium."""
    global buffer
    while b"\0" not in buffer:
        left = deadline - time.monotonic()
        if left <= 0:
            fail("timed out")
        ready, _, _ = select.select([from_chrome_r], [], [], left)
        if not ready:
            fail("timed out")
        chunk = os.read(from_chrome_r, 65536)
        if not chunk:
            fail("chromium closed the pipe")
        buffer += chunk
    message, buffer = buffer.split(b"\0", 1)
    return json.loads(message)


def send(method, params=None, session=None, wait_event=None):
    """Sends a command; returns its result (and waits for `wait_event` if given)."""
    global next_id
    next_id += 1
    message = {"id": next_id, "method": method, "params": params or {}}
    if session:
        message["sessionId"] = session
    os.write(to_chrome_w, json.dumps(message).encode() + b"\0")
    result, seen = None, wait_event is None
    while result is None or not seen:
        m = receive()
        if m.get("id") == next_id:
            if "error" in m:
                fail(method + ": " + json.dumps(m["error"]))
            result = m.get("result", {})
        elif wait_event and m.get("method") == wait_event:
            seen = True
    return result


def wait_event(name):
    while True:
        if receive().get("method") == name:
            return


target = send("Target.createTarget", {"url": "about:blank"})["targetId"]
session = send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
send("Network.enable", session=session)
send("Network.setExtraHTTPHeaders", {"headers": {"Authorization": authorization}}, session=session)
send("Page.enable", session=session)
send("Page.navigate", {"url": url}, session=session, wait_event="Page.loadEventFired")
found = send("Runtime.evaluate", {"expression": "!!document.querySelector(%s)" % json.dumps(selector),
                                  "returnByValue": True}, session=session)
if not found.get("result", {}).get("value"):
    fail("no element matches " + selector)
send("Runtime.evaluate", {"expression": "document.querySelector(%s).click()" % json.dumps(selector)},
     session=session)
wait_event("Page.loadEventFired")
text = send("Runtime.evaluate", {"expression": "document.body.innerText", "returnByValue": True}, session=session)
print(text.get("result", {}).get("value", ""))
os.write(to_chrome_w, json.dumps({"id": next_id + 1, "method": "Browser.close"}).encode() + b"\0")
try:
    chrome.wait(timeout=10)
except subprocess.TimeoutExpired:
    chrome.kill()
    chrome.wait()
