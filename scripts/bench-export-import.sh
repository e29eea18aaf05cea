#!/usr/bin/env bash
# Export and import over HTTP against PostgreSQL holding demo contacts (100,000 by default):
#
#   - CSV exports with every column of growing parts of the list (won contacts, open ones, all),
#     each from a freshly started server: the download's wall time and the server's peak
#     resident memory (VmHWM) afterwards, so memory can be compared across row counts;
#   - the whole list as XLSX, the same way;
#   - an import of the export's first IMPORT_ROWS rows with UPSERT_BY_EMAIL into a new database
#     that holds only the demo companies, users, accounts and segments, on PostgreSQL and on
#     SQLite: the time from startContactImport until contactImport reports it ended, and its
#     counts.
#
#   scripts/bench-export-import.sh            # seed a new scratch database, then measure
#   REUSE=1 scripts/bench-export-import.sh    # measure against the database seeded last time
#
# Settings: PG (server URL without database), BENCH_DB, IMPORT_DB, CONTACTS, IMPORT_ROWS, PORT.
set -euo pipefail
cd "$(dirname "$0")/.."

PG=${PG:-postgres://postgres@127.0.0.1:5432}
BENCH_DB=${BENCH_DB:-rapport_bench_export}
IMPORT_DB=${IMPORT_DB:-rapport_bench_import}
CONTACTS=${CONTACTS:-100000}
IMPORT_ROWS=${IMPORT_ROWS:-10000}
PORT=${PORT:-18082}
BIN=target/release/rapport
COLUMNS_ALL="NAME FULL_NAME PRIMARY_EMAIL PRIMARY_PHONE PRIMARY_ADDRESS EMAILS PHONES BANK_ACCOUNTS
    COMPANY STATUS SEGMENTATION REASON_CODE OWNER ACCOUNTS LIFECYCLE CATEGORY STEP SCORING
    STAGE_CHANGED_AT CREATED_AT UPDATED_AT"

command -v jq >/dev/null ||
    DEBIAN_FRONTEND=noninteractive $([ "$(id -u)" = 0 ] || echo sudo) apt-get install -y -qq jq >/dev/null 2>&1

cargo build --release --locked --quiet

if [ "${REUSE:-0}" != 1 ]; then
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $BENCH_DB" -c "CREATE DATABASE $BENCH_DB"
    DATABASE_URL="$PG/$BENCH_DB" "$BIN" seed-demo --contacts "$CONTACTS" >/dev/null
    psql "$PG/$BENCH_DB" -qc "VACUUM ANALYZE"
fi
echo "contacts: $(psql "$PG/$BENCH_DB" -Atc "SELECT count(*) FROM contacts")"

work=$(mktemp -d)
server=
stop_server() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
        server=
    fi
}
trap 'stop_server; rm -rf "$work"' EXIT

# start_server DATABASE_URL
start_server() {
    DATABASE_URL="$1" "$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$work/data" \
        >>"$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do
        curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && return
        sleep 0.2
    done
    echo "the server did not start: $(tail -5 "$work/server.log")" >&2
    exit 1
}

kib() { awk -v key="$1:" '$1 == key { print $2 }' "/proc/$server/status"; }

# graphql QUERY [VARIABLES]: the answer's data; any error stops the script.
graphql() {
    local answer
    answer=$(jq -nc --arg query "$1" --argjson variables "${2:-{\}}" '{query: $query, variables: $variables}' |
        curl -s -H 'content-type: application/json' --data @- "http://127.0.0.1:$PORT/graphql")
    if [ "$(jq '.errors // [] | length' <<<"$answer")" != 0 ]; then
        echo "request failed: $(head -c 500 <<<"$answer")" >&2
        exit 1
    fi
    jq -c .data <<<"$answer"
}

# export NAME FORMAT FILTER: one download from a fresh server; prints rows, size, time, memory.
export_list() {
    local name=$1 format=$2 filter=$3 columns url seconds rows
    columns=$(printf '%s\n' $COLUMNS_ALL | jq -R . | jq -sc .)
    start_server "$PG/$BENCH_DB"
    graphql '{ contacts(first: 1) { totalCount } }' >/dev/null
    local before
    before=$(kib VmRSS)
    url=$(graphql "query(\$columns: [ContactColumn!]!, \$filter: ContactFilter) {
            exportContacts(columns: \$columns, format: $format, filter: \$filter) { downloadUrl } }" \
        "{\"columns\": $columns, \"filter\": $filter}" | jq -r .exportContacts.downloadUrl)
    [[ $url == /* ]] && url="http://127.0.0.1:$PORT$url"
    seconds=$(curl -fs -o "$work/export.$format" -w '%{time_total}' "$url")
    if [ "$format" = CSV ]; then
        rows=$(python3 -c 'import csv, sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)' \
            "$work/export.CSV")
    else
        rows="-"
    fi
    printf '%-22s %-4s rows %7s   %6.1f MB   %5.2f s   server RSS before %4d MB, peak %4d MB\n' \
        "$name" "$format" "$rows" "$(stat -c %s "$work/export.$format" | awk '{ print $1 / 1e6 }')" "$seconds" \
        $(($before / 1024)) $(($(kib VmHWM) / 1024))
    stop_server
}

export_list "won contacts" CSV '{"status": ["WON"]}'
export_list "open contacts" CSV '{"status": ["OPEN"]}'
export_list "every contact" CSV '{}'
export_list "every contact" XLSX '{}'

# The import: the first IMPORT_ROWS rows of the full CSV export, into a database with only the
# demo configuration (seed-demo --contacts 0): on PostgreSQL, then on SQLite (a new data
# directory). Rows whose email an earlier row had update that row's contact.
head -n $((IMPORT_ROWS + 1)) "$work/export.CSV" >"$work/import.csv"
mapping=$(jq -nc '[
    ["Name", "NAME"], ["Full name", "FULL_NAME"], ["Scoring", "SCORING"], ["Company", "COMPANY"],
    ["Segmentation", "SEGMENTATION"], ["Owner", "OWNER"], ["Accounts", "ACCOUNTS"],
    ["Emails", "EMAILS"], ["Phones", "PHONES"], ["Address", "ADDRESS"], ["ZIP code", "ZIP_CODE"],
    ["Locality", "LOCALITY"], ["City", "CITY"], ["State", "STATE"], ["Country", "COUNTRY"],
    ["Bank accounts", "BANK_ACCOUNTS"]] | map({column: .[0], field: .[1]})')
operations=$(jq -nc --argjson mapping "$mapping" '{
    query: "mutation($file: Upload!, $mapping: [ImportMapping!]!) { startContactImport(file: $file, mapping: $mapping, mode: UPSERT_BY_EMAIL) { id totalRows } }",
    variables: {file: null, mapping: $mapping}}')

# import_into LABEL DATABASE_URL: seeds the configuration, starts a server, imports, reports.
import_into() {
    DATABASE_URL="$2" "$BIN" seed-demo --contacts 0 >/dev/null
    start_server "$2"
    started_at=$(date +%s.%N)
    started=$(curl -s -H 'apollo-require-preflight: true' -F "operations=$operations" \
        -F 'map={"0": ["variables.file"]}' -F "0=@$work/import.csv;type=text/csv" "http://127.0.0.1:$PORT/graphql")
    id=$(jq -er .data.startContactImport.id <<<"$started") || { echo "import refused: $started" >&2; exit 1; }
    while :; do
        import=$(graphql 'query($id: ID!) { contactImport(id: $id) { status totalRows processedRows created updated failed } }' \
            "{\"id\": \"$id\"}" | jq -c .contactImport)
        [ "$(jq -r .status <<<"$import")" != RUNNING ] && break
        sleep 0.1
    done
    ended_at=$(date +%s.%N)
    printf '%-10s import of %s rows: %.2f s   %s\n' "$1" "$IMPORT_ROWS" \
        "$(awk -v a="$started_at" -v b="$ended_at" 'BEGIN { print b - a }')" "$import"
    first_failure=$(graphql 'query($id: ID!) { contactImport(id: $id) { rows(first: 1, status: FAILED) { row errors { path code message } } } }' \
        "{\"id\": \"$id\"}" | jq -c '.contactImport.rows')
    [ "$first_failure" != "[]" ] && echo "first failed row: $first_failure"
    stop_server
}

psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $IMPORT_DB" -c "CREATE DATABASE $IMPORT_DB"
import_into PostgreSQL "$PG/$IMPORT_DB"
echo "contacts in the PostgreSQL import database: $(psql "$PG/$IMPORT_DB" -Atc "SELECT count(*) FROM contacts")"
mkdir -p "$work/sqlite"
import_into SQLite "$work/sqlite/rapport.sqlite3"
