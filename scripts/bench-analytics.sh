#!/usr/bin/env bash
# Times the BI aggregates over HTTP against PostgreSQL holding 100,000 demo contacts:
# reasonCodeStats by reason and month over the last year, and lifecycleFunnel of the default
# lifecycle (whole history, and the last year). Prints min / median / p95 / max per query.
#
#   scripts/bench-analytics.sh            # seed a new scratch database, then time
#   REUSE=1 scripts/bench-analytics.sh    # time against the database seeded last time
#
# Settings: PG (server URL without database), BENCH_DB, CONTACTS, RUNS, PORT.
set -euo pipefail
cd "$(dirname "$0")/.."

PG=${PG:-postgres://postgres@127.0.0.1:5432}
BENCH_DB=${BENCH_DB:-rapport_bench}
CONTACTS=${CONTACTS:-100000}
RUNS=${RUNS:-30}
PORT=${PORT:-18080}
BIN=target/release/rapport
export DATABASE_URL="$PG/$BENCH_DB"

cargo build --release --locked --quiet

if [ "${REUSE:-0}" != 1 ]; then
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $BENCH_DB" -c "CREATE DATABASE $BENCH_DB"
    /usr/bin/time -f "seeded in %e s" "$BIN" seed-demo --contacts "$CONTACTS"
    psql "$DATABASE_URL" -qc "VACUUM ANALYZE"
fi
psql "$DATABASE_URL" -Atc "SELECT 'contacts: ' || count(*) FROM contacts" \
    -c "SELECT 'stage transitions: ' || count(*) FROM stage_transitions" \
    -c "SELECT 'closings in the last year: ' || count(*) FROM stage_transitions t JOIN lifecycle_steps s ON s.id = t.to_step_id WHERE s.outcome <> 'OPEN' AND t.occurred_at >= now() - interval '1 year'"

"$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$(mktemp -d)" >/tmp/rapport-bench.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break
    sleep 0.2
done

from=$(date -u -d '1 year ago' +%Y-%m-%dT%H:%M:%SZ)
to=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# time_query NAME JSON-BODY: RUNS timed requests after two warm-ups; every answer must be error-free.
time_query() {
    local name=$1 body=$2 times=()
    for i in $(seq $((RUNS + 2))); do
        local out
        out=$(curl -s -o /tmp/rapport-bench.json -w '%{time_total}' -H 'content-type: application/json' \
            --data "$body" "http://127.0.0.1:$PORT/graphql")
        if grep -q '"errors"' /tmp/rapport-bench.json; then
            echo "$name failed: $(head -c 500 /tmp/rapport-bench.json)" >&2
            exit 1
        fi
        [ "$i" -gt 2 ] && times+=("$out")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" '
        { t[NR] = $1 * 1000 }
        END {
            p95 = t[int(NR * 0.95 + 0.999)]
            printf "%-44s min %6.1f ms  median %6.1f ms  p95 %6.1f ms  max %6.1f ms  (%d runs)\n",
                name, t[1], t[int((NR + 1) / 2)], p95, t[NR], NR
        }'
    echo "  rows: $(grep -o '"count"\|"reached"' /tmp/rapport-bench.json | wc -l)"
}

time_query "reasonCodeStats(reason x month, last year)" \
    "{\"query\":\"{ reasonCodeStats(filter: { from: \\\"$from\\\", to: \\\"$to\\\" }, groupBy: [REASON_CODE, PERIOD], period: MONTH) { reasonCode { code } period count share } }\"}"
time_query "lifecycleFunnel(default, whole history)" \
    '{"query":"{ lifecycleFunnel(templateId: \"LifecycleTemplate:1\") { step { name } reached current conversionRate completedStays averageDwellSeconds medianDwellSeconds } }"}'
time_query "lifecycleFunnel(default, last year)" \
    "{\"query\":\"{ lifecycleFunnel(templateId: \\\"LifecycleTemplate:1\\\", filter: { from: \\\"$from\\\", to: \\\"$to\\\" }) { step { name } reached current conversionRate completedStays averageDwellSeconds medianDwellSeconds } }\"}"
