#!/usr/bin/env bash
# fuzz_replay.sh - every stored fuzz input (tests/fuzz/corpus/T and every
# crash ever found, tests/fuzz/regressions/T) through its target, without
# libFuzzer: once as built, once under ASan/UBSan (run.sh runs us twice).
source "$(dirname "$0")/lib.sh"

for t in collector packet flowfile; do
	bin="$ROOT/$BUILD/fuzz-replay-$t"
	dirs=("$ROOT/tests/fuzz/corpus/$t")
	[ -d "$ROOT/tests/fuzz/regressions/$t" ] && dirs+=("$ROOT/tests/fuzz/regressions/$t")
	if [ ! -x "$bin" ]; then
		not_ok "fuzz replay $t: $bin is missing (make units)"
		continue
	fi
	if out=$("$bin" "${dirs[@]}" 2>"$TMP/$t.err"); then
		ok "fuzz replay $t: $out"
	else
		note "$(tail -20 "$TMP/$t.err")"
		not_ok "fuzz replay $t"
	fi
done
