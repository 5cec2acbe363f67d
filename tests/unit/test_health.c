/* Unit tests for the pieces of a service's verdict: the health text (every reason, worst
 * first, cut visibly), fd limits from /proc/PID/limits, and DateAndTime encoding. */
#include <stdlib.h>

#include "health.h"
#include "mib_value.h"
#include "proc_fd.h"
#include "unit.h"

static void no_reason_reads_ok(void)
{
	struct health_reasons reasons;
	char text[256];

	health_reasons_init(&reasons);
	health_add(&reasons, HEALTH_OK, "not a reason");
	health_text(&reasons, text, sizeof(text));
	CHECK_STR(text, "ok");
	CHECK(reasons.level == HEALTH_OK);
}

static void reasons_are_listed_worst_first(void)
{
	struct health_reasons reasons;
	char text[256];

	health_reasons_init(&reasons);
	health_add(&reasons, HEALTH_WARNING, "1 zombie in process tree");
	health_add(&reasons, HEALTH_UNKNOWN, "fd use unreadable");
	health_add(&reasons, HEALTH_CRITICAL, "probe http timed out after 2000 ms");
	health_add(&reasons, HEALTH_CRITICAL, "fd 1019/1024 (99%%)");
	health_text(&reasons, text, sizeof(text));
	CHECK_STR(text, "probe http timed out after 2000 ms; fd 1019/1024 (99%); fd use unreadable; "
			"1 zombie in process tree");
	CHECK(reasons.level == HEALTH_CRITICAL);
}

static void the_same_reason_counts_once(void)
{
	struct health_reasons reasons;
	char text[256];

	health_reasons_init(&reasons);
	health_add(&reasons, HEALTH_CRITICAL, "port %d held by pid 7 (sshd)", 8443);
	health_add(&reasons, HEALTH_CRITICAL, "port %d held by pid 7 (sshd)", 8443);
	health_text(&reasons, text, sizeof(text));
	CHECK_STR(text, "port 8443 held by pid 7 (sshd)");
}

static void unknown_outranks_warning_not_critical(void)
{
	CHECK(health_worse(HEALTH_UNKNOWN, HEALTH_WARNING));
	CHECK(health_worse(HEALTH_CRITICAL, HEALTH_UNKNOWN));
	CHECK(!health_worse(HEALTH_OK, HEALTH_WARNING));
}

static void long_text_is_cut_visibly(void)
{
	struct health_reasons reasons;
	char text[256];

	health_reasons_init(&reasons);
	for (int i = 0; i < HEALTH_REASONS_MAX + 3; i++)
		health_add(&reasons, HEALTH_CRITICAL, "file /var/lib/some/long/path/%02d is missing", i);
	CHECK(reasons.dropped == 3);
	health_text(&reasons, text, sizeof(text));
	CHECK(strlen(text) == 255);
	CHECK(strcmp(text + 252, "...") == 0);
}

static void reasons_stay_one_line_of_valid_utf8(void)
{
	struct health_reasons reasons;
	char text[32];

	health_reasons_init(&reasons);
	health_add(&reasons, HEALTH_CRITICAL, "pid 7 (%s) is stopped", "ev\nil\x1b");
	health_add(&reasons, HEALTH_WARNING, "%s", "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		   "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac");
	health_text(&reasons, text, sizeof(text));
	/* The cut for "..." leaves one byte of the first euro sign: it becomes '?'. */
	CHECK_STR(text, "pid 7 (ev?il?) is stopped; ?...");
}

/* Reasons kept between publications come back the same, text and level, and are not
 * escaped twice. */
static void kept_reasons_come_back_the_same(void)
{
	struct health_reasons reasons, back;
	char text[512], again[512];
	char *kept;

	health_reasons_init(&reasons);
	CHECK(health_keep(&reasons) == NULL);
	health_add(&reasons, HEALTH_WARNING, "comm a\\b\nc");
	health_add(&reasons, HEALTH_CRITICAL, "probe http: timed out");
	for (int i = 0; i < HEALTH_REASONS_MAX + 3; i++)
		health_add(&reasons, HEALTH_UNKNOWN, "reason %d", i);
	kept = health_keep(&reasons);
	CHECK(kept != NULL);
	health_reasons_init(&back);
	health_add_kept(&back, kept);
	health_add_kept(&back, NULL);
	health_text(&reasons, text, sizeof(text));
	health_text(&back, again, sizeof(again));
	CHECK_STR(again, text);
	CHECK(back.level == HEALTH_CRITICAL && back.dropped == reasons.dropped);
	free(kept);
}

static void open_files_limit_is_parsed(void)
{
	static const char limits[] =
		"Limit                     Soft Limit           Hard Limit           Units     \n"
		"Max processes             63471                63471                processes \n"
		"Max open files            1024                 4096                 files     \n";
	uint32_t soft = 0, hard = 0;

	CHECK(fd_limits_parse(limits, &soft, &hard) == 0 && soft == 1024 && hard == 4096);
	CHECK(fd_limits_parse("Max open files            unlimited            unlimited   files\n",
			      &soft, &hard) == 0 && soft == UINT32_MAX && hard == UINT32_MAX);
	CHECK(fd_limits_parse("Max processes 1 2\n", &soft, &hard) < 0);
}

static void usage_percent_rounds_down(void)
{
	struct fd_usage usage = { .open = 1019, .soft = 1024, .hard = 4096 };

	CHECK(fd_usage_percent(&usage) == 99);
	usage.open = 1024;
	CHECK(fd_usage_percent(&usage) == 100);
	usage.soft = 0;
	CHECK(fd_usage_percent(&usage) == 0);
}

static void date_and_time_is_utc(void)
{
	unsigned char octets[11];
	/* 2026-11-22 18:07:05.300 UTC */
	static const unsigned char want[11] = { 0x07, 0xea, 11, 22, 18, 7, 5, 3, '+', 0, 0 };
	static const unsigned char never[8] = { 0, 0, 1, 1, 0, 0, 0, 0 };

	CHECK(date_and_time_encode(1795370825300LL, octets) == 11);
	CHECK(memcmp(octets, want, sizeof(want)) == 0);
	CHECK(date_and_time_encode(0, octets) == 8);
	CHECK(memcmp(octets, never, sizeof(never)) == 0);
}

int main(void)
{
	TEST(no_reason_reads_ok);
	TEST(reasons_are_listed_worst_first);
	TEST(the_same_reason_counts_once);
	TEST(unknown_outranks_warning_not_critical);
	TEST(long_text_is_cut_visibly);
	TEST(reasons_stay_one_line_of_valid_utf8);
	TEST(kept_reasons_come_back_the_same);
	TEST(open_files_limit_is_parsed);
	TEST(usage_percent_rounds_down);
	TEST(date_and_time_is_utc);
	UNIT_EXIT();
}
