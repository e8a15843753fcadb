# -*- coding: ascii -*-
"""Reference output for profreport's differential tests, computed by pstats.

Usage:
    pstats_ref.py functions PATH...   one CSV row per merged function
    pstats_ref.py callers   PATH...   one CSV row per caller edge
    pstats_ref.py summary   PATH...   one CSV row of pstats' headline totals

Runs under Python 3 (/usr/bin/python3, pyenv 3.6+, PyPy3) and Python 2.7.
Python 3's marshal cannot read Python 2 files, and code objects written by
`python -m profile` only load in the interpreter version that wrote them, so
run this with the interpreter matching the files (e.g. 2.7 for *py27*,
3.8 for dash_m_profile_py38.prof).

Inputs (the rules of pr_agg_add_paths in include/profreport.h):
  * A PATH that is a directory is walked recursively, following symlinks,
    for files whose name ends in ".prof" or ".prof.gz" (hidden names
    included); the files found under that PATH are sorted by their full
    path as bytes.  A symlink back to an ancestor directory (a loop) is
    reported as "skip PATH: symbolic link loop", counted as skipped, and not
    entered.  Any other PATH is read whatever its name.  PATHs are
    processed in command-line order; a file named twice is added twice.
  * A file whose name ends in ".gz" or whose content starts with the gzip
    magic 1F 8B is decompressed, then marshal.loads()ed into the Stats.
  * Every file is loaded on its own as a pstats.Stats; one that pstats
    cannot load (EOF, bad marshal data, empty dict, wrong shape...) is
    reported on stderr as "skip PATH: reason" and the run goes on.
  * If pstats' add() itself raises while merging a loaded file (mixing a
    profile.py int caller and a cProfile tuple caller for the same edge:
    add_callers does tuple + int), there is no reference answer: the script
    prints "pstats_ref.py: PATH: pstats cannot merge ..." and exits 3.
    Exit status: 0 ok (even if files were skipped), 2 usage, 3 merge error.
  * The loaded files are merged with pstats' own Stats.add (add_func_stats /
    add_callers) as a left fold in input order: Stats(f1).add(f2).add(f3)...
    NOTE: pstats.Stats(f1, f2, f3) itself adds f3 before f2 (it iterates the
    extra arguments reversed), which can change the last bit of summed times;
    the left fold is the order profreport is expected to use.

Output (stdout, CSV via the csv module, QUOTE_MINIMAL, lineterminator "\\n"):
  functions: file,line,function,ncalls,primcalls,tottime,cumtime
      ncalls = nc (total calls), primcalls = cc (primitive calls).
  callers:   file,line,function,caller_file,caller_line,caller_function,nc,cc,tt,ct
      cProfile callers (nc, cc, tt, ct); profile.py int callers: nc = cc =
      the int, tt and ct empty.
  summary:   files,skipped,functions,total_calls,prim_calls,total_tt
      pstats' headline numbers: total_tt is Stats.total_tt (the sum of each
      file's tottime sum, added file by file), not a re-sum of merged rows.
  Rows are sorted by (file, line, function[, caller_file, caller_line,
  caller_function]) with strings compared as bytes and lines as integers.

Value formatting:
  * Counts and lines: decimal integers.
  * Times: repr(float(x)), the shortest string that round-trips (Python
    >= 2.7 and 3.x agree).  Ints found where times belong (profile.py's
    synthetic (0, 0, 0, 0) entries, int timers) are printed as floats
    ("0.0"), as profreport stores times as doubles.
  * Strings are written as the exact bytes a C reader finds in the file:
    Python 3 str is encoded UTF-8 with 'surrogatepass' (marshal's own
    encoding, so lone surrogates such as a surrogateescape'd filename
    byte 0xFF come out as ED B3 BF); Python 2 str / Python 3 bytes are
    written raw; Python 2 unicode is encoded UTF-8.
  * A code-object function name (python -m profile, format doc 2.9) is
    written as <code object NAME, file "FILENAME", line N> with
    NAME = co_name, FILENAME = co_filename, N = co_firstlineno.
    pstats merges such keys by code-object equality (which compares the
    code itself); profreport compares this display string instead.  They
    agree unless two different code objects share name, file and line.
"""
from __future__ import print_function

import csv
import gzip
import io
import marshal
import os
import pstats
import sys
import types

PY3 = sys.version_info[0] >= 3
GZIP_MAGIC = b"\x1f\x8b"


def to_bytes(s):
    """Exact bytes of a name as stored in the .prof file."""
    if isinstance(s, bytes):          # Py2 str, Py3 bytes
        return s
    if PY3:
        return s.encode("utf-8", "surrogatepass")
    return s.encode("utf-8")          # Py2 unicode


def name_bytes(obj):
    if isinstance(obj, types.CodeType):
        return (b"<code object " + to_bytes(obj.co_name) + b", file \"" +
                to_bytes(obj.co_filename) + b"\", line " +
                str(obj.co_firstlineno).encode("ascii") + b">")
    return to_bytes(obj)


def key_fields(key):
    filename, line, name = key
    return (to_bytes(filename), int(line), name_bytes(name))


def fmt_time(x):
    return repr(float(x))


def fmt_int(n):
    return "%d" % n


def needs_gunzip(path):
    if path.endswith(".gz"):
        return True
    with open(path, "rb") as f:
        return f.read(2) == GZIP_MAGIC


class RefStats(pstats.Stats):
    """pstats.Stats that also loads gzip-compressed stats files.

    Only load_stats is extended; merging stays pstats' add/add_func_stats/
    add_callers.  (An old-style class on 2.7, like its base.)
    """

    def load_stats(self, arg):
        if isinstance(arg, str) and needs_gunzip(arg):
            f = gzip.open(arg, "rb")
            try:
                data = f.read()
            finally:
                f.close()
            self.stats = marshal.loads(data)
            self.files = [arg]
            if not self.stats:
                raise TypeError("Cannot create or construct a %r object "
                                "from %r" % (self.__class__, arg))
            return
        pstats.Stats.load_stats(self, arg)


class NullStream(object):
    def write(self, s):
        pass

    def flush(self):
        pass


def sort_key_path(p):
    return os.fsencode(p) if PY3 else p


def walk(top, found, loops, ancestors):
    """Collect *.prof / *.prof.gz under top, following symlinks.

    A directory that is one of its own ancestors (by device and inode) is a
    symlink loop: it is reported as skipped and not entered.  A directory
    reached by two different routes that are not a loop is read twice, as
    a plain recursive walk would.
    """
    try:
        names = os.listdir(top)
    except OSError as e:
        loops.append((top, "%s: %s" % (type(e).__name__, e)))
        return
    for name in names:
        path = os.path.join(top, name)
        if os.path.isdir(path):
            st = os.stat(path)
            ident = (st.st_dev, st.st_ino)
            if ident in ancestors:
                loops.append((path, "symbolic link loop"))
                continue
            walk(path, found, loops, ancestors | set([ident]))
        elif name.endswith(".prof") or name.endswith(".prof.gz"):
            found.append(path)


def expand(paths):
    """(files, skipped) named by paths, in the order profreport reads them.

    skipped holds (path, reason) for directory entries that cannot be
    walked (symlink loops, unreadable directories).
    """
    out = []
    skipped = []
    for p in paths:
        if not os.path.isdir(p):
            out.append(p)
            continue
        st = os.stat(p)
        found = []
        walk(p, found, skipped, set([(st.st_dev, st.st_ino)]))
        found.sort(key=sort_key_path)
        out.extend(found)
    return out, skipped


class MergeError(Exception):
    pass


def load_all(paths):
    total = None
    nfiles = 0
    skipped = 0
    files, bad_dirs = expand(paths)
    for path, reason in bad_dirs:
        skipped += 1
        sys.stderr.write("skip %s: %s\n" % (path, reason))
    for path in files:
        try:
            st = RefStats(path, stream=NullStream())
        except Exception as e:  # anything pstats/marshal raise = unreadable
            skipped += 1
            reason = "%s: %s" % (type(e).__name__, e)
            sys.stderr.write("skip %s: %s\n" % (path, reason))
            continue
        nfiles += 1
        if total is None:
            total = st
        else:
            try:
                total.add(st)
            except Exception as e:
                # pstats itself cannot merge this set (e.g. the same caller
                # edge as a cProfile tuple in one file and a profile.py int in
                # another): there is no reference answer, so stop.
                raise MergeError("%s: pstats cannot merge it with the files "
                                 "before it: %s: %s"
                                 % (path, type(e).__name__, e))
    return total, nfiles, skipped


class Out(object):
    """CSV writer that emits byte strings on both Python 2 and 3."""

    def __init__(self):
        if PY3:
            self.buf = io.StringIO()
            self.w = csv.writer(self.buf, lineterminator="\n")
            self.raw = sys.stdout.buffer
        else:
            self.w = csv.writer(sys.stdout, lineterminator="\n")

    def row(self, fields):
        if PY3:
            # surrogateescape round-trips arbitrary bytes through csv
            self.w.writerow([f.decode("utf-8", "surrogateescape")
                             if isinstance(f, bytes) else f for f in fields])
            self.raw.write(self.buf.getvalue().encode("utf-8",
                                                      "surrogateescape"))
            self.buf.seek(0)
            self.buf.truncate()
        else:
            self.w.writerow(fields)

    def flush(self):
        if PY3:
            self.raw.flush()
        else:
            sys.stdout.flush()


def cmd_functions(st, out):
    out.row(["file", "line", "function", "ncalls", "primcalls",
             "tottime", "cumtime"])
    rows = []
    for key, (cc, nc, tt, ct, _callers) in st.stats.items():
        rows.append((key_fields(key), nc, cc, tt, ct))
    rows.sort(key=lambda r: r[0])
    for (f, line, name), nc, cc, tt, ct in rows:
        out.row([f, fmt_int(line), name, fmt_int(nc), fmt_int(cc),
                 fmt_time(tt), fmt_time(ct)])


def cmd_callers(st, out):
    out.row(["file", "line", "function", "caller_file", "caller_line",
             "caller_function", "nc", "cc", "tt", "ct"])
    rows = []
    for key, entry in st.stats.items():
        kf = key_fields(key)
        for ckey, val in entry[4].items():
            rows.append((kf + key_fields(ckey), val))
    rows.sort(key=lambda r: r[0])
    for (f, line, name, cf, cline, cname), val in rows:
        if isinstance(val, tuple):
            nc, cc, tt, ct = val
            vals = [fmt_int(nc), fmt_int(cc), fmt_time(tt), fmt_time(ct)]
        else:
            vals = [fmt_int(val), fmt_int(val), "", ""]
        out.row([f, fmt_int(line), name, cf, fmt_int(cline), cname] + vals)


def cmd_summary(st, out, nfiles, skipped):
    out.row(["files", "skipped", "functions", "total_calls", "prim_calls",
             "total_tt"])
    if st is None:
        out.row([fmt_int(nfiles), fmt_int(skipped), "0", "0", "0", "0.0"])
        return
    out.row([fmt_int(nfiles), fmt_int(skipped), fmt_int(len(st.stats)),
             fmt_int(st.total_calls), fmt_int(st.prim_calls),
             fmt_time(st.total_tt)])


def main(argv):
    if len(argv) < 3 or argv[1] not in ("functions", "callers", "summary"):
        sys.stderr.write("usage: %s functions|callers|summary PATH...\n"
                         % os.path.basename(argv[0]))
        return 2
    try:
        st, nfiles, skipped = load_all(argv[2:])
    except MergeError as e:
        sys.stderr.write("pstats_ref.py: %s\n" % e)
        return 3
    out = Out()
    if argv[1] == "summary":
        cmd_summary(st, out, nfiles, skipped)
    elif argv[1] == "functions":
        if st is None:
            out.row(["file", "line", "function", "ncalls", "primcalls",
                     "tottime", "cumtime"])
        else:
            cmd_functions(st, out)
    else:
        if st is None:
            out.row(["file", "line", "function", "caller_file",
                     "caller_line", "caller_function", "nc", "cc", "tt",
                     "ct"])
        else:
            cmd_callers(st, out)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
