/* A misbehaving (or well-behaved) server for probe tests, on loopback or a unix socket.
 * Usage: listener ADDRESS BACKLOG MODE [ARG]
 *   ADDRESS  127.0.0.1:PORT, [::1]:PORT, /path or @abstract
 *   MODE     never-accept           listen() and nothing else: connects queue up
 *            accept-on-signal       as never-accept until SIGUSR1, then accept and close every
 *                                   connection: a stalled acceptor that recovers
 *            accept-no-read         accept, then never read nor answer: requests stay in the
 *                                   socket's receive queue
 *            silent                 accept, then never answer (until the peer closes)
 *            reply TEXT             accept, read a request, answer TEXT, close
 *            alternate TEXT         as reply on the first, third... connection; silent on
 *                                   the second, fourth...: a probe flapping ok/timeout
 *            http STATUS            accept, read a request, answer with that HTTP status
 *            reply-file PATH        accept, read a request, answer the bytes of PATH (any
 *                                   size, NULs included), then hold the connection open
 *                                   until the peer closes it: a verdict must not wait for EOF
 *            record PATH            accept, read a request up to its blank line, append it
 *                                   to PATH, answer HTTP 200, close
 *            endless                accept, then send bytes without end
 *            trickle                accept, then send one byte a second
 *            garbage                accept, then send binary bytes (NULs included) and close
 * silent reads each request and never answers.
 * It prints "ready" on stdout once listening. silent, reply, alternate, http and reply-file
 * serve every connection from this one process (a burst of probes is not a burst of forks and
 * exits, which would load the machine more than the probes do); the other modes fork one per
 * connection. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int listen_on(const char *address, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (address[0] == '/' || address[0] == '@') {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;

		sun->sun_family = AF_UNIX;
		strncpy(sun->sun_path, address, sizeof(sun->sun_path) - 1);
		len = sizeof(*sun);
		if (address[0] == '@') {
			sun->sun_path[0] = '\0';
			len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(address));
		} else {
			unlink(address);
		}
	} else if (address[0] == '[') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		char host[64];
		const char *close = strchr(address, ']');

		if (close == NULL || (size_t)(close - address - 1) >= sizeof(host))
			return -1;
		memcpy(host, address + 1, (size_t)(close - address - 1));
		host[close - address - 1] = '\0';
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)atoi(close + 2));
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -1;
		len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		char host[64];
		const char *colon = strrchr(address, ':');

		if (colon == NULL || (size_t)(colon - address) >= sizeof(host))
			return -1;
		memcpy(host, address, (size_t)(colon - address));
		host[colon - address] = '\0';
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)atoi(colon + 1));
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -1;
		len = sizeof(*sin);
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, backlog) < 0)
		return -1;
	return fd;
}

#define HTTP_OK "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"

/* record: the request, read until its blank line (or EOF), appended to PATH whole. */
static void record_request(int client, const char *path)
{
	static char request[65536];
	size_t len = 0;
	ssize_t n;
	int fd;

	while (len < sizeof(request) &&
	       (n = read(client, request + len, sizeof(request) - len)) > 0) {
		len += (size_t)n;
		if (memmem(request, len, "\r\n\r\n", 4) != NULL)
			break;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0 || write(fd, request, len) < 0 || write(client, HTTP_OK, strlen(HTTP_OK)) < 0)
		perror(path);
	if (fd >= 0)
		close(fd);
}

static void serve(int client, const char *mode, const char *arg)
{
	char reply[512];

	if (strcmp(mode, "record") == 0) {
		record_request(client, arg);
	} else if (strcmp(mode, "endless") == 0) {
		memset(reply, 'x', sizeof(reply));
		while (write(client, reply, sizeof(reply)) > 0)
			;
	} else if (strcmp(mode, "trickle") == 0) {
		while (write(client, "x", 1) == 1)
			sleep(1);
	} else if (strcmp(mode, "garbage") == 0) {
		for (size_t i = 0; i < sizeof(reply); i++)
			reply[i] = (char)(i * 37);
		if (write(client, reply, sizeof(reply)) < 0)
			perror("write");
	}
	close(client);
}

#define HELD_MAX 1024

/* The answer to one request in reply, http or reply-file mode, its length in *LEN; or NULL
 * (silent: none, ever). */
static const char *answer_for(const char *mode, const char *arg, char *reply, size_t size,
			      size_t *len)
{
	FILE *file;

	if (strcmp(mode, "http") == 0) {
		snprintf(reply, size, "HTTP/1.1 %s Status\r\nContent-Length: 2\r\n"
			 "Connection: close\r\n\r\nok", arg);
	} else if (strcmp(mode, "reply") == 0 || strcmp(mode, "alternate") == 0) {
		snprintf(reply, size, "%s", arg);
	} else if (strcmp(mode, "reply-file") == 0) {
		file = fopen(arg, "rb");
		if (file == NULL) {
			perror(arg);
			exit(1);
		}
		*len = fread(reply, 1, size, file);
		fclose(file);
		return reply;
	} else {
		return NULL;
	}
	*len = strlen(reply);
	return reply;
}

/* Serves every connection from this process: each is read once it sends, then answered
 * and closed (reply-file: held until its peer closes it), or (silent, and every other one
 * in alternate) held until then. */
static void serve_polled(int fd, const char *mode, const char *arg)
{
	static struct pollfd held[HELD_MAX];
	static bool answered[HELD_MAX];
	static bool ignored[HELD_MAX];
	static char reply[65536];
	char request[4096];
	size_t answer_len = 0;
	const char *answer = answer_for(mode, arg, reply, sizeof(reply), &answer_len);
	bool hold = strcmp(mode, "reply-file") == 0;
	bool alternate = strcmp(mode, "alternate") == 0;
	unsigned long accepted = 0;
	nfds_t count = 1;

	held[0] = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (;;) {
		if (poll(held, count, -1) < 0)
			continue;
		/* Backwards, so the last entry moved into a closed one's place was already seen. */
		for (nfds_t i = count; i-- > 1;) {
			ssize_t n;

			if (held[i].revents == 0)
				continue;
			n = read(held[i].fd, request, sizeof(request));
			if (n > 0 && (answer == NULL || answered[i] || ignored[i]))
				continue;
			if (n > 0 && write(held[i].fd, answer, answer_len) < 0)
				perror("write");
			if (n > 0 && hold) {
				answered[i] = true;
				continue;
			}
			close(held[i].fd);
			held[i] = held[--count];
			answered[i] = answered[count];
			ignored[i] = ignored[count];
		}
		if (held[0].revents & POLLIN) {
			int client = accept(fd, NULL, NULL);

			if (client >= 0 && count < HELD_MAX) {
				answered[count] = false;
				ignored[count] = alternate && accepted++ % 2 == 1;
				held[count++] = (struct pollfd){ .fd = client, .events = POLLIN };
			} else if (client >= 0) {
				close(client);
			}
		}
	}
}

static volatile sig_atomic_t accepting;

static void start_accepting(int sig)
{
	(void)sig;
	accepting = 1;
}

/* accept-on-signal: nothing until SIGUSR1, then accept and close. */
static void accept_on_signal(int fd)
{
	struct sigaction action = { .sa_handler = start_accepting };
	sigset_t usr1, waiting;

	/* Blocked between the check and the wait, so the signal is never missed. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &waiting);
	sigdelset(&waiting, SIGUSR1);
	sigaction(SIGUSR1, &action, NULL);
	while (!accepting)
		sigsuspend(&waiting);
	for (;;) {
		int client = accept(fd, NULL, NULL);

		if (client >= 0)
			close(client);
	}
}

/* accept-no-read: every connection accepted and held, never read. */
static void accept_no_read(int fd)
{
	static int held[HELD_MAX];
	size_t count = 0;

	for (;;) {
		int client = accept(fd, NULL, NULL);

		if (client < 0)
			continue;
		/* The oldest goes when full: its peer gave up long ago. */
		if (count == HELD_MAX) {
			close(held[0]);
			memmove(held, held + 1, (HELD_MAX - 1) * sizeof(held[0]));
			count--;
		}
		held[count++] = client;
	}
}

int main(int argc, char **argv)
{
	int fd;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: listener ADDRESS BACKLOG MODE [ARG]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);
	fd = listen_on(argv[1], atoi(argv[2]));
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	if (strcmp(argv[3], "never-accept") == 0) {
		for (;;)
			pause();
	}
	if (strcmp(argv[3], "accept-on-signal") == 0)
		accept_on_signal(fd);
	if (strcmp(argv[3], "accept-no-read") == 0)
		accept_no_read(fd);
	if (strcmp(argv[3], "silent") == 0 || strcmp(argv[3], "reply") == 0 ||
	    strcmp(argv[3], "alternate") == 0 || strcmp(argv[3], "http") == 0 ||
	    strcmp(argv[3], "reply-file") == 0)
		serve_polled(fd, argv[3], argc == 5 ? argv[4] : "");
	for (;;) {
		int client = accept(fd, NULL, NULL);

		if (client < 0)
			continue;
		if (fork() == 0) {
			/* Ends with the listener, which the tests end by pid. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(fd);
			serve(client, argv[3], argc == 5 ? argv[4] : "");
			_exit(0);
		}
		close(client);
	}
}
