/* The configuration's regular expressions: PCRE2 patterns compiled and matched under
 * bounds, so no pattern or text can make a check slow or large. */
#ifndef OH_PATTERN_H
#define OH_PATTERN_H

#include <stddef.h>

/* The longest pattern accepted, in bytes: a cmdline or expect pattern is a few dozen. */
#define OH_PATTERN_LENGTH_MAX 1024

/* The largest compiled pattern accepted, in bytes. A repeated group is compiled as one
 * copy per repeat, so nested counted repeats multiply: (((x{0,255}){0,255}){0,255}){0,255}
 * is 36 bytes of text and gigabytes once compiled. Text and classes (33 bytes each) of a
 * pattern within the length limit compile to well under this. */
#define OH_PATTERN_COMPILED_MAX 16384

enum pattern_result {
	PATTERN_NO_MATCH,
	PATTERN_MATCH,
	PATTERN_GAVE_UP,   /* a match, depth or heap limit (or an error) ended the match */
};

struct pattern;

/* Compiles SOURCE (PCRE2 syntax, ^ and $ at every line). NULL with WHY set to the reason
 * ("missing closing parenthesis (at offset 8)", a limit exceeded) if it is refused. */
struct pattern *pattern_compile(const char *source, char *why, size_t why_len);

/* Matches PATTERN against TEXT[0..LEN), any bytes, NUL included; never blocks and uses
 * bounded memory. Any thread may match a pattern at the same time as others. */
enum pattern_result pattern_match(const struct pattern *pattern, const char *text, size_t len);

void pattern_free(struct pattern *pattern);

#endif
