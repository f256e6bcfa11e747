# SPDX-License-Identifier: LGPL-2.1-or-later
"""Run a command on a new pseudo-terminal (its controlling terminal) and answer its prompts like a user.

usage: tty_answer.py PROMPT ANSWER [PROMPT ANSWER ...] -- COMMAND [ARGS...]

Each PROMPT is a plain substring awaited in order in the command's terminal output; when it appears, ANSWER and
a newline are typed. Everything the command prints goes to our stdout. SIGINT and SIGTERM are passed on to the
command; the exit status is the command's (128+N when a signal N ended it).
"""
import os
import pty
import select
import signal
import sys


def main() -> int:
    args = sys.argv[1:]
    if "--" not in args:
        sys.exit(__doc__)
    split = args.index("--")
    pairs, command = args[:split], args[split + 1:]
    if len(pairs) % 2 != 0 or not command:
        sys.exit(__doc__)
    script = [(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]

    pid, master = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)

    seen = ""  # output since the last answer
    out = sys.stdout.buffer
    finished, status = 0, 0
    while True:
        try:
            ready, _, _ = select.select([master], [], [], 0.5)
        except InterruptedError:
            continue
        if ready:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the command and its children closed the terminal
                data = b""
            if not data:
                break
            out.write(data)
            out.flush()
            if script:  # only what may still hold an awaited prompt is kept
                seen += data.decode(errors="replace")
            while script and script[0][0] in seen:
                seen = seen[seen.index(script[0][0]) + len(script[0][0]):]
                os.write(master, script[0][1].encode() + b"\n")
                script.pop(0)
        finished, status = os.waitpid(pid, os.WNOHANG)
        if finished:
            break
    if not finished:
        _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main())
