#!/usr/bin/env python3
"""speedscopetest.py - a -f speedscope file opened by the real speedscope
app (npm's `speedscope` package) in headless Chromium, over the DevTools
protocol of browsertest.py. The app and the file are served from a local
HTTP server (the app fetches #profileURL=; file:// pages cannot fetch).

Passes when the app has imported the file: the page title becomes the
file's name (speedscope sets "<name> - speedscope" once a profile group is
loaded), the toolbar offers the run and every endpoint, and no exception
or console error was raised. Usage:
    speedscopetest.py --chrome EXE --profile DIR --dir SERVED --file NAME
                      --expect-profiles N --expect-name TEXT
"""
import argparse
import functools
import http.server
import os
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browsertest import Browser  # noqa: E402

POLLS = 600  # times 0.1 s: the most the import may take


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chrome", required=True)
    ap.add_argument("--profile", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--expect-name", required=True)
    ap.add_argument("--expect-profiles", type=int, required=True)
    ap.add_argument("--log", default=os.devnull)
    a = ap.parse_args()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=a.dir))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d/" % srv.server_address[1]
    url = base + "index.html#profileURL=" + urllib.parse.quote(
        base + a.file, safe="")
    failed = 0

    def check(name, ok, detail=""):
        nonlocal failed
        print("%s %s%s" % ("PASS" if ok else "FAIL", name,
                            "" if ok else ": " + detail))
        failed += not ok

    with open(a.log, "ab") as log:
        b = Browser(a.chrome, a.profile, log)
        try:
            for dom in ("Page", "Runtime", "Log"):
                b.call(dom + ".enable")
            # The app alerts when an import fails; a dialog would block the
            # page, so alerts are recorded instead.
            b.call("Page.addScriptToEvaluateOnNewDocument", {"source":
                   "window.__alerts=[];window.alert=function(m)"
                   "{window.__alerts.push(String(m))};"})
            b.call("Page.navigate", {"url": url})
            b.wait_event("Page.loadEventFired")
            title = ""
            for _ in range(POLLS):
                title = b.eval("document.title") or ""
                if title.endswith(" - speedscope") or \
                        b.eval("window.__alerts.length"):
                    break
                time.sleep(0.1)
            check("speedscope imported the file", a.expect_name in title
                  and title.endswith(" - speedscope"), repr(title))
            text = b.eval("document.body.innerText") or ""
            check("speedscope shows the run, one of %d profiles"
                  % a.expect_profiles,
                  "all requests" in text and
                  "1/%d" % a.expect_profiles in text, repr(text[:300]))
            errors = []
            for m in b.events:
                p = m.get("params", {})
                if m["method"] == "Runtime.exceptionThrown":
                    errors.append(p["exceptionDetails"].get("text"))
                elif m["method"] == "Runtime.consoleAPICalled" and \
                        p["type"] == "error":
                    errors.append(str(p["args"]))
            errors += b.eval("window.__alerts") or []
            check("speedscope raised no error", not errors, repr(errors))
        finally:
            b.close()
            srv.shutdown()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
