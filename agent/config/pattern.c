/* Compiles and matches the configuration's regular expressions with PCRE2 under length,
 * size, match, depth and heap limits. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "pattern.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Backtracking steps per match. A pattern linear in its text takes about one per byte
 * (^(\S+\s)*x over a 4 KiB cmdline: 4096); this allows 25 times that and stops a runaway
 * match after about 0.1 ms with JIT, 1 ms interpreted. */
#define MATCH_LIMIT 100000
/* Nested backtracking points: a repeated group takes one per repeat, so about one per byte
 * of the texts matched here (cmdlines and probe replies, at most 4 KiB); twice that. */
#define DEPTH_LIMIT 10000
/* The interpreter's backtracking frames, in KiB (JIT uses 32 KiB of the thread's stack
 * instead): a depth of 4096 with one group takes 512 KiB, DEPTH_LIMIT about 2 MiB. */
#define HEAP_LIMIT_KIB 2048

struct pattern {
	pcre2_code *code;
};

/* What one thread needs to match: PCRE2 match data may not be shared, and is reused so
 * that a match allocates nothing. */
struct match_scratch {
	pcre2_match_context *context;
	pcre2_match_data *data;
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static bool scratch_key_ready;

static void scratch_free(void *arg)
{
	struct match_scratch *scratch = arg;

	pcre2_match_data_free(scratch->data);
	pcre2_match_context_free(scratch->context);
	free(scratch);
}

static void scratch_key_create(void)
{
	scratch_key_ready = pthread_key_create(&scratch_key, scratch_free) == 0;
}

/* This thread's scratch, made on its first match; NULL if memory is short. */
static struct match_scratch *thread_scratch(void)
{
	struct match_scratch *scratch;

	pthread_once(&scratch_once, scratch_key_create);
	if (!scratch_key_ready)
		return NULL;
	scratch = pthread_getspecific(scratch_key);
	if (scratch != NULL)
		return scratch;
	scratch = calloc(1, sizeof(*scratch));
	if (scratch == NULL)
		return NULL;
	scratch->context = pcre2_match_context_create(NULL);
	/* One pair: only whether the pattern matched is asked, never what it captured. */
	scratch->data = pcre2_match_data_create(1, NULL);
	if (scratch->context == NULL || scratch->data == NULL ||
	    pthread_setspecific(scratch_key, scratch) != 0) {
		scratch_free(scratch);
		return NULL;
	}
	pcre2_set_match_limit(scratch->context, MATCH_LIMIT);
	pcre2_set_depth_limit(scratch->context, DEPTH_LIMIT);
	pcre2_set_heap_limit(scratch->context, HEAP_LIMIT_KIB);
	return scratch;
}

/* Drops this thread's scratch: the match data keeps the largest frames vector a match
 * grew, and a text that ran a match into its limit should not leave that behind. */
static void scratch_drop(struct match_scratch *scratch)
{
	pthread_setspecific(scratch_key, NULL);
	scratch_free(scratch);
}

static void compile_error(int code, PCRE2_SIZE offset, const char *source, char *why,
			  size_t why_len)
{
	PCRE2_UCHAR message[160];

	if (code == PCRE2_ERROR_PATTERN_STRING_TOO_LONG) {
		snprintf(why, why_len, "%zu bytes long, over the limit of %d bytes", strlen(source),
			 OH_PATTERN_LENGTH_MAX);
		return;
	}
	if (pcre2_get_error_message(code, message, sizeof(message)) < 0)
		snprintf((char *)message, sizeof(message), "PCRE2 error %d", code);
	snprintf(why, why_len, "%s (at offset %zu)", (const char *)message, (size_t)offset);
}

struct pattern *pattern_compile(const char *source, char *why, size_t why_len)
{
	pcre2_compile_context *context = pcre2_compile_context_create(NULL);
	struct pattern *pattern;
	pcre2_code *code;
	PCRE2_SIZE offset = 0;
	size_t size = 0;
	int error = 0;

	if (context == NULL) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	pcre2_set_max_pattern_length(context, OH_PATTERN_LENGTH_MAX);
	/* Bytes, not UTF-8: cmdlines and replies may hold any bytes, which a UTF pattern
	 * could not be matched against. MULTILINE: ^ and $ keep their meaning per line. */
	code = pcre2_compile((PCRE2_SPTR)source, PCRE2_ZERO_TERMINATED,
			     PCRE2_MULTILINE | PCRE2_NEVER_UTF, &error, &offset, context);
	pcre2_compile_context_free(context);
	if (code != NULL)
		pcre2_pattern_info(code, PCRE2_INFO_SIZE, &size);
	/* PCRE2's own ceiling on compiled code (64 KiB with its default link size) is above
	 * ours: a pattern over it is over both. */
	if (size > OH_PATTERN_COMPILED_MAX ||
	    (code == NULL && error == PCRE2_ERROR_PATTERN_TOO_LARGE)) {
		snprintf(why, why_len, "compiles to more than the limit of %d bytes "
			 "(a repeated group is compiled once per repeat)", OH_PATTERN_COMPILED_MAX);
		pcre2_code_free(code);
		return NULL;
	}
	if (code == NULL) {
		compile_error(error, offset, source, why, why_len);
		return NULL;
	}
	pattern = malloc(sizeof(*pattern));
	if (pattern == NULL) {
		snprintf(why, why_len, "out of memory");
		pcre2_code_free(code);
		return NULL;
	}
	/* Where JIT is not available (or executable memory is refused), the interpreter
	 * matches, under the same limits. */
	pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	pattern->code = code;
	return pattern;
}

enum pattern_result pattern_match(const struct pattern *pattern, const char *text, size_t len)
{
	struct match_scratch *scratch = thread_scratch();
	int rc;

	if (scratch == NULL)
		return PATTERN_GAVE_UP;
	rc = pcre2_match(pattern->code, (PCRE2_SPTR)text, len, 0, 0, scratch->data,
			 scratch->context);
	/* JIT runs on 32 KiB of this thread's stack, less than a deep but legitimate match
	 * can need; the interpreter's depth and heap limits bound such a match instead. */
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rc = pcre2_match(pattern->code, (PCRE2_SPTR)text, len, 0, PCRE2_NO_JIT,
				 scratch->data, scratch->context);
	if (rc >= 0)
		return PATTERN_MATCH;
	if (rc == PCRE2_ERROR_NOMATCH)
		return PATTERN_NO_MATCH;
	scratch_drop(scratch);
	return PATTERN_GAVE_UP;
}

void pattern_free(struct pattern *pattern)
{
	if (pattern == NULL)
		return;
	pcre2_code_free(pattern->code);
	free(pattern);
}
