/* render_csv.c - one table per CSV file, fields through libcsv. Times are
 * printed with 17 significant digits, enough to round-trip a double. */
#include "escape.h"
#include "render.h"

static void functions(const pr_report *r, FILE *out)
{
    fputs("file,line,function,ncalls,primcalls,tottime,cumtime\n", out);
    for (size_t k = 0; k < r->nfuncs; k++) {
        const pr_func_row *f = &r->funcs[r->by_tt[k]];
        esc_csv(out, f->key.file.ptr, f->key.file.len);
        fprintf(out, ",%lld,", (long long)f->key.line);
        esc_csv(out, f->key.name.ptr, f->key.name.len);
        fprintf(out, ",%lld,%lld,%.17g,%.17g\n", (long long)f->nc,
                (long long)f->cc, f->tt, f->ct);
    }
}

static void edges(const pr_report *r, FILE *out)
{
    fputs("file,line,function,caller_file,caller_line,caller_function,"
          "nc,cc,tt,ct\n", out);
    for (size_t k = 0; k < r->nedges; k++) {
        const pr_edge_row *e = &r->edges[k];
        esc_csv(out, e->callee.file.ptr, e->callee.file.len);
        fprintf(out, ",%lld,", (long long)e->callee.line);
        esc_csv(out, e->callee.name.ptr, e->callee.name.len);
        fputc(',', out);
        esc_csv(out, e->caller.file.ptr, e->caller.file.len);
        fprintf(out, ",%lld,", (long long)e->caller.line);
        esc_csv(out, e->caller.name.ptr, e->caller.name.len);
        fprintf(out, ",%lld,%lld,", (long long)e->nc, (long long)e->cc);
        if (!e->count_only)
            fprintf(out, "%.17g,%.17g", e->tt, e->ct);
        else
            fputc(',', out);
        fputc('\n', out);
    }
}

pr_status render_csv(const pr_report *r, pr_table table, FILE *out)
{
    switch (table) {
    case PR_TABLE_FUNCTIONS:
        functions(r, out);
        return PR_OK;
    case PR_TABLE_EDGES:
        edges(r, out);
        return PR_OK;
    default:
        return PR_ERR_USAGE;
    }
}
