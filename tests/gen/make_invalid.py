#!/usr/bin/python3
"""Write the corrupt-input corpus tests/data/invalid/ and its EXPECTED list.

Usage (from the repository root):
    /usr/bin/python3 tests/gen/make_invalid.py [OUTDIR]

OUTDIR defaults to tests/data/invalid.  Every file is derived
deterministically from the committed fixtures in tests/data/valid/ or built
byte by byte here, so re-running the script rewrites identical files.

Each case records the pr_status that pr_profile_load must return and the
byte offset in pr_error (in the decoded stream for gzip files whose
content is corrupt; in the compressed stream for corrupt gzip framing; "-"
for PR_NO_OFFSET).  The offsets are derived from how each file is built,
not from running profreport: a cut inside a fixed-size field fails where
that field starts, a missing type byte where it should be, and so on
(pstats-format.md 2.11).  The conventions the decoder follows:

  * input ending where a type byte or a fixed-size field (int32, int64,
    float, a uint8 length) is due: PR_ERR_TRUNCATED at that offset;
  * an int32 length or count larger than the bytes left (a string payload
    cut short, a huge length in a tiny file): PR_ERR_BAD_LENGTH at the
    offset of the length field;
  * a uint8-length string (z/Z) cut short: PR_ERR_TRUNCATED at its payload;
  * a first byte that cannot start a stats file (not 7B/FB/1F):
    PR_ERR_NOT_STATS at 0, before the rest is read.

Files are named *.prof or *.prof.gz so a directory walk finds them all.
"""
import gzip
import os
import pickle
import random
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VALID = os.path.join(ROOT, "tests", "data", "valid")


def fixture(name):
    with open(os.path.join(VALID, name), "rb") as f:
        return f.read()


def gz(data):
    # mtime=0 and no file name: identical bytes on every run
    return gzip.compress(data, compresslevel=9, mtime=0)


# ---- a small marshal walker, to find where objects start in a fixture ------

class Obj(object):
    def __init__(self, off, code):
        self.off = off      # offset of the type byte
        self.code = code    # type code without FLAG_REF
        self.end = None     # offset just past the object
        self.children = []


def walk(buf):
    """Pre-order list of Obj for a fully valid stats file without code
    objects (the fixtures used below). Raises on anything unexpected."""
    out = []

    def obj(pos):
        code = chr(buf[pos] & 0x7F)
        o = Obj(pos, code)
        out.append(o)
        p = pos + 1
        if code in "0NTF":
            pass
        elif code in "irR":
            p += 4
        elif code == "I":
            p += 8
        elif code == "g":
            p += 8
        elif code == "l":
            n = struct.unpack_from("<i", buf, p)[0]
            p += 4 + 2 * abs(n)
        elif code in "utsaA":
            n = struct.unpack_from("<i", buf, p)[0]
            p += 4 + n
        elif code in "zZ":
            p += 1 + buf[p]
        elif code in "()":
            if code == ")":
                n = buf[p]
                p += 1
            else:
                n = struct.unpack_from("<i", buf, p)[0]
                p += 4
            for _ in range(n):
                c = obj(p)
                o.children.append(c)
                p = c.end
        elif code == "{":
            while True:
                c = obj(p)
                p = c.end
                if c.code == "0":
                    break
                o.children.append(c)
        else:
            raise ValueError("walker: code %r at %d" % (code, pos))
        o.end = p
        return o

    root = obj(0)
    if root.end != len(buf):
        raise ValueError("walker: %d trailing bytes" % (len(buf) - root.end))
    return out


def check_cut(objs, buf, cut):
    """The decoder checks a container's count against the bytes left before
    reading its items (2.11), so a cut shortly after a count is a bad
    length, not a truncation. Make sure no container that the cut falls
    into trips that check: then the cut is reported where it happens."""
    for o in objs:
        if not (o.off < cut < o.end) or o.code not in "()":
            continue
        if o.code == ")":
            n, start = buf[o.off + 1], o.off + 2
        else:
            n, start = struct.unpack_from("<i", buf, o.off + 1)[0], o.off + 5
        if start <= cut:
            assert n <= cut - start, "cut %d: count of tuple at %d exceeds what is left" % (cut, o.off)
    return cut


def nth(objs, codes, n, minlen=0, buf=None):
    """The n-th object (0-based) whose code is in `codes` (and, for
    strings, whose declared length is at least minlen)."""
    k = 0
    for o in objs:
        if o.code not in codes:
            continue
        if minlen:
            if o.code in "zZ":
                ln = buf[o.off + 1]
            else:
                ln = struct.unpack_from("<i", buf, o.off + 1)[0]
            if ln < minlen:
                continue
        if k == n:
            return o
        k += 1
    raise ValueError("no object %r #%d" % (codes, n))


# ---- hand-made pieces (offsets as in tests/test_profile.c) ----------------

def i32(v):
    return b"\xe9" + struct.pack("<i", v)


def g(v):
    return b"\x67" + struct.pack("<d", v)


KEY_A = b"\x29\x03\x7a\x01a" + i32(1) + b"\x7a\x01f"            # offsets 1..13
KEY_B = b"\x29\x03\x7a\x01a" + i32(2) + b"\x7a\x01g"


def entry(cc=1, nc=2, tt=0.5, ct=1.0, callers=b"\x7b\x30"):
    return b"\x29\x05" + i32(cc) + i32(nc) + g(tt) + g(ct) + callers  # at 14


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "invalid")
    os.makedirs(out, exist_ok=True)
    cases = []  # (name, bytes, status, offset or None, comment)

    def add(name, data, status, offset, comment):
        cases.append((name, data, status, offset, comment))

    # -- empty and not-a-stats-file ------------------------------------
    add("empty.prof", b"", "PR_ERR_EMPTY", 0, "zero-length file (a failed dump_stats)")
    add("empty.prof.gz", b"", "PR_ERR_EMPTY", 0, "zero-length, named .gz")
    add("zeros.prof", b"\0" * 4096, "PR_ERR_NOT_STATS", 0, "4 KiB of zero bytes")
    rnd = random.Random(20240501).getrandbits(8 * 4096).to_bytes(4096, "little")
    assert rnd[0] not in (0x7B, 0xFB, 0x1F), "pick another seed"
    add("random.prof", rnd, "PR_ERR_NOT_STATS", 0, "4 KiB of random bytes")
    add("text.prof", b"ncalls  tottime  percall\n", "PR_ERR_NOT_STATS", 0, "pstats text output")
    add("pickle.prof", pickle.dumps({("a", 1, "f"): (1, 1, 0.0, 0.0, {})}, protocol=4),
        "PR_ERR_NOT_STATS", 0, "a pickle (first byte 0x80)")
    # '{' passes the first-byte check; '"' is no marshal type code
    add("json.prof", b'{"a.py": [1, 2]}\n', "PR_ERR_BAD_TYPE", 1, "JSON: a '{' then '\"'")
    add("tuple_top.prof", b"\x29\x00", "PR_ERR_NOT_STATS", 0, "top level (): rejected by its first byte")

    # -- truncated real fixtures ------------------------------------------
    c311 = fixture("cpython311.prof")
    objs = walk(c311)
    add("trunc311_at_1.prof", c311[:check_cut(objs, c311, 1)], "PR_ERR_TRUNCATED", 1, "only the dict's type byte")
    add("trunc311_no_end.prof", c311[:-1], "PR_ERR_TRUNCATED", len(c311) - 1,
        "the top dict's final '0' is missing")
    o = nth(objs, "g", 10)
    add("trunc311_in_float.prof", c311[:check_cut(objs, c311, o.off + 5)], "PR_ERR_TRUNCATED", o.off + 1,
        "cut 4 bytes into the 11th float's 8-byte payload (float at %d)" % o.off)
    o = nth(objs, "i", 7)
    add("trunc311_in_int.prof", c311[:check_cut(objs, c311, o.off + 3)], "PR_ERR_TRUNCATED", o.off + 1,
        "cut inside an int32 payload (int at %d)" % o.off)
    o = nth(objs, "r", 5)
    add("trunc311_in_ref.prof", c311[:check_cut(objs, c311, o.off + 2)], "PR_ERR_TRUNCATED", o.off + 1,
        "cut inside a ref index (r at %d)" % o.off)
    o = nth(objs, "zZ", 4)
    add("trunc311_after_str_type.prof", c311[:check_cut(objs, c311, o.off + 1)], "PR_ERR_TRUNCATED", o.off + 1,
        "cut right after a short string's type byte (at %d)" % o.off)
    o = nth(objs, "zZ", 3, minlen=8, buf=c311)
    add("trunc311_in_short_str.prof", c311[:check_cut(objs, c311, o.off + 5)], "PR_ERR_TRUNCATED", o.off + 2,
        "cut 3 bytes into a short string's payload (z at %d)" % o.off)
    top = objs[0]
    value = top.children[2 * 9 + 1]  # 10th entry's (cc, nc, tt, ct, callers)
    cut = value.children[1].off      # right before nc
    add("trunc311_between_fields.prof", c311[:check_cut(objs, c311, cut)], "PR_ERR_TRUNCATED", cut,
        "cut between the cc and nc of the 10th entry (tuple at %d)" % value.off)
    key = top.children[2 * 16]       # 17th key
    add("trunc311_between_entries.prof", c311[:check_cut(objs, c311, key.off)], "PR_ERR_TRUNCATED", key.off,
        "cut at an entry boundary: the 17th key is missing")
    half = len(c311) // 2
    o = min((x for x in objs if x.code == "g" and x.off > half), key=lambda x: x.off)
    add("trunc311_half.prof", c311[:check_cut(objs, c311, o.off + 8)], "PR_ERR_TRUNCATED", o.off + 1,
        "about half the file, cut in a float (at %d)" % o.off)

    c27 = fixture("cpython27.prof")
    objs27 = walk(c27)
    o = nth(objs27, "s", 2, minlen=10, buf=c27)
    add("trunc27_in_bytes_str.prof", c27[:check_cut(objs27, c27, o.off + 10)], "PR_ERR_BAD_LENGTH", o.off + 1,
        "Python 2: cut inside an 's' payload, so its int32 length (at %d) "
        "is longer than what is left" % (o.off + 1))
    o = nth(objs27, "R", 3)
    add("trunc27_in_interned_ref.prof", c27[:check_cut(objs27, c27, o.off + 4)], "PR_ERR_TRUNCATED", o.off + 1,
        "Python 2: cut inside an R index (R at %d)" % o.off)
    o = nth(objs27, "(", 20)
    add("trunc27_in_tuple_count.prof", c27[:check_cut(objs27, c27, o.off + 2)], "PR_ERR_TRUNCATED", o.off + 1,
        "Python 2: cut inside a tuple's int32 count (at %d)" % o.off)

    pypy = fixture("pypy39.prof")
    objs_pp = walk(pypy)
    o = nth(objs_pp, "{", 5)
    add("trunc_pypy_in_callers.prof", pypy[:check_cut(objs_pp, pypy, o.off + 1)], "PR_ERR_TRUNCATED", o.off + 1,
        "PyPy: cut right after a (flagged) callers dict's type byte (at %d)" % o.off)

    # `python -m profile` (3.11): the key ('profile', 0, <code object>) is
    # written a9 03 | r 2 ('profile') | r 3 (0) | e3 ... (code, flagged).
    dm = fixture("dash_m_profile_py311.prof")
    pat = b"\xa9\x03\x72\x02\x00\x00\x00\x72\x03\x00\x00\x00\xe3"
    code_off = dm.find(pat) + len(pat) - 1
    assert code_off > 0 and dm[code_off] == 0xE3
    add("trunc_code_object.prof", dm[:code_off + 10], "PR_ERR_TRUNCATED", code_off + 9,
        "-m profile: cut inside a code object's int32 header (code at %d); "
        "every layout runs out reading the third int32" % code_off)

    # -- gzip ----------------------------------------------------------------
    z311 = fixture("cpython311.prof.gz")
    add("gz_truncated.prof.gz", z311[:len(z311) // 2], "PR_ERR_GZIP", len(z311) // 2,
        "a gzip cut in half: offset = compressed bytes consumed")
    add("gz_no_trailer.prof.gz", z311[:-4], "PR_ERR_GZIP", len(z311) - 4,
        "a gzip without its ISIZE trailer")
    add("gz_magic_only.prof.gz", b"\x1f\x8b", "PR_ERR_GZIP", 2, "just the gzip magic")
    bad_crc = bytearray(z311)
    bad_crc[-8] ^= 0xFF
    add("gz_bad_crc.prof.gz", bytes(bad_crc), "PR_ERR_GZIP", len(z311) - 4,
        "CRC32 of the member flipped: detected after the whole trailer's CRC field")
    # a gzip header, then a deflate stream starting with the reserved block
    # type 3 (bits 110 = 0x06 in the first byte): invalid at once
    add("gz_garbage.prof.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff\x07" + rnd[:64],
        "PR_ERR_GZIP", 11, "gzip header + a deflate block of the reserved type 3")
    add("gz_of_garbage.prof.gz", gz(b"\x01" + rnd[:256]), "PR_ERR_NOT_STATS", 0,
        "valid gzip of garbage: decoded first byte 0x01 is no dict, refused as it is decompressed")
    add("gz_of_list.prof.gz", gz(b"\x5b\x00\x00\x00\x00"), "PR_ERR_NOT_STATS", 0,
        "valid gzip of marshal [] (the decompressed first byte is checked too)")
    add("gz_of_nothing.prof.gz", gz(b""), "PR_ERR_EMPTY", 0, "valid gzip of zero bytes")
    o = nth(objs, "g", 0)
    add("gz_of_truncated.prof.gz", gz(c311[:check_cut(objs, c311, o.off + 3)]), "PR_ERR_TRUNCATED", o.off + 1,
        "valid gzip of a profile cut in its first float (at %d): offset in the "
        "decoded bytes" % o.off)

    # -- hostile marshal -----------------------------------------------------
    add("huge_length.prof", b"\xfb\x75\xff\xff\xff\x7f" + b"abcd", "PR_ERR_BAD_LENGTH", 2,
        "str of 0x7FFFFFFF bytes in a 10-byte file")
    add("huge_count.prof", b"\xfb\x28\xff\xff\xff\x7f" + b"\x4e" * 4, "PR_ERR_BAD_LENGTH", 2,
        "tuple of 0x7FFFFFFF items in a 10-byte file")
    add("negative_length.prof", b"\xfb\x75\xff\xff\xff\xff", "PR_ERR_BAD_LENGTH", 2,
        "str of length -1")
    add("deep_tuples.prof", b"\xfb" + b"\x29\x01" * 5000 + b"\x4e", "PR_ERR_TOO_DEEP", 2001,
        "5000 nested 1-tuples as a key: depth 1001 at 1 + 2 * 1000")
    add("deep_dicts.prof", b"\xfb" + b"\x4e\x7b" * 5000 + b"\x30" * 5001, "PR_ERR_TOO_DEEP",
        2001, "{None: {None: ...}} 5000 deep: depth 1001 is a key at 2 * 1000 + 1")
    add("ref_cycle.prof", b"\xfb" + KEY_A + b"\x72\x00\x00\x00\x00\x30", "PR_ERR_BAD_REF", 14,
        "an entry value that is r 0, the top dict still being read")
    add("ref_out_of_range.prof", b"\xfb\x72\x05\x00\x00\x00\x4e\x30", "PR_ERR_BAD_REF", 1,
        "r 5 with one slot in the table")
    add("ref_negative.prof", b"\xfb\x72\xff\xff\xff\xff\x4e\x30", "PR_ERR_BAD_REF", 1, "r -1")
    add("interned_out_of_range.prof", b"\x7b\x52\x00\x00\x00\x00\x4e\x30", "PR_ERR_BAD_REF", 1,
        "Python 2 R 0 with an empty interned table")
    add("unknown_code.prof", b"\xfb\x29\x03\x7a\x01a" + i32(1) + b"\x77", "PR_ERR_BAD_TYPE", 11,
        "type code 'w' where a function name is due")
    add("unmarshallable.prof", b"\xfb" + KEY_A + b"\x3f\x30", "PR_ERR_BAD_TYPE", 14,
        "the '?' marker a failing writer leaves behind")
    add("null_value.prof", b"\xfb" + KEY_A + b"\x30", "PR_ERR_BAD_TYPE", 14,
        "NULL marker '0' as an entry value")
    add("null_in_tuple.prof", b"\xfb\x29\x03\x7a\x01a\x30" + b"\x7a\x01f", "PR_ERR_BAD_TYPE", 6,
        "NULL marker '0' inside a key tuple")
    add("long_bad_digit.prof", b"\xfb" + KEY_A + b"\x29\x05\x6c\x01\x00\x00\x00\x00\x80",
        "PR_ERR_BAD_VALUE", 21, "an 'l' digit with bit 15 set (digit at 21)")
    add("long_zero_top.prof", b"\xfb" + KEY_A + b"\x29\x05\x6c\x02\x00\x00\x00\x01\x00\x00\x00",
        "PR_ERR_BAD_VALUE", 23, "an 'l' whose top digit is zero (at 23)")
    add("long_overflow.prof",
        b"\xfb" + KEY_A + b"\x29\x05\x6c\x05\x00\x00\x00" + b"\x00\x00" * 4 + b"\x10\x00",
        "PR_ERR_BAD_VALUE", 17, "cc = 2^64: reported at the digit count (17)")

    # -- valid marshal, not a stats dict --------------------------------------
    add("entry_shape.prof", b"\xfb" + KEY_A + b"\x29\x04" + i32(1) + i32(1) + g(0.5) + g(1.0) + b"\x30",
        "PR_ERR_NOT_STATS", 14, "entry value is a 4-tuple")
    add("key_types.prof", b"\xfb\x29\x03" + i32(1) + i32(1) + b"\x7a\x01f" + entry() + b"\x30",
        "PR_ERR_NOT_STATS", 1, "key (1, 1, 'f'): file is not a string")
    add("caller_shape.prof", b"\xfb" + KEY_A + entry(callers=b"\x7b" + KEY_B + b"\x29\x03" +
                                                     i32(1) + i32(1) + g(0.5) + b"\x30") + b"\x30",
        "PR_ERR_NOT_STATS", 58, "a caller value (nc, cc, tt): 3 items")
    add("negative_count.prof", b"\xfb" + KEY_A + entry(cc=-1) + b"\x30", "PR_ERR_BAD_VALUE", 14,
        "cc = -1")
    add("nan_time.prof", b"\xfb" + KEY_A + entry(tt=float("nan")) + b"\x30", "PR_ERR_BAD_VALUE", 14,
        "tt = NaN")
    add("huge_time.prof", b"\xfb" + KEY_A + entry(tt=5.6e306) + b"\x30", "PR_ERR_BAD_VALUE", 14,
        "tt = 5.6e306 s, beyond any profile's")

    # -- write ---------------------------------------------------------------
    names = set()
    for name, data, status, offset, comment in cases:
        assert name not in names, name
        names.add(name)
        assert name.endswith(".prof") or name.endswith(".prof.gz"), name
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    with open(os.path.join(out, "EXPECTED"), "w") as f:
        f.write("# Written by tests/gen/make_invalid.py; do not edit by hand.\n"
                "# FILE STATUS OFFSET  (OFFSET '-' = PR_NO_OFFSET), then a note.\n"
                "# pr_profile_load(FILE) must fail with exactly this status and\n"
                "# pr_error.offset (tests/test_invalid.c).\n")
        for name, data, status, offset, comment in sorted(cases):
            f.write("%s %s %s  # %s\n" % (name, status, "-" if offset is None else offset, comment))
    print("wrote %d files and EXPECTED to %s" % (len(cases), out))


if __name__ == "__main__":
    main()
