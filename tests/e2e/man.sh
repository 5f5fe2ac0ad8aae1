#!/usr/bin/env bash
# man.sh - the manual pages in tools/man/: each renders with groff's man
# macros and every warning on (-ww) without a single message, and each
# names every option its program's --help lists, so the two stay in step.
# (make check-man runs this alone.)
source "$(dirname "$0")/lib.sh"

MAN="$ROOT/tools/man"
if ! command -v groff >/dev/null; then
	skip "man pages" "groff is not installed (groff-base; make test-deps)"
	exit 0
fi

for page in "$MAN"/flowprobe.8 "$MAN"/flowcollect.1 "$MAN"/flowctl.8; do
	name=$(basename "$page")
	if [ ! -f "$page" ]; then
		not_ok "man $name: missing"
		continue
	fi
	groff -man -ww -z "$page" >"$TMP/warn" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && [ ! -s "$TMP/warn" ]; then
		ok "man $name: renders without warnings"
	else
		sed 's/^/#   /' "$TMP/warn" | head -10
		not_ok "man $name: renders without warnings"
	fi
	for section in NAME SYNOPSIS DESCRIPTION OPTIONS FILES "EXIT STATUS" "SEE ALSO"; do
		grep -q "^\.SH \"\{0,1\}$section\"\{0,1\}\$" "$page" || { not_ok "man $name: section $section"; continue; }
	done
done
check "man flowprobe.8: section SIGNALS" grep -q '^\.SH SIGNALS$' "$MAN/flowprobe.8"
check "man flowcollect.1: section SIGNALS" grep -q '^\.SH SIGNALS$' "$MAN/flowcollect.1"

# Every option of --help in the page: "-x" and "--long" words at the start
# of an option line of the usage text, looked for in the rendered page
# (wide, unhyphenated, plain ASCII).
options_in_step() {
	local prog=$1 page=$2 missing=""
	"$prog" --help >"$TMP/help" 2>&1
	groff -man -rHY=0 -rLL=250n -Tascii -P-cbou "$page" 2>/dev/null >"$TMP/page.txt"
	local opts
	opts=$(sed -n 's/^    \(-[-a-zA-Z0-9]*\).*/\1/p; s/^    -h, \(--help\).*/\1/p' "$TMP/help" | sort -u)
	[ -n "$opts" ] || { missing="(no option found in --help)"; }
	for o in $opts; do
		grep -q -e "$o\b" "$TMP/page.txt" || missing="$missing $o"
	done
	if [ -z "$missing" ]; then
		ok "man $(basename "$page"): every --help option ($(echo $opts | wc -w)) documented"
	else
		note "not in the page:$missing"
		not_ok "man $(basename "$page"): every --help option documented"
	fi
}
options_in_step "$PROBE" "$MAN/flowprobe.8"
options_in_step "$COLLECT" "$MAN/flowcollect.1"
options_in_step "$ROOT/$BUILD/flowctl" "$MAN/flowctl.8"
