/* test_render_table.c - the renderer table (lib/render.c): formats by
 * name, each format's tables and defaults, and the marks the Markdown
 * renderer leaves where its sections start, by which the HTML page places
 * its charts (structure, not wording). */
#include "testutil.h"
#include "render.h"

#define TU_EXAMPLES "../examples/profiles"

Test(render_table, formats_by_name)
{
    /* Every entry is found by its name (test_render.c has the names). */
    pr_format f;
    cr_assert_eq(pr_format_parse("html", &f), 0);
    cr_assert_eq(f, PR_FORMAT_HTML);
    for (int k = PR_FORMAT_MD; k <= PR_FORMAT_HTML; k++) {
        const pr__renderer *R = pr__renderer_find((pr_format)k);
        cr_assert_not_null(R);
        cr_assert_eq(pr_format_parse(R->name, &f), 0);
        cr_assert_eq((int)f, k);
        cr_assert(R->tables & PR__TABLE_BIT(R->default_table));
        cr_assert(R->diff_tables & PR__TABLE_BIT(R->diff_default_table));
    }
    cr_assert_null(pr__renderer_find((pr_format)99));
}

Test(render_table, tables_and_defaults)
{
    pr_table t = PR_TABLE_EDGES;
    pr_error err;
    cr_assert_eq(pr_output_table(PR_FORMAT_CSV, 0, 0, &t, &err), PR_OK);
    cr_assert_eq(t, PR_TABLE_FUNCTIONS);
    cr_assert_eq(pr_output_table(PR_FORMAT_CSV, 1, 0, &t, &err), PR_OK);
    cr_assert_eq(t, PR_TABLE_ENDPOINTS);
    cr_assert_eq(pr_output_table(PR_FORMAT_MD, 0, 0, &t, &err), PR_OK);
    cr_assert_eq(t, PR_TABLE_ALL);
    /* Markdown and HTML write every table: no -t at all, not even all. */
    t = PR_TABLE_ALL;
    cr_assert_eq(pr_output_table(PR_FORMAT_MD, 0, 1, &t, &err), PR_ERR_USAGE);
    cr_assert(strstr(err.msg, "Markdown") != NULL, "%s", err.msg);
    t = PR_TABLE_FUNCTIONS;
    cr_assert_eq(pr_output_table(PR_FORMAT_HTML, 1, 1, &t, &err),
                 PR_ERR_USAGE);
    /* CSV: one table; a diff has three. */
    t = PR_TABLE_ALL;
    cr_assert_eq(pr_output_table(PR_FORMAT_CSV, 0, 1, &t, &err), PR_ERR_USAGE);
    t = PR_TABLE_CALLERS;
    cr_assert_eq(pr_output_table(PR_FORMAT_CSV, 0, 1, &t, &err), PR_OK);
    cr_assert_eq(pr_output_table(PR_FORMAT_CSV, 1, 1, &t, &err), PR_ERR_USAGE);
    cr_assert(strstr(err.msg, "endpoints, modules, functions") != NULL);
    t = PR_TABLE_MODULES;
    cr_assert_eq(pr_output_table(PR_FORMAT_CSV, 1, 1, &t, &err), PR_OK);
    cr_assert_eq(pr_output_table((pr_format)99, 0, 0, &t, &err),
                 PR_ERR_USAGE);
    cr_assert_eq(pr_output_table(PR_FORMAT_CSV, 0, 0, NULL, &err),
                 PR_ERR_USAGE);
}

Test(render_table, render_refuses_what_the_table_does_not_list)
{
    pr_report *r = tu_report_of(TU_EXAMPLES, 20);
    pr_error err;
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    cr_assert_eq(pr_render(r, PR_FORMAT_CSV, PR_TABLE_ALL, f, &err),
                 PR_ERR_USAGE);
    cr_assert_eq(pr_render(r, PR_FORMAT_MD, PR_TABLE_EDGES, f, &err),
                 PR_ERR_USAGE);
    cr_assert_eq(pr_render(r, (pr_format)99, PR_TABLE_ALL, f, &err),
                 PR_ERR_USAGE);
    cr_assert_eq(ftell(f), 0, "nothing written on a usage error");
    fclose(f);
    pr_report_free(r);
}

typedef struct marks {
    FILE *f;
    long off[256];
    pr__md_part part[256];
    size_t index[256];
    size_t n;
} marks;

static void on_mark(void *ctx, pr__md_part part, size_t index)
{
    marks *m = ctx;
    cr_assert_lt(m->n, 256);
    cr_assert_eq(fflush(m->f), 0);
    m->off[m->n] = ftell(m->f);
    m->part[m->n] = part;
    m->index[m->n] = index;
    m->n++;
}

/* Each mark sits right before the block it names. */
Test(render_table, markdown_marks_where_parts_start)
{
    pr_report *r = tu_report_of(TU_EXAMPLES, 3);
    const pr_endpoint_row *eps;
    size_t neps = pr_report_endpoints(r, &eps);
    cr_assert_gt(neps, 3, "the test wants more endpoints than --top");
    char *md = NULL;
    size_t len = 0;
    marks m = {0};
    m.f = open_memstream(&md, &len);
    cr_assert_not_null(m.f);
    pr__md_hooks hooks = {on_mark, &m};
    cr_assert_eq(pr__render_md_hooked(r, m.f, &hooks), PR_OK);
    cr_assert_eq(fclose(m.f), 0);
    static const char *const starts[] = {
        [PR__MD_ENDPOINTS] = "## Endpoints\n",
        [PR__MD_LATENCY] = "## Latency over time\n",
        [PR__MD_MODULES] = "## Modules\n",
        [PR__MD_CALL_TREE] = "## Call tree\n",
        [PR__MD_DETAILS] = "## Endpoint details\n",
        [PR__MD_EP] = "### ",
        [PR__MD_EP_MODULES] = "Modules:\n",
        [PR__MD_EP_CALL_TREE] = "Call tree:\n",
    };
    size_t seen[PR__MD_EP_CALL_TREE + 1] = {0};
    size_t next_ep = 0;
    for (size_t i = 0; i < m.n; i++) {
        const char *at = md + m.off[i];
        cr_assert(m.off[i] == 0 || md[m.off[i] - 1] == '\n',
                  "mark %zu not at a line start", i);
        cr_assert(strncmp(at, starts[m.part[i]], strlen(starts[m.part[i]])) ==
                      0,
                  "mark %d at \"%.30s\"", (int)m.part[i], at);
        seen[m.part[i]]++;
        if (m.part[i] == PR__MD_EP) {
            /* The endpoints of the details, in report order. */
            cr_assert_eq(m.index[i], next_ep++);
            const char *label = eps[m.index[i]].label;
            /* "### `label`" (a code span) */
            cr_assert(strncmp(at + 5, label, strlen(label)) == 0 ||
                          strpbrk(label, "\\`*_[]<>#") != NULL,
                      "heading %.40s for %s", at, label);
        }
    }
    cr_assert_eq(seen[PR__MD_ENDPOINTS], 1);
    cr_assert_eq(seen[PR__MD_MODULES], 1);
    cr_assert_eq(seen[PR__MD_CALL_TREE], 1);
    cr_assert_eq(seen[PR__MD_DETAILS], 1);
    cr_assert_eq(seen[PR__MD_EP], 3, "--top 3 endpoints in the details");
    cr_assert_eq(seen[PR__MD_EP_CALL_TREE], 3);
    free(md);
    pr_report_free(r);
}
