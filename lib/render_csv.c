/* render_csv.c - one table per CSV file, fields through libcsv. Times are
 * printed with 17 significant digits, enough to round-trip a double. */
#include "escape.h"
#include "render.h"

#include <string.h>

static void functions(const pr_report *r, FILE *out)
{
    fputs("file,line,function,ncalls,primcalls,tottime,cumtime\n", out);
    for (size_t k = 0; k < r->nfuncs; k++) {
        const pr_func_row *f = &r->funcs[r->by_tt[k]];
        esc_csv(out, f->key.file.ptr, f->key.file.len, !r->opts.csv_raw);
        fprintf(out, ",%lld,", (long long)f->key.line);
        esc_csv(out, f->key.name.ptr, f->key.name.len, !r->opts.csv_raw);
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
        esc_csv(out, e->callee.file.ptr, e->callee.file.len, !r->opts.csv_raw);
        fprintf(out, ",%lld,", (long long)e->callee.line);
        esc_csv(out, e->callee.name.ptr, e->callee.name.len, !r->opts.csv_raw);
        fputc(',', out);
        esc_csv(out, e->caller.file.ptr, e->caller.file.len, !r->opts.csv_raw);
        fprintf(out, ",%lld,", (long long)e->caller.line);
        esc_csv(out, e->caller.name.ptr, e->caller.name.len, !r->opts.csv_raw);
        fprintf(out, ",%lld,%lld,", (long long)e->nc, (long long)e->cc);
        if (!e->count_only)
            fprintf(out, "%.17g,%.17g", e->tt, e->ct);
        else
            fputc(',', out);
        fputc('\n', out);
    }
}

static void endpoints(const pr_report *r, FILE *out)
{
    fputs("endpoint,method,requests,total_ms,share,mean_ms,p50_ms,p90_ms,"
          "p95_ms,p99_ms,max_ms,slowest_file\n", out);
    for (size_t i = 0; i < r->nendpoints; i++) {
        const pr_endpoint_row *e = &r->endpoints[i];
        esc_csv(out, e->label, strlen(e->label), !r->opts.csv_raw);
        fputc(',', out);
        esc_csv(out, e->method, strlen(e->method), !r->opts.csv_raw);
        fprintf(out, ",%zu,%.3f,%.6f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,",
                e->requests, e->total_ms, e->share, e->mean_ms, e->p50_ms,
                e->p90_ms, e->p95_ms, e->p99_ms, e->max_ms);
        esc_csv(out, e->slowest_file, strlen(e->slowest_file), !r->opts.csv_raw);
        fputc('\n', out);
    }
}

static void requests(const pr_report *r, FILE *out)
{
    fputs("file,method,path,endpoint,wall_ms,profiled_ms,timestamp\n", out);
    for (size_t i = 0; i < r->nrequests; i++) {
        const pr_request_row *q = &r->requests[i];
        char when[32];
        pr__iso_time(q->time, when, sizeof when);
        const char *ep = r->endpoints[q->endpoint].label;
        esc_csv(out, q->file, strlen(q->file), !r->opts.csv_raw);
        fputc(',', out);
        esc_csv(out, q->method, strlen(q->method), !r->opts.csv_raw);
        fputc(',', out);
        esc_csv(out, q->path, strlen(q->path), !r->opts.csv_raw);
        fputc(',', out);
        esc_csv(out, ep, strlen(ep), !r->opts.csv_raw);
        fprintf(out, ",%.3f,%.3f,%s\n", q->wall_ms, q->profiled_ms, when);
    }
}

/* The trailing `estimated` column says which inclusive figures are
 * estimates (re-entry possible; read off the rebuilt call tree), so an
 * estimate is never passed off as exact. */
static void modules(const pr_report *r, FILE *out)
{
    const pr_attribution *a = &r->attr;
    fputs("module,kind,self_s,inclusive_s,self_share,inclusive_share,calls,"
          "estimated\n", out);
    for (size_t i = 0; i < a->nmodules; i++) {
        const pr_module_row *m = &a->modules[i];
        esc_csv(out, m->name, strlen(m->name), !r->opts.csv_raw);
        fprintf(out, ",%s,%.17g,%.17g,%.6f,%.6f,%lld,%d\n",
                pr_module_kind_name(m->kind), m->self_s, m->inclusive_s,
                m->self_share, m->inclusive_share, (long long)m->calls,
                m->estimated);
    }
}

static void callers(const pr_report *r, FILE *out)
{
    const pr_attribution *a = &r->attr;
    fputs("module,entered_from,caller_module,inclusive_s,calls,estimated\n",
          out);
    for (size_t i = 0; i < a->nentries; i++) {
        const pr_entry_point_row *e = &a->entries[i];
        esc_csv(out, e->module, strlen(e->module), !r->opts.csv_raw);
        fputc(',', out);
        esc_csv(out, e->entered_from, strlen(e->entered_from), !r->opts.csv_raw);
        fputc(',', out);
        esc_csv(out, e->caller_module, strlen(e->caller_module), !r->opts.csv_raw);
        fprintf(out, ",%.17g,%lld,%d\n", e->inclusive_s, (long long)e->calls,
                e->estimated);
    }
}

pr_status pr__render_csv(const pr_report *r, pr_table table, FILE *out,
                         pr_error *err)
{
    (void)err;
    switch (table) {
    case PR_TABLE_FUNCTIONS:
        functions(r, out);
        return PR_OK;
    case PR_TABLE_EDGES:
        edges(r, out);
        return PR_OK;
    case PR_TABLE_ENDPOINTS:
        endpoints(r, out);
        return PR_OK;
    case PR_TABLE_REQUESTS:
        requests(r, out);
        return PR_OK;
    case PR_TABLE_MODULES:
        modules(r, out);
        return PR_OK;
    case PR_TABLE_CALLERS:
        callers(r, out);
        return PR_OK;
    default:
        return PR_ERR_USAGE;
    }
}
