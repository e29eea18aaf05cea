#!/usr/bin/env bash
# Throughput and latency of four read requests over HTTP, measured with oha (16 connections by
# default), against PostgreSQL holding 100,000 demo contacts and SQLite holding 20,000:
#
#   contact       one contact by id with every nested field (company, segmentation, reason code,
#                 owner, accounts, lifecycle template and path, current step, stageHistory(first:
#                 10), bank accounts, addresses, emails, phones, documents, the primary details)
#   landing       the landing page: 50 contacts with name, primary email, primary phone, company
#                 and status
#   nested50      50 contacts with the same selection as `contact`
#   reasonStats   reasonCodeStats by reason and month over the last year
#   funnel        lifecycleFunnel of the default lifecycle over the last year (the windowed
#                 funnel of BENCHMARKS.md), measured in the same run as the landing page; also
#                 alone (one connection, FUNNEL_SAMPLES requests after 2 warm-ups), for its
#                 latency target (median under 300 ms)
#
# Every answer is checked once with curl (it must carry `data` and no `errors`) before it is
# measured. On PostgreSQL the script also
#
#   - captures the SQL statements of one landing-page request from PostgreSQL's statement log
#     (`log_statement = 'all'` on the bench database for the capture only), for first: 10 and
#     first: 50, and runs those of first: 50 with pgbench at the same concurrency: the database's
#     own limit for that page (one pgbench transaction = one request's statements, one after
#     another on one connection);
#   - counts the server's client connections to the bench database just after each warm-up and
#     at the end of each measured run, and the connections opened during the run (backend_start
#     later than the run's start, and pg_stat_database.sessions, which also counts connections
#     that opened and closed again within the run).
#
#   scripts/bench-http.sh            # seed a new scratch database and SQLite directory, measure
#   REUSE=1 scripts/bench-http.sh    # measure against the data seeded last time
#   ROUNDS=2 BACKENDS=postgres scripts/bench-http.sh
#
# Tools it installs when missing: oha (crates.io, into target/bench-tools), pgbench (Debian's
# package of the server's PostgreSQL major version), jq.
#
# Settings: PG (server URL without database), BENCH_DB, CONTACTS, SQLITE_CONTACTS, SQLITE_DIR,
# BACKENDS ("postgres sqlite"), ROUNDS, DURATION (seconds per measured run), WARMUP (seconds of
# load before each, not counted), CONNECTIONS, POOL_SIZE (RAPPORT_POOL_SIZE of the server),
# POOL_WAIT (RAPPORT_POOL_WAIT_SECS of the server: 60, so that 16 aggregates queueing for 10
# connections wait instead of being refused with 503 as the 3 s default would), FUNNEL_SAMPLES, PORT,
# PG_LOG (the PostgreSQL server log), DROP_DB=1 (drop the scratch database at the end; kept
# otherwise, for REUSE=1).
set -euo pipefail
cd "$(dirname "$0")/.."

PG=${PG:-postgres://postgres@127.0.0.1:5432}
BENCH_DB=${BENCH_DB:-rapport_bench_http}
CONTACTS=${CONTACTS:-100000}
SQLITE_CONTACTS=${SQLITE_CONTACTS:-20000}
SQLITE_DIR=${SQLITE_DIR:-target/bench-http/sqlite}
BACKENDS=${BACKENDS:-postgres sqlite}
ROUNDS=${ROUNDS:-1}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
CONNECTIONS=${CONNECTIONS:-16}
POOL_SIZE=${POOL_SIZE:-10}
POOL_WAIT=${POOL_WAIT:-60}
FUNNEL_SAMPLES=${FUNNEL_SAMPLES:-30}
PORT=${PORT:-18083}
BIN=target/release/rapport
TOOLS=target/bench-tools
OHA=$TOOLS/bin/oha
REQUESTS="contact landing nested50 reasonStats funnel"
unset DATABASE_URL RAPPORT_DATA_DIR RAPPORT_POOL_SIZE RAPPORT_POOL_WAIT_SECS

sudo=$([ "$(id -u)" = 0 ] || echo sudo)
apt_install() { DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null 2>&1; }

command -v jq >/dev/null || apt_install jq
command -v python3 >/dev/null || apt_install python3

cargo build --release --locked --quiet

# oha from crates.io, into the repository's target/ (not the user's ~/.cargo/bin).
if [ ! -x "$OHA" ]; then
    echo "installing oha into $TOOLS (a few minutes)"
    cargo install --locked --quiet --root "$TOOLS" oha
fi

postgres=0
[[ " $BACKENDS " == *" postgres "* ]] && postgres=1

if [ "$postgres" = 1 ]; then
    # pgbench of the server's major version (Debian ships it with the server package).
    major=$(($(psql "$PG/postgres" -Atc "SHOW server_version_num") / 10000))
    PGBENCH=/usr/lib/postgresql/$major/bin/pgbench
    if [ ! -x "$PGBENCH" ]; then
        apt_install "postgresql-$major" || apt_install postgresql-contrib || true
    fi
    [ -x "$PGBENCH" ] || PGBENCH=$(ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -1)
    [ -x "$PGBENCH" ] || { echo "pgbench is not installed and could not be" >&2; exit 1; }
    PG_LOG=${PG_LOG:-/var/log/postgresql/postgresql-$major-main.log}
    [ -r "$PG_LOG" ] || { echo "cannot read the PostgreSQL log $PG_LOG (set PG_LOG)" >&2; exit 1; }

    if [ "${REUSE:-0}" != 1 ]; then
        psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $BENCH_DB" -c "CREATE DATABASE $BENCH_DB"
        DATABASE_URL="$PG/$BENCH_DB" /usr/bin/time -f "PostgreSQL: seeded $CONTACTS contacts in %e s" \
            "$BIN" seed-demo --contacts "$CONTACTS" >/dev/null
        psql "$PG/$BENCH_DB" -qc "VACUUM ANALYZE"
    fi
    echo "PostgreSQL $major ($BENCH_DB): $(psql "$PG/$BENCH_DB" -Atc "SELECT count(*) FROM contacts") contacts"
fi
if [[ " $BACKENDS " == *" sqlite "* ]]; then
    if [ "${REUSE:-0}" != 1 ] || [ ! -f "$SQLITE_DIR/rapport.sqlite3" ]; then
        rm -rf "$SQLITE_DIR"
        mkdir -p "$SQLITE_DIR"
        /usr/bin/time -f "SQLite: seeded $SQLITE_CONTACTS contacts in %e s" \
            "$BIN" seed-demo --contacts "$SQLITE_CONTACTS" --data-dir "$SQLITE_DIR" >/dev/null
    fi
    echo "SQLite ($SQLITE_DIR): $SQLITE_CONTACTS contacts seeded"
fi

work=$(mktemp -d)
server=
stop_server() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
        server=
    fi
}
cleanup() {
    stop_server
    if [ "$postgres" = 1 ]; then
        psql "$PG/postgres" -qc "ALTER DATABASE $BENCH_DB RESET log_statement" 2>/dev/null || true
        if [ "${DROP_DB:-0}" = 1 ]; then
            psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $BENCH_DB" || true
        fi
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# start_server postgres|sqlite: a fresh server; its log goes to $work/server-BACKEND.log.
start_server() {
    local backend=$1 env=(RAPPORT_POOL_SIZE="$POOL_SIZE" RAPPORT_POOL_WAIT_SECS="$POOL_WAIT")
    if [ "$backend" = postgres ]; then
        env+=(DATABASE_URL="$PG/$BENCH_DB" RAPPORT_DATA_DIR="$work/data")
    else
        env+=(RAPPORT_DATA_DIR="$SQLITE_DIR")
    fi
    env "${env[@]}" RAPPORT_LISTEN="127.0.0.1:$PORT" "$BIN" serve >>"$work/server-$backend.log" 2>&1 &
    server=$!
    for _ in $(seq 300); do
        curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && return
        kill -0 "$server" 2>/dev/null || break
        sleep 0.2
    done
    echo "the server did not start: $(tail -5 "$work/server-$backend.log")" >&2
    exit 1
}

# The four requests' bodies, $work/NAME.json (`contact`'s once its id is known).
from=$(date -u -d '1 year ago' +%Y-%m-%dT%H:%M:%SZ)
to=$(date -u +%Y-%m-%dT%H:%M:%SZ)
contact_fields='id name fullName scoring status stageChangedAt version createdAt updatedAt isClosed
    timeInCurrentStep
    company { id name code }
    segmentation { id name company { id name } }
    reasonCode { id code description outcome archived }
    owner { id name email role active company { id name } }
    createdBy { id name email }
    updatedBy { id name email }
    accounts { id name company { id name } }
    lifecycleTemplate { id name description isDefault
        categories { id name position steps { id name position outcome requiresReason } } }
    currentStep { id name position outcome requiresReason category { id name position } }
    lifecycle { category { id name position } steps { state step { id name position outcome } } }
    stageHistory(first: 10) {
        edges { cursor node { id occurredAt dwellSeconds note fromStep { id name } toStep { id name }
            reasonCode { id code } actor { id name } } }
        pageInfo { hasNextPage endCursor } }
    bankAccounts { id name iban swift }
    addresses { id address zipCode locality city state country isPrimary type { id name } }
    emails { id email isPrimary type { id name } }
    phones { id number isPrimary type { id name } }
    documents { id fileName contentType sizeBytes sha256 uploadedAt uploadedBy { id name } downloadUrl }
    primaryEmail { id email }
    primaryPhone { id number }
    primaryAddress { id address city country }'
landing() {
    echo "{ contacts(first: $1) { edges { node { name primaryEmail { email } primaryPhone { number } company { name } status } } } }"
}
body() { jq -nc --arg query "$1" '{query: $query}'; }
body "$(landing 50)" >"$work/landing.json"
body "$(landing 10)" >"$work/landing10.json"
body "{ contacts(first: 50) { edges { node { $contact_fields } } } }" >"$work/nested50.json"
body "{ reasonCodeStats(filter: { from: \"$from\", to: \"$to\" }, groupBy: [REASON_CODE, PERIOD], period: MONTH) { reasonCode { code } period count share } }" \
    >"$work/reasonStats.json"
body "{ lifecycleFunnel(templateId: \"LifecycleTemplate:1\", filter: { from: \"$from\", to: \"$to\" }) { step { name } reached current conversionRate completedStays averageDwellSeconds medianDwellSeconds } }" \
    >"$work/funnel.json"

# post NAME: one request with $work/NAME.json; the answer in $work/NAME.answer.
post() {
    curl -s -o "$work/$1.answer" -H 'content-type: application/json' --data @"$work/$1.json" \
        "http://127.0.0.1:$PORT/graphql"
}

# check BACKEND NAME: the answer must carry data and no errors (and 50 contacts for the pages).
check() {
    local answer=$work/$2.answer summary
    post "$2"
    if ! jq -e '(.data != null) and ((.errors // []) | length == 0)' "$answer" >/dev/null 2>&1; then
        echo "$1 $2: unexpected answer: $(head -c 600 "$answer")" >&2
        exit 1
    fi
    case $2 in
    landing | nested50)
        [ "$(jq '.data.contacts.edges | length' "$answer")" = 50 ] ||
            { echo "$1 $2: not 50 contacts: $(head -c 300 "$answer")" >&2; exit 1; }
        summary="50 contacts, $(stat -c %s "$answer") bytes" ;;
    contact)
        jq -e '.data.contact.id' "$answer" >/dev/null || { echo "$1 contact: no contact" >&2; exit 1; }
        summary=$(jq -r '.data.contact | "\(.id): \(.stageHistory.edges | length) stage moves, \(.emails | length) emails, \(.phones | length) phones, \(.addresses | length) addresses, \(.bankAccounts | length) bank accounts, \(.accounts | length) accounts, \(.lifecycle | length) path categories"' "$answer")
        summary="$summary, $(stat -c %s "$answer") bytes" ;;
    reasonStats)
        summary="$(jq '.data.reasonCodeStats | length' "$answer") rows" ;;
    funnel)
        summary="$(jq '.data.lifecycleFunnel | length' "$answer") steps" ;;
    esac
    echo "  $1 $2 ok: $summary"
}

# The contact for `contact`: the richest of the first page (most nested rows), for each backend.
pick_contact() {
    post nested50
    local id
    id=$(jq -r '.data.contacts.edges | map(.node) | max_by((.stageHistory.edges | length) +
        (.emails | length) + (.phones | length) + (.addresses | length) + (.bankAccounts | length) +
        (.accounts | length)) | .id' "$work/nested50.answer")
    body "{ contact(id: \"$id\") { $contact_fields } }" >"$work/contact.json"
}

pg_sql() { psql "$PG/postgres" -Atqc "$1"; }
# The server's pooled connections to the bench database (not the stage listener's, not psql's).
server_backends="FROM pg_stat_activity WHERE datname = '$BENCH_DB' AND backend_type = 'client backend'
    AND application_name <> 'rapport stage listener' AND pid <> pg_backend_pid()"
pg_sessions() {
    psql "$PG/postgres" -Atqc "SELECT pg_stat_clear_snapshot()" \
        -c "SELECT sessions FROM pg_stat_database WHERE datname = '$BENCH_DB'" | tail -1
}

# oha_post NAME OHA_ARGS...: oha sending NAME's body to the server.
oha_post() {
    local name=$1
    shift
    "$OHA" "$@" --no-tui -m POST -H 'content-type: application/json' -D "$work/$name.json" \
        "http://127.0.0.1:$PORT/graphql"
}

# oha_run SECONDS NAME OUT: one oha run of NAME's body, its JSON summary into OUT.
oha_run() {
    oha_post "$2" -c "$CONNECTIONS" -z "${1}s" -w --output-format json >"$3"
}

# median: the median of the numbers on standard input, one per line.
median() {
    sort -n | gawk '{ t[NR] = $1 } END { print NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }'
}

# measure BACKEND NAME ROUND: warm-up, then the measured run; appends to $work/results.
measure() {
    local backend=$1 name=$2 round=$3 out=$work/oha-$1-$2-$3.json
    oha_run "$WARMUP" "$name" "$work/warmup.json"
    local after_warmup="" run_start sessions_before sampler=""
    if [ "$backend" = postgres ]; then
        after_warmup=$(pg_sql "SELECT count(*) $server_backends")
        sessions_before=$(pg_sessions)
        run_start=$(pg_sql "SELECT now()")
        # Samples the server's connections every 0.5 s: the most seen at once.
        (
            while :; do pg_sql "SELECT count(*) $server_backends"; sleep 0.5; done
        ) >"$work/samples" 2>/dev/null &
        sampler=$!
    fi
    oha_run "$DURATION" "$name" "$out"
    local conn_note=""
    if [ "$backend" = postgres ]; then
        kill "$sampler" 2>/dev/null || true
        wait "$sampler" 2>/dev/null || true
        local at_end opened_alive opened_at sessions_after peak
        at_end=$(pg_sql "SELECT count(*) $server_backends")
        opened_alive=$(pg_sql "SELECT count(*) $server_backends AND backend_start > '$run_start'")
        # When those opened, in seconds after the run's start.
        opened_at=$(pg_sql "SELECT coalesce(string_agg(to_char(extract(epoch FROM backend_start -
            '$run_start'::timestamptz), 'FM990.00'), ' ' ORDER BY backend_start), '-')
            $server_backends AND backend_start > '$run_start'")
        sleep 1.2 # statistics are flushed about once a second
        sessions_after=$(pg_sessions)
        # psql connects to the postgres database: its own sessions are not counted here.
        peak=$(sort -n "$work/samples" | tail -1)
        conn_note="connections: $after_warmup after warm-up, $at_end at the end, peak ${peak:-?};"
        conn_note+=" opened during the run: $opened_alive still open, $((sessions_after - sessions_before)) sessions in pg_stat_database"
        [ "$opened_alive" != 0 ] && conn_note+=" (opened at ${opened_at// /, } s)"
        echo "$backend $name $round $after_warmup $at_end $opened_alive $((sessions_after - sessions_before)) ${peak:-0} ${opened_at// /,}" \
            >>"$work/connections"
    fi
    local line
    line=$(jq -r '[.summary.requestsPerSec, .latencyPercentiles.p50 * 1000, .latencyPercentiles.p99 * 1000,
        ([.statusCodeDistribution | to_entries[] | select(.key != "200") | .value] | add // 0),
        ([.errorDistribution | to_entries[] | .value] | add // 0),
        ([.statusCodeDistribution | to_entries[] | .value] | add // 0)] | @tsv' "$out")
    read -r rps p50 p99 bad errors total <<<"$line"
    printf '  %-8s %-11s %8.1f req/s   p50 %8.2f ms   p99 %8.2f ms   (%d requests)\n' \
        "$backend" "$name" "$rps" "$p50" "$p99" "$total"
    [ -n "$conn_note" ] && echo "           $conn_note"
    if [ "$bad" != 0 ] || [ "$errors" != 0 ]; then
        echo "$backend $name: $bad answers were not HTTP 200, $errors requests failed:" >&2
        jq -c '{statusCodeDistribution, errorDistribution}' "$out" >&2
        exit 1
    fi
    echo "$name $backend $rps $p50 $p99" >>"$work/results"
}

# alone BACKEND ROUND: the windowed funnel with nothing else running: one connection, 2 warm-up
# requests, then FUNNEL_SAMPLES; appends its median and p95 (ms) to $work/alone.
alone() {
    local out=$work/alone-$1-$2.json
    oha_post funnel -c 1 -n 2 >/dev/null
    oha_post funnel -c 1 -n "$FUNNEL_SAMPLES" --output-format json >"$out"
    local line
    line=$(jq -r '[.latencyPercentiles.p50 * 1000, .latencyPercentiles.p95 * 1000,
        ([.statusCodeDistribution | to_entries[] | select(.key != "200") | .value] | add // 0)] | @tsv' "$out")
    read -r p50 p95 bad <<<"$line"
    [ "$bad" = 0 ] || { echo "$1 funnel alone: $bad answers were not HTTP 200" >&2; exit 1; }
    printf '  %-8s %-11s alone: median %8.2f ms   p95 %8.2f ms   (%d requests, one connection)\n' \
        "$1" funnel "$p50" "$p95" "$FUNNEL_SAMPLES"
    echo "$1 $p50 $p95" >>"$work/alone"
}

# capture_statements NAME OUT: the statements the server sends for one NAME request, as
# logged by PostgreSQL (log_statement = 'all' on the bench database), parameters substituted,
# one per line ending with ';'. Fails when none are seen.
capture_statements() {
    local offset
    offset=$(stat -c %s "$PG_LOG")
    post "$1"
    sleep 0.5 # the log is written by the server processes; let the last lines land
    tail -c +$((offset + 1)) "$PG_LOG" >"$work/log-$1"
    python3 - "$BENCH_DB" "$work/log-$1" "$2" <<'EOF'
import re, sys
db, log, out = sys.argv[1], sys.argv[2], sys.argv[3]
prefix = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (\S*)@(\S*) (LOG|DETAIL|ERROR|WARNING|STATEMENT|HINT|CONTEXT|FATAL):  (.*)$')
entries = []  # [pid, database, level, text]
for line in open(log, encoding='utf-8', errors='replace'):
    line = line.rstrip('\n')
    m = prefix.match(line)
    if m:
        entries.append([m.group(1), m.group(3), m.group(4), m.group(5)])
    elif entries and line.startswith('\t'):
        entries[-1][3] += '\n' + line[1:]  # a statement spanning lines
statements, pending = [], {}
value = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")
for pid, database, level, text in entries:
    if database != db:
        continue
    if level == 'LOG':
        m = re.match(r'(?s)(?:execute [^:]*|statement): (.*)$', text)
        if m:
            statements.append([pid, m.group(1), {}])
            pending[pid] = statements[-1]
    elif level == 'DETAIL' and text.startswith('parameters: ') and pid in pending:
        pending[pid][2] = {n: v for n, v in value.findall(text)}
    elif level in ('ERROR', 'FATAL'):
        sys.exit(f'PostgreSQL reported an error during the request: {text}')
with open(out, 'w') as f:
    for pid, sql, params in statements:
        sql = re.sub(r'\$(\d+)\b', lambda m: params.get(m.group(1), m.group(0)), sql)
        f.write(sql.rstrip().rstrip(';') + ';\n')
if not statements:
    sys.exit('no statement of the request found in the PostgreSQL log')
EOF
}

# pgbench_run ROUND: the landing page's statements at the same concurrency; appends the tps.
pgbench_run() {
    local out tps
    out=$("$PGBENCH" -n -c "$CONNECTIONS" -j 2 -T "$DURATION" -M prepared -f "$work/statements.sql" \
        "$PG/$BENCH_DB" 2>&1) || { echo "pgbench failed: $out" >&2; exit 1; }
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out")
    [ -n "$tps" ] || { echo "no tps in pgbench's output: $out" >&2; exit 1; }
    if grep -Eq '^number of failed transactions: [1-9]' <<<"$out"; then
        echo "pgbench: failed transactions: $out" >&2
        exit 1
    fi
    printf '  pgbench  landing     %8.1f tps     latency average %s ms   (%s transactions)\n' "$tps" \
        "$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$out")" \
        "$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")"
    echo "$tps" >>"$work/pgbench"
}

if [ "$postgres" = 1 ]; then
    echo "capturing the landing page's statements (log_statement = 'all' on $BENCH_DB)"
    psql "$PG/postgres" -qc "ALTER DATABASE $BENCH_DB SET log_statement = 'all'"
    start_server postgres # after the ALTER: every connection it opens logs its statements
    # Enough load first that every pooled connection has run these statements (the first use of
    # a connection may look types up), then two captures of each page size, which must agree.
    oha_run 2 landing "$work/warmup.json"
    oha_run 2 landing10 "$work/warmup.json"
    for name in landing10 landing; do
        for attempt in 1 2 3 4; do
            capture_statements "$name" "$work/$name.sql.1"
            capture_statements "$name" "$work/$name.sql.2"
            if [ "$(wc -l <"$work/$name.sql.1")" = "$(wc -l <"$work/$name.sql.2")" ]; then
                break
            fi
            # A background task (import heartbeat check, document sweep) wrote in the window.
            [ "$attempt" = 4 ] && { echo "$name: the statement counts of two requests differ" >&2; exit 1; }
        done
        mv "$work/$name.sql.1" "$work/$name.sql"
    done
    stop_server
    psql "$PG/postgres" -qc "ALTER DATABASE $BENCH_DB RESET log_statement"
    cp "$work/landing.sql" "$work/statements.sql"
    statements10=$(wc -l <"$work/landing10.sql")
    statements50=$(wc -l <"$work/landing.sql")
    echo "statements per landing-page request: first: 10 → $statements10, first: 50 → $statements50"
    sed 's/^/    /' "$work/landing.sql" | cut -c1-220
    mkdir -p target/bench-http
    cp "$work/landing.sql" target/bench-http/landing-statements.sql
fi

for round in $(seq "$ROUNDS"); do
    echo "round $round of $ROUNDS: $CONNECTIONS connections, ${WARMUP} s warm-up, ${DURATION} s measured, pool size $POOL_SIZE"
    for backend in $BACKENDS; do
        start_server "$backend"
        if [ "$round" = 1 ]; then
            pick_contact
            for name in $REQUESTS; do check "$backend" "$name"; done
            cp "$work/contact.json" "$work/contact-$backend.json"
        fi
        cp "$work/contact-$backend.json" "$work/contact.json"
        alone "$backend" "$round"
        for name in $REQUESTS; do measure "$backend" "$name" "$round"; done
        stop_server
        if [ "$backend" = postgres ]; then pgbench_run "$round"; fi
    done
done

for backend in $BACKENDS; do
    if grep -Eiq ' (WARN|ERROR) ' "$work/server-$backend.log"; then
        echo "$backend server log, warnings and errors (first 10):"
        grep -Ei ' (WARN|ERROR) ' "$work/server-$backend.log" | head -10 | sed 's/^/    /'
    fi
done

echo
echo "## Summary (medians over $ROUNDS round(s); $CONNECTIONS connections, ${DURATION} s per run)"
echo
echo "| request | backend | req/s | p50 ms | p99 ms | req/s of each round |"
echo "|---|---|---:|---:|---:|---|"
gawk -v requests="$REQUESTS" -v backends="$BACKENDS" '
    { k = $1 " " $2; n[k]++; rps[k][n[k]] = $3; p50[k][n[k]] = $4; p99[k][n[k]] = $5
      all[k] = all[k] (all[k] == "" ? "" : ", ") sprintf("%.1f", $3) }
    function median(values,    count, copy) {
        count = asort(values, copy)
        return count % 2 ? copy[(count + 1) / 2] : (copy[count / 2] + copy[count / 2 + 1]) / 2
    }
    END {
        split(requests, r, " "); split(backends, b, " ")
        for (i = 1; i in r; i++) for (j = 1; j in b; j++) {
            k = r[i] " " b[j]
            if (k in n) printf "| %s | %s | %.1f | %.2f | %.2f | %s |\n", r[i], b[j],
                median(rps[k]), median(p50[k]), median(p99[k]), all[k]
        }
    }' "$work/results"
echo
for backend in $BACKENDS; do
    printf '%s: windowed lifecycleFunnel alone, median %.1f ms (target: under 300 ms; each round: %s)\n' \
        "$backend" "$(gawk -v b="$backend" '$1 == b { print $2 }' "$work/alone" | median)" \
        "$(gawk -v b="$backend" '$1 == b { printf "%s%.1f", (n++ ? ", " : ""), $2 }' "$work/alone")"
done
if [ "$postgres" = 1 ]; then
    echo
    tps=$(median <"$work/pgbench")
    landing_rps=$(gawk '$1 == "landing" && $2 == "postgres" { print $3 }' "$work/results" | median)
    echo "pgbench, the landing page's $statements50 statements (-c $CONNECTIONS -j 2 -M prepared, ${DURATION} s): $(printf '%.1f' "$tps") tps (each round: $(gawk '{ printf "%s%.1f", (NR > 1 ? ", " : ""), $1 }' "$work/pgbench"))"
    echo "landing-page req/s ÷ pgbench tps: $(gawk -v a="$landing_rps" -v b="$tps" 'BEGIN { printf "%.2f", a / b }')"
    echo "statements per landing-page request: first: 10 → $statements10, first: 50 → $statements50"
    echo
    echo "PostgreSQL connections of the server (pool size $POOL_SIZE; the stage listener's own connection not counted):"
    echo
    echo "| request | round | after warm-up | at the end | peak | opened during the run (still open) | sessions started during the run | opened at (s into the run) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
    gawk '{ gsub(",", ", ", $9); printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $8, $6, $7, $9 }' \
        "$work/connections"
fi
