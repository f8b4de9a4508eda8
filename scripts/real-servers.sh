#!/usr/bin/env bash
# Installs (when missing) and starts the real servers fedscope's integration tests use, on loopback
# only, from Debian 12 packages:
#   PostgreSQL 15   127.0.0.1:5432  user postgres / password postgres, database test
#   MariaDB 10.11   127.0.0.1:3306  user root / empty password (TCP), database test
#   promtool        from the prometheus package (Prometheus itself is NOT started)
#   Alertmanager    binary prometheus-alertmanager (NOT started: tests start their own)
#   InfluxDB 1.6    127.0.0.1:8086  no auth, data under /var/lib/fedscope-influxdb (line-protocol tests)
#   Chromium        /usr/bin/chromium (NOT started: the dashboard tests drive it headless)
#
# Idempotent: a run that finds everything up and configured only checks it (about a second).
# Needs root (or sudo) for apt-get and for starting the daemons. No systemd needed: the packages'
# own service starts are suppressed and the daemons are started directly.
#
# Environment:
#   FEDSCOPE_SERVER_TIMEOUT  seconds to wait for each server to become ready (default 60)
set -euo pipefail

readonly PG_VERSION=15
readonly PG_CLUSTER=main
readonly PG_PORT=5432
readonly PG_PASSWORD=postgres
readonly MYSQL_PORT=3306
readonly TEST_DB=test
readonly READY_TIMEOUT="${FEDSCOPE_SERVER_TIMEOUT:-60}"
readonly MARIADB_LOG=/var/log/mysql/fedscope-mariadbd.log
readonly INFLUX_PORT=8086
readonly INFLUX_DIR=/var/lib/fedscope-influxdb
readonly INFLUX_LOG=/var/log/fedscope-influxd.log

export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C

log() { printf 'real-servers: %s\n' "$*" >&2; }
die() {
  printf 'real-servers: ERROR: %s\n' "$*" >&2
  exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# Privileged commands: direct as root, through sudo otherwise.
if [[ ${EUID} -eq 0 ]]; then
  as_root() { "$@"; }
  as_postgres() { runuser -u postgres -- "$@"; }
elif command -v sudo >/dev/null 2>&1; then
  as_root() { sudo -n "$@"; }
  as_postgres() { sudo -n -u postgres "$@"; }
else
  die "must run as root (or with passwordless sudo) to install and start servers"
fi

# Ambient PG*/MYSQL_PWD settings (e.g. CI pointing tests elsewhere) must not redirect the admin and
# check commands below, which always talk to the local loopback servers.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGDATABASE PGSERVICE PGSSLMODE PGPASSFILE MYSQL_PWD MYSQL_HOST MYSQL_TCP_PORT

# One run at a time: parallel helpers or CI jobs must not race apt-get or double-start daemons.
LOCK_FILE="${TMPDIR:-/tmp}/fedscope-real-servers.lock"
exec 9>"${LOCK_FILE}"
if ! flock -n 9; then
  log "waiting for another real-servers.sh run (lock ${LOCK_FILE})"
  flock -w 600 9 || die "another real-servers.sh run still holds ${LOCK_FILE} after 600 s"
fi

# --- checks (the fast path is just these) ------------------------------------------------------

pg_login_ok() {
  command -v psql >/dev/null 2>&1 || return 1
  PGPASSWORD="${PG_PASSWORD}" PGCONNECT_TIMEOUT=3 \
    psql -X -h 127.0.0.1 -p "${PG_PORT}" -U postgres -d "${TEST_DB}" -Atqc 'SELECT 1' >/dev/null 2>&1
}

pg_server_version() {
  PGPASSWORD="${PG_PASSWORD}" PGCONNECT_TIMEOUT=3 \
    psql -X -h 127.0.0.1 -p "${PG_PORT}" -U postgres -d "${TEST_DB}" -Atqc 'SHOW server_version' 2>/dev/null |
    awk '{ print $1 }'
}

mariadb_client() {
  if command -v mariadb >/dev/null 2>&1; then echo mariadb; elif command -v mysql >/dev/null 2>&1; then echo mysql; else return 1; fi
}

mariadb_login_ok() {
  local client
  client="$(mariadb_client)" || return 1
  "${client}" --no-defaults --protocol=tcp -h 127.0.0.1 -P "${MYSQL_PORT}" -u root --password= \
    --connect-timeout=3 -D "${TEST_DB}" -Nse 'SELECT 1' >/dev/null 2>&1
}

mariadb_server_version() {
  "$(mariadb_client)" --no-defaults --protocol=tcp -h 127.0.0.1 -P "${MYSQL_PORT}" -u root --password= \
    --connect-timeout=3 -Nse 'SELECT VERSION()' 2>/dev/null
}

have_promtool() { command -v promtool >/dev/null 2>&1; }
have_alertmanager() { command -v prometheus-alertmanager >/dev/null 2>&1; }
have_chromium() { command -v chromium >/dev/null 2>&1; }
influx_ping_ok() { [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:${INFLUX_PORT}/ping")" == 204 ]]; }
influx_version() { curl -s -D - -o /dev/null --max-time 2 "http://127.0.0.1:${INFLUX_PORT}/ping" | awk -F': ' 'tolower($1) == "x-influxdb-version" { gsub(/\r/, "", $2); print $2 }'; }

# --- install -----------------------------------------------------------------------------------

POLICY_RC=/usr/sbin/policy-rc.d
POLICY_RC_OURS=0
restore_policy_rc() {
  if [[ ${POLICY_RC_OURS} -eq 1 ]]; then as_root rm -f "${POLICY_RC}"; fi
}

install_missing() {
  local -a pkgs=()
  [[ -x /usr/lib/postgresql/${PG_VERSION}/bin/postgres ]] || pkgs+=("postgresql-${PG_VERSION}")
  command -v psql >/dev/null 2>&1 || pkgs+=("postgresql-client-${PG_VERSION}")
  # mariadb-server brings the client along; ask for the client alone only when the server is there.
  if [[ ! -x /usr/sbin/mariadbd ]]; then pkgs+=(mariadb-server); elif ! mariadb_client >/dev/null; then pkgs+=(mariadb-client); fi
  have_promtool || pkgs+=(prometheus)
  have_alertmanager || pkgs+=(prometheus-alertmanager)
  command -v influxd >/dev/null 2>&1 || pkgs+=(influxdb)
  have_chromium || pkgs+=(chromium)
  command -v curl >/dev/null 2>&1 || pkgs+=(curl)
  [[ ${#pkgs[@]} -gt 0 ]] || return 0

  command -v apt-get >/dev/null 2>&1 || die "missing ${pkgs[*]} and no apt-get to install them (Debian 12 expected)"
  local t0
  t0="$(now)"
  log "installing ${pkgs[*]} (apt-get)"
  # Packages must not start their services: Prometheus and Alertmanager would listen on 0.0.0.0,
  # and the daemons are started below on loopback anyway. Docker images ship such a policy; add
  # one for the duration of the install where there is none.
  if [[ ! -e ${POLICY_RC} ]]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "${POLICY_RC}" >/dev/null
    as_root chmod 755 "${POLICY_RC}"
    POLICY_RC_OURS=1
    trap restore_policy_rc EXIT
  fi
  local -a apt=(env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300)
  local apt_log
  apt_log="$(mktemp "${TMPDIR:-/tmp}/fedscope-apt.XXXXXX.log")"
  # apt's chatter goes to a log that is shown only when it fails.
  if ! as_root "${apt[@]}" update >"${apt_log}" 2>&1 ||
    ! as_root "${apt[@]}" install --no-install-recommends "${pkgs[@]}" >>"${apt_log}" 2>&1; then
    tail -n 30 "${apt_log}" >&2
    die "apt-get could not install ${pkgs[*]} (full log: ${apt_log})"
  fi
  rm -f "${apt_log}"
  restore_policy_rc
  POLICY_RC_OURS=0
  log "installed ${pkgs[*]} in $(elapsed "${t0}")"
}

# --- PostgreSQL --------------------------------------------------------------------------------

wait_until() { # wait_until <server name> <hint> <command...>
  local name="$1" hint="$2"
  shift 2
  local deadline=$((SECONDS + READY_TIMEOUT))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      die "${name} not ready after ${READY_TIMEOUT} s. ${hint}"
    fi
    sleep 0.25
  done
}

pg_accepting() { pg_isready -q -h 127.0.0.1 -p "${PG_PORT}" -t 1; }

pg_admin() { # SQL as the postgres superuser over the unix socket (peer auth)
  as_postgres psql -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -p "${PG_PORT}" -d postgres "$@"
}

start_postgres() {
  local pg_log="/var/log/postgresql/postgresql-${PG_VERSION}-${PG_CLUSTER}.log"
  local hint="See ${pg_log}; start it by hand with: pg_ctlcluster ${PG_VERSION} ${PG_CLUSTER} start"
  if ! pg_lsclusters -h 2>/dev/null | awk -v v="${PG_VERSION}" -v c="${PG_CLUSTER}" '$1 == v && $2 == c { f = 1 } END { exit !f }'; then
    log "creating PostgreSQL cluster ${PG_VERSION} ${PG_CLUSTER}"
    as_root pg_createcluster "${PG_VERSION}" "${PG_CLUSTER}" --port="${PG_PORT}" >/dev/null ||
      die "PostgreSQL: pg_createcluster ${PG_VERSION} ${PG_CLUSTER} failed"
  fi
  if ! pg_accepting; then
    # The socket directory lives on tmpfs and is gone after a reboot.
    as_root install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    log "starting PostgreSQL ${PG_VERSION} ${PG_CLUSTER}"
    # listen_addresses is forced to loopback whatever the cluster's config says.
    # 9>&-: the daemon must not inherit the lock's descriptor, or it holds the lock forever.
    as_root pg_ctlcluster --skip-systemctl-redirect -o "-c listen_addresses=127.0.0.1" \
      -o "-c port=${PG_PORT}" "${PG_VERSION}" "${PG_CLUSTER}" start 9>&- ||
      die "PostgreSQL failed to start. ${hint}"
    wait_until "PostgreSQL (127.0.0.1:${PG_PORT})" "${hint}" pg_accepting
  fi
  if ! pg_login_ok; then
    log "configuring PostgreSQL: password for postgres, database ${TEST_DB}"
    pg_admin -c "ALTER USER postgres PASSWORD '${PG_PASSWORD}'" ||
      die "PostgreSQL: could not set the postgres password over the unix socket"
    if [[ "$(pg_admin -Atc "SELECT 1 FROM pg_database WHERE datname = '${TEST_DB}'")" != 1 ]]; then
      pg_admin -c "CREATE DATABASE ${TEST_DB}" || die "PostgreSQL: could not create database ${TEST_DB}"
    fi
    pg_login_ok || die "PostgreSQL is up but postgres/${PG_PASSWORD} cannot log in over TCP to database ${TEST_DB} (check pg_hba.conf)"
  fi
}

# --- MariaDB -----------------------------------------------------------------------------------

mariadb_accepting() { # mariadb-admin ping exits 0 even on access denied: it only tests the listener
  local admin=mariadb-admin
  command -v "${admin}" >/dev/null 2>&1 || admin=mysqladmin
  "${admin}" --no-defaults --protocol=tcp -h 127.0.0.1 -P "${MYSQL_PORT}" --connect-timeout=1 ping >/dev/null 2>&1
}

mariadb_admin_sql() { # SQL as root over the unix socket (unix_socket auth)
  as_root "$(mariadb_client)" -u root -e "$1"
}

start_mariadb() {
  local hint="See ${MARIADB_LOG}"
  if ! mariadb_accepting; then
    # The package normally initialises the data dir; with its scripts suppressed or a wiped
    # /var/lib/mysql it may not have.
    if [[ ! -d /var/lib/mysql/mysql ]]; then
      log "initialising the MariaDB data directory /var/lib/mysql"
      as_root install -d -o mysql -g mysql -m 755 /var/lib/mysql
      as_root install -d -o mysql -g mysql -m 755 /var/log/mysql
      as_root mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >>"${MARIADB_LOG}" 2>&1 ||
        die "MariaDB: mariadb-install-db failed (see ${MARIADB_LOG})"
    fi
    as_root install -d -o mysql -g mysql -m 755 /run/mysqld /var/log/mysql
    log "starting MariaDB"
    # start-stop-daemon detaches the server from this shell (and from CI's) and is a no-op when a
    # mariadbd is already running.
    as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- \
      --user=mysql --bind-address=127.0.0.1 --port="${MYSQL_PORT}" --log-error="${MARIADB_LOG}" 9>&- ||
      die "MariaDB failed to start. ${hint}"
    wait_until "MariaDB (127.0.0.1:${MYSQL_PORT})" "${hint}" mariadb_accepting
  fi
  if ! mariadb_login_ok; then
    log "configuring MariaDB: root over TCP with an empty password, database ${TEST_DB}"
    # root keeps unix_socket login for the admin path above and gains password login for TCP.
    mariadb_admin_sql "ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;
      CREATE DATABASE IF NOT EXISTS \`${TEST_DB}\`;" ||
      die "MariaDB: could not configure root over the unix socket"
    mariadb_login_ok || die "MariaDB is up but root with an empty password cannot log in over TCP to database ${TEST_DB}"
  fi
}

# --- InfluxDB 1.x ------------------------------------------------------------------------------

start_influxdb() {
  local hint="See ${INFLUX_LOG}"
  influx_ping_ok && return 0
  as_root install -d -m 755 "${INFLUX_DIR}" "${INFLUX_DIR}/meta" "${INFLUX_DIR}/data" "${INFLUX_DIR}/wal"
  # Our own config: loopback only, no usage reporting, data in our folder (the package's config
  # would listen on every interface).
  as_root tee "${INFLUX_DIR}/influxdb.conf" >/dev/null <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:8088"
[meta]
  dir = "${INFLUX_DIR}/meta"
[data]
  dir = "${INFLUX_DIR}/data"
  wal-dir = "${INFLUX_DIR}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:${INFLUX_PORT}"
  log-enabled = false
CONF
  log "starting InfluxDB"
  as_root start-stop-daemon --start --oknodo --background --exec "$(command -v influxd)" \
    --output "${INFLUX_LOG}" -- -config "${INFLUX_DIR}/influxdb.conf" 9>&- ||
    die "InfluxDB failed to start. ${hint}"
  wait_until "InfluxDB (127.0.0.1:${INFLUX_PORT})" "${hint}" influx_ping_ok
}

# --- main --------------------------------------------------------------------------------------

T_START="$(now)"
if pg_login_ok && mariadb_login_ok && have_promtool && have_alertmanager && influx_ping_ok && have_chromium; then
  STATE="already running"
else
  STATE="started"
  install_missing
  start_postgres
  start_mariadb
  start_influxdb
  have_chromium || die "chromium missing after installing it"
  have_promtool || die "promtool missing after installing prometheus"
  have_alertmanager || die "prometheus-alertmanager missing after installing it"
fi

printf '%-12s %-15s %-16s %s\n' \
  postgresql "$(pg_server_version)" "127.0.0.1:${PG_PORT}" "ready; user postgres, password ${PG_PASSWORD}, database ${TEST_DB}" \
  mariadb "$(mariadb_server_version | sed 's/-.*//')" "127.0.0.1:${MYSQL_PORT}" "ready; user root, empty password, database ${TEST_DB}" \
  promtool "$(promtool --version 2>&1 | awk 'NR == 1 { print $3 }')" "-" "installed ($(command -v promtool))" \
  alertmanager "$(prometheus-alertmanager --version 2>&1 | awk 'NR == 1 { print $3 }')" "-" "installed, not started ($(command -v prometheus-alertmanager))" \
  influxdb "$(influx_version)" "127.0.0.1:${INFLUX_PORT}" "ready; no auth" \
  chromium "$(chromium --version 2>/dev/null | awk '{ print $2 }')" "-" "installed, not started ($(command -v chromium))"
log "all servers ${STATE} ($(elapsed "${T_START}"))"
