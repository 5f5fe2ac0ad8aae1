#!/usr/bin/env bash
# bench/compare.sh - the speed benchmark (make bench): flowprobe against
# softflowd 1.1.0 and against libpcap alone, on generated captures, in the
# same run.  Measured, never asserted: the targets are printed with what
# was reached.  See bench/README.md for what each column means.
#
# Environment:
#   BUILD=build        where flowprobe is; the bench tools go to BUILD/bench
#   FPBENCH=/tmp/fpbench  captures (cached: regenerated only when the
#                      generator changes) and the logs of this run
#   RUNS=3             runs of each program on each capture; the best
#                      wall time is reported (and the median beside it)
#   LIMIT=600          seconds before a run is killed
#   CAPTURES="..."     which captures, by name (default: all below)
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
FPBENCH=${FPBENCH:-/tmp/fpbench}
RUNS=${RUNS:-3}
LIMIT=${LIMIT:-600}
SEED=1
MAXFLOWS=4000000
# Longer than any capture here spans (10 minutes), so that flowprobe, which
# applies idle timeouts on packet time, expires nothing before the end of
# the file, as softflowd never does when reading one; maxlife=0 disables
# the active timeout.  Both programs get the same.
TIMEOUTS=(-t tcp=1d -t udp=1d -t icmp=1d -t general=1d -t tcp.fin=1d -t tcp.rst=1d -t maxlife=0)

# name packets flows: "tiny" is the memory baseline (and the fixed cost of
# a run); "s10k", "s100k" and "big" have the same packet count, so their
# throughputs show how each program scales with concurrent flows.
ALL_CAPTURES="tiny:1000:100 small:100k:10k s10k:10M:10k s100k:10M:100k big:10M:1M"
CAPTURES=${CAPTURES:-tiny small s10k s100k big}

t_start=$(date +%s)
B=$BUILD/bench
mkdir -p "$B" "$FPBENCH"
command -v softflowd >/dev/null || { echo "bench: softflowd is missing (apt-get install softflowd)" >&2; exit 1; }
make --no-print-directory BUILD="$BUILD" programs >/dev/null
for tool in gencap pcapread udpsink runstat; do
	if [ ! -x "$B/$tool" ] || [ "bench/$tool.c" -nt "$B/$tool" ]; then
		cc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$B/$tool" "bench/$tool.c" -lpcap -lm
	fi
done
FLOWPROBE=$BUILD/flowprobe
SOFTFLOWD=$(command -v softflowd)

run_dir=$FPBENCH/run-$(date +%Y%m%d-%H%M%S)
mkdir -p "$run_dir"
warnings=()
warn() { warnings+=("$*"); echo "WARNING: $*" >&2; }
# Two cores shared with whatever else runs: say how busy the machine was.
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
awk -v l="${load_start%% *}" 'BEGIN {exit !(l > 0.7)}' &&
	warn "the machine was busy when the run began (load average $load_start): the times are pessimistic"

# kv FILE KEY: the value of KEY=value in FILE.
kv() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" "$1" | head -1; }

# ---- captures ----------------------------------------------------------------
gen_hash=$(sha1sum bench/gencap.c | cut -c1-8)
declare -A CAP_PATH CAP_PKTS CAP_FLOWS
for spec in $ALL_CAPTURES; do
	IFS=: read -r name pk fl <<<"$spec"
	CAP_PKTS[$name]=$pk
	CAP_FLOWS[$name]=$fl
	CAP_PATH[$name]=$FPBENCH/gen-$pk-$fl-s$SEED-$gen_hash.pcap
done

for name in $CAPTURES; do
	p=${CAP_PATH[$name]:?unknown capture $name}
	if [ ! -s "$p" ] || [ ! -s "$p.truth" ]; then
		echo "generating $name: ${CAP_PKTS[$name]} packets over ${CAP_FLOWS[$name]} concurrent flows" >&2
		t0=$(date +%s%N)
		"$B/gencap" -n "${CAP_PKTS[$name]}" -f "${CAP_FLOWS[$name]}" -S $SEED -o "$p.part" 2>"$p.truth.part"
		mv "$p.truth.part" "$p.truth"
		mv "$p.part" "$p"
		echo "  $(( ($(date +%s%N) - t0) / 1000000 )) ms, $(kv "$p.truth" bytes) bytes" >&2
	fi
done
# Same arguments, same bytes: the small capture made again must be identical.
"$B/gencap" -n 100k -f 10k -S $SEED -o "$run_dir/again.pcap" 2>"$run_dir/again.truth"
if [ -s "${CAP_PATH[small]}" ]; then
	cmp -s "$run_dir/again.pcap" "${CAP_PATH[small]}" ||
		warn "gencap is not deterministic: the small capture made again differs"
fi
rm -f "$run_dir/again.pcap"

# ---- one measured run ------------------------------------------------------
# measure PROG NAME RUN: writes $run_dir/NAME.PROG.RUN.{rs,out,err,sink}
measure() {
	local prog=$1 name=$2 run=$3 cap=${CAP_PATH[$2]}
	local f=$run_dir/$name.$prog.$run port sinkpid i
	if [ "$prog" = pcapread ]; then
		"$B/runstat" -t "$LIMIT" -o "$f.rs" -- "$B/pcapread" "$cap" >"$f.out" 2>"$f.err"
		return
	fi
	rm -f "$f.port"
	"$B/udpsink" -P "$f.port" >"$f.sink" 2>"$f.sinkerr" &
	sinkpid=$!
	for i in $(seq 100); do [ -s "$f.port" ] && break; sleep 0.05; done
	port=$(cat "$f.port")
	case $prog in
	flowprobe)
		# --pace 0: softflowd does not pace either; this measures metering.
		"$B/runstat" -t "$LIMIT" -o "$f.rs" -- "$FLOWPROBE" -r "$cap" -n "127.0.0.1:$port" \
			-m $MAXFLOWS "${TIMEOUTS[@]}" --pace 0 >"$f.out" 2>"$f.err" ;;
	softflowd)
		"$B/runstat" -t "$LIMIT" -o "$f.rs" -- "$SOFTFLOWD" -r "$cap" -n "127.0.0.1:$port" \
			-m $MAXFLOWS "${TIMEOUTS[@]}" -d -c none -v 5 >"$f.out" 2>"$f.err" ;;
	esac
	kill -TERM "$sinkpid"
	wait "$sinkpid" || true
}

# The program's own statistics: flowprobe prints them on stderr, softflowd
# on stdout, in the same layout.
own_stats() { [ "$1" = flowprobe ] && echo err || echo out; }

# median and minimum of the numbers on stdin
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
minimum() { sort -g | head -1; }

PROGS="pcapread flowprobe softflowd"
for name in $CAPTURES; do
	cap=${CAP_PATH[$name]}
	echo "measuring $name ($RUNS runs each of $PROGS)" >&2
	cat "$cap" >/dev/null		# into the page cache before any timing
	for run in $(seq "$RUNS"); do
		for prog in $PROGS; do
			measure "$prog" "$name" "$run"
			st=$(kv "$run_dir/$name.$prog.$run.rs" status)
			[ "$st" = 0 ] || warn "$prog on $name, run $run: exit status $st (see $run_dir/$name.$prog.$run.err)"
		done
	done
done

# ---- results -----------------------------------------------------------------
declare -A WALL WMED CPU RSS PPS METERED OWNREC SINKREC FLOWS1 FLOWSOWN
for name in $CAPTURES; do
	truth=${CAP_PATH[$name]}.truth
	packets=$(kv "$truth" packets)
	for prog in $PROGS; do
		WALL[$name.$prog]=$(for r in $(seq "$RUNS"); do kv "$run_dir/$name.$prog.$r.rs" wall_s; done | minimum)
		WMED[$name.$prog]=$(for r in $(seq "$RUNS"); do kv "$run_dir/$name.$prog.$r.rs" wall_s; done | median)
		CPU[$name.$prog]=$(for r in $(seq "$RUNS"); do
			f=$run_dir/$name.$prog.$r.rs
			awk -v u="$(kv "$f" user_s)" -v s="$(kv "$f" sys_s)" 'BEGIN {print u + s}'
		done | median)
		RSS[$name.$prog]=$(for r in $(seq "$RUNS"); do kv "$run_dir/$name.$prog.$r.rs" maxrss_kib; done | median)
		PPS[$name.$prog]=$(awk -v p="$packets" -v t="${WALL[$name.$prog]}" 'BEGIN {print (t > 0) ? p / t : 0}')
	done
	for prog in flowprobe softflowd; do
		# every run must have metered and exported the same
		sig=""
		for r in $(seq "$RUNS"); do
			s=$run_dir/$name.$prog.$r.$(own_stats $prog)
			this="$(grep -E '^(Packets processed|Flows exported|Flows created|Flows expired)' "$s" | tr '\n' ' ') $(kv "$run_dir/$name.$prog.$r.sink" records)"
			[ -z "$sig" ] || [ "$sig" = "$this" ] || warn "$prog on $name: runs differ: [$sig] against [$this]"
			sig=$this
		done
		s=$run_dir/$name.$prog.1.$(own_stats $prog)
		k=$run_dir/$name.$prog.1.sink
		METERED[$name.$prog]=$(sed -n 's/^Packets processed: \([0-9]*\).*/\1/p' "$s")
		OWNREC[$name.$prog]=$(sed -n 's/^Flows exported: [0-9]* (\([0-9]*\) records).*/\1/p' "$s")
		SINKREC[$name.$prog]=$(kv "$k" records)
		# flows tracked, one-way: flowprobe's flows are one-way; each
		# softflowd record is one direction of one of its flows
		if [ $prog = flowprobe ]; then
			FLOWS1[$name.$prog]=$(sed -n 's/^Flows created: \([0-9]*\).*/\1/p' "$s")
			FLOWSOWN[$name.$prog]=${FLOWS1[$name.$prog]}
		else
			FLOWS1[$name.$prog]=${OWNREC[$name.$prog]}
			FLOWSOWN[$name.$prog]=$(sed -n 's/^Flows expired: \([0-9]*\).*/\1/p' "$s")
		fi

		# ---- what each must have done, from the generator's ground truth
		v4=$(kv "$truth" packets_v4)
		v6=$(kv "$truth" packets_v6)
		ow4=$(kv "$truth" oneway_v4)
		ow6=$(kv "$truth" oneway_v6)
		spk=$(kv "$k" packets)
		soc=$(kv "$k" octets)
		if [ $prog = flowprobe ]; then
			[ "${METERED[$name.$prog]}" = "$packets" ] ||
				warn "flowprobe on $name metered ${METERED[$name.$prog]} packets of $packets"
			[ "${FLOWS1[$name.$prog]}" = "$((ow4 + ow6))" ] ||
				warn "flowprobe on $name tracked ${FLOWS1[$name.$prog]} one-way flows, the capture has $((ow4 + ow6))"
			nx=$(sed -n 's/^IPv6 flows not exportable in v5: \([0-9]*\).*/\1/p' "$s")
			[ "$nx" = "$ow6" ] || warn "flowprobe on $name: $nx IPv6 flows not exportable, the capture has $ow6"
			want_oct=$(kv "$truth" octets_ip_v4)
		else
			# without -6, softflowd counts IPv6 as non-IP and ignores it
			[ "${METERED[$name.$prog]}" = "$v4" ] ||
				warn "softflowd on $name metered ${METERED[$name.$prog]} packets, the capture has $v4 IPv4 ones"
			nonip=$(sed -n 's/^Ignored packets: [0-9]* (\([0-9]*\) non-IP.*/\1/p' "$s")
			[ "$nonip" = "$v6" ] || warn "softflowd on $name ignored $nonip packets as non-IP, the capture has $v6 IPv6 ones"
			want_oct=$(kv "$truth" octets_frame_v4)	# the frame past its link header
		fi
		[ "${SINKREC[$name.$prog]}" = "${OWNREC[$name.$prog]}" ] ||
			warn "$prog on $name says it exported ${OWNREC[$name.$prog]} records, the sink received ${SINKREC[$name.$prog]}"
		[ "${SINKREC[$name.$prog]}" = "$ow4" ] ||
			warn "$prog on $name: ${SINKREC[$name.$prog]} records received, the capture has $ow4 IPv4 one-way flows"
		[ "$spk" = "$v4" ] || warn "$prog on $name: its records carry $spk packets, the capture has $v4 IPv4 ones"
		[ "$soc" = "$want_oct" ] || warn "$prog on $name: its records carry $soc octets, expected $want_oct"
		for key in drops seq_missing malformed; do
			val=$(kv "$k" $key)
			[ "$val" = 0 ] || warn "$prog on $name: sink $key=$val"
		done
	done
	[ "${SINKREC[$name.flowprobe]}" = "${SINKREC[$name.softflowd]}" ] ||
		warn "on $name flowprobe exported ${SINKREC[$name.flowprobe]} IPv4 records, softflowd ${SINKREC[$name.softflowd]}"
done

# Memory per flow: the growth over the tiny capture (same -m) per flow
# tracked.
base_fp=${RSS[tiny.flowprobe]:-0}
base_sf=${RSS[tiny.softflowd]:-0}
per_flow() {	# RSS_KIB BASE_KIB FLOWS
	awk -v r="$1" -v b="$2" -v n="$3" 'BEGIN {if (n > 1000) printf "%.0f", (r - b) * 1024 / n; else printf "-"}'
}

{
echo "flowprobe against softflowd $(softflowd -h 2>&1 | sed -n 's/.*softflowd version \([^.]*\.[^.]*\.[^. ]*\).*/\1/p') and libpcap $(dpkg-query -W -f='${Version}' libpcap0.8t64 2>/dev/null || dpkg-query -W -f='${Version}' libpcap0.8 2>/dev/null)"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(git rev-parse --short HEAD 2>/dev/null)"
echo "-m $MAXFLOWS ${TIMEOUTS[*]}; best of $RUNS runs; exports v5 to a UDP sink on loopback"
echo "load average at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-6s %9s %8s %-10s %8s %8s %8s %8s %8s %7s %7s %10s %9s %9s\n' \
	capture packets flows program "best s" "med s" "cpu s" "Mpps" "RSS MiB" "B/flow" "B/1way" metered "rec sink" "rec own"
for name in $CAPTURES; do
	for prog in $PROGS; do
		k=$name.$prog
		if [ $prog = pcapread ]; then
			bf=- b1=- met=$(kv "$run_dir/$name.pcapread.1.out" packets) rs=- ro=-
		else
			base=$base_fp; [ $prog = softflowd ] && base=$base_sf
			bf=$(per_flow "${RSS[$k]}" "$base" "${FLOWSOWN[$k]}")
			b1=$(per_flow "${RSS[$k]}" "$base" "${FLOWS1[$k]}")
			met=${METERED[$k]} rs=${SINKREC[$k]} ro=${OWNREC[$k]}
		fi
		printf '%-6s %9s %8s %-10s %8.3f %8.3f %8.3f %8.3f %8.1f %7s %7s %10s %9s %9s\n' \
			"$name" "$(kv "${CAP_PATH[$name]}.truth" packets)" "${CAP_FLOWS[$name]}" "$prog" \
			"${WALL[$k]}" "${WMED[$k]}" "${CPU[$k]}" "$(awk -v p="${PPS[$k]}" 'BEGIN {print p / 1e6}')" \
			"$(awk -v r="${RSS[$k]}" 'BEGIN {print r / 1024}')" "$bf" "$b1" "$met" "$rs" "$ro"
	done
done
echo
printf '%-6s %16s %18s %16s\n' capture "fp/sfd pps" "fp/pcapread time" "fp flows (v6)"
for name in $CAPTURES; do
	printf '%-6s %15.2fx %17.2fx %16s\n' "$name" \
		"$(awk -v a="${PPS[$name.flowprobe]}" -v b="${PPS[$name.softflowd]}" 'BEGIN {print (b > 0) ? a / b : 0}')" \
		"$(awk -v a="${WALL[$name.flowprobe]}" -v b="${WALL[$name.pcapread]}" 'BEGIN {print (b > 0) ? a / b : 0}')" \
		"${FLOWS1[$name.flowprobe]} ($(kv "${CAP_PATH[$name]}.truth" oneway_v6))"
done
if [[ " $CAPTURES " == *" s10k "* && " $CAPTURES " == *" big "* ]]; then
	echo
	for prog in flowprobe softflowd pcapread; do
		printf 'throughput 10k -> 1M concurrent flows, %-9s: %.3f -> %.3f Mpps, %.2fx slower\n' "$prog" \
			"$(awk -v p="${PPS[s10k.$prog]}" 'BEGIN {print p / 1e6}')" \
			"$(awk -v p="${PPS[big.$prog]}" 'BEGIN {print p / 1e6}')" \
			"$(awk -v a="${PPS[s10k.$prog]}" -v b="${PPS[big.$prog]}" 'BEGIN {print (b > 0) ? a / b : 0}')"
	done
fi
if [[ " $CAPTURES " == *" big "* ]]; then
	echo
	echo "targets (issue 3), on the 10M-packet capture over 1M concurrent flows:"
	awk -v fp="${PPS[big.flowprobe]}" -v sf="${PPS[big.softflowd]}" \
	    -v tf="${WALL[big.flowprobe]}" -v tp="${WALL[big.pcapread]}" \
	    -v bf="$(per_flow "${RSS[big.flowprobe]}" "$base_fp" "${FLOWS1[big.flowprobe]}")" \
	    -v b1="$(per_flow "${RSS[big.softflowd]}" "$base_sf" "${FLOWS1[big.softflowd]}")" \
	    -v bs="$(per_flow "${RSS[big.softflowd]}" "$base_sf" "${FLOWSOWN[big.softflowd]}")" \
	    -v s10="${PPS[s10k.flowprobe]:-0}" 'function v(ok) {return ok ? "met" : "NOT met"}
	BEGIN {
		printf "  >= 10x softflowd pps:        %6.2fx     %s\n", fp / sf, v(fp >= 10 * sf)
		printf "  <= 4x pcapread time:         %6.2fx     %s\n", tf / tp, v(tf <= 4 * tp)
		printf "  <= 200 B per tracked flow:   %6s B    %s (softflowd: %s B per flow of its own, %s B per one-way flow)\n", bf, v(bf <= 200), bs, b1
		if (s10 > 0)
			printf "  < 2x slower 10k -> 1M flows: %6.2fx     %s\n", s10 / fp, v(s10 / fp < 2)
	}'
fi
if [ ${#warnings[@]} -gt 0 ]; then
	echo
	for w in "${warnings[@]}"; do echo "WARNING: $w"; done
fi
echo
echo "logs: $run_dir; $(($(date +%s) - t_start)) s in all"
} | tee "$run_dir/results.txt"
