/* One listener probe (tcp, unix or http) run synchronously under a single deadline that
 * covers connect, send and read together; the reply is judged here. */
#include "probe.h"
#include "clock.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "oobhealth.h"
#include "pattern.h"
#include "probe_socket.h"

/* Reading stops once the expect pattern matched or gave up on the reply so far: a pattern
 * that ran into its limit is not tried again on more bytes, the reply is judged bad. */
static bool expect_decided(const struct pattern *expect, const char *text, size_t len)
{
	return pattern_match(expect, text, len) != PATTERN_NO_MATCH;
}

static bool expect_complete(const char *reply, size_t len, void *arg)
{
	return expect_decided(arg, reply, len);
}

/* ---- http ---- */

struct http_reply {
	int status;               /* 0: no status line yet */
	const char *body;         /* NULL until the header block is complete */
	size_t body_len;
};

static void http_parse(const char *reply, size_t len, struct http_reply *out)
{
	const char *end = memmem(reply, len, "\r\n\r\n", 4);
	int minor, status;

	memset(out, 0, sizeof(*out));
	if (sscanf(reply, "HTTP/1.%d %3d", &minor, &status) == 2 && status >= 100 && status <= 999)
		out->status = status;
	if (end != NULL) {
		out->body = end + 4;
		out->body_len = len - (size_t)(out->body - reply);
	}
}

static bool http_status_ok(const struct probe_config *probe, int status)
{
	if (probe->expect_status == 0)
		return status >= 200 && status <= 299;
	return status == probe->expect_status;
}

static bool http_complete(const char *reply, size_t len, void *arg)
{
	const struct probe_config *probe = arg;
	struct http_reply http;

	http_parse(reply, len, &http);
	if (http.body == NULL)
		return false;
	if (probe->expect == NULL || !http_status_ok(probe, http.status))
		return true;
	return expect_decided(probe->expect_re, http.body, http.body_len);
}

static void http_judge(const struct probe_config *probe, const struct exchange *ex,
		       struct probe_result *out)
{
	struct http_reply http;
	char wanted[16];

	http_parse(ex->reply, ex->reply_len, &http);
	out->status = PROBE_BAD_RESPONSE;
	if (http.status == 0) {
		snprintf(out->error, sizeof(out->error), "no HTTP status line in the reply (%zu bytes)",
			 ex->reply_len);
		return;
	}
	if (!http_status_ok(probe, http.status)) {
		if (probe->expect_status == 0)
			snprintf(wanted, sizeof(wanted), "2xx");
		else
			snprintf(wanted, sizeof(wanted), "%d", probe->expect_status);
		snprintf(out->error, sizeof(out->error), "HTTP status %d, expected %s%s", http.status,
			 wanted, http.status >= 300 && http.status <= 399
			 ? " (redirects are not followed)" : "");
		return;
	}
	if (http.body == NULL) {
		snprintf(out->error, sizeof(out->error), "HTTP header block incomplete (%zu bytes)",
			 ex->reply_len);
		return;
	}
	switch (probe->expect == NULL ? PATTERN_MATCH
		: pattern_match(probe->expect_re, http.body, http.body_len)) {
	case PATTERN_NO_MATCH:
		snprintf(out->error, sizeof(out->error), "HTTP %d body does not match /%s/",
			 http.status, probe->expect);
		return;
	case PATTERN_GAVE_UP:
		snprintf(out->error, sizeof(out->error),
			 "HTTP %d body: expect /%s/ exceeded its match limit", http.status,
			 probe->expect);
		return;
	case PATTERN_MATCH:
		break;
	}
	out->status = PROBE_OK;
}

static size_t http_request(const struct probe_config *probe, char *buf, size_t len)
{
	int n = snprintf(buf, len, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: oobhealth/"
			 OOBHEALTH_VERSION "\r\nAccept: */*\r\nConnection: close\r\n\r\n",
			 probe->http_path, probe->http_host);

	return n < 0 ? 0 : (size_t)n >= len ? len - 1 : (size_t)n;
}

/* ---- verdict ---- */

static void judge_reply(const struct probe_config *probe, const struct exchange *ex,
			struct probe_result *out)
{
	if (probe->kind == PROBE_HTTP) {
		http_judge(probe, ex, out);
		return;
	}
	out->status = PROBE_BAD_RESPONSE;
	/* Done under an expect means it matched or gave up; matching again tells which. */
	if (ex->end == EXCHANGE_DONE) {
		if (probe->expect == NULL ||
		    pattern_match(probe->expect_re, ex->reply, ex->reply_len) == PATTERN_MATCH)
			out->status = PROBE_OK;
		else
			snprintf(out->error, sizeof(out->error),
				 "expect /%s/ exceeded its match limit on the reply (%zu bytes)",
				 probe->expect, ex->reply_len);
		return;
	}
	if (ex->reply_len == 0)
		snprintf(out->error, sizeof(out->error), "closed without a reply");
	else if (ex->end == EXCHANGE_FULL)
		snprintf(out->error, sizeof(out->error), "no match for /%s/ in the first %d bytes",
			 probe->expect, PROBE_READ_MAX);
	else
		snprintf(out->error, sizeof(out->error), "reply (%zu bytes) does not match /%s/",
			 ex->reply_len, probe->expect);
}

static void describe_failure(const struct probe_config *probe, const struct exchange *ex,
			     uint32_t took_ms, struct probe_result *out)
{
	char what[160];
	size_t used;

	switch (ex->end) {
	case EXCHANGE_TIMEOUT:
		out->status = PROBE_TIMEOUT;
		if (strcmp(ex->phase, "read") == 0 && ex->reply_len > 0)
			snprintf(what, sizeof(what), "no complete reply from %s (%zu bytes read)",
				 probe->target, ex->reply_len);
		else if (strcmp(ex->phase, "read") == 0)
			snprintf(what, sizeof(what), "no reply from %s", probe->target);
		else
			snprintf(what, sizeof(what), "%s %s", ex->phase, probe->target);
		snprintf(out->error, sizeof(out->error), "%s: timed out after %u ms", what, took_ms);
		return;
	case EXCHANGE_REFUSED:
		out->status = PROBE_REFUSED;
		snprintf(out->error, sizeof(out->error), "connect %s: %s (nothing listens), after %u ms",
			 probe->target, ex->errno_value == ENOENT ? "no such socket"
			 : strerror(ex->errno_value), took_ms);
		return;
	case EXCHANGE_BACKLOG_FULL:
		out->status = PROBE_BACKLOG_FULL;
		snprintf(out->error, sizeof(out->error),
			 "connect %s: accept queue full (listener not accepting), after %u ms",
			 probe->target, took_ms);
		return;
	case EXCHANGE_ERROR:
		out->status = PROBE_ERROR;
		snprintf(out->error, sizeof(out->error), "%s %s: %s, after %u ms", ex->phase,
			 probe->target, strerror(ex->errno_value), took_ms);
		return;
	default:
		judge_reply(probe, ex, out);
		if (out->status == PROBE_OK)
			return;
		used = strlen(out->error);
		snprintf(out->error + used, sizeof(out->error) - used, ", after %u ms", took_ms);
	}
}

void probe_run(const struct probe_config *probe, struct probe_result *out)
{
	struct exchange ex = { 0 };
	struct sockaddr_un sun;
	char request[1024];
	uint64_t started = monotonic_us();

	memset(out, 0, sizeof(*out));
	ex.deadline_us = started + (uint64_t)probe->timeout_ms * 1000;
	if (probe->kind == PROBE_UNIX) {
		ex.addr_len = exchange_unix_address(probe->unix_path, &sun);
		ex.addr = (const struct sockaddr *)&sun;
	} else {
		ex.addr = (const struct sockaddr *)&probe->addr;
		ex.addr_len = probe->addr_len;
	}
	if (probe->kind == PROBE_HTTP) {
		ex.send = request;
		ex.send_len = http_request(probe, request, sizeof(request));
		ex.read_reply = true;
		ex.complete = http_complete;
		ex.complete_arg = (void *)probe;
	} else {
		ex.send = probe->send;
		ex.send_len = probe->send_len;
		ex.read_reply = probe->send != NULL || probe->expect != NULL;
		if (probe->expect != NULL) {
			ex.complete = expect_complete;
			ex.complete_arg = probe->expect_re;
		}
	}
	exchange_run(&ex);
	out->latency_us = (uint32_t)(monotonic_us() - started);
	describe_failure(probe, &ex, out->latency_us / 1000, out);
}
