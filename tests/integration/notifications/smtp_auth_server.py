"""An SMTP server (aiosmtpd) that requires a login, optionally over TLS, for the credentials
and TLS tests.

`python smtp_auth_server.py PORT MAILDIR USER PASSWORD [none|starttls|ssl CERT KEY]`; runs
until terminated. Without TLS, login over plain text is allowed (the test talks to
127.0.0.1); with `starttls` the server refuses AUTH and mail before STARTTLS; with `ssl` the
connection is TLS from its first byte (implicit TLS, as on port 465)."""

from __future__ import annotations

import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword


def main() -> None:
    port, maildir, user, password = sys.argv[1:5]
    tls = sys.argv[5] if len(sys.argv) > 5 else "none"

    def authenticator(server, session, envelope, mechanism, data):
        ok = (isinstance(data, LoginPassword) and data.login.decode() == user
              and data.password.decode() == password)
        return AuthResult(success=ok)

    # (aiosmtpd's `auth_require_tls` only knows STARTTLS; an implicit-TLS connection is
    # encrypted from its first byte anyway)
    options: dict = {"authenticator": authenticator, "auth_required": True,
                     "auth_require_tls": tls == "starttls"}
    if tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(sys.argv[6], sys.argv[7])
        if tls == "starttls":
            options.update(tls_context=context, require_starttls=True)
        else:
            options.update(ssl_context=context)
    controller = Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port),
                            **options)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
