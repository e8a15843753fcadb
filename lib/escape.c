/* escape.c - escaping for Markdown, CSV and HTML/SVG text. The HTML
 * report's own text comes from cmark-gfm; esc_html is for the charts. */
#include "escape.h"

#include <csv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (strict: no surrogates, no
 * overlongs), or 0 when the byte there does not start one. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    if (p[0] < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if ((p[0] & 0xE0) == 0xC0) {
        len = 2;
        cp = p[0] & 0x1F;
    } else if ((p[0] & 0xF0) == 0xE0) {
        len = 3;
        cp = p[0] & 0x0F;
    } else if ((p[0] & 0xF8) == 0xF0) {
        len = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* Shared by esc_md, esc_plain and esc_html: walks UTF-8, shows what is
 * not as \\xNN (a surrogate escape U+DC80..U+DCFF, CPython's encoding of
 * an undecodable byte, as that byte), and writes each valid character as
 * the mode wants (md: escape punctuation; html: entities; plain: as is). */
enum { ESC_PLAIN = 0, ESC_MD = 1, ESC_HTML = 2 };

/* \xNN; in Markdown the backslash itself must be escaped. */
static void put_hex(FILE *out, int mode, unsigned byte)
{
    fprintf(out, "%s\\x%02x", mode == ESC_MD ? "\\" : "", byte);
}

static void walk_utf8(FILE *out, const char *s, size_t n, int mode)
{
    /* In Markdown "\\" is one literal backslash. */
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t l = utf8_len(p + i, n - i);
        if (l == 0) {
            if (c == 0xED && i + 2 < n &&
                (p[i + 1] == 0xB2 || p[i + 1] == 0xB3) &&
                (p[i + 2] & 0xC0) == 0x80) {
                unsigned byte = (unsigned)((p[i + 1] & 0x01) << 6 |
                                           (p[i + 2] & 0x3F)) | 0x80;
                put_hex(out, mode, byte);
                i += 3;
            } else {
                put_hex(out, mode, c);
                i++;
            }
            continue;
        }
        if (l == 1) {
            if (c == '\n' || c == '\r' || c == '\t')
                fputc(' ', out);
            else if (c < 0x20 || c == 0x7F)
                put_hex(out, mode, c);
            /* Only what can start an inline construct inside a table
             * cell; the rest stays readable in a terminal. */
            else if (mode == ESC_MD && strchr("\\`*_[]<>|~&", c) != NULL)
                fprintf(out, "\\%c", c);
            else if (mode == ESC_HTML && strchr("&<>\"'", c) != NULL)
                fputs(c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;"
                      : c == '"' ? "&quot;" : "&#39;", out);
            else
                fputc(c, out);
        } else {
            fwrite(p + i, 1, l, out);
        }
        i += l;
    }
}

void esc_md(FILE *out, const char *s, size_t n) { walk_utf8(out, s, n, ESC_MD); }

void esc_plain(FILE *out, const char *s, size_t n) { walk_utf8(out, s, n, ESC_PLAIN); }

void esc_html(FILE *out, const char *s, size_t n)
{
    walk_utf8(out, s, n, ESC_HTML);
}

void esc_csv(FILE *out, const char *p, size_t n, int guard)
{
    if (guard && n > 0 && strchr("=+-@\t\r", p[0]) != NULL) {
        char *q = malloc(n + 1);
        if (q != NULL) {
            q[0] = '\'';
            memcpy(q + 1, p, n);
            esc_csv(out, q, n + 1, 0);
            free(q);
            return;
        }
    }
    if (n > 0 && memchr(p, ',', n) == NULL && memchr(p, '"', n) == NULL &&
        memchr(p, '\n', n) == NULL && memchr(p, '\r', n) == NULL &&
        p[0] != ' ' && p[n - 1] != ' ') {
        fwrite(p, 1, n, out);
        return;
    }
    if (n == 0)
        return; /* an empty field needs no quotes */
    csv_fwrite(out, p, n);
}

/* A Markdown code span: its text is not backslash-escaped (a code span
 * shows backslashes as they are); fences longer than any run of
 * backticks inside, line breaks as spaces, and in a table cell '|' as
 * "\|", which GFM unescapes even there. */
void esc_md_code(FILE *out, const char *s, int in_table)
{
    size_t run = 0, longest = 0;
    for (const char *p = s; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    for (size_t i = 0; i <= longest; i++)
        fputc('`', out);
    if (longest > 0 || s[0] == '`')
        fputc(' ', out);
    for (const char *p = s; *p; p++) {
        if (*p == '|' && in_table)
            fputc('\\', out);
        fputc(*p == '\n' || *p == '\r' ? ' ' : *p, out); /* one line */
    }
    if (longest > 0)
        fputc(' ', out);
    for (size_t i = 0; i <= longest; i++)
        fputc('`', out);
}
