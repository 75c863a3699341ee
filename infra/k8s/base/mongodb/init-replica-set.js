// Run by the Job `mongodb-init` (mongosh as the root user against mongodb-0): initiates the
// 3-member replica set rs0 once; running it again changes nothing. The services' users are then
// created by init-users.js (mounted next to it) with their passwords from Secrets.
const members = [0, 1, 2].map((i) => ({
  _id: i,
  host: `mongodb-${i}.mongodb-nodes.wspolpraca.svc.cluster.local:27017`,
}));
let initiated = false;
try {
  initiated = rs.status().ok === 1;
} catch (error) {
  initiated = false;
}
if (!initiated) {
  rs.initiate({ _id: "rs0", members });
  print("replica set rs0 initiated");
}
let tries = 0;
while (!db.hello().isWritablePrimary && tries < 120) {
  sleep(1000);
  tries += 1;
}
print(`primary: ${db.hello().primary}`);
