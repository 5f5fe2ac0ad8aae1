#!/usr/bin/env python3
"""pty_stderr.py - run a command with its standard error on a terminal.

    pty_stderr.py [--cols N] [--int-after SECONDS] OUT -- COMMAND...

Standard error is the slave side of a new pseudo-terminal, N columns
wide (default 200); every byte written there goes to the file OUT as
written: the terminal's output processing is off, so a "\\n" stays a
"\\n" and a "\\r" is the program's own.  Standard input is /dev/null,
standard output is this script's.  --int-after sends SIGINT that many
seconds after the start.  Exits with the command's status (128 + N when
a signal ended it).
"""
import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import threading


def main():
    args = sys.argv[1:]
    cols, int_after = 200, None
    while args and args[0].startswith("--") and args[0] != "--":
        if args[0] == "--cols":
            cols = int(args[1])
        elif args[0] == "--int-after":
            int_after = float(args[1])
        else:
            sys.exit("pty_stderr.py: unknown option " + args[0])
        args = args[2:]
    if len(args) < 3 or args[1] != "--":
        sys.exit(__doc__)
    out, cmd = args[0], args[2:]

    master, slave = pty.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    if int_after is not None:
        threading.Timer(int_after, child.send_signal, [signal.SIGINT]).start()

    # Read while it runs (a full terminal would stop it), until every
    # holder of the slave side has closed it: EIO on Linux.
    got = bytearray()
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        got += data
    os.close(master)
    with open(out, "wb") as f:
        f.write(got)
    rc = child.wait()
    sys.exit(128 - rc if rc < 0 else rc)


if __name__ == "__main__":
    main()
