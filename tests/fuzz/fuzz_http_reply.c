/* Fuzzes the http probe's reply parsers with any reply prefix a listener can send: the
 * status line, the end of the header block and the body they point at. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe_http.h"
#include "probe_socket.h"

/* libFuzzer: -max_len=4096 (replies are judged on their first PROBE_READ_MAX bytes) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = size < PROBE_READ_MAX ? size : PROBE_READ_MAX;
	/* Exactly LEN bytes, no NUL after them: the parsers must not look for one. */
	char *reply = malloc(len ? len : 1);
	struct http_reply http;
	int status;
	size_t end;

	if (reply == NULL)
		return 0;
	memcpy(reply, data, len);
	status = http_status_line(reply, len);
	if (status > 0 && (status < 100 || status > 599 || len < 13 ||
			   memcmp(reply, "HTTP/1.", 7) != 0))
		abort();
	end = http_header_end(reply, len);
	if (end != 0 && (end < 4 || end > len || memcmp(reply + end - 4, "\r\n\r\n", 4) != 0))
		abort();
	http_reply_parse(reply, len, &http);
	if (http.body != NULL &&
	    (http.body < reply || http.body + http.body_len != reply + len))
		abort();
	free(reply);
	return 0;
}
