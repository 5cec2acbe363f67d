/* Unit tests for the http probe's request builder and its strict reply parser. */
#include "probe_http.h"
#include "unit.h"

#include <stdlib.h>

/* LITERAL's bytes (NULs included, no terminating NUL) in a heap block of exactly that size,
 * so that AddressSanitizer stops any read past the length the parser was given. */
#define EXACT(literal) exact(literal, sizeof(literal) - 1)
#define STATUS(literal) status_of(literal, sizeof(literal) - 1)

static char *exact(const char *bytes, size_t len)
{
	char *copy = malloc(len ? len : 1);

	memcpy(copy, bytes, len);
	return copy;
}

static int status_of(const char *bytes, size_t len)
{
	char *copy = exact(bytes, len);
	int status = http_status_line(copy, len);

	free(copy);
	return status;
}

static void valid_status_lines_give_their_code(void)
{
	CHECK(STATUS("HTTP/1.1 200 OK\r\n") == 200);
	CHECK(STATUS("HTTP/1.0 404 Not Found\r\n") == 404);
	CHECK(STATUS("HTTP/1.1 204 ") == 204);
	CHECK(STATUS("HTTP/1.1 100 Continue") == 100);
	CHECK(STATUS("HTTP/1.1 599 x") == 599);
	CHECK(STATUS("HTTP/1.9 301 Moved") == 301);
	/* The reason phrase is not read: NUL bytes there change nothing. */
	CHECK(STATUS("HTTP/1.1 200 \0\0\r\n") == 200);
}

static void bogus_status_lines_are_refused(void)
{
	CHECK(STATUS("HTTP/1.1 2000 Bogus\r\n") == -1);
	CHECK(STATUS("HTTP/1.-1 204 No Content\r\n") == -1);
	CHECK(STATUS("HTTP/1.10 200 OK\r\n") == -1);
	CHECK(STATUS("HTTP/1.1 20 OK\r\n") == -1);
	CHECK(STATUS("HTTP/1.1  200 OK\r\n") == -1);
	CHECK(STATUS("HTTP/1.1 +20 OK\r\n") == -1);
	CHECK(STATUS("HTTP/1.1 099 Low\r\n") == -1);
	CHECK(STATUS("HTTP/1.1 600 High\r\n") == -1);
	CHECK(STATUS("HTTP/1.1 999 High\r\n") == -1);
	CHECK(STATUS("HTTP/1.1 200\r\n\r\n") == -1);
	CHECK(STATUS("HTTP/1.1\t200 OK\r\n") == -1);
	CHECK(STATUS("http/1.1 200 OK\r\n") == -1);
	CHECK(STATUS("HTTP/2 200 OK\r\n") == -1);
	CHECK(STATUS("HTTP/1.x 200 OK\r\n") == -1);
	CHECK(STATUS(" HTTP/1.1 200 OK\r\n") == -1);
	CHECK(STATUS("SSH-2.0-OpenSSH_9.2\r\n") == -1);
}

static void truncated_lines_wait_unless_already_wrong(void)
{
	static const char line[] = "HTTP/1.1 200 OK";

	for (size_t len = 0; len < HTTP_STATUS_LINE_MIN; len++)
		CHECK(status_of(line, len) == 0);
	CHECK(status_of(line, HTTP_STATUS_LINE_MIN) == 200);
	/* Wrong from the first differing byte on, whatever might follow. */
	CHECK(STATUS("HTTX") == -1);
	CHECK(STATUS("HTTP/1.1 6") == -1);
	CHECK(STATUS("HTTP/1.1 0") == -1);
	CHECK(STATUS("HTTP/1.1 2000") == -1);
}

static void embedded_nul_is_a_byte_like_any_other(void)
{
	CHECK(STATUS("\0HTTP/1.1 200 OK\r\n") == -1);
	CHECK(STATUS("HTTP/1.1 2\0") == -1);
	CHECK(STATUS("HTTP\0/1.1 200 OK") == -1);
	CHECK(STATUS("HTTP/1.1 200\0OK") == -1);
}

static void header_block_end_and_body(void)
{
	char *reply = EXACT("HTTP/1.1 200 OK\r\nA: b\r\n\r\nok\0yes");
	struct http_reply http;

	http_reply_parse(reply, 31, &http);
	CHECK(http.status == 200);
	CHECK(!http.header_over);
	CHECK(http.body == reply + 25);
	CHECK(http.body_len == 6);
	CHECK(memcmp(http.body, "ok\0yes", 6) == 0);
	/* Cut before its end: no body yet, and no verdict on the header's size. */
	http_reply_parse(reply, 24, &http);
	CHECK(http.status == 200);
	CHECK(http.body == NULL);
	CHECK(!http.header_over);
	CHECK(http_header_end(reply, 3) == 0);
	CHECK(http_header_end(reply, 0) == 0);
	free(reply);
}

static void header_block_is_bounded(void)
{
	size_t len = HTTP_HEADER_MAX + 100;
	char *reply = malloc(len);
	struct http_reply http;

	memset(reply, 'x', len);
	memcpy(reply, "HTTP/1.1 200 OK\r\n", 17);
	/* Ends exactly at the bound: accepted. */
	memcpy(reply + HTTP_HEADER_MAX - 4, "\r\n\r\n", 4);
	CHECK(http_header_end(reply, len) == HTTP_HEADER_MAX);
	/* Ends one byte past it: the header block is over the bound. */
	memset(reply + HTTP_HEADER_MAX - 4, 'x', 4);
	memcpy(reply + HTTP_HEADER_MAX - 3, "\r\n\r\n", 4);
	CHECK(http_header_end(reply, len) == 0);
	http_reply_parse(reply, len, &http);
	CHECK(http.status == 200);
	CHECK(http.header_over);
	CHECK(http.body == NULL);
	/* Below the bound without an end: still reading, not over. */
	http_reply_parse(reply, HTTP_HEADER_MAX - 1, &http);
	CHECK(!http.header_over);
	http_reply_parse(reply, HTTP_HEADER_MAX, &http);
	CHECK(http.header_over);
	free(reply);
}

static void request_is_built_whole(void)
{
	char buf[HTTP_REQUEST_MAX];
	size_t n = http_request_build(buf, sizeof(buf), "127.0.0.1:8080", "/healthz?x=1");

	CHECK_STR(buf, "GET /healthz?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: oobhealth/"
		  OOBHEALTH_VERSION "\r\nAccept: */*\r\nConnection: close\r\n\r\n");
	CHECK(n == strlen(buf));
	/* Too small a buffer: no request rather than a cut one. */
	CHECK(http_request_build(buf, 40, "127.0.0.1:8080", "/healthz") == 0);
}

static void request_refuses_what_a_url_may_not_hold(void)
{
	char buf[HTTP_REQUEST_MAX];

	CHECK(http_request_build(buf, sizeof(buf), "127.0.0.1", "/x\r\nX-Injected: 1") == 0);
	CHECK(http_request_build(buf, sizeof(buf), "127.0.0.1\r\nX: 1", "/") == 0);
	CHECK(http_request_build(buf, sizeof(buf), "127.0.0.1", "/a b") == 0);
	CHECK(http_request_build(buf, sizeof(buf), "127.0.0.1", "/\x7f") == 0);
	CHECK(http_request_build(buf, sizeof(buf), "127.0.0.1", "/caf\xc3\xa9") == 0);
	CHECK(http_request_build(buf, sizeof(buf), "127.0.0.1", "/\t") == 0);
}

/* The longest URL the configuration accepts, "http://127.0.0.1:8080/aaa...", fits. */
static void longest_url_fits_the_request_buffer(void)
{
	static const char host[] = "127.0.0.1:8080";
	size_t path_len = OH_HTTP_URL_MAX - (sizeof("http://") - 1) - (sizeof(host) - 1);
	char *path = malloc(path_len + 1), buf[HTTP_REQUEST_MAX], line[OH_HTTP_URL_MAX + 32];
	size_t n;

	memset(path, 'a', path_len);
	path[0] = '/';
	path[path_len] = '\0';
	n = http_request_build(buf, sizeof(buf), host, path);
	CHECK(n > OH_HTTP_URL_MAX);
	CHECK(n == strlen(buf));
	snprintf(line, sizeof(line), "GET %s HTTP/1.1\r\n", path);
	CHECK(strncmp(buf, line, strlen(line)) == 0);
	CHECK(n >= 4 && memcmp(buf + n - 4, "\r\n\r\n", 4) == 0);
	free(path);
}

int main(void)
{
	TEST(valid_status_lines_give_their_code);
	TEST(bogus_status_lines_are_refused);
	TEST(truncated_lines_wait_unless_already_wrong);
	TEST(embedded_nul_is_a_byte_like_any_other);
	TEST(header_block_end_and_body);
	TEST(header_block_is_bounded);
	TEST(request_is_built_whole);
	TEST(request_refuses_what_a_url_may_not_hold);
	TEST(longest_url_fits_the_request_buffer);
	UNIT_EXIT();
}
