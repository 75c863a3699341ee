"""An SMTP server that requires a login (aiosmtpd), for the credentials test.

`python smtp_auth_server.py PORT MAILDIR USER PASSWORD`; runs until terminated. (Login over
plain text is allowed here because the test talks to 127.0.0.1.)"""

from __future__ import annotations

import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword


def main() -> None:
    port, maildir, user, password = sys.argv[1:5]

    def authenticator(server, session, envelope, mechanism, data):
        ok = (isinstance(data, LoginPassword) and data.login.decode() == user
              and data.password.decode() == password)
        return AuthResult(success=ok)

    controller = Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port),
                            authenticator=authenticator, auth_required=True,
                            auth_require_tls=False)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
