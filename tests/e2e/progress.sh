#!/usr/bin/env bash
# progress.sh - flowprobe's progress line while it reads a file
# (--progress, --no-progress; probe/progress.h).
#
# The capture is bench/gencap's, 200k packets, read with short timeouts so
# that flows are exported all through it, into a UDP socket that never
# reads, paced: the pace, not the machine, makes each run take about 2 s,
# long enough for several updates.  Not a terminal, standard error is what
# it always was; on one (a pseudo-terminal, pty_stderr.py), updates come
# with percentages that grow to 100.0%, are wiped, and the statistics
# after them are unchanged.
source "$(dirname "$0")/lib.sh"

E2E="$ROOT/tests/e2e"
GENCAP="$ROOT/$BUILD/gencap"
CAP="$TMP/gen200k.pcap"
if ! [ -x "$GENCAP" ] || ! "$GENCAP" -n 200k -f 20k -S 1 -o "$CAP" >/dev/null 2>&1; then
	not_ok "progress: $GENCAP cannot make the capture (make tools)"
	exit 0
fi
SIZE=$(stat -c %s "$CAP")

# The sink: bound, never read (loopback drops what overflows, silently).
python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(600)' >"$TMP/sink.port" &
SINK_PID=$!
trap 'kill $SINK_PID 2>/dev/null; rm -rf "$TMP"' EXIT
wait_for test -s "$TMP/sink.port"
PORT=$(cat "$TMP/sink.port")
OPTS=(-n "127.0.0.1:$PORT" -t tcp=10 -t udp=10 -t icmp=10 -t general=10 -t expint=1 --pace 2500)

# fact NAME FILE: a fact progress_split.py found.
fact() { sed -n "s/^$1 //p" "$2"; }

# --- not a terminal: nothing new ------------------------------------------
"$PROBE" -r "$CAP" "${OPTS[@]}" >/dev/null 2>"$TMP/auto.err"
"$PROBE" -r "$CAP" "${OPTS[@]}" --no-progress >/dev/null 2>"$TMP/off.err"
check "not a terminal: standard error as with --no-progress, byte for byte" cmp -s "$TMP/auto.err" "$TMP/off.err"
check "not a terminal: no progress line, the statistics first" \
	grep -q '^Number of active flows: 0$' <(head -1 "$TMP/auto.err")
check "statistics: all 200000 packets" grep -q '^Packets processed: 200000$' "$TMP/off.err"

# --- a terminal: updates in place, wiped, then the statistics ---------------
start=$(date +%s%N)
python3 "$E2E/pty_stderr.py" "$TMP/tty.raw" -- "$PROBE" -r "$CAP" "${OPTS[@]}"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
python3 "$E2E/progress_split.py" "$TMP/tty.raw" "$TMP/tty.after" >"$TMP/tty.facts"
note "terminal: $(fact updates "$TMP/tty.facts") updates in $ms ms: $(fact percents "$TMP/tty.facts")"
check_that "terminal: the run took over a second ($ms ms), exit 0" "[ $ms -gt 1000 ] && [ $rc = 0 ]"
check_that "terminal: several updates" "[ $(fact updates "$TMP/tty.facts") -ge 3 ]"
check "terminal: every update a progress line" [ "$(fact wellformed "$TMP/tty.facts")" = 1 ]
check "terminal: updates only, each from the start of the line, nothing between" \
	[ "$(fact before "$TMP/tty.facts") $(fact newlines "$TMP/tty.facts")" = "0 0" ]
check "terminal: percentages never go down" [ "$(fact increasing "$TMP/tty.facts")" = 1 ]
pcts=$(fact percents "$TMP/tty.facts")
check_that "terminal: the first below 100%, the last 100.0% ($pcts)" \
	"[ \"\${pcts%%,*}\" != 100.0 ] && [ \"\${pcts##*,}\" = 100.0 ]"
check "terminal: the last update counts all 200000 packets" [ "$(fact packets "$TMP/tty.facts")" = 200000 ]
check "terminal: the line wiped (spaces over it) before the statistics" [ "$(fact wiped "$TMP/tty.facts")" = 1 ]
check "terminal: the statistics unchanged, byte for byte" cmp -s "$TMP/tty.after" "$TMP/off.err"

# --no-progress on a terminal, and -D (its flow lines would break the
# line) without --progress: no update.
python3 "$E2E/pty_stderr.py" "$TMP/ttyoff.raw" -- "$PROBE" -r "$CAP" "${OPTS[@]}" --no-progress
check "terminal, --no-progress: the statistics alone" cmp -s "$TMP/ttyoff.raw" "$TMP/off.err"
python3 "$E2E/pty_stderr.py" "$TMP/ttyD.raw" -- "$PROBE" -r "$CAP" "${OPTS[@]}" -D
check "terminal, -D: no progress (no carriage return)" [ "$(tr -dc '\r' <"$TMP/ttyD.raw" | wc -c)" = 0 ]
check "terminal, -D: its flow lines" grep -q '^EXPIRED: ' "$TMP/ttyD.raw"

# A narrow terminal: each update cut short of the width (a full-width line
# would wrap, and "\r" go back to the wrong row).  pcapng, read by libpcap
# (its stream position is the progress), to 100.0% as well.
if command -v editcap >/dev/null && editcap -F pcapng "$CAP" "$TMP/gen.pcapng" 2>/dev/null; then
	python3 "$E2E/pty_stderr.py" --cols 40 "$TMP/narrow.raw" -- "$PROBE" -r "$TMP/gen.pcapng" "${OPTS[@]}"
	python3 "$E2E/progress_split.py" "$TMP/narrow.raw" "$TMP/narrow.after" >"$TMP/narrow.facts"
	pcts=$(fact percents "$TMP/narrow.facts")
	check_that "40 columns: every update at most 39 wide ($(fact widest "$TMP/narrow.facts"))" \
		"[ $(fact widest "$TMP/narrow.facts") -le 39 ] && [ $(fact updates "$TMP/narrow.facts") -ge 3 ]"
	check_that "pcapng: percentages grow to 100.0% ($pcts)" \
		"[ $(fact increasing "$TMP/narrow.facts") = 1 ] && [ \"\${pcts##*,}\" = 100.0 ] && [ \"\${pcts%%,*}\" != 100.0 ]"
	check "pcapng: the statistics after the wipe are the pcap file's" cmp -s "$TMP/narrow.after" "$TMP/off.err"
else
	skip "progress on pcapng and a narrow terminal" "editcap (tshark's) is not installed"
fi

# SIGINT part way: the line is wiped before the message that says so.
python3 "$E2E/pty_stderr.py" --int-after 1.2 "$TMP/int.raw" -- "$PROBE" -r "$CAP" "${OPTS[@]}"
rc=$?
python3 "$E2E/progress_split.py" "$TMP/int.raw" "$TMP/int.after" >"$TMP/int.facts"
pcts=$(fact percents "$TMP/int.facts")
check_that "SIGINT: exit 1, updates stopped short of 100% ($pcts)" \
	"[ $rc = 1 ] && [ $(fact updates "$TMP/int.facts") -ge 2 ] && [ \"\${pcts##*,}\" != 100.0 ]"
check_that "SIGINT: wiped, then the message at the start of a clean line" \
	"[ $(fact wiped "$TMP/int.facts") = 1 ] && head -1 \"$TMP/int.after\" | grep -q '^flowprobe: stopped by SIGINT after [0-9]* packets'"

# --- --progress into a file: a line a second, then the last -----------------
LINE_RE='^flowprobe: [0-9]*\.[0-9]% read, ([0-9hms]* left, )?[0-9]* packets at [0-9]*/s, [0-9]* flows active, [0-9]* exported, [0-9]* datagrams$'
"$PROBE" -r "$CAP" "${OPTS[@]}" --progress >/dev/null 2>"$TMP/lines.err"
grep '^flowprobe: .* datagrams$' "$TMP/lines.err" >"$TMP/lines.progress"
n=$(wc -l <"$TMP/lines.progress")
check_that "--progress to a file: 2 lines or more ($n), each parseable" \
	"[ $n -ge 2 ] && [ \$(grep -Ec \"$LINE_RE\" \"$TMP/lines.progress\") = $n ]"
check "--progress to a file: then the statistics, unchanged" \
	cmp -s <(grep -v '^flowprobe: .* datagrams$' "$TMP/lines.err") "$TMP/off.err"
check "--progress to a file: the progress first, the statistics after" \
	cmp -s <(head -n "$n" "$TMP/lines.err") "$TMP/lines.progress"
awk '{ sub(/%.*/, "", $2); print $2 }' "$TMP/lines.progress" >"$TMP/lines.pcts"
check "--progress to a file: percentages never go down" sort -n -c "$TMP/lines.pcts"
last=$(tail -1 "$TMP/lines.progress")
check_that "--progress to a file: the last line is the end: 100.0%, 200000 packets, nothing left" \
	"echo \"$last\" | grep -q '^flowprobe: 100\.0% read, 200000 packets at '"
# The figures are the run's: exported and datagrams at the end of the
# reading, at most what the statistics count after the last flows go.
read -r exp dg <<<"$(echo "$last" | sed 's/.* \([0-9]*\) exported, \([0-9]*\) datagrams$/\1 \2/')"
read -r sexp sdg <<<"$(sed -n 's/^Flows exported: \([0-9]*\) (.* in \([0-9]*\) packets.*/\1 \2/p' "$TMP/off.err")"
check_that "--progress to a file: exported $exp <= $sexp, datagrams $dg <= $sdg, both > 0" \
	"[ $exp -gt 0 ] && [ $exp -le $sexp ] && [ $dg -gt 0 ] && [ $dg -le $sdg ]"

# --- standard input: the size is not known -----------------------------------
cat "$CAP" | "$PROBE" -r - "${OPTS[@]}" --progress >/dev/null 2>"$TMP/stdin.err"
grep '^flowprobe: .* datagrams$' "$TMP/stdin.err" >"$TMP/stdin.progress"
n=$(wc -l <"$TMP/stdin.progress")
check_that "standard input: $n progress lines, none with a percentage or a time left" \
	"[ $n -ge 2 ] && ! grep -q -e '%' -e ' left' \"$TMP/stdin.progress\""
check "standard input: the lines parseable, the last at 200000 packets" \
	grep -Eq '^flowprobe: 200000 packets at [0-9]*/s, [0-9]* flows active, [0-9]* exported, [0-9]* datagrams$' \
	<(tail -1 "$TMP/stdin.progress")
check "standard input: the statistics unchanged" \
	cmp -s <(grep -v '^flowprobe: .* datagrams$' "$TMP/stdin.err") "$TMP/off.err"

# Both given: the last one wins.  A bad use: one line.
"$PROBE" -r "$CAP" --progress --no-progress >/dev/null 2>"$TMP/last.err"
check "--progress --no-progress: the last wins (no progress line)" \
	grep -q '^Number of active flows' <(head -1 "$TMP/last.err")
"$PROBE" -r "$CAP" --no-progress --progress >/dev/null 2>"$TMP/last2.err"
check "--no-progress --progress: the last wins (a progress line)" \
	grep -q '^flowprobe: 100\.0% read' "$TMP/last2.err"
expect_one() { [ "$(cat "$1")" = "$2" ]; }
"$PROBE" -r "$CAP" --progress=1 >/dev/null 2>"$TMP/bad.err"
rc=$?
check_that "--progress=1: refused, exit 1, one line" \
	"[ $rc = 1 ] && expect_one \"$TMP/bad.err\" 'flowprobe: option --progress takes no argument'"
