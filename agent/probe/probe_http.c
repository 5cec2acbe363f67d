/* Builds the http probe's GET request and reads its reply strictly, from a buffer and its
 * length only. */
#include "probe_http.h"

#include <stdio.h>
#include <string.h>

#include "config_values.h"

/* The longest accepted URL's host and path ("http://" aside) plus the fixed text and the
 * NUL: raising OH_HTTP_URL_MAX or lengthening the request stops the build here, instead
 * of cutting requests at run time. */
_Static_assert(sizeof(HTTP_REQUEST_FORMAT) - sizeof("%s%s") + 1 +
	       OH_HTTP_URL_MAX - (sizeof("http://") - 1) + 1 <= HTTP_REQUEST_MAX,
	       "HTTP_REQUEST_MAX does not hold the request for the longest URL");

size_t http_request_build(char *buf, size_t len, const char *host, const char *path)
{
	size_t host_len = strlen(host), path_len = strlen(path);
	int n;

	if (url_invalid_byte(host, host_len) != host_len ||
	    url_invalid_byte(path, path_len) != path_len)
		return 0;
	n = snprintf(buf, len, HTTP_REQUEST_FORMAT, path, host);
	if (n < 0 || (size_t)n >= len)
		return 0;
	return (size_t)n;
}

/* Whether byte AT of a status line may be C: "HTTP/1." DIGIT SP [1-5] DIGIT DIGIT SP.
 * A first code digit of 1 to 5 is what makes the code 100 to 599. */
static bool status_line_byte(size_t at, char c)
{
	static const char fixed[] = "HTTP/1.";

	if (at < sizeof(fixed) - 1)
		return c == fixed[at];
	switch (at) {
	case 8:
	case 12:
		return c == ' ';
	case 9:
		return c >= '1' && c <= '5';
	default:
		return c >= '0' && c <= '9';
	}
}

int http_status_line(const char *reply, size_t len)
{
	size_t have = len < HTTP_STATUS_LINE_MIN ? len : HTTP_STATUS_LINE_MIN;

	for (size_t i = 0; i < have; i++) {
		if (!status_line_byte(i, reply[i]))
			return -1;
	}
	if (have < HTTP_STATUS_LINE_MIN)
		return 0;
	return (reply[9] - '0') * 100 + (reply[10] - '0') * 10 + (reply[11] - '0');
}

size_t http_header_end(const char *reply, size_t len)
{
	const char *end;

	if (len < 4)
		return 0;
	end = memmem(reply, len < HTTP_HEADER_MAX ? len : HTTP_HEADER_MAX, "\r\n\r\n", 4);
	return end == NULL ? 0 : (size_t)(end - reply) + 4;
}

void http_reply_parse(const char *reply, size_t len, struct http_reply *out)
{
	size_t end = http_header_end(reply, len);

	memset(out, 0, sizeof(*out));
	out->status = http_status_line(reply, len);
	if (end == 0) {
		out->header_over = len >= HTTP_HEADER_MAX;
		return;
	}
	out->body = reply + end;
	out->body_len = len - end;
}
