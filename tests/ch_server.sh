# ch_server.sh - a throwaway ClickHouse server from Debian's package
# (sourced by tests/e2e/clickhouse.sh, clickhouse_cluster.sh and
# bench/clickhouse.sh): free loopback ports, a scratch directory, run as
# the clickhouse user.
#
#   ch_start: sets CH (its directory), HTTP, NATIVE, URL, CH_PID; 1 when it
#             does not answer within 10 s (the log's tail on stdout as "# ")
#   ch_stop:  SIGTERM, wait, remove the directory
#   ch_ports: picks HTTP, NATIVE, INTER, none of them in $CH_TAKEN, and
#             adds them to it; ch_launch [XML] then starts a server on
#             them, XML (e.g. a <remote_servers> section) added to its
#             configuration: a cluster's servers must all know each
#             other's ports before the first starts.

tcp_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

CH_TAKEN=""
ch_port() {
	local p
	p=$(tcp_port)
	while [[ " $CH_TAKEN " == *" $p "* ]]; do p=$(tcp_port); done
	echo "$p"
}
ch_ports() {
	HTTP=$(ch_port); CH_TAKEN="$CH_TAKEN $HTTP"
	NATIVE=$(ch_port); CH_TAKEN="$CH_TAKEN $NATIVE"
	INTER=$(ch_port); CH_TAKEN="$CH_TAKEN $INTER"
}

ch_start() {
	ch_ports
	ch_launch
}

ch_launch() {
	local extra=${1:-}
	CH=$(mktemp -d /tmp/fp-ch.XXXXXX)
	mkdir -p "$CH/conf" "$CH/data" "$CH/tmp" "$CH/log" "$CH/user_files" "$CH/format_schemas"
	cp /etc/clickhouse-server/users.xml "$CH/conf/users.xml"
	cat >"$CH/conf/config.xml" <<EOF2
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$CH/log/server.log</log>
        <errorlog>$CH/log/server.err.log</errorlog>
    </logger>
    <http_port>$HTTP</http_port>
    <tcp_port>$NATIVE</tcp_port>
    <interserver_http_port>$INTER</interserver_http_port>
    <listen_host>127.0.0.1</listen_host>
    <path>$CH/data/</path>
    <tmp_path>$CH/tmp/</tmp_path>
    <user_files_path>$CH/user_files/</user_files_path>
    <format_schema_path>$CH/format_schemas/</format_schema_path>
    <users_config>users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <max_concurrent_queries>20</max_concurrent_queries>
    <mark_cache_size>67108864</mark_cache_size>
    <uncompressed_cache_size>67108864</uncompressed_cache_size>
$extra
</yandex>
EOF2
	chown -R clickhouse:clickhouse "$CH"
	chmod 755 "$CH"
	# setpriv execs the server: $! is its PID.
	setpriv --reuid=clickhouse --regid=clickhouse --init-groups -- \
		/usr/sbin/clickhouse-server --config-file="$CH/conf/config.xml" \
		--pidfile="$CH/data/server.pid" >"$CH/log/stdout" 2>&1 &
	CH_PID=$!
	URL="http://127.0.0.1:$HTTP/"
	for _ in $(seq 1 200); do ch_ping && return 0; sleep 0.05; done
	sed 's/^/# /' "$CH/log/stdout" "$CH/log/server.err.log" 2>/dev/null | tail -5
	return 1
}

ch_ping() { [ "$(curl -s "${URL}ping" 2>/dev/null)" = "Ok." ]; }

ch_stop() {
	if [ -n "${CH_PID:-}" ]; then
		kill -TERM "$CH_PID" 2>/dev/null
		for _ in $(seq 1 100); do kill -0 "$CH_PID" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$CH_PID" 2>/dev/null
		CH_PID=""
	fi
	[ -n "${CH:-}" ] && rm -rf "$CH"
}

# q SQL: one query over HTTP, its answer on stdout.
q() { curl -sS --fail-with-body --data-binary "$1" "$URL"; }
