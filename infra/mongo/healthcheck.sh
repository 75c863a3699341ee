#!/usr/bin/env bash
# Docker health check of the mongo container in docker-compose.yml.
#
# Initiates the single-member replica set rs0 the first time it finds mongod running with
# --replSet but without a configuration, and reports healthy only once this node is the
# writable primary, so that `depends_on: condition: service_healthy` really means "the
# services can open transactions".
#
# While the image's entrypoint is still initialising an empty volume it runs a temporary
# mongod without --replSet and without the root user; the check then fails (auth or
# NoReplicationEnabled) and does not initiate anything, which is what we want.
set -Eeuo pipefail

exec mongosh --quiet --norc --host 127.0.0.1 --port 27017 \
	--username "${MONGO_INITDB_ROOT_USERNAME:?}" \
	--password "${MONGO_INITDB_ROOT_PASSWORD:?}" \
	--authenticationDatabase admin \
	--eval '
const replSet = process.env.MONGO_REPLICA_SET_NAME || "rs0";
const host = process.env.MONGO_REPLICA_SET_HOST || "mongo:27017";

function replSetState() {
  try {
    const status = db.adminCommand({ replSetGetStatus: 1 });
    return status.ok ? "ok" : (status.codeName || String(status.code));
  } catch (e) {
    return e.codeName || String(e.code || e.message);
  }
}

let healthy = false;
const state = replSetState();
if (state === "ok") {
  healthy = db.hello().isWritablePrimary === true;
  if (!healthy) print("replica set " + replSet + " has no writable primary here yet");
} else if (state === "NotYetInitialized" || state === "94") {
  try {
    rs.initiate({ _id: replSet, members: [{ _id: 0, host: host }] });
    print("initiated replica set " + replSet + " with member " + host);
  } catch (e) {
    print("rs.initiate failed: " + e.message);
  }
} else {
  print("replica set not ready: " + state);
}
quit(healthy ? 0 : 1);
'
