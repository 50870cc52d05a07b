/*
 * main.c: cprofrun: flags -> environment -> checks -> fork/exec -> wait -> report. The
 * program runs in cprofrun's process group with the environment env.c builds; meanwhile
 * cprofrun prints nothing (but where -http serves), reads the handshake socket and passes
 * on the signals sent to it with kill. Then it reports (report.c) and exits with the program's own status.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "env.h"
#include "flags.h"
#include "handshake.h"
#include "inject.h"
#include "report.h"
#include "signame.h"

/* How much handshake text is read in one go while the program runs, and after it. */
#define HANDSHAKE_CHUNK (64 * 1024)
#define HANDSHAKE_DRAIN_MAX (1024 * 1024)

/* Exit statuses of their own, as a shell has them. */
#define EXIT_USAGE 2
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

struct child {
	pid_t pid;
	int sig_fd;		/* signalfd for SIGCHLD and the forwarded signals */
	int hs_fd;		/* the launcher's end of the handshake socket, non-blocking */
	sigset_t old_mask;	/* the mask cprofrun started with, restored in the child */
};

/*
 * Moves fd above stdin, stdout and stderr (keeping FD_CLOEXEC): when cprofrun starts with
 * one of them closed, a socket end inherited there would become the program's stdin or
 * stdout.
 */
static int fd_above_stdio(int fd)
{
	int high;

	if (fd > STDERR_FILENO)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return high;
}

/*
 * The dump signal (-signal or CPROF_SIGNAL), which cprofrun forwards too, so that
 * "kill -SIG <cprofrun's pid>" asks for a snapshot whatever the signal; 0 if none.
 */
static int dump_signal(const struct flags_value *values)
{
	int k = flags_find("signal");
	const char *env = getenv("CPROF_SIGNAL");
	int sig;

	if (k >= 0 && values[k].set)
		return (int)values[k].num;
	if (!env || (sig = signame_parse(env)) < 0 || signame_refused(sig))
		return 0;
	return sig;
}

/*
 * Blocks SIGCHLD, the forwarded signals and the dump signal, and returns a signalfd for
 * them: cprofrun survives them without a handler, and the wait loop sees each with its
 * si_code.
 */
static int signals_take(sigset_t *old_mask, int dump_sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	if (dump_sig > 0)
		sigaddset(&set, dump_sig);
	if (sigprocmask(SIG_BLOCK, &set, old_mask) != 0)
		return -errno;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/*
 * Whether a file the kernel cannot exec is binary rather than a script without "#!": as
 * bash decides it, a NUL before the first newline in its first 80 bytes.
 */
static bool looks_binary(const char *file)
{
	char head[80];
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, head, sizeof(head));

	if (fd >= 0)
		close(fd);
	for (ssize_t i = 0; i < n && head[i] != '\n'; i++)
		if (head[i] == '\0')
			return true;
	return false;
}

/* execvp's fallback for a file without "#!" that the kernel cannot exec: /bin/sh FILE ARGS. */
static void exec_shell(const char *file, char **cmd, char **envp)
{
	size_t n = 0;
	char **argv;

	while (cmd[n])
		n++;
	argv = calloc(n + 2, sizeof(char *));
	if (!argv)
		return;
	argv[0] = (char *)"/bin/sh";
	argv[1] = (char *)file;
	memcpy(&argv[2], &cmd[1], n * sizeof(char *));
	execve("/bin/sh", argv, envp);
	free(argv);
	errno = ENOEXEC;
}

/*
 * The child's side of fork: the signal mask cprofrun started with, the handshake write end
 * kept across exec, CPROF_PID, then exec of the file inject_resolve found, with argv[0] as
 * the user gave it. An exec error goes back through err_fd, which a successful exec closes
 * (FD_CLOEXEC).
 */
static void __attribute__((noreturn)) child_exec(struct child *c, const char *file, char **cmd,
						 struct env_child *env, int hs_w, int err_fd)
{
	ssize_t n;
	int err;

	sigprocmask(SIG_SETMASK, &c->old_mask, NULL);
	if (fcntl(hs_w, F_SETFD, 0) == 0) {
		env_set_pid(env, getpid());
		execve(file, cmd, env->envp);
		if (errno == ENOEXEC && !looks_binary(file))
			exec_shell(file, cmd, env->envp);
	}
	err = errno;
	/* Should this write fail, the parent still reaps a status of 127. */
	n = write(err_fd, &err, sizeof(err));
	(void)n;
	_exit(EXIT_NOT_FOUND);
}

/* Prints why exec failed as a shell would, and returns the shell's status for it. */
static int exec_failed(const char *cmd, int err)
{
	struct stat st;

	if (err == ENOENT && !strchr(cmd, '/')) {
		fprintf(stderr, "cprofrun: %s: command not found\n", cmd);
		return EXIT_NOT_FOUND;
	}
	if (err == EACCES && strchr(cmd, '/') && stat(cmd, &st) == 0 && S_ISDIR(st.st_mode))
		err = EISDIR;
	fprintf(stderr, "cprofrun: %s: %s\n", cmd, strerror(err));
	return err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}

/*
 * Starts cmd (file is what runs). Returns 0 once it runs, a shell's status (126, 127) when
 * exec failed, or EXIT_USAGE when cprofrun could not get that far; the last two after
 * printing a line.
 */
static int child_start(struct child *c, const char *file, char **cmd, const char *lib,
		       const struct flags_value *values)
{
	struct env_child env = { 0 };
	int hs[2] = { -1, -1 }, errp[2] = { -1, -1 }, err = 0, ret = EXIT_USAGE;
	ssize_t n;

	/*
	 * The handshake channel is a stream socket rather than a pipe: the library sends with
	 * MSG_NOSIGNAL | MSG_DONTWAIT (no SIGPIPE when cprofrun is gone, no stall when nobody
	 * reads), and plain write(2) works on it too.
	 */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, hs) != 0 ||
	    pipe2(errp, O_CLOEXEC) != 0 || (hs[1] = fd_above_stdio(hs[1])) < 0 ||
	    fcntl(hs[0], F_SETFL, O_NONBLOCK) != 0) {
		fprintf(stderr, "cprofrun: cannot create the handshake channel: %s\n", strerror(errno));
		goto out;
	}
	if (env_build(&env, lib, values, hs[1]) != 0) {
		fprintf(stderr, "cprofrun: %s\n", strerror(ENOMEM));
		goto out;
	}
	c->sig_fd = signals_take(&c->old_mask, dump_signal(values));
	if (c->sig_fd < 0) {
		fprintf(stderr, "cprofrun: cannot take signals: %s\n", strerror(errno));
		goto out;
	}
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0) {
		fprintf(stderr, "cprofrun: cannot fork: %s\n", strerror(errno));
		goto out;
	}
	if (c->pid == 0)
		child_exec(c, file, cmd, &env, hs[1], errp[1]);
	/* The report must not die on a closed pipe; the child kept its own disposition. */
	signal(SIGPIPE, SIG_IGN);
	close(errp[1]);
	errp[1] = -1;
	do
		n = read(errp[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(err)) {
		waitpid(c->pid, NULL, 0);
		ret = exec_failed(cmd[0], err);
		goto out;
	}
	c->hs_fd = hs[0];
	hs[0] = -1;
	ret = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (hs[i] >= 0)
			close(hs[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	env_free(&env);
	return ret;
}

/*
 * A terminal sends SIGINT, SIGQUIT and SIGHUP to the whole foreground process group with
 * si_code SI_KERNEL, so the program already has its own copy; only a signal sent to
 * cprofrun itself (kill, sigqueue, tgkill) is passed on. The program's own signals to
 * cprofrun are not sent back to it.
 */
static void signals_forward(struct child *c, bool running)
{
	struct signalfd_siginfo si;

	while (read(c->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD || !running || (pid_t)si.ssi_pid == c->pid)
			continue;
		if (si.ssi_code == SI_USER || si.ssi_code == SI_QUEUE || si.ssi_code == SI_TKILL)
			kill(c->pid, (int)si.ssi_signo);
	}
}

/*
 * The one line cprofrun prints while the program runs: where -http serves (the user
 * asked for a server, and with port 0 only the library knows the port).
 */
static void http_announce(struct handshake *hs)
{
	if (!hs->http_new)
		return;
	hs->http_new = false;
	if (strncmp(hs->http, "unix:", 5) == 0)
		fprintf(stderr, "cprofrun: serving /debug/pprof/ on %s\n", hs->http);
	else
		fprintf(stderr, "cprofrun: serving http://%s/debug/pprof/\n", hs->http);
}

/* Waits for the program to end, forwarding signals and reading the handshake; its status. */
static int child_wait(struct child *c, struct handshake *hs)
{
	struct pollfd pfd[2] = { { c->sig_fd, POLLIN, 0 }, { c->hs_fd, POLLIN, 0 } };
	int status;

	for (;;) {
		pid_t r = waitpid(c->pid, &status, WNOHANG);

		if (r == c->pid)
			break;
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "cprofrun: cannot wait for the program: %s\n", strerror(errno));
			status = W_EXITCODE(EXIT_USAGE, 0);
			break;
		}
		if (poll(pfd, 2, -1) < 0 && errno != EINTR) {
			/* Without poll, a blocking wait still gets the status right. */
			while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
				;
			break;
		}
		if (pfd[0].revents)
			signals_forward(c, true);
		if (pfd[1].revents) {
			int got = handshake_read(hs, c->hs_fd, HANDSHAKE_CHUNK);

			http_announce(hs);
			/* At end of file, or on an error, poll would report the socket for ever. */
			if (got == 0 || (got < 0 && got != -EAGAIN))
				pfd[1].fd = -1;
		}
	}
	/* Descendants may hold the other end: take what is there now, never wait for more. */
	handshake_read(hs, c->hs_fd, HANDSHAKE_DRAIN_MAX);
	signals_forward(c, false);
	return status;
}

/* The program's exit status for cprofrun to exit with; a line when a signal killed it. */
static int exit_status(const char *cmd, int status)
{
	int sig;

	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (!WIFSIGNALED(status))
		return EXIT_USAGE;
	sig = WTERMSIG(status);
	fprintf(stderr, "cprofrun: %s: killed by signal %d (%s)%s\n", cmd, sig, strsignal(sig),
		WCOREDUMP(status) ? " (core dumped)" : "");
	return 128 + sig;
}

/* The profiles asked for, in req (room for n_req_max). */
static size_t requests(const struct flags_value *values, struct report_request *req,
		       size_t n_req_max)
{
	size_t n = 0;

	for (size_t k = 0; k < flags_count; k++) {
		if (!values[k].set)
			continue;
		if (flags_table[k].kind == FLAGS_PROFILE && n < n_req_max) {
			req[n].kind = flags_table[k].name;
			req[n].given = values[k].str;
			req[n].abs = values[k].abs;
			n++;
		}
		for (size_t i = 0; flags_table[k].kind == FLAGS_PROFILES && i < values[k].n_items &&
				   n < n_req_max; i++, n++) {
			req[n].kind = values[k].items[i].name;
			req[n].given = values[k].items[i].file;
			req[n].abs = values[k].items[i].abs;
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	struct flags_value *values = calloc(flags_count, sizeof(*values));
	struct report_request *req = NULL;
	struct child c = { .pid = -1, .sig_fd = -1, .hs_fd = -1 };
	struct handshake hs;
	char *lib = NULL, *file = NULL;
	int prog, ret = EXIT_USAGE, err, top = flags_find("top");

	size_t n_req = flags_count;

	if (!values) {
		fprintf(stderr, "cprofrun: %s\n", strerror(ENOMEM));
		goto out;
	}
	prog = flags_parse(argc, argv, values);
	if (prog <= 0) {
		ret = prog == 0 ? 0 : EXIT_USAGE;
		goto out;
	}
	for (size_t k = 0; k < flags_count; k++)
		n_req += values[k].n_items;
	req = calloc(n_req, sizeof(*req));
	if (!req) {
		fprintf(stderr, "cprofrun: %s\n", strerror(ENOMEM));
		goto out;
	}
	if (env_find_lib(&lib) != 0)
		goto out;
	file = inject_resolve(argv[prog], &err);
	if (!file) {
		ret = exec_failed(argv[prog], err);
		goto out;
	}
	if (inject_check(file) != 0)
		goto out;
	ret = child_start(&c, file, &argv[prog], lib, values);
	if (ret != 0)
		goto out;
	handshake_init(&hs);
	ret = exit_status(argv[prog], child_wait(&c, &hs));
	report_print(&hs, req, requests(values, req, n_req), argv[prog], top >= 0 && values[top].num);
	handshake_free(&hs);
out:
	free(file);
	free(lib);
	flags_free(values);
	free(values);
	free(req);
	return ret;
}
