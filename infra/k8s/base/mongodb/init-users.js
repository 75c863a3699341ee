// Creates one MongoDB user per service, with readWrite on that service's own database only
// (DESIGN.md: each service has its own database and its own credentials and never reads
// another's). The user is named after the service and lives in the service's database, so a
// service connects with
//   mongodb://<service>:<password>@mongo:27017/<service>?replicaSet=rs0&authSource=<service>
//
// Passwords come from the environment, MONGO_PASSWORD_<SERVICE> (e.g. MONGO_PASSWORD_GRANTS);
// a missing one is an error, never an empty password.
//
// docker-compose mounts this file into /docker-entrypoint-initdb.d/, where the mongo image runs
// it once, on the first start of an empty data volume (before the replica set exists). It is
// idempotent, so it can be run again by hand to add a service or rotate passwords:
//   mongosh "mongodb://root:<root password>@<host>/admin?replicaSet=rs0" infra/k8s/base/mongodb/init-users.js
// with the MONGO_PASSWORD_<SERVICE> variables set in that shell.

const SERVICES = ["registry", "grants", "consultations", "notifications", "reporting",
                  "identity", "portal"];

for (const service of SERVICES) {
  const variable = `MONGO_PASSWORD_${service.toUpperCase()}`;
  const pwd = process.env[variable];
  if (!pwd) {
    throw new Error(`${variable} is not set: refusing to create the ${service} user`);
  }
  const target = db.getSiblingDB(service);
  const roles = [{ role: "readWrite", db: service }];
  if (target.getUser(service)) {
    target.updateUser(service, { pwd, roles });
    print(`updated user ${service} (readWrite on ${service})`);
  } else {
    target.createUser({ user: service, pwd, roles });
    print(`created user ${service} (readWrite on ${service})`);
  }
}
