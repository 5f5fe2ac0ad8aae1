#!/usr/bin/env bash
# run.sh BUILD_DIR... - the whole suite, once per build directory.
#
# Unit tests: every cmocka binary BUILD/tests/test_*; each cmocka test case
# counts.  End-to-end: every tests/e2e/*.sh, run with BUILD set; each line
# it prints as "ok NAME", "not ok NAME" or "skip NAME: why" counts.  The
# last line is the total, "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0
failed_names=()

for build in "$@"; do
	echo "=== suite on $build"
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		out=$("$t" 2>&1)
		rc=$?
		p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
		pass=$((pass + ${p:-0}))
		fail=$((fail + ${f:-0}))
		if [ "$rc" -ne 0 ]; then
			[ -z "${f:-}" ] && fail=$((fail + 1))
			failed_names+=("$build:$(basename "$t")")
			printf '%s\n' "$out" | grep -E "FAILED|ERROR|error|Assert|Sanitizer|runtime error" | head -20
		fi
		echo "unit $(basename "$t"): ${p:-0} passed, ${f:-0} failed"
	done
	for s in tests/e2e/*.sh; do
		[ -f "$s" ] || continue
		[ "$(basename "$s")" = lib.sh ] && continue	# helpers, not a test
		out=$(BUILD="$build" bash "$s" 2>&1)
		rc=$?
		np=$(printf '%s\n' "$out" | grep -c '^ok ')
		nf=$(printf '%s\n' "$out" | grep -c '^not ok ')
		ns=$(printf '%s\n' "$out" | grep -c '^skip ')
		pass=$((pass + np)); fail=$((fail + nf)); skip=$((skip + ns))
		if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then
			fail=$((fail + 1))
			nf=1
			echo "not ok $(basename "$s"): exited $rc"
		fi
		printf '%s\n' "$out" | grep -E '^(not ok|skip|# )' | head -40
		[ "$nf" -gt 0 ] && failed_names+=("$build:$(basename "$s")") && printf '%s\n' "$out" | tail -30
		echo "e2e $(basename "$s"): $np passed, $nf failed, $ns skipped"
	done
done
if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
