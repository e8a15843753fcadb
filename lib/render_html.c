/* render_html.c - one self-contained HTML file: the Markdown report
 * rendered by cmark-gfm (tables extension), so HTML and Markdown never say
 * different things, with charts (svg.c) and page furniture around it.
 * Each chart is written twice, in its wide and its narrow layout; the
 * style sheet shows the one that fits the screen.
 *
 * The Markdown is parsed once; before rendering, the document tree is
 * regrouped: every "## " heading opens a <section id="slug"> (the slugs
 * GitHub gives headings, which the report's own links such as
 * "(#modules)" use), every "### " a nested one, and charts are inserted
 * as custom blocks next to the heading or table they belong to, found
 * by structure: render_md marks where each part starts (pr__md_part) and
 * the node starting on that line gets the part's charts. Custom
 * blocks are the one way cmark-gfm passes our own markup through while
 * safe mode still drops raw HTML from the text.
 *
 * No external request of any kind: CSS and an optional script (zoom,
 * search, the function table's sorting and filters, the sandwich) are
 * inline, charts are inline SVG, and a
 * Content-Security-Policy lets the browser refuse anything else. */
#define _POSIX_C_SOURCE 200809L
#include "escape.h"
#include "grow.h"
#include "render.h"
#include "svg.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <stdlib.h>
#include <string.h>

/* Size bounds: charts per endpoint for the first MAX_EP_CHARTS endpoints;
 * boxes per flame graph. A box is ~250 bytes, so the whole page stays
 * within a few MB whatever the input. */
enum {
    MAX_BAR_ROWS = 30,
    MAX_MODULE_ROWS = 15,
    MAX_EP_MODULE_ROWS = 8,
    MAX_EP_CHARTS = 20,
    MAX_BOXES = 2000,
    MAX_EP_BOXES = 600,
    /* A phone's flame graph is 360 units wide: fewer boxes are wide
     * enough to see. */
    MAX_NARROW_BOXES = 800,
    MAX_EP_NARROW_BOXES = 250
};


/* Click a flame-graph box to zoom into it (and get a link to its callers
 * and callees), click it again (or press Esc) to zoom out; a search box
 * highlights matching boxes; the table of all functions sorts by any
 * column and filters by text, module and endpoint; a function's block of
 * callers and callees gets a sandwich view. The page is complete without
 * it (tests/browsertest.sh reads it with scripts off). The parts are
 * written one after another (ISO C promises string literals of 4095
 * bytes only); the SHA-256 of the whole is in the Content-Security-Policy
 * below, and tests/browsertest.sh checks that the two agree (a mismatch
 * is a console error and the script does not run, and the test prints
 * the hash to put here). */
static const char *const SCRIPT[] = {
    "(function(){'use strict';\n"
    "var all=[];\n"
    "function el(t,c){var e=document.createElement(t);if(c)e.className=c;return e}\n"
    "function pct(f){return f<0.001?'<0.1%':(f*100).toFixed(1)+'%'}\n"
    "function secs(v){return v>=1?v.toFixed(2)+' s':v>=0.001?(v*1000).toFixed(1)+' ms':(v*1e6).toFixed(0)+' \\u00b5s'}\n",
    /* Flame graphs: click a box to zoom, search to highlight. */
    "document.querySelectorAll('svg.icicle').forEach(function(s){\n"
    "var W=s.viewBox.baseVal.width,bs=[],cur=null;\n"
    "s.querySelectorAll('g').forEach(function(g){\n"
    "var r=g.querySelector('rect'),t=g.querySelector('title');if(!r||!t)return;\n"
    "var L=t.textContent.split('\\n'),l=L[L.length-1];\n"
    "var b={g:g,r:r,t:g.querySelector('text'),x:+r.getAttribute('x'),w:+r.getAttribute('width'),y:+r.getAttribute('y'),n:L[0],s:l.split(', self')[0],k:t.textContent.toLowerCase()};\n"
    "g.pr=b;bs.push(b)});\n"
    "if(!bs.length)return;\n"
    "s.classList.add('zoom');\n"
    "function fit(b,x,w){\n"
    "var k=Math.floor((w-6)/6.6),n=b.n,v='';\n"
    "if(k>=3)v=n.length+1+b.s.length<=k?n+' '+b.s:n.length<=k?n:n.slice(0,k-1)+'\\u2026';\n"
    "if(!b.t){if(!v)return;b.t=document.createElementNS(s.namespaceURI,'text');b.t.setAttribute('y',b.y+12.5);b.g.appendChild(b.t)}\n"
    "b.t.setAttribute('x',(x+3).toFixed(1));b.t.textContent=v}\n"
    "function show(z){cur=z;bs.forEach(function(b){\n"
    "var x=b.x,w=b.w,on=true;\n"
    "if(z&&b.y<z.y){on=b.x<=z.x+1e-6&&b.x+b.w>=z.x+z.w-1e-3;x=0;w=W}\n"
    "else if(z){x=(b.x-z.x)*W/z.w;w=b.w*W/z.w;on=x>-1e-3&&x+w<W+1e-3}\n"
    "if(!on){b.g.setAttribute('display','none');return}\n"
    "b.g.removeAttribute('display');b.r.setAttribute('x',x.toFixed(1));b.r.setAttribute('width',w.toFixed(1));fit(b,x,w)})}\n",
    /* The wide and the narrow graph each get a bar; the page shows one. */
    "var bar=el('div','fnfilter '+(s.classList.contains('narrow')?'narrow':'wide')),q=el('input'),a=el('a'),p=el('span','hint');\n"
    "q.type='search';q.placeholder='Search boxes';q.setAttribute('aria-label','Search the flame graph');\n"
    "p.textContent='Click a box to zoom in; click it again or press Esc to zoom out. ';\n"
    "a.hidden=true;p.appendChild(a);bar.appendChild(q);bar.appendChild(p);s.parentNode.insertBefore(bar,s);\n"
    "q.addEventListener('input',function(){var v=q.value.toLowerCase();s.classList.toggle('searching',!!v);\n"
    "bs.forEach(function(b){b.g.classList.toggle('hit',!!v&&b.k.indexOf(v)>=0)})});\n"
    "s.addEventListener('click',function(e){var g=e.target.closest('g');if(!g||!g.pr)return;\n"
    "show(cur===g.pr?null:g.pr);\n"
    "var f=g.getAttribute('data-fn');\n"
    "if(f&&document.getElementById(f)){a.href='#'+f;a.textContent='Callers and callees of '+g.pr.n;a.hidden=false}});\n"
    "all.push(show)});\n"
    "document.addEventListener('keydown',function(e){if(e.key==='Escape')all.forEach(function(f){f(null)})});\n",
    /* All functions: sort by any column, filter by text, module and endpoint. */
    "document.querySelectorAll('table.funcs').forEach(function(t){\n"
    "var tb=t.tBodies[0],rows=[].slice.call(tb.rows),sec=t.closest('section'),box=sec.querySelector('.fnfilter');\n"
    "if(!box)return;\n"
    "var q=el('input'),m=el('select'),ep=el('select'),n=el('span','note'),mods={},eps=sec.querySelectorAll('ul.eps>li');\n"
    "q.type='search';q.placeholder='Filter functions';q.setAttribute('aria-label','Filter functions by name or file');\n"
    "m.setAttribute('aria-label','Module');m.appendChild(new Option('all modules',''));\n"
    "rows.forEach(function(r){mods[r.cells[1].textContent]=1});\n"
    "Object.keys(mods).sort().forEach(function(k){m.appendChild(new Option(k,k))});\n"
    "ep.setAttribute('aria-label','Endpoint');ep.appendChild(new Option('all endpoints',''));\n"
    "[].forEach.call(eps,function(li,i){ep.appendChild(new Option(li.textContent,String(i)))});\n"
    "function apply(){\n"
    "var v=q.value.toLowerCase(),mv=m.value,ev=ep.value===''?'':' '+ep.value+' ',c=0;\n"
    "rows.forEach(function(r){\n"
    "var on=(!v||r.cells[0].textContent.toLowerCase().indexOf(v)>=0)&&(!mv||r.cells[1].textContent===mv)&&(!ev||(' '+(r.getAttribute('data-ep')||'')+' ').indexOf(ev)>=0);\n"
    "r.hidden=!on;c+=on?1:0});\n"
    "n.textContent=c+' of '+rows.length+' functions'}\n"
    "q.addEventListener('input',apply);m.addEventListener('change',apply);ep.addEventListener('change',apply);\n"
    "box.appendChild(q);box.appendChild(m);if(eps.length)box.appendChild(ep);box.appendChild(n);apply();\n"
    "var hs=[].slice.call(t.tHead.rows[0].cells);\n"
    "hs.forEach(function(th,i){th.tabIndex=0;th.title='Sort';\n"
    "function sort(){\n"
    "var d=th.getAttribute('aria-sort')==='descending'?1:th.getAttribute('aria-sort')==='ascending'?-1:i<2?1:-1;\n"
    "hs.forEach(function(h){h.removeAttribute('aria-sort')});\n"
    "th.setAttribute('aria-sort',d>0?'ascending':'descending');\n"
    "rows.sort(function(x,y){var a=x.cells[i].textContent,b=y.cells[i].textContent;\n"
    "if(i>=2){a=parseFloat(a.split('/').pop());b=parseFloat(b.split('/').pop())}\n"
    "return (a<b?-1:a>b?1:0)*d});\n"
    "rows.forEach(function(r){tb.appendChild(r)})}\n"
    "th.addEventListener('click',sort);\n"
    "th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();sort()}})})});\n",
    /* A sandwich: the callers of the function the address names above it,
     * its callees below, each bar the share of its cumulative time that
     * came from that caller or went to that callee. Built from the block's
     * own tables, which stay below it (and are all there is without us). */
    "function sandwich(id,d){\n"
    "if(!d.classList.contains('fnd')||d.querySelector('.sandwich'))return;\n"
    "var link=[].find.call(document.querySelectorAll('table.funcs a'),function(a){return a.hash==='#'+id}),row=link&&link.closest('tr');\n"
    "var tabs=d.querySelectorAll('table.edges');if(!row||tabs.length<2)return;\n"
    "var ct=parseFloat(row.cells[4].textContent),tt=parseFloat(row.cells[3].textContent),sw=el('div','sandwich');\n"
    "function line(cls,name,v,of,what){\n"
    "var r=el('div','sw '+cls),b=el('span','swbar'),l=el('span','swlbl');\n"
    "b.style.width=(of>0?Math.min(100,Math.max(0.5,v/of*100)):0).toFixed(1)+'%';\n"
    "var v2=el('span','swv');v2.textContent=what+' ';r.appendChild(b);l.appendChild(v2);l.appendChild(name);r.appendChild(l);sw.appendChild(r)}\n"
    "function side(tab,cls,head){\n"
    "var rs=[].slice.call(tab.tBodies[0].rows).map(function(r){return{r:r,v:parseFloat(r.cells[3].textContent)||0}});\n"
    "rs.sort(function(x,y){return y.v-x.v});\n"
    "var h=el('p','swh');h.textContent=tab.caption?tab.caption.textContent:head;sw.appendChild(h);\n"
    "rs.forEach(function(o){line(cls,o.r.cells[0].firstChild.cloneNode(true),o.v,ct,secs(o.v)+(ct>0?' \\u00b7 '+pct(o.v/ct):''))})}\n"
    "var cap=el('p','note');cap.textContent='Callers above the function, callees below; a bar is the share of its cumulative time spent through that call.';sw.appendChild(cap);\n"
    "side(tabs[0],'caller','Called by');\n"
    "var me=el('strong');me.textContent=d.querySelector('h3').textContent;\n"
    "line('self',me,ct,ct,secs(ct)+' cumulative, '+secs(tt)+' own');\n"
    "side(tabs[1],'callee','Calls');\n"
    "d.insertBefore(sw,d.querySelector('table.edges'))}\n",
    /* Following a link to an endpoint's details opens them. */
    "function target(){\n"
    "var id,d;try{id=decodeURIComponent(location.hash.slice(1))}catch(e){return}\n"
    "d=id&&document.getElementById(id);if(!d)return;\n"
    "if(d.tagName==='DETAILS'&&!d.open){d.open=true;d.scrollIntoView()}\n"
    "sandwich(id,d)}\n"
    "window.addEventListener('hashchange',target);target();\n"
    "})();",
    NULL};

#define SCRIPT_SHA256 "sha256-s6PMCthBV8La3+ECJIRc+aNSlybByZKSfsYZDy2l1C0="

/* ---- building blocks -------------------------------------------------- */

/* A chart, caption or wrapper as a custom block: cmark-gfm writes its
 * on_enter/on_exit as they are (they are ours, escaped where they quote a
 * profile). NULL when memory ran out. */
static cmark_node *raw_block(const char *enter, const char *exit)
{
    cmark_node *n = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
    if (n == NULL)
        return NULL;
    if (!cmark_node_set_on_enter(n, enter) ||
        !cmark_node_set_on_exit(n, exit != NULL ? exit : "")) {
        cmark_node_free(n);
        return NULL;
    }
    return n;
}

/* A memory stream to write a chart into. */
typedef struct membuf {
    char *buf;
    size_t len;
    FILE *f;
} membuf;

static FILE *mb_open(membuf *m)
{
    m->buf = NULL;
    m->len = 0;
    m->f = open_memstream(&m->buf, &m->len);
    return m->f;
}

/* Closes the stream and wraps what it holds in a custom block inserted
 * after `after`. Returns the block, or NULL when memory ran out. */
static cmark_node *mb_insert_after(membuf *m, cmark_node *after)
{
    cmark_node *n = NULL;
    if (m->f != NULL && fclose(m->f) == 0 && m->buf != NULL) {
        n = raw_block(m->buf, NULL);
        if (n != NULL && !cmark_node_insert_after(after, n)) {
            cmark_node_free(n);
            n = NULL;
        }
    }
    free(m->buf);
    m->f = NULL;
    m->buf = NULL;
    return n;
}

/* The text of a heading or paragraph, as GitHub would slug or match it:
 * its text and code spans, concatenated, into buf. */
static void plain_text(cmark_node *n, char *buf, size_t cap)
{
    size_t len = strlen(buf);
    for (cmark_node *c = cmark_node_first_child(n); c != NULL;
         c = cmark_node_next(c)) {
        cmark_node_type t = cmark_node_get_type(c);
        if (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE) {
            const char *s = cmark_node_get_literal(c);
            size_t k = s != NULL ? strlen(s) : 0;
            if (k > cap - 1 - len) { /* cut, but not inside a character */
                k = cap - 1 - len;
                while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
                    k--;
            }
            memcpy(buf + len, s, k);
            len += k;
            buf[len] = '\0';
        } else {
            plain_text(c, buf, cap);
            len = strlen(buf);
        }
    }
}

/* GitHub's heading anchors: lower case, spaces to '-', punctuation other
 * than '-' and '_' dropped, other characters kept; a repeated slug gets
 * "-1", "-2" ... Slugs seen so far are kept in `seen` (NUL-separated). */
typedef struct slugs {
    char *seen;
    size_t len, cap;
} slugs;

static int slug_seen(const slugs *s, const char *slug)
{
    for (size_t i = 0; i < s->len; i += strlen(s->seen + i) + 1)
        if (strcmp(s->seen + i, slug) == 0)
            return 1;
    return 0;
}

static int make_slug(slugs *s, const char *text, char *out, size_t cap)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text;
         *p != '\0' && n + 1 < cap; p++) {
        unsigned char c = *p;
        if (c >= 'A' && c <= 'Z')
            out[n++] = (char)(c - 'A' + 'a');
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c >= 0x80)
            out[n++] = (char)c;
        else if (c == ' ')
            out[n++] = '-';
    }
    out[n] = '\0';
    /* The caller's text is shorter than cap - 12, so the slug and its
     * "-N" always fit whole. */
    if (slug_seen(s, out)) {
        for (unsigned k = 1;; k++) {
            snprintf(out + n, cap - n, "-%u", k);
            if (!slug_seen(s, out))
                break;
        }
    }
    size_t k = strlen(out) + 1;
    if (s->len + k > s->cap) {
        size_t nc = (s->cap ? s->cap * 2 : 1024) + k;
        char *p = realloc(s->seen, nc);
        if (p == NULL)
            return -1;
        s->seen = p;
        s->cap = nc;
    }
    memcpy(s->seen + s->len, out, k);
    s->len += k;
    return 0;
}

/* ---- charts ----------------------------------------------------------- */

typedef struct page {
    const pr_report *r;
    svg_palette pal;
    const pr_attribution *attr; /* the run's, or NULL */
    double min_share;           /* the call tree's cut-off */
    membuf nav;                 /* <a href="#slug">Heading</a> ... */
    slugs slugs;
    int nomem;
} page;

/* The modules the flame graph of `t` colours, in palette order. */
static void legend(const page *pg, FILE *out, const pr_tree *t)
{
    int used[SVG_NCOLORS] = {0};
    for (size_t i = 0; i < t->nnodes; i++)
        used[svg_color(&pg->pal, t->nodes[i].module)] = 1;
    fputs("<ul class=\"legend\" aria-label=\"Modules\">", out);
    for (size_t c = 0; c < pg->pal.n; c++)
        if (used[c]) {
            fprintf(out, "<li><i class=\"s%zu\"></i>", c);
            esc_html(out, pg->pal.names[c], strlen(pg->pal.names[c]));
            fputs("</li>", out);
        }
    if (used[SVG_NCOLORS - 1])
        fprintf(out, "<li><i class=\"s%d\"></i>other modules</li>",
                SVG_NCOLORS - 1);
    fputs("</ul>", out);
}

/* The flame graph of `t`, wide and narrow (the page shows one), and a
 * caption that says what the wide one left out. */
static void icicle_figure(page *pg, FILE *out, const pr_tree *t,
                          size_t max_boxes, size_t max_narrow)
{
    svg_icicle_info info;
    fputs("<figure>", out);
    if (svg_icicle(out, t, &pg->pal, pg->min_share, max_boxes, SVG_WIDE,
                   &info) != PR_OK ||
        svg_icicle(out, t, &pg->pal, pg->min_share, max_narrow, SVG_NARROW,
                   NULL) != PR_OK) {
        pg->nomem = 1;
        fputs("</figure>", out);
        return;
    }
    legend(pg, out, t);
    fputs("<figcaption>Flame graph (icicle) of the call tree: each box is "
          "a function on a call path, as wide as its time there, coloured "
          "by module; hover for its file, line and times.", out);
    if (info.hidden > 0)
        fprintf(out, " %zu call path%s under %.2g%% of the time %s "
                     "hidden.", info.hidden, info.hidden == 1 ? "" : "s",
                info.min_share * 100, info.hidden == 1 ? "is" : "are");
    fputs("</figcaption></figure>", out);
}

/* `whose`: "all" or "this endpoint's". */
static void module_figure(page *pg, FILE *out, const pr_attribution *a,
                          size_t rows, const char *whose)
{
    fputs("<figure>", out);
    for (svg_size z = SVG_WIDE; z <= SVG_NARROW; z++)
        if (svg_modules(out, a, &pg->pal, rows, z) != PR_OK)
            pg->nomem = 1;
    fprintf(out, "<figcaption>Where the time goes, by module: own time "
                 "(solid: its code and the built-ins and standard library it "
                 "calls) and inclusive time (light: callees in other modules "
                 "included), as shares of %s profiled time.</figcaption>"
                 "</figure>", whose);
}

/* Charts right after the "## " heading `h` that starts `part`. */
static void section_charts(page *pg, pr__md_part part, cmark_node *h)
{
    const pr_report *r = pg->r;
    membuf m;
    if (mb_open(&m) == NULL) {
        pg->nomem = 1;
        return;
    }
    if (part == PR__MD_ENDPOINTS && r->nendpoints > 0) {
        fputs("<figure>", m.f);
        for (svg_size z = SVG_WIDE; z <= SVG_NARROW; z++)
            if (svg_endpoints(m.f, r->endpoints, r->nendpoints, MAX_BAR_ROWS,
                              z) != PR_OK)
                pg->nomem = 1;
        fputs("<figcaption>Total time per endpoint (bars, as sorted in the "
              "table) and the latency of its requests: p50, p95 and max."
              "</figcaption></figure>", m.f);
    } else if (part == PR__MD_LATENCY && r->nbuckets > 1) {
        fputs("<figure>", m.f);
        for (svg_size z = SVG_WIDE; z <= SVG_NARROW; z++)
            if (svg_latency(m.f, r->buckets, r->nbuckets, r->bucket_s, z) !=
                PR_OK)
                pg->nomem = 1;
        fputs("<figcaption>Requests per bucket (bars, each over the part "
              "of its bucket the capture covers) with the p50 and p95 "
              "latency of each bucket (lines).</figcaption></figure>", m.f);
    } else if (part == PR__MD_MODULES && pg->attr != NULL &&
               pg->attr->nmodules > 0) {
        module_figure(pg, m.f, pg->attr, MAX_MODULE_ROWS, "all");
        if (r->nendpoints > 0) {
            fputs("<figure>", m.f);
            for (svg_size z = SVG_WIDE; z <= SVG_NARROW; z++)
                if (svg_module_mix(m.f, r->endpoints, r->nendpoints,
                                   MAX_BAR_ROWS, &pg->pal, z) != PR_OK)
                    pg->nomem = 1;
            fputs("<figcaption>Own time by module in each endpoint, as "
                  "shares of the endpoint's profiled time.</figcaption>"
                  "</figure>", m.f);
        }
    } else if (part == PR__MD_CALL_TREE && pg->attr != NULL &&
               pg->attr->tree.nnodes > 0) {
        icicle_figure(pg, m.f, &pg->attr->tree, MAX_BOXES, MAX_NARROW_BOXES);
    } else if (part == PR__MD_DETAILS && r->nendpoints > MAX_EP_CHARTS) {
        fprintf(m.f, "<p class=\"note\">Module charts and flame graphs are "
                     "drawn for the first %d endpoints; the other %zu have "
                     "their tables only.</p>", MAX_EP_CHARTS,
                r->nendpoints - MAX_EP_CHARTS);
    }
    if (ftell(m.f) == 0) {
        fclose(m.f);
        free(m.buf);
        return;
    }
    if (mb_insert_after(&m, h) == NULL)
        pg->nomem = 1;
}

/* Per-endpoint charts, after the paragraphs that introduce that
 * endpoint's module table and call tree (PR__MD_EP_MODULES and
 * PR__MD_EP_CALL_TREE); when there is no such paragraph, after the
 * endpoint's heading. */
static void endpoint_chart(page *pg, const pr_endpoint_row *e, int tree,
                           cmark_node *after)
{
    membuf m;
    if (mb_open(&m) == NULL) {
        pg->nomem = 1;
        return;
    }
    if (tree)
        icicle_figure(pg, m.f, &e->attr.tree, MAX_EP_BOXES,
                      MAX_EP_NARROW_BOXES);
    else
        module_figure(pg, m.f, &e->attr, MAX_EP_MODULE_ROWS,
                      "this endpoint's");
    if (mb_insert_after(&m, after) == NULL)
        pg->nomem = 1;
}

/* ---- the document tree ------------------------------------------------ */

/* Puts a <section id="slug"> block where heading `h` is, with `h` as its
 * first child; the caller moves the section's other nodes into it. */
static cmark_node *open_section(page *pg, cmark_node *h, const char *slug)
{
    membuf m;
    if (mb_open(&m) == NULL) {
        pg->nomem = 1;
        return NULL;
    }
    fputs("<section id=\"", m.f);
    esc_html(m.f, slug, strlen(slug));
    fputs("\">", m.f);
    cmark_node *sec = NULL;
    if (fclose(m.f) == 0 && m.buf != NULL)
        sec = raw_block(m.buf, "</section>\n");
    free(m.buf);
    if (sec == NULL || !cmark_node_insert_before(h, sec) ||
        !cmark_node_append_child(sec, h)) {
        pg->nomem = 1;
        return NULL;
    }
    return sec;
}

/* An endpoint's part of "Endpoint details", collapsed: <details
 * name="ep"> (opening one closes the others where the browser knows the
 * attribute) whose <summary> holds heading `h`. Returns the details
 * block (the caller moves the endpoint's other nodes into it) and the
 * summary in *summary (charts the text has no place for go after it). */
static cmark_node *open_details(page *pg, cmark_node *h, const char *slug,
                                cmark_node **summary)
{
    membuf m;
    if (mb_open(&m) == NULL) {
        pg->nomem = 1;
        return NULL;
    }
    fputs("<details class=\"ep\" name=\"ep\" id=\"", m.f);
    esc_html(m.f, slug, strlen(slug));
    fputs("\">", m.f);
    cmark_node *det = NULL, *sum = raw_block("<summary>", "</summary>");
    if (fclose(m.f) == 0 && m.buf != NULL)
        det = raw_block(m.buf, "</details>\n");
    free(m.buf);
    if (det == NULL || sum == NULL || !cmark_node_insert_before(h, det) ||
        !cmark_node_append_child(det, sum) ||
        !cmark_node_append_child(sum, h)) {
        if (sum != NULL && cmark_node_parent(sum) == NULL)
            cmark_node_free(sum);
        if (det != NULL && cmark_node_parent(det) == NULL)
            cmark_node_free(det); /* with the summary in it, if there */
        pg->nomem = 1;
        return NULL;
    }
    *summary = sum;
    return det;
}

static int heading_level(cmark_node *n)
{
    return cmark_node_get_type(n) == CMARK_NODE_HEADING
               ? cmark_node_get_heading_level(n)
               : 0;
}

/* Where the current endpoint (the n-th "### " of Endpoint details) is. */
typedef struct ep_state {
    size_t n;           /* 1-based; 0: not in an endpoint */
    cmark_node *heading;
    int modules_done, tree_done;
} ep_state;

static int ep_charted(const page *pg, const ep_state *e)
{
    return e->n > 0 && e->n <= pg->r->nendpoints && e->n <= MAX_EP_CHARTS;
}

/* Charts the endpoint's text had no place for go after its heading. */
static void ep_finish(page *pg, ep_state *e)
{
    if (ep_charted(pg, e)) {
        const pr_endpoint_row *row = &pg->r->endpoints[e->n - 1];
        if (!e->tree_done)
            endpoint_chart(pg, row, 1, e->heading);
        if (!e->modules_done)
            endpoint_chart(pg, row, 0, e->heading);
    }
    memset(e, 0, sizeof *e);
}

/* ---- where the Markdown renderer said each part starts ------------- */

typedef struct md_mark {
    pr__md_part part;
    size_t index;
    long offset; /* in the Markdown, then turned into a 1-based line */
} md_mark;

typedef struct md_marks {
    FILE *md; /* the stream render_md writes */
    md_mark *v;
    size_t n, cap;
    size_t next; /* arrange()'s cursor: marks come in document order */
    int nomem;
} md_marks;

static void on_mark(void *ctx, pr__md_part part, size_t index)
{
    md_marks *m = ctx;
    long off = fflush(m->md) == 0 ? ftell(m->md) : -1;
    if (off < 0) {
        m->nomem = 1;
        return;
    }
    md_mark *v = pr__grow(m->v, &m->cap, m->n, sizeof *v, 64);
    if (v == NULL) {
        m->nomem = 1;
        return;
    }
    m->v = v;
    m->v[m->n++] = (md_mark){part, index, off};
}

/* Byte offsets into line numbers, as cmark counts them. */
static void marks_to_lines(md_marks *m, const char *md, size_t len)
{
    long line = 1;
    size_t at = 0;
    for (size_t i = 0; i < m->n; i++) {
        size_t off = (size_t)m->v[i].offset;
        for (; at < off && at < len; at++)
            line += md[at] == '\n';
        m->v[i].offset = line;
    }
}

/* The mark on the block that starts at `line`, or NULL. */
static const md_mark *mark_at(md_marks *m, int line)
{
    while (m->next < m->n && m->v[m->next].offset < line)
        m->next++;
    if (m->next < m->n && m->v[m->next].offset == line)
        return &m->v[m->next];
    return NULL;
}

/* Regroups the top level of `doc` into sections and places the charts. */
static void arrange(page *pg, cmark_node *doc, md_marks *marks)
{
    cmark_node *sec = NULL, *sub = NULL, *header = NULL;
    int in_details = 0;
    ep_state ep = {0};
    char text[512], slug[600];

    for (cmark_node *n = cmark_node_first_child(doc), *next; n != NULL;
         n = next) {
        next = cmark_node_next(n);
        const md_mark *mk = mark_at(marks, cmark_node_get_start_line(n));
        int level = heading_level(n);
        if (level == 2 || level == 3) {
            ep_finish(pg, &ep);
            text[0] = '\0';
            plain_text(n, text, sizeof text);
            if (make_slug(&pg->slugs, text, slug, sizeof slug) != 0) {
                pg->nomem = 1;
                return;
            }
            if (level == 2 || sec == NULL) {
                sub = NULL;
                if ((sec = open_section(pg, n, slug)) == NULL)
                    return;
                in_details = mk != NULL && mk->part == PR__MD_DETAILS;
                fputs("<a href=\"#", pg->nav.f);
                esc_html(pg->nav.f, slug, strlen(slug));
                fputs("\">", pg->nav.f);
                esc_html(pg->nav.f, text, strlen(text));
                fputs("</a>", pg->nav.f);
                if (mk != NULL)
                    section_charts(pg, mk->part, n);
            } else {
                int is_ep = in_details && mk != NULL && mk->part == PR__MD_EP;
                cmark_node *summary = NULL;
                sub = is_ep ? open_details(pg, n, slug, &summary)
                            : open_section(pg, n, slug);
                if (sub == NULL || !cmark_node_append_child(sec, sub)) {
                    pg->nomem = 1;
                    return;
                }
                if (is_ep) {
                    ep.n = mk->index + 1;
                    ep.heading = summary;
                }
            }
            continue;
        }
        if (sec == NULL && header == NULL) {
            /* The title and summary before the first section. */
            header = raw_block("<header>", "</header>\n");
            if (header == NULL || !cmark_node_insert_before(n, header)) {
                pg->nomem = 1;
                return;
            }
        }
        if (!cmark_node_append_child(sub ? sub : sec ? sec : header, n)) {
            pg->nomem = 1;
            return;
        }
        if (ep_charted(pg, &ep) && mk != NULL) {
            const pr_endpoint_row *row = &pg->r->endpoints[ep.n - 1];
            if (mk->part == PR__MD_EP_MODULES && !ep.modules_done) {
                endpoint_chart(pg, row, 0, n);
                ep.modules_done = 1;
            } else if (mk->part == PR__MD_EP_CALL_TREE && !ep.tree_done) {
                endpoint_chart(pg, row, 1, n);
                ep.tree_done = 1;
            }
        }
    }
    ep_finish(pg, &ep);
}

pr_status pr__render_html(const pr_report *r, pr_table table, FILE *out,
                          pr_error *err)
{
    (void)table; /* always PR_TABLE_ALL (the renderer table says so) */
    (void)err;
    char *md = NULL;
    size_t mdlen = 0;
    FILE *mem = open_memstream(&md, &mdlen);
    if (mem == NULL)
        return PR_ERR_NOMEM;
    md_marks marks = {.md = mem};
    pr__md_hooks hooks = {on_mark, &marks};
    pr_status st = pr__render_md_hooked(r, mem, &hooks);
    if (fclose(mem) != 0 || md == NULL || marks.nomem) {
        free(md);
        free(marks.v);
        return st != PR_OK ? st : PR_ERR_NOMEM;
    }
    if (st != PR_OK) {
        free(md);
        free(marks.v);
        return st;
    }
    marks_to_lines(&marks, md, mdlen);

    cmark_node *doc;
    cmark_parser *p = pr__md_parser(md, mdlen, &doc);
    free(md);
    if (p == NULL)
        return PR_ERR_NOMEM;

    page pg;
    memset(&pg, 0, sizeof pg);
    pg.r = r;
    pg.attr = pr_report_attribution(r);
    svg_palette_init(&pg.pal, pg.attr);
    pg.min_share = r->opts.tree_min_share > 0 ? r->opts.tree_min_share : 0.01;
    char *html = NULL;
    if (doc != NULL && mb_open(&pg.nav) != NULL) {
        arrange(&pg, doc, &marks);
        /* CMARK_OPT_DEFAULT is safe mode: raw HTML in the text is not
         * passed through, so names from profiles cannot inject markup;
         * only our custom blocks are written as they are. */
        if (!pg.nomem)
            html = cmark_render_html(doc, CMARK_OPT_DEFAULT,
                                     cmark_parser_get_syntax_extensions(p));
    }
    if (pg.nav.f != NULL)
        fclose(pg.nav.f);
    if (doc != NULL)
        cmark_node_free(doc);
    cmark_parser_free(p);
    free(pg.slugs.seen);
    free(marks.v);
    if (html == NULL) {
        free(pg.nav.buf);
        return PR_ERR_NOMEM;
    }

    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta http-equiv=\"Content-Security-Policy\" content=\""
          "default-src 'none'; style-src 'unsafe-inline'; "
          "script-src '" SCRIPT_SHA256 "'; img-src data:\">"
          "<meta name=\"viewport\" content=\"width=device-width,"
          "initial-scale=1\"><meta name=\"color-scheme\" "
          "content=\"light dark\"><title>profreport", out);
    if (r->opts.ninputs > 0) {
        fputs(": ", out);
        pr__inputs_text(r, esc_html, out);
    }
    fputs("</title><style>", out);
    pr__put_css(out);
    fputs("</style></head><body>\n<nav aria-label=\"Sections\">", out);
    if (pg.nav.buf != NULL)
        fputs(pg.nav.buf, out);
    if (r->nfuncs > 0)
        fputs("<a href=\"#all-functions\">All functions</a>", out);
    fputs("</nav>\n<main>\n", out);
    fputs(html, out);
    free(html);
    html = NULL;
    st = pr__html_functions(r, 0, out);
    if (st != PR_OK) {
        free(pg.nav.buf);
        return st;
    }
    fputs("<footer>profreport " PR_VERSION_STRING "</footer>\n</main>\n"
          "<script>", out);
    for (const char *const *part = SCRIPT; *part != NULL; part++)
        fputs(*part, out);
    fputs("</script>\n</body></html>\n", out);
    free(pg.nav.buf);
    return PR_OK;
}
