/* escape.c - escaping for Markdown, CSV and HTML/SVG text. The HTML
 * report's own text comes from cmark-gfm; esc_html is for the charts. */
#define _POSIX_C_SOURCE 200809L
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
/* cell: code span text in a GFM table cell, where `|` still splits cells
 * unless written \| (which the cell then reads as |). */
enum { ESC_PLAIN = 0, ESC_MD = 1, ESC_HTML = 2, ESC_CELL = 3 };

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
            else if (mode == ESC_CELL && c == '|')
                fputs("\\|", out);
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

/* A code span: the text (as esc_plain shows it, `|` escaped in a table
 * cell) between backtick fences one longer than its longest run of
 * backticks, with a space inside each fence when the text starts or ends
 * with a backtick or with spaces at both ends (CommonMark strips one
 * space each side then). Nothing for empty text. */
static void code_span(FILE *out, const char *s, size_t n, int mode)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL) {
        walk_utf8(out, s, n, ESC_MD); /* readable, if not in code */
        return;
    }
    walk_utf8(m, s, n, mode);
    if (fclose(m) != 0) {
        free(buf);
        walk_utf8(out, s, n, ESC_MD);
        return;
    }
    if (len > 0) {
        size_t run = 0, longest = 0;
        for (size_t i = 0; i < len; i++) {
            run = buf[i] == '`' ? run + 1 : 0;
            if (run > longest)
                longest = run;
        }
        int pad = buf[0] == '`' || buf[len - 1] == '`' ||
                  (buf[0] == ' ' && buf[len - 1] == ' ');
        for (size_t i = 0; i <= longest; i++)
            fputc('`', out);
        if (pad)
            fputc(' ', out);
        fwrite(buf, 1, len, out);
        if (pad)
            fputc(' ', out);
        for (size_t i = 0; i <= longest; i++)
            fputc('`', out);
    }
    free(buf);
}

void esc_code(FILE *out, const char *s, size_t n)
{
    code_span(out, s, n, ESC_PLAIN);
}

void esc_code_cell(FILE *out, const char *s, size_t n)
{
    code_span(out, s, n, ESC_CELL);
}

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
