#!/usr/bin/python3
"""Load HTML reports in headless Chromium and check them (see browsertest.sh).

Usage:
    browsertest.py --chrome EXE --profile DIR [--shots DIR] NAME=FILE.html ...

Drives Chromium over the DevTools protocol on --remote-debugging-pipe
(fd 3: commands to the browser, fd 4: replies and events, each message a
JSON text ended by a NUL byte), so nothing but the standard library is
needed and no port is opened. For every report it checks that

  - the page loads with no console error, no uncaught exception and no
    log entry of level "error" (a Content-Security-Policy violation is one);
  - the only network request is the file itself;
  - the SVG charts are there and not empty (each has drawn elements and a
    non-zero size on the page), and they are there with scripts off too;
  - nothing from a profile became markup: one <script> (ours), no element
    of a kind the report never makes, no on* attribute, alert() never
    called; and every --expect-text string appears as text;
  - the script's SHA-256 is the one in the page's Content-Security-Policy;
  - clicking a flame-graph box zooms (the optional script works).

NAME=FILE pairs name the reports; --shots DIR saves screenshots of the
first one: NAME.png (1280 px wide), NAME-phone.png (390 px, mobile),
NAME-dark.png (prefers-color-scheme: dark) and NAME-sandwich.png (a
function's callers and callees, one screen). Prints PASS/FAIL lines and
exits 1 when anything failed.
"""
import argparse
import base64
import fcntl
import hashlib
import json
import os
import re
import select
import subprocess
import sys
import time

TIMEOUT = 60  # seconds for any one step


class Browser:
    """One Chromium process and a DevTools session on one page."""

    def __init__(self, exe, profile, log):
        cmd_r, self.cmd_w = os.pipe()
        self.res_r, res_w = os.pipe()

        def child_fds():
            # Move the pipe ends to fds 3 and 4 without ever dup2()ing an
            # fd onto itself (that would keep close-on-exec set).
            a = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(res_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [exe, "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-background-networking",
                "--disable-extensions", "--mute-audio",
                "--user-data-dir=" + profile, "--remote-debugging-pipe",
                "about:blank"]
        self.proc = subprocess.Popen(args, preexec_fn=child_fds,
                                     close_fds=False, stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=log)
        os.close(cmd_r)
        os.close(res_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None
        target = self.call("Target.createTarget", {"url": "about:blank"},
                           browser=True)["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True},
                                 browser=True)["sessionId"]

    def close(self):
        try:
            self.call("Browser.close", browser=True)
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.cmd_w)
        os.close(self.res_r)

    def _read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply from the browser")
            ready, _, _ = select.select([self.res_r], [], [], left)
            if ready:
                chunk = os.read(self.res_r, 1 << 20)
                if not chunk:
                    raise EOFError("the browser closed the pipe (exit %s)"
                                   % self.proc.poll())
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, browser=False):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if not browser:
            msg["sessionId"] = self.session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            m = self._read(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def wait_event(self, method):
        """Waits for an event; every event stays in self.events."""
        deadline = time.monotonic() + TIMEOUT
        if any(m["method"] == method for m in self.events):
            return
        while True:
            m = self._read(deadline)
            if "method" in m:
                self.events.append(m)
                if m["method"] == method:
                    return

    def eval(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr,
                                           "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError("evaluate: %s" % r["exceptionDetails"])
        return r["result"].get("value")


# What the page says about itself, gathered in one evaluation.
INSPECT = r"""(() => {
  const svgs = [...document.querySelectorAll('svg')];
  const kinds = {};
  const charts = svgs.map(s => {
    const r = s.getBoundingClientRect();
    const cls = [...s.classList].filter(c => c !== 'chart' && c !== 'zoom' &&
                                        c !== 'narrow')[0] || '';
    kinds[cls] = (kinds[cls] || 0) + 1;
    // Each chart comes wide and narrow; the page shows one of the two.
    return {cls, w: r.width, h: r.height, narrow: s.classList.contains('narrow'),
            shown: getComputedStyle(s).display !== 'none',
            drawn: s.querySelectorAll('rect,circle,line,polyline').length};
  });
  const attrs = [];
  for (const e of document.querySelectorAll('*'))
    for (const a of e.attributes)
      if (/^on/i.test(a.name)) attrs.push(e.tagName + ' ' + a.name);
  const foreign = [...document.querySelectorAll(
      'img,iframe,object,embed,link,base,form,input,audio,video,meta[http-equiv=refresh]')]
      .filter(e => !e.closest('.fnfilter'))  // our script's search boxes
      .map(e => e.outerHTML.slice(0, 80));
  return {charts, kinds, attrs, foreign,
          scripts: document.scripts.length,
          alerts: window.__alerts || [],
          text: document.body.innerText,
          svgText: svgs.map(s => s.textContent).join('\n'),
          height: document.documentElement.scrollHeight,
          csp: (document.querySelector('meta[http-equiv="Content-Security-Policy"]') || {}).content || '',
          script: (document.scripts[0] || {}).textContent || ''};
})()"""

ZOOM = r"""(() => {
  const s = document.querySelector('svg.icicle.zoom');
  if (!s) return {zoomable: false};
  const gs = [...s.querySelectorAll('g')].filter(g => g.querySelector('rect'));
  // A box on the second row or below that is not already full width.
  const g = gs.find(g => +g.querySelector('rect').getAttribute('y') > 0 &&
                         +g.querySelector('rect').getAttribute('width') < 900) || gs[0];
  const before = +g.querySelector('rect').getAttribute('width');
  g.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  const after = +g.querySelector('rect').getAttribute('width');
  const hidden = gs.filter(x => x.getAttribute('display') === 'none').length;
  g.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  const back = +g.querySelector('rect').getAttribute('width');
  return {zoomable: true, before, after, hidden, back, boxes: gs.length};
})()"""


# Page height with every section laid out (the report's sections are
# content-visibility:auto, whose off-screen height is an estimate), and
# what sticks out of the viewport other than inside a scroll container.
LAYOUT = r"""(() => {
  const st = document.createElement('style');
  st.textContent = 'section{content-visibility:visible!important}';
  document.head.appendChild(st);
  const W = document.documentElement.clientWidth;
  const scrolls = e => {
    for (let p = e.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  };
  const out = [];
  for (const e of document.querySelectorAll('main *, nav, header')) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && (r.right > W + 1 || r.left < -1) && !scrolls(e))
      out.push(e.tagName + '.' + e.className + ' ' + Math.round(r.left) +
               '..' + Math.round(r.right));
  }
  const h = document.documentElement.scrollHeight;
  st.remove();
  return {height: h, width: document.documentElement.scrollWidth,
          viewport: W, overflow: out.slice(0, 5), noverflow: out.length};
})()"""

# Every chart shown at this width, with each endpoint's <details> opened
# in turn: its box on the screen, nothing of it scrolled or cut off by a
# parent, its text inside it (an SVG clips what sticks out) and at least
# MIN_TEXT px on screen (font size times the SVG's scale).
CHARTS_FIT = r"""(() => {
  const st = document.createElement('style');
  st.textContent = 'section{content-visibility:visible!important}';
  document.head.appendChild(st);
  const W = document.documentElement.clientWidth, bad = [], seen = {};
  let n = 0, minText = 1e9;
  const check = () => {
    for (const s of document.querySelectorAll('svg.chart')) {
      if (getComputedStyle(s).display === 'none' || s.__seen) continue;
      const r = s.getBoundingClientRect();
      if (r.width === 0) continue;  // in a closed <details>
      s.__seen = true;
      n++;
      const cls = s.getAttribute('class');
      seen[cls] = (seen[cls] || 0) + 1;
      if (r.left < -0.5 || r.right > W + 0.5)
        bad.push(cls + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right));
      for (let p = s.parentElement; p && p !== document.body; p = p.parentElement)
        if (p.scrollWidth > p.clientWidth + 1 &&
            getComputedStyle(p).overflowX !== 'visible')
          bad.push(cls + ' scrolls or is cut in ' + p.tagName + ' (' +
                   p.scrollWidth + ' > ' + p.clientWidth + ')');
      const vb = s.viewBox.baseVal, k = r.width / vb.width;
      for (const t of s.querySelectorAll('text')) {
        if (!t.textContent.trim() || t.closest('[display=none]')) continue;
        const px = parseFloat(getComputedStyle(t).fontSize) * k;
        if (px < minText) minText = px;
        // The SVG clips what is outside it (less a glyph's overhang).
        const bb = t.getBBox();
        if (bb.x < vb.x - 2 || bb.x + bb.width > vb.x + vb.width + 2)
          bad.push(cls + ': text "' + t.textContent.slice(0, 30) + '" cut at ' +
                   Math.round(bb.x) + '..' + Math.round(bb.x + bb.width));
      }
    }
  };
  check();
  for (const d of document.querySelectorAll('details')) {
    const was = d.open;
    d.open = true;
    check();
    d.open = was;
  }
  st.remove();
  return {charts: n, kinds: seen, bad: bad.slice(0, 5), nbad: bad.length,
          minText: Math.round(minText * 10) / 10};
})()"""

MIN_TEXT = 10  # px on screen

# The explorer: sort, filter, module filter, flame-graph search, and a
# function's callers and callees (by its link, as a reader follows it).
EXPLORE = r"""(() => {
  const t = document.querySelector('table.funcs');
  if (!t) return {table: false};
  const rows = () => [...t.tBodies[0].rows].filter(r => !r.hidden);
  const num = (r, i) => parseFloat(r.cells[i].textContent.split('/').pop());
  const res = {table: true, rows: t.tBodies[0].rows.length};
  const th = t.tHead.rows[0].cells;
  th[4].click();  // cumtime, largest first
  let v = rows().map(r => num(r, 4));
  res.sortDesc = v.every((x, i) => i === 0 || v[i - 1] >= x);
  th[4].click();
  v = rows().map(r => num(r, 4));
  res.sortAsc = v.every((x, i) => i === 0 || v[i - 1] <= x);
  th[0].click();
  const names = rows().map(r => r.cells[0].textContent);
  res.sortName = names.every((x, i) => i === 0 || names[i - 1] <= x);
  const box = t.closest('section').querySelector('.fnfilter');
  const q = box && box.querySelector('input'), m = box && box.querySelector('select');
  const ep = box && box.querySelectorAll('select')[1];
  res.controls = !!(q && m);
  if (q) {
    q.value = 'open_session';
    q.dispatchEvent(new Event('input'));
    const shown = rows();
    res.filtered = shown.length;
    res.filterOk = shown.length > 0 &&
        shown.every(r => r.cells[0].textContent.includes('open_session'));
    q.value = '';
    q.dispatchEvent(new Event('input'));
  }
  if (m && m.options.length > 1) {
    m.value = m.options[1].value;
    m.dispatchEvent(new Event('change'));
    const shown = rows();
    res.moduleOk = shown.length > 0 && shown.length < res.rows &&
        shown.every(r => r.cells[1].textContent === m.value);
    m.value = '';
    m.dispatchEvent(new Event('change'));
  }
  // By endpoint: each endpoint's view function shows, the other
  // endpoints' views do not (in the demo no view calls another), and
  // every row shown says it ran in that endpoint.
  res.endpoints = ep ? ep.options.length - 1 : 0;
  res.endpointOk = res.endpoints > 1;
  const view = label => {
    const k = /^(.*) \((.*):(\d+)\)$/.exec(label);
    return k && [...t.tBodies[0].rows].find(r =>
        r.cells[0].textContent.endsWith(k[2] + ':' + k[3] + '(' + k[1] + ')'));
  };
  for (let i = 1; ep && i < ep.options.length; i++) {
    ep.value = ep.options[i].value;
    ep.dispatchEvent(new Event('change'));
    const shown = rows(), mine = view(ep.options[i].text);
    const ok = shown.length > 0 && shown.length < res.rows && mine && !mine.hidden &&
        shown.every(r => (' ' + r.dataset.ep + ' ').includes(' ' + ep.value + ' ')) &&
        [...ep.options].slice(1).every(o => o === ep.options[i] ||
                                       !view(o.text) || view(o.text).hidden);
    if (!ok) { res.endpointOk = false; res.endpointBad = ep.options[i].text; }
  }
  if (ep) { ep.value = ''; ep.dispatchEvent(new Event('change')); }
  const s = document.querySelector('svg.icicle');
  const sq = s && s.previousElementSibling && s.previousElementSibling.querySelector('input');
  if (sq) {
    sq.value = 'open_session';
    sq.dispatchEvent(new Event('input'));
    res.searchHits = s.querySelectorAll('g.hit').length;
    sq.value = '';
    sq.dispatchEvent(new Event('input'));
  }
  return res;
})()"""

# What the block a link names shows once the address names it (as when a
# reader follows the link; the script draws its sandwich on hashchange,
# so wait for it, but timers do not run with scripts off).
BLOCK = r"""async function prBlock(href, wait) {
  location.hash = href;
  if (wait) await new Promise(r => setTimeout(r, 150));
  const d = document.getElementById(href.slice(1));
  const t = d ? [...d.querySelectorAll('table.edges')] : [];
  const sw = d && d.querySelector('.sandwich');
  return {found: true, shown: !!d && d.offsetHeight > 0,
          callers: t[0] ? t[0].tBodies[0].rows.length : -1,
          callees: t[1] ? t[1].tBodies[0].rows.length : -1,
          sandwich: !!sw && sw.offsetHeight > 0,
          swCallers: sw ? sw.querySelectorAll('.sw.caller').length : -1,
          swSelf: sw ? sw.querySelectorAll('.sw.self').length : -1,
          swCallees: sw ? sw.querySelectorAll('.sw.callee').length : -1,
          // callers above the function, callees below it
          swOrder: sw ? [...sw.querySelectorAll('.sw')].map(e => e.classList[1])
              .filter((c, i, all) => i === 0 || all[i - 1] !== c).join(',') : '',
          text: d ? d.innerText.slice(0, 300) : ''};
}"""


# Follow the link of the function named `name` in the table.
def callers_of(name, scripts):
    return BLOCK + r""";(() => {
  const a = [...document.querySelectorAll('table.funcs a')]
      .find(a => a.textContent.includes(%s));
  if (!a) return {found: false};
  return prBlock(a.getAttribute('href'), %s);
})()""" % (json.dumps(name), "true" if scripts else "false")


def sandwich_ok(k):
    return (k.get("sandwich") and k["swSelf"] == 1 and
            k["swCallers"] == k["callers"] and
            k["swCallees"] == k["callees"] and
            k["swOrder"] == "caller,self,callee")


class Checker:
    def __init__(self):
        self.failed = 0

    def check(self, name, ok, detail=""):
        print(("PASS " if ok else "FAIL ") + name +
              ("" if ok or not detail else ": " + detail))
        if not ok:
            self.failed += 1


def load(b, url, scripts=True):
    """Navigates to url; returns (requests, errors) seen while loading."""
    b.call("Emulation.setScriptExecutionDisabled", {"value": not scripts})
    b.events.clear()
    b.call("Page.navigate", {"url": url})
    b.wait_event("Page.loadEventFired")
    time.sleep(0.3)  # let late console messages arrive
    b.call("Runtime.evaluate", {"expression": "0"})  # drain the pipe
    requests, errors = [], []
    for m in b.events:
        p = m.get("params", {})
        if m["method"] == "Network.requestWillBeSent":
            requests.append(p["request"]["url"])
        elif m["method"] == "Runtime.exceptionThrown":
            errors.append("exception: %s" % p["exceptionDetails"].get("text"))
        elif m["method"] == "Runtime.consoleAPICalled" and p["type"] in (
                "error", "assert"):
            errors.append("console.%s: %s" % (
                p["type"], " ".join(str(a.get("value")) for a in p["args"])))
        elif m["method"] == "Log.entryAdded" and \
                p["entry"]["level"] == "error":
            errors.append("log: %s" % p["entry"]["text"])
    b.events.clear()
    return requests, errors


def screenshot(b, path, width, height, mobile, scale, max_h):
    """The top of the page, up to max_h CSS pixels. The viewport is made
    that tall, since off-screen sections are not painted (the report's
    content-visibility:auto)."""
    b.call("Emulation.setDeviceMetricsOverride",
           {"width": width, "height": height, "deviceScaleFactor": scale,
            "mobile": mobile})
    time.sleep(0.2)
    h = min(b.eval("document.documentElement.scrollHeight"), max_h)
    b.call("Emulation.setDeviceMetricsOverride",
           {"width": width, "height": h, "deviceScaleFactor": scale,
            "mobile": mobile})
    time.sleep(0.5)
    shot = b.call("Page.captureScreenshot", {"format": "png"})
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))


def screens(b, url, out):
    """report-desktop.png (1280 x 900), report-phone.png (390 x 1500, the
    header down to the latency chart), report-dark.png and
    report-sandwich.png (open_session's callers and callees)."""
    os.makedirs(out, exist_ok=True)

    def shot(name, width, height, mobile, dark=False, href=None):
        b.call("Emulation.setDeviceMetricsOverride",
               {"width": width, "height": height, "deviceScaleFactor": 1,
                "mobile": mobile})
        b.call("Emulation.setEmulatedMedia", {"features": [
            {"name": "prefers-color-scheme",
             "value": "dark" if dark else "light"}]})
        load(b, url)
        if href:
            b.eval("location.hash = %s" % json.dumps(href))
        time.sleep(0.5)
        data = b.call("Page.captureScreenshot", {"format": "png"})["data"]
        with open(os.path.join(out, name), "wb") as f:
            f.write(base64.b64decode(data))

    shot("report-desktop.png", 1280, 900, False)
    shot("report-phone.png", 390, 1500, True)
    shot("report-dark.png", 1280, 900, False, dark=True)
    load(b, url)
    href = b.eval("""(() => { const a = [...document.querySelectorAll(
        'table.funcs a')].find(a => a.textContent.includes('open_session'));
        return a ? a.getAttribute('href') : ''; })()""")
    shot("report-sandwich.png", 1280, 900, False, href=href)
    b.call("Emulation.setEmulatedMedia", {"features": []})
    b.call("Emulation.setDeviceMetricsOverride",
           {"width": 1280, "height": 900, "deviceScaleFactor": 1,
            "mobile": False})
    print("screens in %s" % out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chrome", required=True)
    ap.add_argument("--profile", required=True)
    ap.add_argument("--shots")
    ap.add_argument("--log", default=os.devnull)
    ap.add_argument("--screens", metavar="DIR",
                    help="also save one screen of each view of the first "
                         "report (the README's screenshots)")
    ap.add_argument("--expect-text", action="append", default=[],
                    metavar="NAME:TEXT",
                    help="TEXT must appear as text in report NAME")
    ap.add_argument("--expect-svg-text", action="append", default=[],
                    metavar="NAME:TEXT",
                    help="TEXT must appear as text inside the charts")
    ap.add_argument("--expect-charts", action="append", default=[],
                    metavar="NAME:KIND,...",
                    help="report NAME has charts of these kinds "
                         "(endpoints, latency, modules, mix, icicle)")
    ap.add_argument("--explore", metavar="NAME",
                    help="check page height, overflow and the function "
                         "explorer of report NAME (the demo)")
    ap.add_argument("--max-height", type=int, default=9000,
                    help="page height limit at 1280 px (10 screens)")
    ap.add_argument("--max-height-phone", type=int, default=12000,
                    help="page height limit at 390 px")
    ap.add_argument("reports", nargs="+", metavar="NAME=FILE")
    a = ap.parse_args()
    c = Checker()
    EXPLORE_MAX[0] = a.max_height
    EXPLORE_MAX[1] = a.max_height_phone
    with open(a.log, "ab") as log:
        b = Browser(a.chrome, a.profile, log)
        try:
            for dom in ("Page", "Runtime", "Log", "Network"):
                b.call(dom + ".enable")
            b.call("Page.addScriptToEvaluateOnNewDocument", {"source":
                   "window.__alerts=[];window.alert=window.confirm="
                   "window.prompt=function(m){window.__alerts.push(String(m))};"})
            b.call("Emulation.setDeviceMetricsOverride",
                   {"width": 1280, "height": 900, "deviceScaleFactor": 1,
                    "mobile": False})
            control(b, c, a.profile)
            for k, spec in enumerate(a.reports):
                name, path = spec.split("=", 1)
                url = "file://" + os.path.abspath(path)
                c.check("%s: file exists" % name, os.path.isfile(path))
                run_one(b, c, a, name, url, shots=a.shots if k == 0 else None)
                if k == 0 and a.screens:
                    screens(b, url, a.screens)
        finally:
            b.close()
    print("%d check%s failed" % (c.failed, "" if c.failed == 1 else "s")
          if c.failed else "all browser checks passed")
    return 1 if c.failed else 0


def control(b, c, workdir):
    """The detectors work: a page that makes a request and logs an error
    must be caught, or a clean report would prove nothing."""
    path = os.path.join(workdir, "control.html")
    with open(path, "w") as f:
        f.write('<!DOCTYPE html><title>control</title>'
                '<img src="http://127.0.0.1:9/x.png">'
                '<script>console.error("control")</script>')
    url = "file://" + os.path.abspath(path)
    requests, errors = load(b, url)
    c.check("control: a request from the page is seen",
            "http://127.0.0.1:9/x.png" in requests, repr(requests))
    c.check("control: a console error is seen",
            any("control" in e for e in errors), repr(errors))


def explore(b, c, name, url):
    """Height at 1280 and 390 px, overflow, and the explorer, with and
    without scripts."""
    for width, mobile, scripts in ((1280, False, True), (390, True, True),
                                   (390, True, False)):
        b.call("Emulation.setDeviceMetricsOverride",
               {"width": width, "height": 900, "deviceScaleFactor": 1,
                "mobile": mobile})
        load(b, url, scripts=scripts)
        how = "%d px%s" % (width, "" if scripts else ", scripts off")
        lay = b.eval(LAYOUT)
        if scripts:
            print("%s: page height at %d px: %d px (%.1f screens of 900)"
                  % (name, width, lay["height"], lay["height"] / 900))
            limit = EXPLORE_MAX[0] if width == 1280 else EXPLORE_MAX[1]
            c.check("%s: page height at %d px under %d px" %
                    (name, width, limit), lay["height"] < limit,
                    str(lay["height"]))
        c.check("%s: nothing overflows %s outside scroll boxes" %
                (name, how),
                lay["width"] <= lay["viewport"] and lay["noverflow"] == 0,
                json.dumps(lay))
        fit = b.eval(CHARTS_FIT)
        print("%s: %d charts shown at %s, smallest text %.1f px" %
              (name, fit["charts"], how, fit["minText"]))
        c.check("%s: every chart fits %s, none scrolls or is cut off" %
                (name, how), fit["charts"] >= 5 and fit["nbad"] == 0,
                json.dumps(fit))
        c.check("%s: chart text at least %d px on screen at %s" %
                (name, MIN_TEXT, how), fit["minText"] >= MIN_TEXT,
                json.dumps(fit))
    b.call("Emulation.setDeviceMetricsOverride",
           {"width": 1280, "height": 900, "deviceScaleFactor": 1,
            "mobile": False})
    load(b, url)
    x = b.eval(EXPLORE)
    c.check("%s: a table of every function" % name,
            x.get("table") and x["rows"] > 100, json.dumps(x))
    c.check("%s: the function table sorts by a column, both ways, and by "
            "name" % name, x.get("sortDesc") and x.get("sortAsc") and
            x.get("sortName"), json.dumps(x))
    c.check("%s: the function table filters by text" % name,
            x.get("controls") and x.get("filterOk"), json.dumps(x))
    c.check("%s: the function table filters by module" % name,
            x.get("moduleOk"), json.dumps(x))
    c.check("%s: the function table filters by endpoint" % name,
            x.get("endpointOk"), json.dumps(x))
    c.check("%s: the flame-graph search highlights boxes" % name,
            x.get("searchHits", 0) > 0, json.dumps(x))
    for scripts in (True, False):
        load(b, url, scripts=scripts)
        k = b.eval(callers_of("open_session", scripts))
        c.check("%s: callers and callees of open_session (scripts %s)" %
                (name, "on" if scripts else "off"),
                k.get("shown") and k["callers"] > 0 and k["callees"] > 0,
                json.dumps(k))
        if scripts:
            c.check("%s: a sandwich of open_session: its callers above it, "
                    "its callees below" % name,
                    sandwich_ok(k), json.dumps(k))
        else:
            c.check("%s: no sandwich with scripts off, the tables instead" %
                    name, k.get("found") and not k.get("sandwich"),
                    json.dumps(k))
    load(b, url)
    z = b.eval(BLOCK + r""";(async () => {
      const g = [...document.querySelectorAll('svg.icicle g[data-fn]')]
          .find(g => g.querySelector('title').textContent.startsWith('open_session'));
      if (!g) return {box: false};
      g.dispatchEvent(new MouseEvent('click', {bubbles: true}));
      const a = g.closest('figure').querySelector('.fnfilter a');
      const ok = a && !a.hidden && document.getElementById(a.getAttribute('href').slice(1));
      g.dispatchEvent(new MouseEvent('click', {bubbles: true}));
      const k = ok ? await prBlock(a.getAttribute('href'), true) : {};
      return {box: true, link: !!ok, text: a ? a.textContent : '', block: k};
    })()""")
    load(b, url)
    o = b.eval(r"""(async () => {
      const d = document.querySelector('details.ep');
      if (!d) return {details: false};
      const before = d.open;
      location.hash = '#' + d.id;
      await new Promise(r => setTimeout(r, 150));
      return {details: true, before, after: d.open};
    })()""")
    c.check("%s: a link to an endpoint's details opens them" % name,
            o.get("details") and not o["before"] and o["after"], json.dumps(o))
    c.check("%s: a flame-graph box links to its callers and callees, "
            "and the link shows their sandwich" % name,
            z.get("link") and sandwich_ok(z["block"]), json.dumps(z))


EXPLORE_MAX = [9000, 12000]


def phone_charts(b, c, name, url):
    b.call("Emulation.setDeviceMetricsOverride",
           {"width": 390, "height": 900, "deviceScaleFactor": 1,
            "mobile": True})
    load(b, url)
    fit = b.eval(CHARTS_FIT)
    c.check("%s: every chart fits 390 px, none cut off, text at least %d px"
            % (name, MIN_TEXT), fit["charts"] >= 5 and fit["nbad"] == 0 and
            fit["minText"] >= MIN_TEXT, json.dumps(fit))
    b.call("Emulation.setDeviceMetricsOverride",
           {"width": 1280, "height": 900, "deviceScaleFactor": 1,
            "mobile": False})
    load(b, url)


def run_one(b, c, a, name, url, shots):
    # Scripts off first: the report must be complete without them.
    requests, errors = load(b, url, scripts=False)
    off = b.eval(INSPECT)
    requests2, errors2 = load(b, url, scripts=True)
    requests += requests2
    errors += errors2
    info = b.eval(INSPECT)

    others = [u for u in requests if u != url]
    c.check("%s: no network request but the file" % name, not others,
            ", ".join(others[:5]))
    c.check("%s: the file itself was requested" % name, url in requests)
    c.check("%s: no console error" % name, not errors, "; ".join(errors[:5]))

    charts = info["charts"]
    empty = [ch for ch in charts if ch["drawn"] == 0 or
             (ch["shown"] and (ch["w"] < 50 or ch["h"] < 10))]
    c.check("%s: SVG charts present" % name, len(charts) >= 3,
            "%d charts: %s" % (len(charts), info["kinds"]))
    c.check("%s: no chart empty" % name, not empty, json.dumps(empty[:3]))
    # At 1280 px the wide layout is shown, the narrow one is not; a
    # chart of each layout for each one of the other.
    wrong = [ch for ch in charts if ch["shown"] == ch["narrow"]]
    nw = sum(1 for ch in charts if not ch["narrow"])
    c.check("%s: at 1280 px the wide charts show, the narrow ones not" % name,
            not wrong and nw > 0 and nw * 2 == len(charts),
            "%d charts, %d wide; %s" % (len(charts), nw, json.dumps(wrong[:3])))
    for kind in ("endpoints", "icicle"):
        c.check("%s: has a %s chart" % (name, kind), info["kinds"].get(kind),
                json.dumps(info["kinds"]))
    c.check("%s: charts there with scripts off" % name,
            off["kinds"] == info["kinds"] and
            all(ch["drawn"] > 0 for ch in off["charts"]),
            "%s vs %s" % (off["kinds"], info["kinds"]))

    c.check("%s: one script element (ours)" % name, info["scripts"] == 1,
            "%d scripts" % info["scripts"])
    c.check("%s: no on* attribute" % name, not info["attrs"],
            ", ".join(info["attrs"][:5]))
    c.check("%s: no foreign element" % name, not info["foreign"],
            " ".join(info["foreign"][:3]))
    c.check("%s: alert() never called" % name, not info["alerts"],
            repr(info["alerts"][:3]))
    m = re.search(r"script-src '(sha256-[^']+)'", info["csp"])
    want = "sha256-" + base64.b64encode(
        hashlib.sha256(info["script"].encode()).digest()).decode()
    c.check("%s: CSP hash matches the script" % name,
            m is not None and m.group(1) == want,
            "CSP has %s, script is %s (update SCRIPT_SHA256 in "
            "lib/render_html.c)" % (m.group(1) if m else None, want))
    for spec in a.expect_charts:
        n, kinds = spec.split(":", 1)
        if n == name:
            missing = [k for k in kinds.split(",") if not info["kinds"].get(k)]
            c.check("%s: has charts %s" % (name, kinds), not missing,
                    "missing %s; has %s" % (missing, info["kinds"]))
    for spec in a.expect_text:
        n, text = spec.split(":", 1)
        if n == name:
            c.check("%s: shows %r as text" % (name, text), text in info["text"])
    for spec in a.expect_svg_text:
        n, text = spec.split(":", 1)
        if n == name:
            c.check("%s: chart shows %r as text" % (name, text),
                    text in info["svgText"])

    if a.explore == name:
        explore(b, c, name, url)
    else:  # the other reports' charts on a phone
        phone_charts(b, c, name, url)

    z = b.eval(ZOOM)
    if z["zoomable"]:
        c.check("%s: click zooms a flame-graph box" % name,
                z["after"] > z["before"] and z["after"] > 990 and
                z["back"] == z["before"], json.dumps(z))

    if shots:
        os.makedirs(shots, exist_ok=True)
        load(b, url)  # from the top: the checks above followed links
        screenshot(b, os.path.join(shots, name + ".png"), 1280, 900, False,
                   1, 4000)
        screenshot(b, os.path.join(shots, name + "-phone.png"), 390, 844,
                   True, 2, 3000)
        b.call("Emulation.setEmulatedMedia", {"features": [
            {"name": "prefers-color-scheme", "value": "dark"}]})
        screenshot(b, os.path.join(shots, name + "-dark.png"), 1280, 900,
                   False, 1, 4000)
        b.call("Emulation.setEmulatedMedia", {"features": []})
        b.call("Emulation.setDeviceMetricsOverride",
               {"width": 1280, "height": 900, "deviceScaleFactor": 1,
                "mobile": False})
        # The explorer: open_session's sandwich, one screen.
        load(b, url)
        href = b.eval("""(() => { const a = [...document.querySelectorAll(
            'table.funcs a')].find(a => a.textContent.includes('open_session'));
            return a ? a.getAttribute('href') : ''; })()""")
        if href:
            b.eval("location.hash = %s" % json.dumps(href))
            time.sleep(0.5)
            shot = b.call("Page.captureScreenshot", {"format": "png"})
            with open(os.path.join(shots, name + "-sandwich.png"), "wb") as f:
                f.write(base64.b64decode(shot["data"]))
        print("screenshots in %s/%s*.png" % (shots, name))


if __name__ == "__main__":
    sys.exit(main())
