/* A client exchange on a non-blocking socket under one deadline: connect, send, then read
 * until the reply is judged complete, the peer closes, the buffer fills or time is up. */
#include "probe_socket.h"
#include "clock.h"

#include <errno.h>
#include <stddef.h>
#include <poll.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

/* Waits for EVENTS on FD until the deadline. Returns 1 when ready, 0 on timeout, -1 on
 * error (errno set). */
static int wait_for(int fd, short events, uint64_t deadline_us)
{
	for (;;) {
		uint64_t now = monotonic_us();
		struct pollfd pfd = { .fd = fd, .events = events };
		int ms, n;

		if (now >= deadline_us)
			return 0;
		/* Round up so a poll never returns just short of the deadline and spins. */
		ms = (int)((deadline_us - now + 999) / 1000);
		n = poll(&pfd, 1, ms);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static void finish(struct exchange *ex, enum exchange_end end, int errno_value)
{
	ex->end = end;
	ex->errno_value = errno_value;
}

/* Waits for EVENTS; returns 0 when ready, or -1 with the exchange finished (timeout or
 * error). */
static int wait_or_finish(struct exchange *ex, int fd, short events)
{
	switch (wait_for(fd, events, ex->deadline_us)) {
	case 1:
		return 0;
	case 0:
		finish(ex, EXCHANGE_TIMEOUT, ETIMEDOUT);
		return -1;
	default:
		finish(ex, EXCHANGE_ERROR, errno);
		return -1;
	}
}

static int connect_socket(struct exchange *ex, int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	ex->phase = "connect";
	if (connect(fd, ex->addr, ex->addr_len) == 0)
		return 0;
	if (errno == EAGAIN && ex->addr->sa_family == AF_UNIX) {
		finish(ex, EXCHANGE_BACKLOG_FULL, errno);
		return -1;
	}
	if (errno != EINPROGRESS) {
		err = errno;
		finish(ex, err == ECONNREFUSED || err == ENOENT ? EXCHANGE_REFUSED : EXCHANGE_ERROR,
		       err);
		return -1;
	}
	if (wait_or_finish(ex, fd, POLLOUT) < 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		finish(ex, err == ECONNREFUSED ? EXCHANGE_REFUSED : EXCHANGE_ERROR, err);
		return -1;
	}
	return 0;
}

/* TLS on the connected socket, under the same deadline. */
static int shake_hands(struct exchange *ex, int fd)
{
	short events = 0;
	int done;

	ex->phase = "TLS handshake with";
	ex->link = tls_open(fd, ex->tls, &ex->tls_seen);
	if (ex->link == NULL) {
		finish(ex, EXCHANGE_TLS_FAILED, 0);
		return -1;
	}
	while ((done = tls_handshake(ex->link, &events, &ex->tls_seen)) == 0) {
		if (wait_or_finish(ex, fd, events) < 0)
			return -1;
	}
	if (done < 0) {
		finish(ex, EXCHANGE_TLS_FAILED, 0);
		return -1;
	}
	return 0;
}

/* send(2) and recv(2), over TLS when the exchange has it; *EVENTS is what to wait for
 * after EAGAIN (TLS may need to read while sending, and the other way round). */
static ssize_t link_send(struct exchange *ex, int fd, const char *buf, size_t len, short *events)
{
	*events = POLLOUT;
	if (ex->link != NULL)
		return tls_send(ex->link, buf, len, events);
	return send(fd, buf, len, MSG_NOSIGNAL);
}

static ssize_t link_recv(struct exchange *ex, int fd, char *buf, size_t len, short *events)
{
	*events = POLLIN;
	if (ex->link != NULL)
		return tls_recv(ex->link, buf, len, events);
	return recv(fd, buf, len, 0);
}

static int send_request(struct exchange *ex, int fd)
{
	size_t sent = 0;
	short events;

	ex->phase = "send";
	while (sent < ex->send_len) {
		ssize_t n = link_send(ex, fd, ex->send + sent, ex->send_len - sent, &events);

		if (n >= 0) {
			sent += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			finish(ex, errno == EPIPE || errno == ECONNRESET ? EXCHANGE_CLOSED
									 : EXCHANGE_ERROR, errno);
			return -1;
		}
		if (wait_or_finish(ex, fd, events) < 0)
			return -1;
	}
	return 0;
}

static bool reply_complete(const struct exchange *ex)
{
	if (ex->complete == NULL)
		return ex->reply_len > 0;
	return ex->complete(ex->reply, ex->reply_len, ex->complete_arg);
}

static void read_reply(struct exchange *ex, int fd)
{
	size_t cap = sizeof(ex->reply) - 1;
	short events;

	ex->phase = "read";
	for (;;) {
		ssize_t n = link_recv(ex, fd, ex->reply + ex->reply_len, cap - ex->reply_len, &events);

		if (n > 0) {
			ex->reply_len += (size_t)n;
			ex->reply[ex->reply_len] = '\0';
			if (reply_complete(ex)) {
				finish(ex, EXCHANGE_DONE, 0);
				return;
			}
			if (ex->reply_len == cap) {
				finish(ex, EXCHANGE_FULL, 0);
				return;
			}
			continue;
		}
		if (n == 0 || (errno == ECONNRESET)) {
			finish(ex, EXCHANGE_CLOSED, n == 0 ? 0 : errno);
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			finish(ex, EXCHANGE_ERROR, errno);
			return;
		}
		if (wait_or_finish(ex, fd, events) < 0)
			return;
	}
}

socklen_t exchange_unix_address(const char *path, struct sockaddr_un *sun)
{
	size_t len = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (len >= sizeof(sun->sun_path))
		len = sizeof(sun->sun_path) - 1;
	memcpy(sun->sun_path, path, len);
	/* "@name": the abstract namespace, whose names start with a NUL byte. */
	if (path[0] == '@') {
		sun->sun_path[0] = '\0';
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	}
	return (socklen_t)sizeof(*sun);
}

void exchange_run(struct exchange *ex)
{
	int fd = socket(ex->addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	ex->reply_len = 0;
	ex->reply[0] = '\0';
	ex->phase = "connect";
	if (fd < 0) {
		finish(ex, EXCHANGE_ERROR, errno);
		return;
	}
	if (connect_socket(ex, fd) == 0 && (ex->tls == NULL || shake_hands(ex, fd) == 0) &&
	    send_request(ex, fd) == 0) {
		if (ex->read_reply)
			read_reply(ex, fd);
		else
			finish(ex, EXCHANGE_DONE, 0);
	}
	ex->ended_us = monotonic_us();
	/* Read while the connection still exists: closing it would empty the server's side. */
	if (ex->end == EXCHANGE_TIMEOUT)
		connection_view_read(fd, ex->addr->sa_family, &ex->seen);
	tls_close(ex->link);
	ex->link = NULL;
	close(fd);
}
