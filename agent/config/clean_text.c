/* Escapes text taken from outside so that what oobhealthd publishes is always one line of
 * printable, valid UTF-8. */
#include "clean_text.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

size_t utf8_char_len(const unsigned char *p, size_t len)
{
	size_t need;
	unsigned long code;

	if (len == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		need = 2;
		code = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 3;
		code = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 4;
		code = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		code = code << 6 | (p[i] & 0x3f);
	}
	if ((need == 3 && code < 0x800) || (need == 4 && code < 0x10000) || code > 0x10ffff ||
	    (code >= 0xd800 && code <= 0xdfff))
		return 0;
	return need;
}

/* C1 controls and the bidirectional embeddings, overrides and isolates: they can make a
 * line read differently from what it holds. */
static bool hidden_control(const unsigned char *p, size_t n)
{
	if (n == 2)
		return p[0] == 0xc2 && p[1] <= 0x9f;
	if (n == 3 && p[0] == 0xe2 && p[1] == 0x80)
		return p[2] >= 0xaa && p[2] <= 0xae;
	if (n == 3 && p[0] == 0xe2 && p[1] == 0x81)
		return p[2] >= 0xa6 && p[2] <= 0xa9;
	return false;
}

static size_t escape_byte(unsigned char c, char *buf)
{
	switch (c) {
	case '\\':
		return (size_t)snprintf(buf, 5, "\\\\");
	case '\n':
		return (size_t)snprintf(buf, 5, "\\n");
	case '\r':
		return (size_t)snprintf(buf, 5, "\\r");
	case '\t':
		return (size_t)snprintf(buf, 5, "\\t");
	default:
		return (size_t)snprintf(buf, 5, "\\x%02x", c);
	}
}

size_t clean_text(char *out, size_t out_len, const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t at = 0, i = 0;

	if (out_len == 0)
		return 0;
	while (i < len) {
		char piece[16];
		size_t n = utf8_char_len(p + i, len - i), piece_len;

		if (n == 1 && p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
			piece[0] = (char)p[i];
			piece_len = 1;
		} else if (n > 1 && !hidden_control(p + i, n)) {
			memcpy(piece, p + i, n);
			piece_len = n;
		} else {
			n = n > 1 ? n : 1;
			piece_len = 0;
			for (size_t k = 0; k < n; k++)
				piece_len += escape_byte(p[i + k], piece + piece_len);
		}
		if (at + piece_len > out_len - 1)
			break;
		memcpy(out + at, piece, piece_len);
		at += piece_len;
		i += n;
	}
	out[at] = '\0';
	return at;
}

void clean_text_in_place(char *text)
{
	unsigned char *p = (unsigned char *)text;
	size_t len = strlen(text);

	for (size_t i = 0; i < len;) {
		size_t n = utf8_char_len(p + i, len - i);

		if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f))
			p[i] = '?';
		else if (n == 0 || (n > 1 && hidden_control(p + i, n)))
			for (size_t k = 0; k < (n ? n : 1); k++)
				p[i + k] = '?';
		i += n ? n : 1;
	}
}
