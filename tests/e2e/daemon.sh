#!/usr/bin/env bash
# daemon.sh - the pidfile (-p) and the privilege drop (--user, --chroot)
# as a file run sees them.  A file run is always in the foreground: it
# has a pidfile only when -p names one (softflowd writes one only as a
# daemon, and ignores -p with -r), checked and locked before anything is
# opened, holding its own pid, removed at exit; the privilege drop happens
# in the foreground only when --user or --chroot asks for it.
source "$(dirname "$0")/lib.sh"

PCAP="$ROOT/pcaps/demo.pcap"
PF="$TMP/probe.pid"

# expect_refused NAME "STDERR LINE" COMMAND...: exit 1, that one line, and
# no export written (the pidfile and the options are checked before -w's
# file is opened; EXPECT_W=1: the failure comes after, in the privilege
# drop, and the file may be there).
expect_refused() {
	local name=$1 want=$2; shift 2
	rm -f "$TMP/refused.pcap"
	"$@" -w "$TMP/refused.pcap" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ "$rc" -eq 1 ] && [ "$(cat "$TMP/err")" = "$want" ] &&
	   { [ "${EXPECT_W:-0}" = 1 ] || [ ! -e "$TMP/refused.pcap" ]; }; then
		ok "$name"
	else
		note "exit $rc; stderr: $(head -3 "$TMP/err")"
		note "wanted: $want"
		not_ok "$name"
	fi
}

# Without -p: no pidfile, and the reference export.
"$PROBE" -r "$PCAP" -w "$TMP/plain.pcap" 2>/dev/null
check "file run: exit 0 without -p" test -s "$TMP/plain.pcap"

# -p: same export, pidfile gone afterwards.
"$PROBE" -r "$PCAP" -p "$PF" -w "$TMP/withpid.pcap" 2>"$TMP/err"
rc=$?
check "-p: exit 0, export identical" test "$rc" -eq 0 -a -e "$TMP/withpid.pcap"
check "-p: export byte-identical to a run without -p" cmp -s "$TMP/plain.pcap" "$TMP/withpid.pcap"
check "-p: pidfile removed at exit" test ! -e "$PF"

# While a run lasts (reading a pipe held open), the file holds its pid,
# and a second instance with the same -p is refused, naming it.
{ cat "$PCAP"; sleep 2; } | "$PROBE" -r - -p "$PF" -w "$TMP/first.pcap" 2>"$TMP/first.err" &
first=$!
if wait_for [ -s "$PF" ] && [ "$(cat "$PF")" = "$first" ]; then
	ok "-p: pidfile holds the running probe's pid"
else
	note "pidfile: $(cat "$PF" 2>&1); probe pid $first"
	not_ok "-p: pidfile holds the running probe's pid"
fi
expect_refused "-p: second instance refused while the first runs" \
	"flowprobe: already running under pid $first (pidfile $PF)" \
	"$PROBE" -r "$PCAP" -p "$PF"
wait "$first"
rc=$?
check "-p: first instance exits 0, export intact" test "$rc" -eq 0 -a -s "$TMP/first.pcap"
check "-p: first instance's pidfile removed" test ! -e "$PF"

# A pidfile naming a live process (this shell) refuses, and is left alone.
echo $$ >"$PF"
expect_refused "-p naming a live pid: refused" \
	"flowprobe: already running under pid $$ (pidfile $PF)" "$PROBE" -r "$PCAP" -p "$PF"
check "-p naming a live pid: file untouched" test "$(cat "$PF")" = "$$"

# A stale one (a process that has exited) is replaced, then removed.
sh -c 'exit 0' &
dead=$!
wait "$dead"
echo "$dead" >"$PF"
"$PROBE" -r "$PCAP" -p "$PF" -w "$TMP/stale.pcap" 2>/dev/null
rc=$?
check "-p stale pidfile: run goes ahead" test "$rc" -eq 0 -a -s "$TMP/stale.pcap"
check "-p stale pidfile: removed at exit" test ! -e "$PF"

# The lock held by another program (flock(1)), the file still empty: the
# lock alone refuses (two instances started together cannot both pass).
if command -v flock >/dev/null; then
	: >"$PF"
	flock "$PF" sleep 3 &
	locker=$!
	sleep 0.3
	expect_refused "-p locked by another process: refused" \
		"flowprobe: already running: pidfile $PF is locked by another process" \
		"$PROBE" -r "$PCAP" -p "$PF"
	kill "$locker" 2>/dev/null
	wait "$locker" 2>/dev/null
else
	skip "-p locked by another process: refused" "flock(1) is not installed"
fi
rm -f "$PF"

# Where the pidfile cannot be: one line, exit 1.
expect_refused "-p in a missing directory" \
	"flowprobe: cannot open pidfile \"$TMP/none/probe.pid\": No such file or directory" \
	"$PROBE" -r "$PCAP" -p "$TMP/none/probe.pid"
expect_refused "-p empty" 'flowprobe: invalid -p "": expected the pidfile'"'"'s name' \
	"$PROBE" -r "$PCAP" -p ""
expect_refused "--chroot relative" \
	'flowprobe: invalid --chroot "jail": expected an absolute directory' \
	"$PROBE" -r "$PCAP" --chroot jail

# The privilege drop, asked for in the foreground.  (Under ASan, the leak
# check at exit reads /proc, which a chroot hides: it is off from here.)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
mkdir -m 755 "$TMP/jail"
chmod 755 "$TMP"
if [ "$(id -u)" = 0 ] && getent passwd nobody >/dev/null; then
	"$PROBE" -r "$PCAP" --user nobody --chroot "$TMP/jail" -w "$TMP/dropped.pcap" 2>"$TMP/err"
	rc=$?
	check "--user nobody --chroot: exit 0" test "$rc" -eq 0
	check "--user nobody --chroot: export byte-identical" cmp -s "$TMP/plain.pcap" "$TMP/dropped.pcap"
	check "--user nobody --chroot: no warning" test -z "$(grep 'flowprobe:' "$TMP/err")"
	# Dropped to nobody, the pidfile in a root-owned directory cannot be
	# unlinked: it is left empty, naming no one, and the next run starts.
	"$PROBE" -r "$PCAP" -p "$PF" --user nobody --chroot "$TMP/jail" -w "$TMP/dropped2.pcap" 2>/dev/null
	check "privilege drop with -p: pidfile left empty" test -e "$PF" -a ! -s "$PF"
	"$PROBE" -r "$PCAP" -p "$PF" -w "$TMP/after.pcap" 2>/dev/null
	check "privilege drop with -p: next run starts, removes it" test $? -eq 0 -a ! -e "$PF"
	chmod 777 "$TMP/jail"
	EXPECT_W=1 expect_refused "--chroot writable by others: refused" \
		"flowprobe: cannot chroot to \"$TMP/jail\": it must be owned by root and writable by no one else" \
		"$PROBE" -r "$PCAP" --chroot "$TMP/jail"
	chmod 755 "$TMP/jail"
	EXPECT_W=1 expect_refused "--user unknown: refused" \
		'flowprobe: cannot drop privileges: unknown user "no-such-user-fp"' \
		"$PROBE" -r "$PCAP" --user no-such-user-fp --chroot "$TMP/jail"
	"$PROBE" -r "$PCAP" --user nobody --chroot "$TMP/jail" --no-privdrop -w "$TMP/kept.pcap" 2>/dev/null
	check "--no-privdrop: runs as it is" test $? -eq 0 -a -s "$TMP/kept.pcap"
	# Not root: the run goes on, with one warning.
	if command -v setpriv >/dev/null; then
		# The program and the capture where nobody can reach them: the
		# checkout may sit below a directory only root can enter.
		chmod 777 "$TMP"
		cp "$PROBE" "$TMP/flowprobe-copy"
		cp "$PCAP" "$TMP/demo-copy.pcap"
		chmod 755 "$TMP/flowprobe-copy"
		chmod 644 "$TMP/demo-copy.pcap"
		setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups \
			"$TMP/flowprobe-copy" -r "$TMP/demo-copy.pcap" --chroot "$TMP/jail" -w "$TMP/notroot.pcap" 2>"$TMP/err"
		rc=$?
		chmod 755 "$TMP"
		want="flowprobe: warning: not running as root: privileges not dropped (staying uid $(id -u nobody), no chroot to $TMP/jail)"
		if [ "$rc" -eq 0 ] && [ "$(head -1 "$TMP/err")" = "$want" ] && cmp -s "$TMP/plain.pcap" "$TMP/notroot.pcap"; then
			ok "not root: privileges kept with a warning"
		else
			note "exit $rc; stderr: $(head -2 "$TMP/err")"
			note "wanted: $want"
			not_ok "not root: privileges kept with a warning"
		fi
	else
		skip "not root: privileges kept with a warning" "setpriv is not installed"
	fi
else
	"$PROBE" -r "$PCAP" --chroot "$TMP/jail" -w "$TMP/notroot.pcap" 2>"$TMP/err"
	rc=$?
	want="flowprobe: warning: not running as root: privileges not dropped (staying uid $(id -u), no chroot to $TMP/jail)"
	check "not root: privileges kept with a warning" test "$rc" -eq 0 -a "$(head -1 "$TMP/err")" = "$want"
fi

# --help shows them.
"$PROBE" --help >"$TMP/help"
for o in '-p PIDFILE' '--user NAME' '--chroot DIR' '--no-privdrop'; do
	grep -q -- "$o" "$TMP/help" || { not_ok "--help lists $o"; continue; }
	ok "--help lists $o"
done
