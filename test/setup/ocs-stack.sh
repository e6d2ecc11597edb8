#!/usr/bin/env bash
# Brings up the real OCS Inventory NG stack dploy's OCS tests run against, from
# Debian 12 packages, on loopback only, without systemd:
#   MariaDB (127.0.0.1:3306), Apache 2 + mod_perl + mod_php on 127.0.0.1:$OCS_PORT
#   /ocsinventory  communication server (ocsinventory-server 2.8.1, Perl)
#   /ocsreports    console (ocsinventory-reports 2.11.1, PHP, admin/admin)
#   /ocsapi/v1     read-only REST API (Mojolicious/Plack)
# The ocsweb database is created the way the package intends: the console's own
# install.php (files/ocsbase_new.sql) then update.php (files/update/*.sql),
# driven over HTTP. Idempotent; a second run only checks (about a second).
# Root only: it installs packages and writes /etc/apache2.
#   OCS_PORT=8408   Apache's port (dploy serves 8080; 80 is left alone)
#   OCS_RESET=1     drop ocsweb and the ocs users, reinstall from scratch
set -euo pipefail
T0=$(date +%s)
log() { printf '[ocs-stack %3ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
die() { echo "ocs-stack: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (apt-get, /etc/apache2); run: sudo bash test/setup/ocs-stack.sh"

PORT=${OCS_PORT:-8408}
BASE=http://127.0.0.1:$PORT
REPORTS=/usr/share/ocsinventory-reports
DB=ocsweb
export DEBIAN_FRONTEND=noninteractive

# ------------------------------------------------------------ 1. packages
PKGS=(mariadb-server mariadb-client apache2 libapache2-mod-php libapache2-mod-perl2
      ocsinventory-server ocsinventory-reports ocsinventory-agent libmojolicious-perl
      libplack-perl libxml-parser-perl curl)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  # Keep invoke-rc.d from starting Apache on *:80 during the install.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d; trap - EXIT
fi

# ------------------------------------------------------------ 2. Debian's gaps
# ocsinventory-reports 2.11.1 ships no composer vendor/ dir, yet header.php
# requires vendor/autoload.php (HTTP 500): map it to Debian's PHPMailer/phpCAS.
mkdir -p "$REPORTS/vendor/jasig/phpcas"
[ -f "$REPORTS/vendor/autoload.php" ] || printf "<?php\n// dploy test/setup/ocs-stack.sh: Debian ships no composer vendor/ dir.\nrequire_once '/usr/share/php/libphp-phpmailer/autoload.php';\n" > "$REPORTS/vendor/autoload.php"
[ -f "$REPORTS/vendor/jasig/phpcas/CAS.php" ] || printf "<?php\nrequire_once '/usr/share/php/CAS.php';\n" > "$REPORTS/vendor/jasig/phpcas/CAS.php"
# The REST API conf is enabled with its placeholders unsubstituted.
sed -i "s#'REST_API_PATH'#'/usr/share/perl5/'#; s#'REST_API_LOADER_PATH'#'/usr/share/perl5/Api/Ocsinventory/Restapi/Loader.pm'#" \
  /etc/apache2/conf-available/ocsinventory-restapi.conf

# ------------------------------------------------------------ 3. Apache on loopback only
changed=0
ports="# dploy test/setup/ocs-stack.sh: the OCS test stack listens on loopback only.
Listen 127.0.0.1:$PORT"
if [ "$(cat /etc/apache2/ports.conf 2>/dev/null)" != "$ports" ]; then
  printf '%s\n' "$ports" > /etc/apache2/ports.conf; changed=1
fi
if [ ! -f /etc/apache2/conf-enabled/servername.conf ]; then
  echo "ServerName 127.0.0.1" > /etc/apache2/conf-available/servername.conf; a2enconf -q servername >/dev/null; changed=1
fi
# The default site is a *:80 virtual host; the main server serves the OCS aliases.
[ -e /etc/apache2/sites-enabled/000-default.conf ] && { a2dissite -q 000-default >/dev/null; changed=1; }
for m in perl php8.2; do [ -e "/etc/apache2/mods-enabled/$m.load" ] || { a2enmod -q "$m" >/dev/null; changed=1; }; done
for c in ocsinventory-server ocsinventory-reports ocsinventory-restapi; do
  [ -e "/etc/apache2/conf-enabled/$c.conf" ] || { a2enconf -q "$c" >/dev/null; changed=1; }
done

# Daemons started here outlive the script: they get none of its descriptors past
# stderr, or a `flock /tmp/dploy-ocs-stack.lock …` around a test run would stay
# held by Apache (flock(1) hands the lock to its command as fd 3) and block the
# next run for good.
daemon() { "$@" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; }

# ------------------------------------------------------------ 4. MariaDB
install -d -o mysql -g mysql /run/mysqld /var/log/mysql
if ! mysqladmin ping >/dev/null 2>&1; then
  log "starting mariadbd"
  daemon start-stop-daemon --start --oknodo --background --chuid mysql \
    --exec /usr/sbin/mariadbd -- --user=mysql --bind-address=127.0.0.1 --log-error=/var/log/mysql/error.log
  for _ in $(seq 1 60); do mysqladmin ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
mysqladmin ping >/dev/null 2>&1 || die "mariadbd did not start; see /var/log/mysql/error.log"
if [ "${OCS_RESET:-0}" = 1 ]; then
  log "OCS_RESET=1: dropping $DB and the ocs users"
  mysql -e "DROP DATABASE IF EXISTS $DB; DROP USER IF EXISTS 'ocs'@'%'; DROP USER IF EXISTS 'ocs'@'localhost';"
  : > /etc/ocsinventory/dbconfig.inc.php
fi

# ------------------------------------------------------------ 5. Apache
apache_pid() { cat /var/run/apache2/apache2.pid 2>/dev/null || true; }
if [ -n "$(apache_pid)" ] && kill -0 "$(apache_pid)" 2>/dev/null; then
  [ $changed = 0 ] || { apache2ctl graceful 2>>/var/log/apache2/ocs-stack.log; log "apache2 reloaded (configuration changed)"; }
else
  daemon apache2ctl start 2>>/var/log/apache2/ocs-stack.log; log "apache2 started on 127.0.0.1:$PORT"
fi
for _ in $(seq 1 80); do curl -s -o /dev/null "$BASE/ocsreports/" && break; sleep 0.25; done

# ------------------------------------------------------------ 6. ocsweb through install.php / update.php
csrf() { grep -o "name='CSRF_[0-9]*' id='CSRF_[0-9]*' value='[0-9a-f]*'" "$1" | tail -1 \
         | sed "s/name='\(CSRF_[0-9]*\)'.*value='\([0-9a-f]*\)'/\1=\2/"; }
JAR=$(mktemp); PAGE=$(mktemp); trap 'rm -f "$JAR" "$PAGE"' EXIT
web() { curl -s -c "$JAR" -b "$JAR" "$@"; }
gui_version() { mysql -N -e "select tvalue from $DB.config where name='GUI_VERSION'" 2>/dev/null || true; }
TARGET=$(sed -n "s/^define('GUI_VER', '\([0-9]*\)');/\1/p" "$REPORTS/var.php")
installer_post() { # $1 user $2 password: submits install.php's form, which index.php shows
  rm -f "$JAR"; web "$BASE/ocsreports/index.php" -o "$PAGE"
  web "$BASE/ocsreports/index.php" -o "$PAGE" -d "$(csrf "$PAGE")" -d "name=$1" -d "pass=$2" \
      -d "database=$DB" -d host=localhost -d port=3306 -d enablessl=0 -d sslmode= -d sslkey= \
      -d sslcert= -d cacert= -d Valid_INSTALL=Send
}
# A finished install has `config` with its GUI_VERSION row and the last table of
# files/ocsbase_new.sql. An absent database, or one an interrupted install left
# empty or partial, gets a fresh install; install.php's CREATE DATABASE
# (install.php line 130) refuses an existing one, so that is dropped first.
LAST_TABLE=$(grep -o 'CREATE TABLE `[a-z_]*`' "$REPORTS/files/ocsbase_new.sql" | tail -1 | tr -d '`' | cut -d' ' -f3)
installed() {
  [ "$(mysql -N -e "select count(*) from information_schema.tables where table_schema='$DB' and table_name in ('config','$LAST_TABLE')")" = 2 ] &&
  [ -n "$(gui_version)" ]
}
if ! installed; then
  log "creating $DB through ocsreports install.php (files/ocsbase_new.sql)"
  mysql -e "DROP DATABASE IF EXISTS $DB"
  pass=ocsinstall-$$
  mysql -e "CREATE USER IF NOT EXISTS 'ocsinstall'@'localhost' IDENTIFIED BY '$pass';
            ALTER USER 'ocsinstall'@'localhost' IDENTIFIED BY '$pass';
            GRANT ALL PRIVILEGES ON *.* TO 'ocsinstall'@'localhost' WITH GRANT OPTION;"
  installer_post ocsinstall "$pass"
  mysql -e "DROP USER IF EXISTS 'ocsinstall'@'localhost'"
  grep -q "Installation finished" "$PAGE" || { sed 's/<[^>]*>/ /g' "$PAGE" | tr -s ' \n' | tail -c 800; die "install.php failed"; }
elif ! grep -q DB_NAME /etc/ocsinventory/dbconfig.inc.php 2>/dev/null; then
  log "database exists, rewriting dbconfig.inc.php through install.php"
  installer_post ocs ocs
fi
# PHP's opcache keeps the dbconfig.inc.php install.php just wrote stale for up
# to opcache.revalidate_freq (2 s), so the update form may need a few tries.
for _ in 1 2 3 4 5 6; do
  [ "$(gui_version)" != "$TARGET" ] || break
  log "update.php: schema $(gui_version) -> $TARGET (files/update/*.sql)"
  rm -f "$JAR"; web "$BASE/ocsreports/index.php" -o "$PAGE"
  web "$BASE/ocsreports/index.php" -o "$PAGE" -d "$(csrf "$PAGE")" --data-urlencode "update=Perform the update"
  [ "$(gui_version)" = "$TARGET" ] || sleep 1
done
[ "$(gui_version)" = "$TARGET" ] || die "schema is $(gui_version), expected $TARGET"
# dploy connects over TCP to 127.0.0.1 as the console's own user.
mysql -e "CREATE USER IF NOT EXISTS 'ocs'@'127.0.0.1' IDENTIFIED BY 'ocs'; GRANT ALL PRIVILEGES ON $DB.* TO 'ocs'@'127.0.0.1';"

# ------------------------------------------------------------ 7. checks
PROLOG='<?xml version="1.0" encoding="UTF-8"?><REQUEST><DEVICEID>ocs-stack-check-2000-01-01-00-00-00</DEVICEID><QUERY>PROLOG</QUERY></REQUEST>'
reply=$(printf '%s' "$PROLOG" | perl -MCompress::Zlib -0777 -ne 'print compress($_)' \
  | curl -s -H 'Content-Type: application/x-compress' -A 'OCS-NG_unified_unix_agent_v2.10.0' \
         --data-binary @- "$BASE/ocsinventory" | perl -MCompress::Zlib -0777 -ne 'print uncompress($_)')
echo "$reply" | grep -q '<RESPONSE>SEND</RESPONSE>' || die "communication server PROLOG failed: $reply"
rm -f "$JAR"; web "$BASE/ocsreports/index.php" -o "$PAGE"
web "$BASE/ocsreports/index.php" -o "$PAGE" -d "$(csrf "$PAGE")" -d LOGIN=admin -d PASSWD=admin -d Valid_CNX=Send
grep -q 'All computers' "$PAGE" || die "console login as admin/admin failed"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/ocsapi/v1/computers/listID")
[ "$code" = 200 ] || die "REST API $BASE/ocsapi/v1/computers/listID answered HTTP $code"
log "OCS up: $BASE/ocsinventory $BASE/ocsreports $BASE/ocsapi/v1, GUI_VERSION $(gui_version), db mysql://ocs:ocs@127.0.0.1:3306/$DB"
