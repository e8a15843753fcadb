/* escape.h - the one place where text from a profile is made safe for an
 * output format. Every renderer goes through these. */
#ifndef PR_ESCAPE_H
#define PR_ESCAPE_H

#include "profreport.h"

#include <stdio.h>

/* Markdown text inside a GFM table cell or paragraph: ASCII punctuation
 * that means something is backslash-escaped, line breaks become spaces,
 * and bytes that are not UTF-8 (Python 2 names, surrogate-escaped file
 * names) are shown as \xNN. */
void esc_md(FILE *out, const char *p, size_t n);

/* An identifier (module, function label, file:line, path) as a Markdown
 * code span, so the raw text reads as it is: `flask_session`, not
 * flask\_session. The fence is longer than any run of backticks in the
 * text; bytes that are not UTF-8 and control characters are \xNN, line
 * breaks spaces (as in esc_plain). esc_code_cell is for a GFM table cell:
 * there a `|` is written \| even inside code. Empty text writes
 * nothing. */
void esc_code(FILE *out, const char *p, size_t n);
void esc_code_cell(FILE *out, const char *p, size_t n);

/* Text or a double-quoted attribute value in HTML, and text in inline
 * SVG: & < > " ' become character references; line breaks and tabs
 * become spaces; other control bytes and bytes that are not UTF-8 are
 * shown as \xNN, as esc_md shows them, so both reports read the same. */
void esc_html(FILE *out, const char *p, size_t n);

/* Text inside a fenced code block: printed as is, except bytes that are
 * not UTF-8 and control characters, shown as \xNN. */
void esc_plain(FILE *out, const char *p, size_t n);

/* One CSV field through libcsv: quoted only when it has to be. With
 * `guard`, a field starting with = + - @ (or a tab or CR) gets a leading
 * apostrophe so that spreadsheet programs show it as text instead of
 * running it as a formula (OWASP's CSV-injection advice). */
void esc_csv(FILE *out, const char *p, size_t n, int guard);

/* pr__func_label, the label these escape, is in funckey.h. */
#include "funckey.h"

#endif
