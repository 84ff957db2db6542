#!/bin/sh
# Back up Proxi's PostgreSQL database: one compressed custom-format dump per run, the
# last KEEP kept. Run as the postgres user, e.g. daily from /etc/cron.d/proxi-backup:
#   15 3 * * * postgres /opt/proxi/deploy/backup.sh
# Restore: deploy/restore.md. The database is the whole state (reminders, conversations,
# enrolments); the code and the settings file are the rest of an installation.
set -eu

DB="${PROXI_DB:-proxi}"
DIR="${PROXI_BACKUP_DIR:-/var/backups/proxi}"
KEEP="${PROXI_BACKUP_KEEP:-14}"

mkdir -p "$DIR"
umask 077
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
TMP="$DIR/.proxi-$STAMP.dump.partial"
# --format=custom: compressed, and pg_restore can restore it table by table.
pg_dump --format=custom --no-owner --file="$TMP" "$DB"
mv "$TMP" "$DIR/proxi-$STAMP.dump"
# Keep the newest KEEP dumps.
ls -1 "$DIR"/proxi-*.dump | sort -r | tail -n +"$((KEEP + 1))" | while read -r old; do
    rm -f -- "$old"
done
echo "$DIR/proxi-$STAMP.dump"
