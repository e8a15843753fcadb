/* test_diff.c - comparisons (lib/diff.c): a malformed baseline CSV is
 * PR_ERR_BAD_CSV with the row's position, not a stats error. */
#include "testutil.h"

static void baseline_fails(const char *csv, uint64_t offset)
{
    pr_report *cur = tu_report_of("data/werkzeug", 0);
    char *dir = tu_mkdtemp();
    char *path = tu_path(dir, "base.csv");
    tu_write_file(path, csv, strlen(csv));
    pr_diff *d = (pr_diff *)&d;
    pr_error err;
    tu_assert_err(pr_diff_from_baseline(path, cur, &d, &err), err,
                  PR_ERR_BAD_CSV, offset);
    cr_assert_null(d);
    tu_rm_rf(dir);
    free(path);
    free(dir);
    pr_report_free(cur);
}

Test(diff, baseline_without_a_column)
{
    baseline_fails("endpoint,requests\nx,1\n", 0);
}

Test(diff, baseline_with_a_word_for_a_number)
{
    baseline_fails("endpoint,requests,mean_ms,p50_ms,p95_ms,p99_ms,max_ms\n"
                   "index,3,1.0,1.0,many,1.0,1.0\n",
                   0);
}

Test(diff, baseline_empty)
{
    baseline_fails("", 0);
}
