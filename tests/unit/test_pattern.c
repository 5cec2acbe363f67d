/* Unit tests for pattern: what a configured regular expression may be, and the three
 * results of matching one. */
#include "pattern.h"
#include "unit.h"

#include <pthread.h>
#include <stdlib.h>

/* The reason SOURCE is refused, or "" if it compiles. */
static const char *refusal(const char *source)
{
	static char why[256];
	struct pattern *pattern;

	why[0] = '\0';
	pattern = pattern_compile(source, why, sizeof(why));
	if (pattern != NULL) {
		pattern_free(pattern);
		return "";
	}
	return why;
}

/* SOURCE matched against LEN bytes of TEXT (NUL bytes included). */
static enum pattern_result match(const char *source, const char *text, size_t len)
{
	char why[256];
	struct pattern *pattern = pattern_compile(source, why, sizeof(why));
	enum pattern_result result;

	if (pattern == NULL) {
		printf("    \"%s\" refused: %s\n", source, why);
		return PATTERN_GAVE_UP;
	}
	result = pattern_match(pattern, text, len);
	pattern_free(pattern);
	return result;
}

#define MATCH(source, literal) match(source, literal, sizeof(literal) - 1)

/* "a" repeated COUNT times, then "b": ^(a+)+$ tries every way to split the a's. */
static char *runaway_text(size_t count)
{
	char *text = malloc(count + 2);

	memset(text, 'a', count);
	text[count] = 'b';
	text[count + 1] = '\0';
	return text;
}

static void ordinary_patterns_compile(void)
{
	CHECK_STR(refusal("xxnetwork-wrapper\\.py"), "");
	CHECK_STR(refusal("^HTTP/1\\.[01] 200"), "");
	CHECK_STR(refusal("[[:alpha:]]+ --config[= ]\\S+"), "");
	/* a single counted repeat is one instruction, whatever its count */
	CHECK_STR(refusal("x{0,32767}"), "");
}

static void invalid_pattern_gives_pcre2_reason_and_offset(void)
{
	CHECK_STR(refusal("wrapper("), "missing closing parenthesis (at offset 8)");
	CHECK_STR(refusal("a{2,1}"), "numbers out of order in {} quantifier (at offset 5)");
}

static void pattern_over_the_length_limit_is_refused(void)
{
	char source[OH_PATTERN_LENGTH_MAX + 2];

	memset(source, 'x', sizeof(source) - 1);
	source[OH_PATTERN_LENGTH_MAX] = '\0';
	CHECK_STR(refusal(source), "");
	source[OH_PATTERN_LENGTH_MAX] = 'x';
	source[OH_PATTERN_LENGTH_MAX + 1] = '\0';
	CHECK_STR(refusal(source), "1025 bytes long, over the limit of 1024 bytes");
}

static void nested_repeats_are_refused_by_compiled_size(void)
{
	const char *over = "compiles to more than the limit of 16384 bytes "
			   "(a repeated group is compiled once per repeat)";

	/* over PCRE2's own ceiling, and over ours only */
	CHECK_STR(refusal("(((x{0,255}){0,255}){0,255}){0,255}"), over);
	CHECK_STR(refusal("((x{0,30}){0,30}){0,30}"), over);
	CHECK_STR(refusal("(x{0,10}){0,10}"), "");
}

static void utf_mode_cannot_be_switched_on(void)
{
	CHECK_STR(refusal("(*UTF)caf\xc3\xa9"), "using UTF is disabled by the application (at offset 6)");
}

static void three_results(void)
{
	char *runaway = runaway_text(40);

	CHECK(MATCH("wrapper\\.py", "/usr/bin/python3 /opt/x/wrapper.py --serve") == PATTERN_MATCH);
	CHECK(MATCH("wrapper\\.py", "/usr/bin/python3 /opt/x/wrapperXpy") == PATTERN_NO_MATCH);
	CHECK(match("^(a+)+$", runaway, strlen(runaway)) == PATTERN_GAVE_UP);
	/* the thread that gave up matches as before */
	CHECK(MATCH("^(a+)+$", "aaaa") == PATTERN_MATCH);
	CHECK(match("^(a+)+b$", runaway, strlen(runaway)) == PATTERN_MATCH);
	free(runaway);
}

static void any_bytes_and_lines(void)
{
	/* bytes, not UTF-8: one dot is one byte, an invalid sequence is no error */
	CHECK(MATCH("^a.b$", "a\xffp") == PATTERN_NO_MATCH);
	CHECK(MATCH("^a.b$", "a\xff" "b") == PATTERN_MATCH);
	CHECK(MATCH("^a..b$", "a\xc3\xa9" "b") == PATTERN_MATCH);
	/* a NUL byte does not end the text */
	CHECK(MATCH("OK$", "\0\0junk\0OK") == PATTERN_MATCH);
	/* ^ and $ at every line, as POSIX REG_NEWLINE had them; a dot stops at a newline */
	CHECK(MATCH("^PONG$", "220 hello\r\nPONG\nmore") == PATTERN_MATCH);
	CHECK(MATCH("hello.PONG", "hello\nPONG") == PATTERN_NO_MATCH);
}

/* 4 KiB of two-letter words: a repeated group nests once per word, deeper than JIT's
 * 32 KiB stack holds; the interpreter decides it within its own limits. */
static void deep_linear_match_is_decided(void)
{
	char text[4097];

	for (size_t i = 0; i < sizeof(text) - 1; i++)
		text[i] = i % 3 == 2 ? ' ' : "xy"[i % 2];
	text[sizeof(text) - 1] = '\0';
	CHECK(match("^(\\S+\\s)*yy", text, strlen(text)) == PATTERN_NO_MATCH);
	memcpy(text + sizeof(text) - 3, "zz", 2);
	CHECK(match("^(\\S+\\s)*\\S*zz$", text, strlen(text)) == PATTERN_MATCH);
}

struct worker {
	const struct pattern *pattern;
	const char *runaway;
	int wrong;
};

static void *match_many(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 200; i++) {
		w->wrong += pattern_match(w->pattern, "aaa", 3) != PATTERN_MATCH;
		w->wrong += pattern_match(w->pattern, "aab", 3) != PATTERN_NO_MATCH;
		if (i % 20 == 0)
			w->wrong += pattern_match(w->pattern, w->runaway, strlen(w->runaway)) !=
				    PATTERN_GAVE_UP;
	}
	return NULL;
}

/* The probe pool's threads match one compiled pattern at the same time. */
static void threads_share_one_pattern(void)
{
	char why[256];
	struct pattern *pattern = pattern_compile("^(a+)+$", why, sizeof(why));
	char *runaway = runaway_text(30);
	struct worker workers[4];
	pthread_t threads[4];

	CHECK(pattern != NULL);
	if (pattern == NULL)
		return;
	for (int i = 0; i < 4; i++) {
		workers[i] = (struct worker){ .pattern = pattern, .runaway = runaway };
		CHECK(pthread_create(&threads[i], NULL, match_many, &workers[i]) == 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(threads[i], NULL);
		CHECK(workers[i].wrong == 0);
	}
	pattern_free(pattern);
	free(runaway);
}

int main(void)
{
	TEST(ordinary_patterns_compile);
	TEST(invalid_pattern_gives_pcre2_reason_and_offset);
	TEST(pattern_over_the_length_limit_is_refused);
	TEST(nested_repeats_are_refused_by_compiled_size);
	TEST(utf_mode_cannot_be_switched_on);
	TEST(three_results);
	TEST(any_bytes_and_lines);
	TEST(deep_linear_match_is_decided);
	TEST(threads_share_one_pattern);
	UNIT_EXIT();
}
