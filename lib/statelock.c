/* statelock.c - one run at a time per state file: an exclusive flock on a
 * lock file beside the state, held from loading the state to writing it,
 * so two cron runs cannot both load the old state and each rename away
 * the other's requests. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* flock, realpath */
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct pr_lock {
    int fd;
};

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) +
           (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

pr_status pr_state_lock(const char *path, double wait_s, pr_lock **out,
                        pr_error *err)
{
    if (path == NULL || out == NULL || path[0] == '\0')
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "no state path");
    *out = NULL;
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return pr__fail(err, PR_ERR_NOT_FILE, PR_NO_OFFSET,
                        "not a regular file: a state is read from and "
                        "written to a regular file only");
    /* The lock file is named after the state's real path, so links to
     * one state share one lock. It stays: removing it would let a run
     * lock a new file while another holds the old one. */
    char *real = realpath(path, NULL);
    const char *base = real != NULL ? real : path;
    size_t n = strlen(base) + sizeof ".lock";
    char *lp = malloc(n);
    pr_lock *l = malloc(sizeof *l);
    if (lp == NULL || l == NULL) {
        free(real);
        free(lp);
        free(l);
        return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
    }
    snprintf(lp, n, "%s.lock", base);
    free(real);
    l->fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (l->fd < 0) {
        int e = errno;
        pr__fail(err, PR_ERR_IO, PR_NO_OFFSET, "cannot open the lock file "
                 "%s: %s", lp, strerror(e));
        free(lp);
        free(l);
        return PR_ERR_IO;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long pause_ms = 10;
    for (;;) {
        if (flock(l->fd, LOCK_EX | LOCK_NB) == 0)
            break;
        int e = errno;
        double waited = seconds_since(&t0);
        if ((e != EWOULDBLOCK && e != EINTR) || waited >= wait_s) {
            if (e == EWOULDBLOCK)
                pr__fail(err, PR_ERR_LOCKED, PR_NO_OFFSET,
                         "in use by another profreport run (%s held; "
                         "waited %.0f s)", lp, waited);
            else
                pr__fail(err, PR_ERR_IO, PR_NO_OFFSET, "cannot lock %s: %s",
                         lp, strerror(e));
            close(l->fd);
            free(lp);
            free(l);
            return e == EWOULDBLOCK ? PR_ERR_LOCKED : PR_ERR_IO;
        }
        struct timespec d = {0, pause_ms * 1000000L};
        nanosleep(&d, NULL);
        if (pause_ms < 200)
            pause_ms *= 2;
    }
    free(lp);
    *out = l;
    return PR_OK;
}

void pr_state_unlock(pr_lock *l)
{
    if (l == NULL)
        return;
    close(l->fd); /* releases the flock */
    free(l);
}
