# Sourced by .ci/run: starts a throwaway PostgreSQL on 127.0.0.1 and exports WARREN_TEST_DATABASE_URL.
start_throwaway_postgres() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  local dir
  dir=$(mktemp -d /tmp/warren-pg.XXXXXX)
  chown postgres "$dir"
  local port=55432
  su postgres -c "$bindir/initdb -D $dir/data -U postgres -A trust >/dev/null"
  su postgres -c "$bindir/pg_ctl -D $dir/data -l $dir/log -o '-c listen_addresses=127.0.0.1 -p $port -k $dir' -w start >/dev/null"
  export WARREN_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  trap "su postgres -c '$bindir/pg_ctl -D $dir/data -m immediate stop' >/dev/null 2>&1 || true" EXIT
}
