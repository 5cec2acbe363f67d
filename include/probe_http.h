/* The http probe's side of HTTP: the GET request it sends and a strict reading of the reply
 * (status line, end of the header block, body). The parsers take a buffer and its length,
 * NUL bytes being data like any other, so a fuzzer calls them exactly as the probe does. */
#ifndef OH_PROBE_HTTP_H
#define OH_PROBE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "oobhealth.h"
#include "probe_socket.h"

/* The request; the first %s is the path, the second the Host value. */
#define HTTP_REQUEST_FORMAT "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: oobhealth/" \
	OOBHEALTH_VERSION "\r\nAccept: */*\r\nConnection: close\r\n\r\n"

/* Room for the request of the longest URL the configuration accepts, NUL included:
 * host and path are that URL without "http://", and probe_http.c asserts at compile time
 * that the fixed text fits in the margin. */
#define HTTP_REQUEST_MAX (OH_HTTP_URL_MAX + 128)

/* The header block must end ("\r\n\r\n") within the reply buffer; one that does not is a
 * bad reply ("HTTP header block over 4096 bytes"), never a wait until the deadline. */
#define HTTP_HEADER_MAX PROBE_READ_MAX

/* "HTTP/1.1 200 ": the bytes that decide whether a reply starts with a status line. */
#define HTTP_STATUS_LINE_MIN 13

/* Writes the GET request for PATH on HOST (the Host value) into BUF, LEN bytes with the
 * NUL. Returns its length; 0 when it does not fit or when HOST or PATH holds a byte an
 * http URL may not (config_values.h): a request is never cut, and nothing smuggles a
 * header in. */
size_t http_request_build(char *buf, size_t len, const char *host, const char *path);

/* The status code of the status line at the start of REPLY[0..LEN): exactly "HTTP/1.",
 * one digit, a space, three digits making 100 to 599, and a space. Returns the code; 0
 * when LEN is too short to tell and the bytes so far could still begin one; -1 when the
 * reply does not start with a valid status line. */
int http_status_line(const char *reply, size_t len);

/* The offset just past the "\r\n\r\n" that ends the header block of REPLY[0..LEN), looked
 * for in its first HTTP_HEADER_MAX bytes only; 0 when it is not there. */
size_t http_header_end(const char *reply, size_t len);

struct http_reply {
	int status;         /* as http_status_line() returns it */
	bool header_over;   /* HTTP_HEADER_MAX bytes read and the header block has not ended */
	const char *body;   /* inside the reply; NULL until the header block has ended */
	size_t body_len;
};

/* Reads REPLY[0..LEN) as far as it goes; OUT points into REPLY. */
void http_reply_parse(const char *reply, size_t len, struct http_reply *out);

#endif
