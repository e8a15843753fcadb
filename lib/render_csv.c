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
        esc_csv(out, e->callee->file.ptr, e->callee->file.len, !r->opts.csv_raw);
        fprintf(out, ",%lld,", (long long)e->callee->line);
        esc_csv(out, e->callee->name.ptr, e->callee->name.len, !r->opts.csv_raw);
        fputc(',', out);
        esc_csv(out, e->caller->file.ptr, e->caller->file.len, !r->opts.csv_raw);
        fprintf(out, ",%lld,", (long long)e->caller->line);
        esc_csv(out, e->caller->name.ptr, e->caller->name.len, !r->opts.csv_raw);
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
    fputs("file,method,path,endpoint,wall_ms,profiled_ms,timestamp,"
          "wall_source\n", out);
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
        fprintf(out, ",%.3f,%.3f,%s,%s\n", q->wall_ms, q->profiled_ms, when,
                q->wall_source == PR_WALL_NAME ? "name" : "profile");
    }
}

/* One block per scope: the whole run ("all"), then each endpoint in
 * table order. own_estimated and estimated say which own and inclusive
 * figures are estimates, so an estimate is never passed off as exact. */
static void module_rows(const pr_report *r, const pr_attribution *a,
                        const char *endpoint, FILE *out)
{
    for (size_t i = 0; i < a->nmodules; i++) {
        const pr_module_row *m = &a->modules[i];
        fputs(endpoint != NULL ? "endpoint," : "all,", out);
        if (endpoint != NULL)
            esc_csv(out, endpoint, strlen(endpoint), !r->opts.csv_raw);
        fputc(',', out);
        esc_csv(out, m->name, strlen(m->name), !r->opts.csv_raw);
        fprintf(out, ",%s,%.17g,%.6f,%d,%.17g,%.6f,%d,%lld\n",
                pr_module_kind_name(m->kind), m->self_s, m->self_share,
                m->self_estimated, m->inclusive_s, m->inclusive_share,
                m->estimated, (long long)m->calls);
    }
}

static void modules(const pr_report *r, FILE *out)
{
    fputs("scope,endpoint,module,kind,own_s,own_share,own_estimated,"
          "inclusive_s,inclusive_share,estimated,calls\n", out);
    module_rows(r, &r->attr, NULL, out);
    for (size_t i = 0; i < r->nendpoints; i++)
        module_rows(r, &r->endpoints[i].attr, r->endpoints[i].label, out);
}

/* The findings as records: share and per_request_ms are empty where they
 * do not apply; text is the plain sentence. */
static void findings(const pr_report *r, FILE *out)
{
    fputs("rank,scope,endpoint,kind,subject,share,per_request_ms,estimated,"
          "text\n", out);
    for (size_t i = 0; i < r->nfindings; i++) {
        const pr_finding *f = &r->findings[i];
        fprintf(out, "%zu,%s,", i + 1, f->endpoint != NULL ? "endpoint" : "all");
        if (f->endpoint != NULL)
            esc_csv(out, f->endpoint, strlen(f->endpoint), !r->opts.csv_raw);
        fprintf(out, ",%s,", pr_finding_kind_name(f->kind));
        esc_csv(out, f->subject, strlen(f->subject), !r->opts.csv_raw);
        fputc(',', out);
        if (f->share >= 0)
            fprintf(out, "%.6f", f->share);
        fputc(',', out);
        if (f->per_request_ms >= 0)
            fprintf(out, "%.3f", f->per_request_ms);
        fprintf(out, ",%d,", f->estimated);
        esc_csv(out, f->text, strlen(f->text), !r->opts.csv_raw);
        fputc('\n', out);
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
    case PR_TABLE_FINDINGS:
        findings(r, out);
        return PR_OK;
    default:
        return PR_ERR_USAGE;
    }
}
