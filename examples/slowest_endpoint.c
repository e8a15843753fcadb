/* slowest_endpoint - profreport's library on its own: read profile
 * directories and print the endpoint that costs the service most, with
 * its three heaviest functions by cumulative time.
 *
 *   build/examples/slowest_endpoint DIR...
 */
#include <profreport.h>

#include <stdio.h>

static void on_skip(void *ctx, const char *path, const pr_error *err)
{
    (void)ctx;
    fprintf(stderr, "skipped %s: %s\n", path, err->msg);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR...\n", argv[0]);
        return 2;
    }
    pr_agg_options opts = {0};
    opts.on_skip = on_skip;
    pr_agg *agg = NULL;
    pr_report *rep = NULL;
    int rc = 1;
    if (pr_agg_new(&opts, &agg) != PR_OK ||
        pr_agg_add_paths(agg, (const char *const *)argv + 1,
                         (size_t)argc - 1) != PR_OK ||
        pr_report_build(agg, NULL, &rep) != PR_OK)
        goto out;
    const pr_endpoint_row *eps;
    if (pr_report_endpoints(rep, &eps) == 0) {
        fprintf(stderr, "no requests\n");
        goto out;
    }
    const pr_endpoint_row *e = &eps[0];
    printf("%s: %zu requests, %.0f ms in all (%.0f%%), p95 %.0f ms\n",
           e->label, e->requests, e->total_ms, e->share * 100, e->p95_ms);
    for (size_t i = 0; i < e->nfuncs_top && i < 3; i++) {
        const pr_func_row *f = &e->funcs_ct[i];
        printf("  %8.3f s  %.*s:%lld(%.*s)\n", f->ct, (int)f->key.file.len,
               f->key.file.ptr, (long long)f->key.line, (int)f->key.name.len,
               f->key.name.ptr);
    }
    rc = 0;
out:
    pr_report_free(rep);
    pr_agg_free(agg);
    return rc;
}
