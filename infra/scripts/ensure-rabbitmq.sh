#!/usr/bin/env bash
# Makes sure a RabbitMQ broker answers on 127.0.0.1:5672: installs Debian's
# rabbitmq-server when it is missing and starts it when it is not running.
set -euo pipefail

answering() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

if answering; then
  exit 0
fi
if ! command -v rabbitmq-server >/dev/null 2>&1; then
  echo "RabbitMQ is not installed; installing Debian's rabbitmq-server" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q rabbitmq-server
fi
if ! answering; then
  echo "starting RabbitMQ" >&2
  rabbitmq-server -detached || true
  rabbitmqctl await_startup --timeout 120 >/dev/null 2>&1 || true
fi
for _ in $(seq 1 120); do
  answering && exit 0
  sleep 1
done
echo "RabbitMQ did not start on 127.0.0.1:5672" >&2
exit 1
