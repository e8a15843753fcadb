/* outfile.c - write to a temporary file, rename into place on success, so
 * a killed or failed run never leaves half a report or state file.
 *
 * What the path names decides how it is written:
 *   missing or a regular file   temporary file beside it, renamed over it;
 *                               an existing file keeps its mode and owner
 *   a symlink to either         the same, beside and over the link's
 *                               target: the link stays a link
 *   a character device, a FIFO  written through (/dev/null, a pipe, a tty):
 *   or this process's stdout    a device is never replaced by a file
 *   a directory, block device,  refused
 *   socket, dangling symlink
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* realpath */
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct pr_outfile {
    char *path;  /* the file renamed over: `path` or its symlink's target */
    char *temp;  /* NULL when writing through */
    FILE *fp;
};

static pr_status nomem(pr_outfile *f, pr_error *err)
{
    pr_outfile_abort(f);
    return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Opens a stream straight to what `path` names (a device, a FIFO, our
 * stdout). Not atomic, and need not be: these are not files to keep. */
static pr_status open_through(pr_outfile *f, const char *path, int to_stdout,
                              pr_error *err)
{
    int fd = to_stdout ? fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
                       : open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        pr_outfile_abort(f);
        return pr__fail(err, PR_ERR_IO, PR_NO_OFFSET, "cannot open %s: %s",
                        path, strerror(e));
    }
    if ((f->fp = fdopen(fd, "w")) == NULL) {
        close(fd);
        return nomem(f, err);
    }
    return PR_OK;
}

/* The previous file's mode and owner go to the new one, so a 0600 report
 * stays private; a new file follows the umask (mkstemp makes 0600). */
static void set_mode(int fd, const struct stat *old)
{
    if (old == NULL) {
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
        return;
    }
    /* Owner first: chown may clear set-id bits, which fchmod restores.
     * Not permitted (not root, a group we are not in)? Keep what we can. */
    if (fchown(fd, old->st_uid, old->st_gid) != 0)
        (void)!fchown(fd, (uid_t)-1, old->st_gid);
    fchmod(fd, old->st_mode & 07777);
}

pr_status pr_outfile_open(const char *path, pr_outfile **out, FILE **stream,
                          pr_error *err)
{
    if (path == NULL || out == NULL || stream == NULL || path[0] == '\0')
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "no output path");
    *out = NULL;
    *stream = NULL;
    pr_outfile *f = calloc(1, sizeof *f);
    if (f == NULL)
        return nomem(NULL, err);
    struct stat st, lst, so;
    int exists = stat(path, &st) == 0;
    if (!exists && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        pr_outfile_abort(f);
        return pr__fail(err, PR_ERR_NOT_FILE, PR_NO_OFFSET,
                        "%s is a symbolic link to a missing file", path);
    }
    if (exists && !S_ISREG(st.st_mode)) {
        int is_stdout = fstat(STDOUT_FILENO, &so) == 0 && same_file(&st, &so);
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || is_stdout) {
            pr_status s = open_through(f, path, is_stdout, err);
            if (s != PR_OK)
                return s;
            *out = f;
            *stream = f->fp;
            return PR_OK;
        }
        pr_outfile_abort(f);
        return pr__fail(err, PR_ERR_NOT_FILE, PR_NO_OFFSET,
                        "%s is %s, not a file to write a report to", path,
                        S_ISDIR(st.st_mode) ? "a directory"
                        : S_ISBLK(st.st_mode) ? "a block device"
                                              : "a socket");
    }
    /* A regular file that is our stdout (-o /dev/stdout > file): write to
     * the descriptor the shell opened, which a rename would not reach. */
    if (exists && fstat(STDOUT_FILENO, &so) == 0 && same_file(&st, &so) &&
        lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        pr_status s = open_through(f, path, 1, err);
        if (s != PR_OK)
            return s;
        *out = f;
        *stream = f->fp;
        return PR_OK;
    }
    /* Through a symlink: replace its target, beside the target. */
    if (exists && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
        f->path = realpath(path, NULL);
    else
        f->path = strdup(path);
    if (f->path == NULL)
        return nomem(f, err);
    size_t n = strlen(f->path) + sizeof ".tmp.XXXXXX";
    if ((f->temp = malloc(n)) == NULL)
        return nomem(f, err);
    snprintf(f->temp, n, "%s.tmp.XXXXXX", f->path);
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
    set_mode(fd, exists ? &st : NULL);
    if ((f->fp = fdopen(fd, "w")) == NULL) {
        close(fd);
        return nomem(f, err);
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
    else if (f->temp != NULL && fsync(fileno(f->fp)) != 0 && errno != EINVAL)
        e = errno;
    if (fclose(f->fp) != 0 && e == 0)
        e = errno;
    f->fp = NULL;
    if (e == 0 && f->temp != NULL && rename(f->temp, f->path) != 0)
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
