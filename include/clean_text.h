/* Text from outside (pidfiles, process names, probe replies) made safe for the MIB, the log
 * and JSON: printable, valid UTF-8, one line. */
#ifndef OH_CLEAN_TEXT_H
#define OH_CLEAN_TEXT_H

#include <stddef.h>

/* Copies LEN bytes of TEXT (NUL bytes included) into OUT, at most OUT_LEN - 1 bytes and
 * always NUL-terminated. Printable ASCII and well-formed UTF-8 characters pass; a
 * backslash becomes "\\", CR, LF and TAB "\r" "\n" "\t", and every other byte of a control
 * character, a C1 or bidirectional-override character or a malformed sequence "\xNN".
 * An escape or a character is never cut in half. Returns the length written. */
size_t clean_text(char *out, size_t out_len, const char *text, size_t len);

/* Replaces in TEXT (NUL-terminated) each byte that clean_text would escape, backslashes
 * aside, by '?': for short names kept in fixed buffers, such as a process's comm. */
void clean_text_in_place(char *text);

/* The length of the well-formed UTF-8 character at P (of at most LEN bytes): 1 to 4, or 0
 * when the bytes there are not one (overlong, surrogate, past U+10FFFF, truncated). */
size_t utf8_char_len(const unsigned char *p, size_t len);

#endif
