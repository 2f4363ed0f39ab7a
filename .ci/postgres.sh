# Sourced by .ci/run: starts a throwaway PostgreSQL on 127.0.0.1 and exports WARREN_TEST_DATABASE_URL.
# Needs Debian's `postgresql` package (.ci/run installs it). Tests create and drop their own
# databases in this cluster; the cluster itself is stopped when the calling shell exits.
start_throwaway_postgres() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bindir" ]; then
    echo "postgres.sh: no PostgreSQL server found under /usr/lib/postgresql (apt-get install postgresql)" >&2
    return 1
  fi
  local dir port as
  dir=$(mktemp -d /tmp/warren-pg.XXXXXX)
  # A free loopback port, so a developer's own cluster (or a second run) is never in the way.
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$dir"
    as() { su postgres -c "$1"; }
  else
    as() { sh -c "$1"; }
  fi
  as "$bindir/initdb -D $dir/data -U postgres -A trust >/dev/null"
  # fsync off: a throwaway test cluster; durability tests kill the client, not the server.
  as "$bindir/pg_ctl -D $dir/data -l $dir/log -o '-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off' -w start >/dev/null" || {
    echo "postgres.sh: PostgreSQL did not start; its log:" >&2
    cat "$dir/log" >&2
    return 1
  }
  export WARREN_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  trap "$(declare -f as); as '$bindir/pg_ctl -D $dir/data -m immediate stop' >/dev/null 2>&1 || true; rm -rf '$dir'" EXIT
}
