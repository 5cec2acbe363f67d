/* Unit tests for pidfiles: only a plain decimal pid is one, and the file is described
 * from the descriptor it was read through (owner, mode, directory, links). */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pid_file.h"
#include "unit.h"

/* The pid LITERAL's bytes (NULs included) hold, or -1. */
#define PARSED(literal) parsed(literal, sizeof(literal) - 1)

static long parsed(const char *text, size_t len)
{
	pid_t pid = -7;

	return pid_file_parse(text, len, &pid) == 0 ? (long)pid : -1;
}

static void plain_decimal_with_a_newline_is_a_pid(void)
{
	CHECK(PARSED("4242\n") == 4242);
	CHECK(PARSED("4242") == 4242);
	CHECK(PARSED("4242\r\n") == 4242);
	CHECK(PARSED("4242 \t\n\n") == 4242);
	CHECK(PARSED("1") == 1);
	CHECK(PARSED("4194304\n") == 4194304);
}

static void nul_and_other_bytes_are_not_a_pid(void)
{
	CHECK(PARSED("1\0002") == -1);
	CHECK(PARSED("1\000") == -1);
	CHECK(PARSED("12\n34\n") == -1);
	CHECK(PARSED("12x") == -1);
	CHECK(PARSED("\xff\xfe" "12") == -1);
}

static void sign_zero_and_leading_space_are_not_a_pid(void)
{
	CHECK(PARSED("") == -1);
	CHECK(PARSED("\n") == -1);
	CHECK(PARSED("0") == -1);
	CHECK(PARSED("0123") == -1);
	CHECK(PARSED("-5") == -1);
	CHECK(PARSED("+5") == -1);
	CHECK(PARSED(" 5") == -1);
}

static void beyond_pid_max_is_not_a_pid(void)
{
	CHECK(PARSED("4194305") == -1);
	CHECK(PARSED("99999999999999999999999") == -1);
}

/* A scratch directory for file tests, mode 0755. */
static char dir[64];

/* DIR/NAME; two calls may share one expression, as symlink() and link() need. */
static const char *path_in(const char *name)
{
	static char paths[2][128];
	static int next;
	char *path = paths[next++ % 2];

	snprintf(path, sizeof(paths[0]), "%s/%s", dir, name);
	return path;
}

static void write_file(const char *name, const char *text, size_t len, mode_t mode)
{
	int fd = open(path_in(name), O_WRONLY | O_CREAT | O_TRUNC, mode);

	CHECK(fd >= 0 && write(fd, text, len) == (ssize_t)len);
	close(fd);
	chmod(path_in(name), mode);
}

static void file_is_read_and_described(void)
{
	struct pid_file file;

	write_file("ok.pid", "31337\n", 6, 0644);
	CHECK(pid_file_read(path_in("ok.pid"), &file) == PID_FILE_OK);
	CHECK(file.pid == 31337);
	CHECK(file.owner == getuid());
	CHECK((file.mode & 07777) == 0644);
	CHECK(file.nlink == 1);
	CHECK(file.dir_owner == getuid());
	CHECK((file.dir_mode & 07777) == 0755);
	CHECK(file.text_len == 6);
}

static void content_that_is_no_pid_is_kept_for_the_reason(void)
{
	struct pid_file file;

	write_file("nul.pid", "1\0002\n", 4, 0644);
	CHECK(pid_file_read(path_in("nul.pid"), &file) == PID_FILE_NOT_A_PID);
	CHECK(file.text_len == 4 && memcmp(file.text, "1\0002\n", 4) == 0);
	/* Longer than any pidfile, even if what follows the pid is only white space. */
	write_file("long.pid", "1                                \n", 34, 0644);
	CHECK(pid_file_read(path_in("long.pid"), &file) == PID_FILE_NOT_A_PID);
	CHECK(file.text_len == PID_FILE_TEXT_MAX);
}

static void missing_symlink_and_fifo_are_refused(void)
{
	struct pid_file file;

	CHECK(pid_file_read(path_in("none.pid"), &file) == PID_FILE_MISSING);
	CHECK(pid_file_read(path_in("no-dir/x.pid"), &file) == PID_FILE_MISSING);
	write_file("target.pid", "1\n", 2, 0644);
	CHECK(symlink(path_in("target.pid"), path_in("link.pid")) == 0);
	CHECK(pid_file_read(path_in("link.pid"), &file) == PID_FILE_SYMLINK);
	CHECK(mkfifo(path_in("fifo.pid"), 0644) == 0);
	CHECK(pid_file_read(path_in("fifo.pid"), &file) == PID_FILE_NOT_REGULAR);
	CHECK(link(path_in("target.pid"), path_in("second-name.pid")) == 0);
	CHECK(pid_file_read(path_in("second-name.pid"), &file) == PID_FILE_OK);
	CHECK(file.nlink == 2);
}

int main(void)
{
	char command[96];

	TEST(plain_decimal_with_a_newline_is_a_pid);
	TEST(nul_and_other_bytes_are_not_a_pid);
	TEST(sign_zero_and_leading_space_are_not_a_pid);
	TEST(beyond_pid_max_is_not_a_pid);
	snprintf(dir, sizeof(dir), "/tmp/oobhealth-unit.XXXXXX");
	if (mkdtemp(dir) == NULL || chmod(dir, 0755) < 0) {
		printf("FAIL cannot create a scratch directory\n");
		return 1;
	}
	TEST(file_is_read_and_described);
	TEST(content_that_is_no_pid_is_kept_for_the_reason);
	TEST(missing_symlink_and_fifo_are_refused);
	snprintf(command, sizeof(command), "rm -rf '%s'", dir);
	if (system(command) != 0)
		printf("    could not remove %s\n", dir);
	UNIT_EXIT();
}
