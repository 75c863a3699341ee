#!/usr/bin/env bash
# Entrypoint wrapper for the mongo:7 container in docker-compose.yml.
#
# A replica set with authorization needs a keyfile for internal authentication, and mongod
# refuses one that other users can read. A bind-mounted file keeps the host's owner and mode,
# so instead the key comes from the environment (MONGO_REPLICA_SET_KEY) and is written here,
# as root, owned by the image's `mongodb` user (uid 999) with mode 400. Then the image's own
# entrypoint takes over (it creates the root user and runs /docker-entrypoint-initdb.d/*.js
# on the first start of an empty volume, and drops to the `mongodb` user).
set -Eeuo pipefail

keyfile="${MONGO_KEYFILE:-/etc/mongo/keyfile}"
key="${MONGO_REPLICA_SET_KEY:?MONGO_REPLICA_SET_KEY must be set (6 to 1024 base64 characters)}"

# mongod accepts only base64 characters in a keyfile, 6 to 1024 of them.
if ! [[ "$key" =~ ^[A-Za-z0-9+/=]{6,1024}$ ]]; then
	echo >&2 "error: MONGO_REPLICA_SET_KEY must be 6 to 1024 base64 characters [A-Za-z0-9+/=]"
	exit 1
fi

mkdir -p "$(dirname "$keyfile")"
umask 077
printf '%s\n' "$key" > "$keyfile"
chown mongodb:mongodb "$keyfile"
chmod 400 "$keyfile"
unset MONGO_REPLICA_SET_KEY

exec docker-entrypoint.sh "$@"
