/* Unit tests for clean_text: what outside text looks like once it may be published. */
#include "clean_text.h"
#include "unit.h"

/* LITERAL's bytes, its NULs included, through clean_text into OUT_LEN bytes. */
#define CLEANED(literal, out_len) cleaned(literal, sizeof(literal) - 1, out_len)

static const char *cleaned(const char *text, size_t len, size_t out_len)
{
	static char out[256];

	clean_text(out, out_len, text, len);
	return out;
}

static void printable_ascii_and_utf8_pass_unchanged(void)
{
	CHECK_STR(CLEANED("nginx: worker", 256), "nginx: worker");
	CHECK_STR(CLEANED("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d", 256),
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d");
}

static void controls_and_nul_are_escaped(void)
{
	CHECK_STR(CLEANED("1\0002\n", 256), "1\\x002\\n");
	CHECK_STR(CLEANED("a\\b\tc\r\x1b[31m\x7f", 256), "a\\\\b\\tc\\r\\x1b[31m\\x7f");
}

static void malformed_utf8_is_escaped_byte_by_byte(void)
{
	/* a lone continuation, an overlong '/', a surrogate, a truncated sequence */
	CHECK_STR(CLEANED("\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82", 256),
		  "\\x80|\\xc0\\xaf|\\xed\\xa0\\x80|\\xe2\\x82");
}

static void c1_and_bidi_controls_are_escaped(void)
{
	CHECK_STR(CLEANED("\xc2\x85x\xe2\x80\xaey\xe2\x81\xa6", 256),
		  "\\xc2\\x85x\\xe2\\x80\\xaey\\xe2\\x81\\xa6");
}

static void nothing_is_cut_in_half(void)
{
	/* "ab" fits, the escape "\x01" (4) does not fit in the 2 bytes left */
	CHECK_STR(CLEANED("ab\x01", 5), "ab");
	CHECK_STR(CLEANED("a\xe2\x82\xac", 4), "a");
	CHECK(clean_text((char[1]){ 'x' }, 1, "abc", 3) == 0);
}

static void in_place_keeps_length_and_replaces(void)
{
	char comm[16] = "a\nb\xff\xe2\x80\xae\\c";

	clean_text_in_place(comm);
	CHECK_STR(comm, "a?b????\\c");
}

int main(void)
{
	TEST(printable_ascii_and_utf8_pass_unchanged);
	TEST(controls_and_nul_are_escaped);
	TEST(malformed_utf8_is_escaped_byte_by_byte);
	TEST(c1_and_bidi_controls_are_escaped);
	TEST(nothing_is_cut_in_half);
	TEST(in_place_keeps_length_and_replaces);
	UNIT_EXIT();
}
