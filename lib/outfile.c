/* outfile.c - write to a temporary file, rename into place on success, so
 * a killed or failed run never leaves half a report or state file. */
#define _POSIX_C_SOURCE 200809L
#include "status.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct pr_outfile {
    char *path;
    char *temp;
    FILE *fp;
};

pr_status pr_outfile_open(const char *path, pr_outfile **out, FILE **stream,
                          pr_error *err)
{
    if (path == NULL || out == NULL || stream == NULL || path[0] == '\0')
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "no output path");
    *out = NULL;
    *stream = NULL;
    pr_outfile *f = calloc(1, sizeof *f);
    size_t n = strlen(path) + sizeof ".tmp.XXXXXX";
    if (f == NULL || (f->path = strdup(path)) == NULL ||
        (f->temp = malloc(n)) == NULL) {
        pr_outfile_abort(f);
        return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
    }
    snprintf(f->temp, n, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(f->temp);
    if (fd < 0) {
        int e = errno;
        free(f->temp);
        f->temp = NULL;
        pr_outfile_abort(f);
        return pr__fail(err, PR_ERR_IO, PR_NO_OFFSET,
                        "cannot create a file next to %s: %s", path,
                        strerror(e));
    }
    /* mkstemp makes 0600; a report is an ordinary file: honour umask. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    if ((f->fp = fdopen(fd, "w")) == NULL) {
        int e = errno;
        close(fd);
        pr_outfile_abort(f);
        return pr__fail(err, PR_ERR_IO, PR_NO_OFFSET, "fdopen: %s",
                        strerror(e));
    }
    *out = f;
    *stream = f->fp;
    return PR_OK;
}

pr_status pr_outfile_commit(pr_outfile *f, pr_error *err)
{
    if (f == NULL)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "NULL output");
    int e = 0;
    if (fflush(f->fp) != 0 || ferror(f->fp))
        e = errno ? errno : EIO;
    else if (fsync(fileno(f->fp)) != 0 && errno != EINVAL)
        e = errno;
    if (fclose(f->fp) != 0 && e == 0)
        e = errno;
    f->fp = NULL;
    if (e == 0 && rename(f->temp, f->path) != 0)
        e = errno;
    if (e != 0) {
        pr_outfile_abort(f);
        return pr__fail(err, PR_ERR_IO, PR_NO_OFFSET, "cannot write: %s",
                        strerror(e));
    }
    free(f->temp);
    f->temp = NULL;
    pr_outfile_abort(f);
    return PR_OK;
}

void pr_outfile_abort(pr_outfile *f)
{
    if (f == NULL)
        return;
    if (f->fp != NULL)
        fclose(f->fp);
    if (f->temp != NULL)
        unlink(f->temp);
    free(f->temp);
    free(f->path);
    free(f);
}

const char *pr_outfile_temp_path(const pr_outfile *f)
{
    return f ? f->temp : NULL;
}
