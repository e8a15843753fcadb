/* incremental.c - the state-file protocol of an incremental run, kept in
 * the library so that every program using it behaves like the command
 * line: which options a state implies, and load / add / prune / save. */
#define _POSIX_C_SOURCE 200809L
#include "agg.h"
#include "status.h"

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>

pr_status pr_state_options(pr_agg_options *ao, pr_report_options *ro,
                           pr_error *err)
{
    if (ao == NULL)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "NULL argument");
    /* Requests are kept whole in a state, so filters that drop them at
     * read time would change it. */
    if (ao->method != NULL || ao->path_glob != NULL || ao->min_ms > 0)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET,
                        "--state cannot be combined with --method, --path "
                        "or --min-ms");
    /* The time window is applied per bucket when reporting. */
    if (ro != NULL) {
        ro->since = ao->since;
        ro->until = ao->until;
    }
    ao->since = ao->until = 0;
    ao->skip_known = 1;
    /* bucket_s stays 0 unless given: an existing state's own bucket
     * size, else PR_DEFAULT_STATE_BUCKET_S (pr_agg_update_state). */
    return PR_OK;
}

/* Holds SIGINT and SIGTERM in this thread; the old mask goes to *old. */
static void hold_signals(sigset_t *old)
{
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, old);
}

pr_status pr_agg_update_state(pr_agg *agg, const char *state,
                              const char *const *paths, size_t n,
                              double prune_before, double wait_s,
                              pr_error *ignored, pr_error *err)
{
    if (ignored != NULL)
        pr__fail(ignored, PR_OK, PR_NO_OFFSET, "%s", "");
    if (agg == NULL || state == NULL)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "NULL argument");
    /* Held from loading the state to writing it: runs at once would each
     * start from the old state and the last rename would win. */
    pr_lock *lock = NULL;
    pr_status st = pr_state_lock(state, wait_s, &lock, err);
    if (st != PR_OK)
        return st;
    double asked = agg->opts.bucket_s;
    struct stat sb;
    pr_error lerr;
    /* A state that cannot be read costs time, not correctness: read
     * every file and write a new one. */
    if (stat(state, &sb) == 0) {
        if (pr_agg_load_state(agg, state, &lerr) != PR_OK) {
            if (ignored != NULL)
                *ignored = lerr;
        } else if (asked > 0 && agg->bucket_s != asked) {
            double kept = agg->bucket_s;
            pr_state_unlock(lock);
            return pr__fail(err, PR_ERR_MISMATCH, PR_NO_OFFSET,
                            "the state keeps buckets of %g s; a bucket of "
                            "%g s applies to a new state only (remove the "
                            "file to start one)", kept, asked);
        }
    }
    if (agg->bucket_s <= 0)
        agg->bucket_s = PR_DEFAULT_STATE_BUCKET_S;
    st = pr_agg_add_paths(agg, paths, n);
    if (st == PR_OK && prune_before > 0)
        st = pr_agg_prune(agg, prune_before);
    if (st != PR_OK) {
        pr_state_unlock(lock);
        return pr__fail(err, st, PR_NO_OFFSET, "%s", pr_strerror(st));
    }
    sigset_t old;
    hold_signals(&old);
    st = pr_agg_save_state(agg, state, err);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pr_state_unlock(lock);
    return st;
}
